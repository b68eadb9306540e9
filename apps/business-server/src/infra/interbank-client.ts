// This bank's client of the other banks of the consortium, through each bank's gateway, each
// request signed with this bank's own private key (see interbank-signature). The legs' steps
// bound for one bank travel together (POST /interbank/v1/batch), each answered on its own.
// Every call is idempotent (by leg or packet id), so a call whose
// answer was lost is simply made again; a bank that cannot be reached is BANK_UNAVAILABLE
// (retryable), and the bank's own error codes come back as they are.
import { Pool, type Dispatcher } from 'undici';
import { BancaError, isErrorCode } from '@banca/core/errors';
import { INTERBANK_SIGNATURE_HEADER, type InterbankSigner } from '@banca/server-kit/interbank-signature';
import type { BankLink } from '../application/consortium/participant.js';
import type { CreditRecord, CreditRequest } from '../domain/credit.js';
import type { HoldRecord, HoldRequest } from '../domain/hold.js';
import type { PacketStateAnswer } from '../application/consortium/coordinator.js';
import type { LegStep, LegStepResult } from '../application/consortium/leg-steps.js';
import { GatherTimer } from '../application/gather-timer.js';
import type { RingStatus } from '../application/consortium/token-ring.js';

export interface PeerBank {
  bankId: number;
  name: string;
  url: string;
}

export interface InterbankBatching {
  sizeMax: number;
  bytesMax: number;
  lingerMs: number;
  inFlightMax: number;
  pendingMax: number;
}

export const INTERBANK_BATCH_DEFAULTS: InterbankBatching = { sizeMax: 64, bytesMax: 48 * 1024, lingerMs: 2, inFlightMax: 8, pendingMax: 20_000 };

export interface InterbankClientOptions {
  signer: InterbankSigner;
  timeoutMs: number;
  batch?: InterbankBatching;
}

interface QueuedStep {
  step: LegStep;
  /** The step as JSON, written once: its size bounds the batch, and the batch's body joins them. */
  json: string;
  /** Its bytes in the body, the comma after it included. */
  bytes: number;
  resolve: (record: HoldRecord | CreditRecord) => void;
  reject: (error: unknown) => void;
}

export class RemoteBank implements BankLink {
  private readonly pool: Pool;
  private queue: QueuedStep[] = [];
  private inFlight = 0;
  private readonly batching: InterbankBatching;
  private readonly timer: GatherTimer;
  /** False once the bank answered that it has no batch route. */
  private batchRoute = true;
  private lastCallReached = true;

  constructor(readonly peer: PeerBank, private readonly options: InterbankClientOptions) {
    this.batching = options.batch ?? INTERBANK_BATCH_DEFAULTS;
    this.timer = new GatherTimer(this.batching.lingerMs, () => this.flush());
    this.pool = new Pool(peer.url, {
      connections: 32,
      headersTimeout: options.timeoutMs,
      bodyTimeout: options.timeoutMs,
      connectTimeout: Math.min(options.timeoutMs, 2000),
    });
  }

  /** Whether the last call reached the bank (true before the first): see BankLink.answering. */
  get answering(): boolean {
    return this.lastCallReached;
  }

  hold(request: HoldRequest): Promise<HoldRecord> {
    return this.step({ op: 'hold', hold: request }) as Promise<HoldRecord>;
  }

  post(legId: string, _coordinatorBank?: number, receiverName?: string): Promise<HoldRecord> {
    return this.step({ op: 'post', legId, ...(receiverName ? { receiverName } : {}) }) as Promise<HoldRecord>;
  }

  cancel(legId: string): Promise<HoldRecord> {
    return this.step({ op: 'cancel', legId }) as Promise<HoldRecord>;
  }

  prepareCredit(request: CreditRequest): Promise<CreditRecord> {
    return this.step({ op: 'credit', credit: request }) as Promise<CreditRecord>;
  }

  applyCredit(request: CreditRequest): Promise<CreditRecord> {
    return this.step({ op: 'apply', credit: request }) as Promise<CreditRecord>;
  }

  commitCredit(legId: string): Promise<CreditRecord> {
    return this.step({ op: 'commit', legId }) as Promise<CreditRecord>;
  }

  voidCredit(legId: string): Promise<CreditRecord> {
    return this.step({ op: 'void', legId }) as Promise<CreditRecord>;
  }

  /** How many requests and steps went to this bank (the tests' counters). */
  readonly sent = { batches: 0, steps: 0 };

  /** A leg's step: queued, and sent with the others bound for this bank in one batch request. */
  private step(step: LegStep): Promise<HoldRecord | CreditRecord> {
    if (this.queue.length >= this.batching.pendingMax) {
      return Promise.reject(new BancaError('TOO_MANY_REQUESTS', `More than ${this.batching.pendingMax} interbank steps are waiting for bank ${this.peer.bankId}; retry shortly.`));
    }
    return new Promise((resolve, reject) => {
      const json = JSON.stringify(step);
      this.queue.push({ step, json, bytes: Buffer.byteLength(json) + 1, resolve, reject });
      this.schedule();
    });
  }

  private schedule(): void {
    this.timer.queued(this.queue.length >= this.batching.sizeMax, this.inFlight === 0);
  }

  private flush(): void {
    this.timer.clear();
    while (this.inFlight < this.batching.inFlightMax && this.queue.length > 0) {
      let bytes = 0;
      let count = 0;
      while (count < this.queue.length && count < this.batching.sizeMax && (count === 0 || bytes + this.queue[count]!.bytes <= this.batching.bytesMax)) {
        bytes += this.queue[count]!.bytes;
        count++;
      }
      const batch = this.queue.splice(0, count);
      this.inFlight++;
      void this.send(batch).finally(() => {
        this.inFlight--;
        if (this.queue.length > 0) this.schedule();
      });
    }
  }

  private async send(batch: QueuedStep[]): Promise<void> {
    this.sent.batches++;
    this.sent.steps += batch.length;
    if (!this.batchRoute) {
      await Promise.all(batch.map((item) => this.single(item.step).then(item.resolve, item.reject)));
      return;
    }
    let answer: { results: LegStepResult[] };
    try {
      answer = await this.request('POST', '/interbank/v1/batch', `{"steps":[${batch.map((item) => item.json).join(',')}]}`);
    } catch (error) {
      if (error instanceof BancaError && error.code === 'ROUTE_NOT_FOUND') {
        // A bank of an older version: step by step on the routes of each step.
        this.batchRoute = false;
        await Promise.all(batch.map((item) => this.single(item.step).then(item.resolve, item.reject)));
        return;
      }
      for (const item of batch) item.reject(error);
      return;
    }
    batch.forEach((item, index) => {
      const result = answer.results[index];
      if (!result) item.reject(new BancaError('INTERNAL', `Bank ${this.peer.bankId} answered ${answer.results.length} steps of ${batch.length}.`));
      else if (result.ok) item.resolve(result.record);
      else item.reject(new BancaError(isErrorCode(result.error.code) ? result.error.code : 'INTERNAL', result.error.message));
    });
  }

  /** One step on its own route (banks without the batch route). */
  private single(step: LegStep): Promise<HoldRecord | CreditRecord> {
    const leg = (legId: string) => encodeURIComponent(legId);
    switch (step.op) {
      case 'hold':
        return this.call('POST', '/interbank/v1/holds', step.hold);
      case 'post':
        return this.call('POST', `/interbank/v1/holds/${leg(step.legId)}/post`, step.receiverName ? { receiverName: step.receiverName } : {});
      case 'cancel':
        return this.call('POST', `/interbank/v1/holds/${leg(step.legId)}/cancel`, {});
      case 'credit':
        return this.call('POST', '/interbank/v1/credits', step.credit);
      case 'apply':
        return this.call('POST', '/interbank/v1/credits/apply', step.credit);
      case 'commit':
        return this.call('POST', `/interbank/v1/credits/${leg(step.legId)}/commit`, {});
      case 'void':
        return this.call('POST', `/interbank/v1/credits/${leg(step.legId)}/void`, {});
    }
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

  private call<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
    return this.request(method, path, body === undefined ? undefined : JSON.stringify(body));
  }

  /** One signed request with its body already as JSON. */
  private async request<T>(method: 'GET' | 'POST', path: string, text: string | undefined): Promise<T> {
    // Signed anew on every call (a fresh jti and timestamp): a retry is a new request, never a replay.
    const signature = await this.options.signer.sign(this.peer.bankId, method, path, text);
    const headers: Record<string, string> = { 'bank-id': String(this.options.signer.bankId), [INTERBANK_SIGNATURE_HEADER]: signature };
    if (text !== undefined) headers['content-type'] = 'application/json';
    let response: Dispatcher.ResponseData;
    try {
      response = await this.pool.request({ method, path, headers, body: text });
    } catch (cause) {
      this.lastCallReached = false;
      throw new BancaError('BANK_UNAVAILABLE', `Bank ${this.peer.bankId} (${this.peer.name}) cannot be reached: ${(cause as Error).message}.`, { cause });
    }
    const answer: unknown = await response.body.json().catch(() => undefined);
    // A gateway with no live business server answers 502/503: the bank is down for us.
    const error = response.statusCode >= 200 && response.statusCode < 300 ? null : BancaError.fromBody(response.statusCode, answer);
    const down = error !== null && (error.code === 'BAD_GATEWAY' || error.code === 'UNAVAILABLE' || error.code === 'UPSTREAM_TIMEOUT');
    this.lastCallReached = !down;
    if (error === null) return answer as T;
    if (down) throw new BancaError('BANK_UNAVAILABLE', `Bank ${this.peer.bankId} (${this.peer.name}) is unavailable: ${error.message}`);
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
