// The business server's client of its data servers (the v1 protocol), over keep-alive pools.
// With several data servers (a PostgreSQL store shared by them) requests are spread over them by
// an undici BalancedPool, and a request that could not reach one is sent to another: every call
// is safe to repeat (locks renew, commits and enqueues are idempotent by id, reads are reads),
// except a queue claim and a counter's hit or forget, which are repeated only when never sent
// (a repeated hit would count twice). Every error comes back as
// a BancaError: the data server's own code when it answered, and UNAVAILABLE or UPSTREAM_TIMEOUT
// (both retryable) when none could be reached in time.
import { BalancedPool, type Dispatcher } from 'undici';
import { BancaError } from '@banca/core/errors';
import type {
  ClaimResponse, CommitRequest, CommitResponse, EnqueueResponse, LimitForget, LimitHit, LimitHitsResponse, LockResponse, QueueEntry,
  QueuedOperation, RefusalRecord, StoredRecord, TransferRecord,
} from '@banca/core/protocol';

export interface DataClientOptions {
  urls: readonly string[];
  businessId: string;
  businessKey: string;
  timeoutMs: number;
  connections?: number;
}

export class DataClient {
  private readonly pool: BalancedPool;

  constructor(private readonly options: DataClientOptions) {
    this.pool = new BalancedPool([...options.urls], {
      connections: options.connections ?? 16,
      pipelining: 1,
      headersTimeout: options.timeoutMs,
      bodyTimeout: options.timeoutMs,
      connectTimeout: Math.min(options.timeoutMs, 2000),
    });
  }

  lock(accountIds: string[], leaseMs: number, lookupTransferIds: string[], requestId?: string): Promise<LockResponse> {
    return this.call('POST', '/v1/locks', { accountIds, leaseMs, lookupTransferIds }, requestId);
  }

  release(accountIds: string[], requestId?: string): Promise<unknown> {
    return this.call('POST', '/v1/locks/release', { accountIds }, requestId);
  }

  commit(request: CommitRequest, requestId?: string): Promise<CommitResponse> {
    return this.call('POST', '/v1/commits', request, requestId);
  }

  account(accountId: string, requestId?: string): Promise<{ accountId: string; balanceCents: number }> {
    return this.call('GET', `/v1/accounts/${encodeURIComponent(accountId)}`, undefined, requestId);
  }

  history(accountId: string, limit: number, requestId?: string): Promise<{ accountId: string; transfers: TransferRecord[] }> {
    return this.call('GET', `/v1/accounts/${encodeURIComponent(accountId)}/history?limit=${limit}`, undefined, requestId);
  }

  refusal(operationId: string, requestId?: string): Promise<RefusalRecord> {
    return this.call('GET', `/v1/refusals/${encodeURIComponent(operationId)}`, undefined, requestId);
  }

  transfer(transferId: string, requestId?: string): Promise<TransferRecord> {
    return this.call('GET', `/v1/transfers/${encodeURIComponent(transferId)}`, undefined, requestId);
  }

  /** The records of these keys that exist (1 to 1000 keys), in the order of keys. */
  async readRecords(collection: string, keys: readonly string[], requestId?: string): Promise<StoredRecord[]> {
    const answer = await this.call<{ records: StoredRecord[] }>('POST', '/v1/records/read', { collection, keys }, requestId);
    return answer.records;
  }

  /** Records of a collection carrying this tag, newest first (limit at most 1000). */
  async listRecords(collection: string, tag: string, limit: number, requestId?: string): Promise<StoredRecord[]> {
    const path = `/v1/records/${encodeURIComponent(collection)}?tag=${encodeURIComponent(tag)}&limit=${limit}`;
    const answer = await this.call<{ records: StoredRecord[] }>('GET', path, undefined, requestId);
    return answer.records;
  }

  /** A page of the records carrying this tag, oldest first, after the `next` of the previous page
   *  (null: from the oldest); `next` is null on the last page. */
  pageRecords(collection: string, tag: string, limit: number, after: string | null, requestId?: string): Promise<{ records: StoredRecord[]; next: string | null }> {
    const cursor = after === null ? '' : `&after=${encodeURIComponent(after)}`;
    const path = `/v1/records/${encodeURIComponent(collection)}?tag=${encodeURIComponent(tag)}&limit=${limit}&order=oldest${cursor}`;
    return this.call('GET', path, undefined, requestId);
  }

  enqueue(operationId: string, operation: QueuedOperation, requestId?: string): Promise<EnqueueResponse> {
    return this.call('POST', '/v1/queue', { operationId, operation }, requestId);
  }

  queueEntry(operationId: string, requestId?: string): Promise<QueueEntry> {
    return this.call('GET', `/v1/queue/${encodeURIComponent(operationId)}`, undefined, requestId);
  }

  claim(minCount: number, maxCount: number, leaseMs: number): Promise<ClaimResponse> {
    return this.call('POST', '/v1/queue/claim', { minCount, maxCount, leaseMs }, undefined, { repeatable: false });
  }

  /** Counts a hit on every counter, or on none when one is full (the bank's shared log-in limits). */
  hitLimits(hits: readonly LimitHit[], requestId?: string): Promise<LimitHitsResponse> {
    return this.call('POST', '/v1/limits/hits', { hits }, requestId, { repeatable: false });
  }

  /** Takes back a hit (atMs) or resets a key (no atMs). */
  async forgetLimits(forget: readonly LimitForget[], requestId?: string): Promise<void> {
    await this.call('POST', '/v1/limits/forget', { forget }, requestId, { repeatable: false });
  }

  async ready(): Promise<boolean> {
    try {
      const response = await this.pool.request({ method: 'GET', path: '/ready', headersTimeout: 1000, bodyTimeout: 1000 });
      await response.body.dump();
      return response.statusCode === 200;
    } catch {
      return false;
    }
  }

  close(): Promise<void> {
    return this.pool.close();
  }

  private async call<T>(method: 'GET' | 'POST', path: string, body: unknown, requestId?: string, { repeatable = true } = {}): Promise<T> {
    const headers: Record<string, string> = {
      'auth-token': this.options.businessKey,
      'business-id': this.options.businessId,
    };
    if (requestId) headers['x-request-id'] = requestId;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const attempts = this.options.urls.length;
    let failure: unknown;
    for (let attempt = 1; attempt <= attempts; attempt++) {
      let response: Dispatcher.ResponseData;
      try {
        response = await this.pool.request({ method, path, headers, body: payload });
      } catch (cause) {
        failure = cause;
        if (repeatable || NEVER_SENT.has(errorCode(cause))) continue;
        break;
      }
      const answer: unknown = await response.body.json().catch(() => undefined);
      if (response.statusCode >= 200 && response.statusCode < 300) return answer as T;
      throw BancaError.fromBody(response.statusCode, answer);
    }
    const timedOut = TIMEOUTS.has(errorCode(failure));
    throw new BancaError(
      timedOut ? 'UPSTREAM_TIMEOUT' : 'UNAVAILABLE',
      timedOut ? 'The data server did not answer in time; retry with the same idempotency key.' : 'No data server can be reached; retry with the same idempotency key.',
      { cause: failure },
    );
  }
}

const NEVER_SENT = new Set(['ECONNREFUSED', 'UND_ERR_CONNECT_TIMEOUT']);
const TIMEOUTS = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'UND_ERR_CONNECT_TIMEOUT']);

function errorCode(error: unknown): string {
  return (error as { code?: string } | undefined)?.code ?? '';
}
