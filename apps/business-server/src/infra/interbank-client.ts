// This bank's client of the other banks of the consortium, through each bank's gateway, each
// request signed with this bank's own private key (see interbank-signature). Every call is idempotent (by leg or packet id), so a call whose
// answer was lost is simply made again; a bank that cannot be reached is BANK_UNAVAILABLE
// (retryable), and the bank's own error codes come back as they are.
import { Pool, type Dispatcher } from 'undici';
import { BancaError } from '@banca/core/errors';
import { INTERBANK_SIGNATURE_HEADER, type InterbankSigner } from '@banca/server-kit/interbank-signature';
import type { BankLink, CreditRecord, CreditRequest, HoldRecord, HoldRequest } from '../application/consortium/participant.js';
import type { PacketStateAnswer } from '../application/consortium/coordinator.js';
import type { RingStatus } from '../application/consortium/token-ring.js';

export interface PeerBank {
  bankId: number;
  name: string;
  url: string;
}

export interface InterbankClientOptions {
  signer: InterbankSigner;
  timeoutMs: number;
}

export class RemoteBank implements BankLink {
  private readonly pool: Pool;

  constructor(readonly peer: PeerBank, private readonly options: InterbankClientOptions) {
    this.pool = new Pool(peer.url, {
      connections: 32,
      headersTimeout: options.timeoutMs,
      bodyTimeout: options.timeoutMs,
      connectTimeout: Math.min(options.timeoutMs, 2000),
    });
  }

  hold(request: HoldRequest): Promise<HoldRecord> {
    return this.call('POST', '/interbank/v1/holds', request);
  }

  post(legId: string, _coordinatorBank?: number, receiverName?: string): Promise<HoldRecord> {
    return this.call('POST', `/interbank/v1/holds/${encodeURIComponent(legId)}/post`, receiverName ? { receiverName } : {});
  }

  cancel(legId: string): Promise<HoldRecord> {
    return this.call('POST', `/interbank/v1/holds/${encodeURIComponent(legId)}/cancel`, {});
  }

  prepareCredit(request: CreditRequest): Promise<CreditRecord> {
    return this.call('POST', '/interbank/v1/credits', request);
  }

  commitCredit(legId: string): Promise<CreditRecord> {
    return this.call('POST', `/interbank/v1/credits/${encodeURIComponent(legId)}/commit`, {});
  }

  voidCredit(legId: string): Promise<CreditRecord> {
    return this.call('POST', `/interbank/v1/credits/${encodeURIComponent(legId)}/void`, {});
  }

  packetState(packetId: string): Promise<{ packetId: string; state: string }> {
    return this.call('GET', `/interbank/v1/packets/${encodeURIComponent(packetId)}`);
  }

  /** How many packets coordinated there stand, one request for at most PACKET_STATES_MAX ids. A bank
   *  without the batch route (an older version) is asked packet by packet. */
  async packetStates(packetIds: readonly string[]): Promise<PacketStateAnswer[]> {
    try {
      const answer = await this.call<{ packets: PacketStateAnswer[] }>('POST', '/interbank/v1/packets/states', { packetIds });
      return answer.packets;
    } catch (error) {
      if (!(error instanceof BancaError && error.code === 'ROUTE_NOT_FOUND')) throw error;
    }
    return Promise.all(packetIds.map((packetId) => this.packetState(packetId).then(
      (packet) => ({ packetId, state: packet.state as PacketStateAnswer['state'] }),
      (error: unknown) => {
        if (error instanceof BancaError && error.code === 'TRANSFER_NOT_FOUND') return { packetId, state: 'unknown' as const };
        throw error;
      },
    )));
  }

  lookupKey(key: string): Promise<KeyLookup> {
    return this.call('POST', '/interbank/v1/keys/lookup', { key });
  }

  accountsOf(document: string): Promise<DocumentAccounts> {
    return this.call('GET', `/interbank/v1/documents/${encodeURIComponent(document)}`);
  }

  sendToken(token: unknown): Promise<unknown> {
    return this.call('POST', '/interbank/v1/token', token);
  }

  /** The bank's token-ring status, null when it cannot be reached or does not answer it. */
  async ringStatus(): Promise<RingStatus | null> {
    try {
      return await this.call<RingStatus>('GET', '/interbank/v1/ring');
    } catch {
      return null;
    }
  }

  async ping(): Promise<boolean> {
    try {
      await this.call('GET', '/interbank/v1/ping');
      return true;
    } catch {
      return false;
    }
  }

  close(): Promise<void> {
    return this.pool.close();
  }

  private async call<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
    const text = body === undefined ? undefined : JSON.stringify(body);
    // Signed anew on every call (a fresh jti and timestamp): a retry is a new request, never a replay.
    const signature = await this.options.signer.sign(this.peer.bankId, method, path, text);
    const headers: Record<string, string> = { 'bank-id': String(this.options.signer.bankId), [INTERBANK_SIGNATURE_HEADER]: signature };
    if (text !== undefined) headers['content-type'] = 'application/json';
    let response: Dispatcher.ResponseData;
    try {
      response = await this.pool.request({ method, path, headers, body: text });
    } catch (cause) {
      throw new BancaError('BANK_UNAVAILABLE', `Bank ${this.peer.bankId} (${this.peer.name}) cannot be reached: ${(cause as Error).message}.`, { cause });
    }
    const answer: unknown = await response.body.json().catch(() => undefined);
    if (response.statusCode >= 200 && response.statusCode < 300) return answer as T;
    const error = BancaError.fromBody(response.statusCode, answer);
    // A gateway with no live business server answers 502/503: the bank is down for us.
    if (error.code === 'BAD_GATEWAY' || error.code === 'UNAVAILABLE' || error.code === 'UPSTREAM_TIMEOUT') {
      throw new BancaError('BANK_UNAVAILABLE', `Bank ${this.peer.bankId} (${this.peer.name}) is unavailable: ${error.message}`);
    }
    throw error;
  }
}

export interface KeyLookup {
  bankId: number;
  bankName: string;
  name: string;
  documentMasked: string;
  keyKind: string;
}

export interface DocumentAccounts {
  bankId: number;
  bankName: string;
  accounts: { accountId: string; type: string; joint: boolean; holderNames: string[] }[];
}
