// The TypeScript SDK for a banca bank (through its gateway). Every mutation carries an
// idempotency key, chosen here unless given, and is retried with the same key on retryable
// errors (lock conflicts, restarts, timeouts), so a retry never moves money twice.
import { randomUUID } from 'node:crypto';
import { Pool } from 'undici';
import { BancaError } from '@banca/core/errors';
import { retry } from '@banca/core/retry';

export interface BancaClientOptions {
  /** The bank's gateway, e.g. http://127.0.0.1:8100 */
  url: string;
  clientId: string;
  key: string;
  /** Attempts after the first, for retryable errors. */
  retriesMax?: number;
  timeoutMs?: number;
  connections?: number;
}

export interface Completed {
  status: 'completed';
  operationId: string;
  kind: 'deposit' | 'withdrawal' | 'transfer';
  accountId: string;
  toAccountId?: string;
  amount: string;
  amountCents: number;
  balance: string;
  balanceCents: number;
  replayed: boolean;
}

export interface Queued {
  status: 'queued' | 'applied' | 'rejected';
  operationId: string;
  pendingCount: number;
  replayed: boolean;
}

export interface Balance {
  accountId: string;
  balance: string;
  balanceCents: number;
}

export interface MutationOptions {
  idempotencyKey?: string;
}

export interface RawResponse {
  status: number;
  body: unknown;
  headers: Record<string, string | string[] | undefined>;
}

export class BancaClient {
  private readonly pool: Pool;
  private readonly retriesMax: number;

  constructor(private readonly options: BancaClientOptions) {
    this.retriesMax = options.retriesMax ?? 4;
    const timeoutMs = options.timeoutMs ?? 15_000;
    this.pool = new Pool(options.url, { connections: options.connections ?? 8, headersTimeout: timeoutMs, bodyTimeout: timeoutMs });
  }

  /** @example await client.deposit('1', '10.50') // { status: 'completed', balance: '10.50', ... } */
  deposit(accountId: string, amount: string, options: MutationOptions = {}): Promise<Completed | Queued> {
    return this.mutate('/v1/deposits', { accountId, amount }, options);
  }

  /** @example await client.withdraw('1', '2.25') */
  withdraw(accountId: string, amount: string, options: MutationOptions = {}): Promise<Completed | Queued> {
    return this.mutate('/v1/withdrawals', { accountId, amount }, options);
  }

  /** @example await client.transfer('1', '2', '5') */
  transfer(fromAccountId: string, toAccountId: string, amount: string, options: MutationOptions = {}): Promise<Completed | Queued> {
    return this.mutate('/v1/transfers', { fromAccountId, toAccountId, amount }, options);
  }

  /** @example (await client.balance('1')).balance // '8.25' */
  async balance(accountId: string): Promise<Balance> {
    return this.expectOk(await this.withRetries(() => this.request('GET', `/v1/accounts/${encodeURIComponent(accountId)}`)));
  }

  async history(accountId: string, limit = 20): Promise<{ accountId: string; entries: unknown[] }> {
    return this.expectOk(await this.withRetries(() => this.request('GET', `/v1/accounts/${encodeURIComponent(accountId)}/history?limit=${limit}`)));
  }

  /** Where an operation stands, by the idempotency key it was sent with. */
  async operation(idempotencyKey: string): Promise<Completed | Queued | { status: string }> {
    return this.expectOk(await this.withRetries(() => this.request('GET', `/v1/operations/${encodeURIComponent(idempotencyKey)}`)));
  }

  /** One request with this client's credentials, no retries: for checks and odd routes. */
  async request(method: 'GET' | 'POST', path: string, options: { body?: unknown; headers?: Record<string, string>; authenticate?: boolean } = {}): Promise<RawResponse> {
    const headers: Record<string, string> = { ...options.headers };
    if (options.authenticate !== false) {
      headers['client-id'] = this.options.clientId;
      headers['auth-token'] = this.options.key;
    }
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    const response = await this.pool.request({ method, path, headers, body: options.body === undefined ? undefined : JSON.stringify(options.body) });
    const text = await response.body.text();
    let body: unknown = text;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      // not JSON: keep the text
    }
    return { status: response.statusCode, body, headers: response.headers };
  }

  close(): Promise<void> {
    return this.pool.close();
  }

  private async mutate<T>(path: string, body: unknown, options: MutationOptions): Promise<T> {
    const idempotencyKey = options.idempotencyKey ?? randomUUID();
    const response = await this.withRetries(() => this.request('POST', path, { body, headers: { 'idempotency-key': idempotencyKey } }));
    const payload = this.expectOk<Record<string, unknown>>(response);
    return (response.status === 202 ? payload : { status: 'completed', ...payload }) as T;
  }

  private expectOk<T>(response: RawResponse): T {
    if (response.status >= 200 && response.status < 300) return response.body as T;
    throw BancaError.fromBody(response.status, response.body);
  }

  /**
   * Sends again while the answer is a retryable error or none came: retriesMax more times, 25, 50
   * … 1000 ms apart (±50 %). `send` closes over its idempotency key, so every attempt reuses it.
   */
  private async withRetries(send: () => Promise<RawResponse>): Promise<RawResponse> {
    try {
      return await retry(async () => {
        const response = await send();
        if (response.status >= 400 && BancaError.fromBody(response.status, response.body).retryable) throw new RetryableAnswer(response);
        return response;
      }, { attempts: this.retriesMax + 1, baseDelayMs: 25, maxDelayMs: 1000, jitter: 0.5 });
    } catch (failure) {
      // Out of attempts: the last answer, a retryable error, is the caller's to read; no answer at all is UNAVAILABLE.
      if (failure instanceof RetryableAnswer) return failure.response;
      throw new BancaError('UNAVAILABLE', `Cannot reach ${this.options.url}: ${(failure as Error).message}`, { cause: failure });
    }
  }
}

/** A failed answer worth another attempt, thrown to the retry loop and handed back at its end. */
class RetryableAnswer extends Error {
  constructor(readonly response: RawResponse) {
    super(`retryable answer ${response.status}`);
  }
}
