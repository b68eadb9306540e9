// The PostgreSQL ledger store: the same rules as the embedded stores (embedded-store.ts), with
// every piece of state in the database so several data-server instances can share it. Each
// lock/unlock/commit/claim is one READ COMMITTED transaction. It first takes transaction-scoped
// advisory locks on every account it touches (system accounts included), in one statement and
// in key order, so transactions on the same account run one after the other and never deadlock;
// rows it decides on are then read FOR UPDATE. Leases use the database's clock, fencing tokens a
// SEQUENCE (they grow across restarts), and a commit is validated fully before its set-wise writes.
// A commit's records get advisory locks too (so commits on one record also run one after the
// other), and are written only at the version read: a racing writer makes the commit roll back.
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import type { PoolClient } from 'pg';
import { canonicalJson } from '@banca/core/canonical-json';
import { BancaError, invariant } from '@banca/core/errors';
import { inTransaction, openPool, RETRYABLE_SQLSTATES } from '@banca/store-kit/postgres';
import { isSystemAccount, SYSTEM_ACCOUNTS } from '@banca/core/ids';
import { BALANCE_CENTS_MAX } from '@banca/core/money';
import { retry } from '@banca/core/retry';
import type {
  AuditReport, ClaimResponse, CommitRequest, CommitResponse, EnqueueResponse, FenceRef, LockConflict,
  QueueEntry, QueueResult, QueuedOperation, RecordWrite, RefusalRecord, StoredRecord, TransferRecord,
} from '@banca/core/protocol';
import type { AccountView, CommitOptions, LedgerStore, LockInfo, LockOutcome, RecordPosition, UnlockOutcome } from '../ledger-store.js';
import {
  adjustments, belowZero, duplicateRecord, hashCommit, idsTaken, lockError, operationIds, recordTags, REFUSALS, refusalWrites, repeatedId, sameCommitRequest, toRefusal, versionConflict,
} from '../ledger-rules.js';
import { toQueueEntry, toTransfer, type QueueRow, type TransferRow } from '../ledger-rows.js';
import { ACCOUNT_LOCK_SEED, NOW_MS, SCHEMA, SCHEMA_LOCK_KEY } from './schema.js';
import { countLimitRows, forgetLimits, hitLimits, LIMIT_SCHEMA } from './postgres-limits.js';
import { duplicateLimit, type HashedForget, type HashedHit, type HitsOutcome } from '../limit-rules.js';

const RETRIES_MAX = 5;

interface Lease {
  businessId: string;
  fence: number;
  expiresAtMs: number;
}

type HeldCheck =
  | { ok: true }
  | { ok: false; code: 'ACCOUNT_LOCKED' | 'LOCK_NOT_HELD' | 'STALE_FENCING_TOKEN'; accountId: string; ownerBusinessId?: string };

export class PostgresStore implements LedgerStore {
  readonly kind = 'postgres' as const;
  private closed = false;

  private constructor(private readonly pool: pg.Pool) {}

  /** Connects, creates the schema if missing (safe when several instances start at once). */
  static async open(url: string, options: { poolSize?: number } = {}): Promise<PostgresStore> {
    return new PostgresStore(await openPool(url, { poolSize: options.poolSize ?? 10, schema: SCHEMA + LIMIT_SCHEMA, schemaLockKey: SCHEMA_LOCK_KEY }));
  }

  async lock(businessId: string, accountIds: readonly string[], leaseMs: number, lookupTransferIds: readonly string[] = []):
    Promise<LockOutcome & { knownTransfers: TransferRecord[]; knownRefusals: RefusalRecord[] }> {
    this.assertOpen();
    const unique = [...new Set(accountIds)];
    return this.transaction(async (client) => {
      const now = await lockAccounts(client, unique);
      // Under the accounts' mutexes (a new snapshot in READ COMMITTED): a commit of these ids that
      // held them a moment ago is seen, so a retry racing its original gets the original's answer.
      const knownTransfers = await selectTransfers(client, lookupTransferIds);
      const knownRefusals = (await selectRecords(client, lookupTransferIds.map((key) => ({ collection: REFUSALS, key })))).map(toRefusal);
      const leases = await liveLeases(client, unique, now);
      const conflicts: LockConflict[] = [];
      for (const accountId of accountIds) {
        const lease = leases.get(accountId);
        if (lease && lease.businessId !== businessId) {
          conflicts.push({ accountId, ownerBusinessId: lease.businessId, expiresAtMs: lease.expiresAtMs });
        }
      }
      if (conflicts.length > 0) return { ok: false as const, conflicts, knownTransfers, knownRefusals };
      const expiresAtMs = now + leaseMs;
      // The caller's live leases keep their token (a renewal); the others get a new one.
      const kept = unique.map((accountId) => leases.get(accountId)?.fence ?? null);
      const granted = await client.query<{ account_id: string; fence: number }>(
        `INSERT INTO locks (account_id, business_id, fence, expires_at_ms)
         SELECT g.account_id, $3, coalesce(g.fence, nextval('fencing_tokens')), $4
           FROM unnest($1::text[], $2::bigint[]) WITH ORDINALITY AS g(account_id, fence, ord) ORDER BY g.ord
         ON CONFLICT (account_id) DO UPDATE
           SET business_id = excluded.business_id, fence = excluded.fence, expires_at_ms = excluded.expires_at_ms
         RETURNING account_id, fence`,
        [unique, kept, businessId, expiresAtMs],
      );
      const fences = new Map(granted.rows.map((row) => [row.account_id, row.fence]));
      const balances = await selectBalances(client, unique);
      const grants = accountIds.map((accountId) => {
        const fence = fences.get(accountId);
        invariant(fence !== undefined, 'every granted account has a fencing token');
        const balance = balances.get(accountId);
        return { accountId, fence, expiresAtMs, exists: balance !== undefined, balanceCents: balance ?? 0 };
      });
      return { ok: true as const, grants, knownTransfers, knownRefusals };
    });
  }

  async unlock(businessId: string, accountIds: readonly string[], fence?: number): Promise<UnlockOutcome> {
    this.assertOpen();
    const unique = [...new Set(accountIds)];
    return this.transaction(async (client) => {
      const now = await lockAccounts(client, unique);
      const leases = await liveLeases(client, unique, now);
      const held: string[] = [];
      const notHeld: string[] = [];
      for (const accountId of accountIds) {
        const lease = leases.get(accountId);
        if (!lease) {
          notHeld.push(accountId);
        } else if (lease.businessId !== businessId) {
          return { ok: false as const, code: 'ACCOUNT_LOCKED' as const, accountId, ownerBusinessId: lease.businessId };
        } else if (fence !== undefined && lease.fence !== fence) {
          return { ok: false as const, code: 'STALE_FENCING_TOKEN' as const, accountId };
        } else {
          held.push(accountId);
        }
      }
      // Released leases go, and expired ones of these accounts with them.
      await client.query('DELETE FROM locks WHERE account_id = ANY($1::text[]) AND (account_id = ANY($2::text[]) OR expires_at_ms <= $3)', [unique, held, now]);
      return { ok: true as const, released: held, notHeld };
    });
  }

  async lockInfo(accountId: string): Promise<LockInfo | null> {
    this.assertOpen();
    const result = await this.query<{ business_id: string; fence: number; expires_at_ms: number }>(
      `SELECT business_id, fence, expires_at_ms FROM locks WHERE account_id = $1 AND expires_at_ms > ${NOW_MS}`, [accountId]);
    const row = result.rows[0];
    return row ? { accountId, ownerBusinessId: row.business_id, fence: row.fence, expiresAtMs: row.expires_at_ms } : null;
  }

  async readAccounts(accountIds: readonly string[]): Promise<AccountView[]> {
    this.assertOpen();
    const balances = await this.withClient((client) => selectBalances(client, accountIds));
    return accountIds.map((accountId) => {
      const balance = balances.get(accountId);
      return { accountId, exists: balance !== undefined, balanceCents: balance ?? 0 };
    });
  }

  async findTransfers(transferIds: readonly string[]): Promise<TransferRecord[]> {
    this.assertOpen();
    return this.withClient((client) => selectTransfers(client, transferIds));
  }

  async readRecords(collection: string, keys: readonly string[]): Promise<StoredRecord[]> {
    this.assertOpen();
    return this.withClient((client) => selectRecords(client, keys.map((key) => ({ collection, key }))));
  }

  async listRecords(collection: string, tag: string, limit: number): Promise<StoredRecord[]> {
    this.assertOpen();
    const result = await this.query<RecordRow>(
      `SELECT r.collection, r.key, r.version, r.value, r.tags, r.updated_at_ms FROM record_tags t
         JOIN records r ON r.collection = t.collection AND r.key = t.key
        WHERE t.collection = $1 AND t.tag = $2 ORDER BY t.updated_at_ms DESC, t.key LIMIT $3`,
      [collection, tag, limit],
    );
    return result.rows.map(toRecord);
  }

  async pageRecords(collection: string, tag: string, limit: number, after: RecordPosition | null): Promise<StoredRecord[]> {
    this.assertOpen();
    // record_tags_newest read backwards; the first condition bounds the range, the second skips
    // the records of the cursor's millisecond already given. No cursor: every record.
    const fromMs = after?.updatedAtMs ?? -1;
    const result = await this.query<RecordRow>(
      `SELECT r.collection, r.key, r.version, r.value, r.tags, r.updated_at_ms FROM record_tags t
         JOIN records r ON r.collection = t.collection AND r.key = t.key
        WHERE t.collection = $1 AND t.tag = $2 AND t.updated_at_ms >= $3 AND (t.updated_at_ms > $3 OR t.key < $4)
        ORDER BY t.updated_at_ms, t.key DESC LIMIT $5`,
      [collection, tag, fromMs, after?.key ?? '', limit],
    );
    return result.rows.map(toRecord);
  }

  async commit(request: CommitRequest, options: CommitOptions): Promise<CommitResponse> {
    this.assertOpen();
    const requestHash = hashCommit(request);
    return this.transaction((client) => applyCommit(client, request, options, requestHash));
  }

  async enqueue(businessId: string, operationId: string, operation: QueuedOperation): Promise<EnqueueResponse> {
    this.assertOpen();
    return this.transaction(async (client) => {
      const inserted = await client.query<QueueRow>(
        `INSERT INTO queue (operation_id, business_id, operation, status, result, enqueued_at)
         VALUES ($1, $2, $3, 'pending', NULL, ${NOW_MS}) ON CONFLICT (operation_id) DO NOTHING RETURNING *`,
        [operationId, businessId, JSON.stringify(operation)],
      );
      let row = inserted.rows[0];
      const replayed = row === undefined;
      if (!row) {
        row = (await client.query<QueueRow>('SELECT * FROM queue WHERE operation_id = $1', [operationId])).rows[0];
        invariant(row, 'a conflicting queue entry exists');
        if (canonicalJson(JSON.parse(row.operation)) !== canonicalJson(operation)) {
          throw new BancaError('IDEMPOTENCY_CONFLICT', `Operation ${operationId} was already queued with a different body.`);
        }
      }
      return { entry: toQueueEntry(row), pendingCount: await pendingCount(client), replayed };
    });
  }

  async queueEntry(operationId: string): Promise<QueueEntry | null> {
    this.assertOpen();
    const row = (await this.query<QueueRow>('SELECT * FROM queue WHERE operation_id = $1', [operationId])).rows[0];
    return row ? toQueueEntry(row) : null;
  }

  async claimQueue(businessId: string, minCount: number, maxCount: number, leaseMs: number): Promise<ClaimResponse> {
    this.assertOpen();
    return this.transaction(async (client) => {
      const claim = await lockClaim(client);
      const pending = await pendingCount(client);
      const busy = claim.claimId !== null && claim.expiresAtMs > claim.now;
      if (busy || pending < minCount) return { claimId: null, entries: [], pendingCount: pending };
      const rows = await client.query<QueueRow>("SELECT * FROM queue WHERE status = 'pending' ORDER BY seq LIMIT $1", [maxCount]);
      const entries = rows.rows.map(toQueueEntry);
      const claimId = randomUUID();
      await client.query('UPDATE queue_claim SET claim_id = $1, business_id = $2, operation_ids = $3::text[], expires_at_ms = $4 WHERE id = 1',
        [claimId, businessId, entries.map((entry) => entry.operationId), claim.now + leaseMs]);
      return { claimId, entries, pendingCount: pending };
    });
  }

  async history(accountId: string, limit: number): Promise<TransferRecord[]> {
    this.assertOpen();
    const result = await this.query<TransferRow>(
      `SELECT * FROM (
         (SELECT * FROM transfers WHERE debit_account_id = $1 ORDER BY seq DESC LIMIT $2)
         UNION ALL
         (SELECT * FROM transfers WHERE credit_account_id = $1 ORDER BY seq DESC LIMIT $2)) AS moves
       ORDER BY seq DESC LIMIT $2`,
      [accountId, limit],
    );
    return result.rows.map(toTransfer);
  }

  async audit(): Promise<AuditReport> {
    this.assertOpen();
    return this.withClient(async (client) => {
      // One snapshot for the three reads, without blocking writers.
      await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      try {
        const totals = (await client.query<{ accounts: number; sum: number; customers: number }>(
          `SELECT count(*)::bigint AS accounts, coalesce(sum(balance), 0)::bigint AS sum,
                  coalesce(sum(CASE WHEN id LIKE '@%' THEN 0 ELSE balance END), 0)::bigint AS customers FROM accounts`)).rows[0];
        const transfers = (await client.query<{ count: number }>('SELECT count(*)::bigint AS count FROM transfers')).rows[0];
        const mismatched = await client.query<{ id: string }>(`
          WITH moves AS (
            SELECT credit_account_id AS id, amount FROM transfers
            UNION ALL SELECT debit_account_id AS id, -amount FROM transfers),
          journal AS (SELECT id, sum(amount) AS total FROM moves GROUP BY id)
          SELECT a.id FROM accounts a LEFT JOIN journal j ON j.id = a.id WHERE a.balance <> coalesce(j.total, 0)
          UNION SELECT j.id FROM journal j LEFT JOIN accounts a ON a.id = j.id WHERE a.id IS NULL`);
        await client.query('COMMIT');
        return {
          accounts: totals?.accounts ?? 0,
          transfers: transfers?.count ?? 0,
          balanceSumCents: totals?.sum ?? 0,
          customerBalanceSumCents: totals?.customers ?? 0,
          mismatchedAccounts: mismatched.rows.map((row) => row.id),
        };
      } catch (error) {
        await client.query('ROLLBACK').catch(() => {});
        throw error;
      }
    });
  }

  async hitLimits(hits: readonly HashedHit[], nowMs: number): Promise<Omit<HitsOutcome, 'writes'>> {
    this.assertOpen();
    const duplicate = duplicateLimit(hits);
    if (duplicate) throw duplicate;
    return this.transaction((client) => hitLimits(client, hits, nowMs));
  }

  async forgetLimits(forgets: readonly HashedForget[]): Promise<void> {
    this.assertOpen();
    await this.transaction((client) => forgetLimits(client, forgets));
  }

  async countLimitRows(limit: string): Promise<number> {
    this.assertOpen();
    return this.withClient((client) => countLimitRows(client, limit));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.pool.end();
  }

  private assertOpen(): void {
    if (this.closed) throw new BancaError('UNAVAILABLE', 'The ledger store is closed (the data server is shutting down).');
  }

  private async query<R extends pg.QueryResultRow>(text: string, values: unknown[]): Promise<pg.QueryResult<R>> {
    try {
      return await this.pool.query<R>(text, values);
    } catch (error) {
      throw asStoreError(error);
    }
  }

  private async withClient<T>(fn: (client: PoolClient) => Promise<T>): Promise<T> {
    let client: PoolClient;
    try {
      client = await this.pool.connect();
    } catch (error) {
      throw asStoreError(error);
    }
    let broken = false;
    try {
      return await fn(client);
    } catch (error) {
      broken = isConnectionError(error);
      throw asStoreError(error);
    } finally {
      client.release(broken);
    }
  }

  /** Runs fn in one READ COMMITTED transaction, again (RETRIES_MAX in all, 0–5, 0–10 … ms apart) after a retryable failure. */
  private transaction<T>(fn: (client: PoolClient) => Promise<T>): Promise<T> {
    return retry(() => this.withClient((client) => inTransaction(client, fn)), {
      attempts: RETRIES_MAX,
      baseDelayMs: 5,
      growth: 'linear',
      jitter: 'full',
      shouldRetry: (error) => {
        const code = sqlState(error);
        return code !== undefined && RETRYABLE_SQLSTATES.has(code) && !this.closed;
      },
    });
  }
}

interface KnownRow {
  business_id: string | null;
  request_hash: string | null;
  taken: string[];
  /** json_agg rows: BIGINTs arrive as JSON numbers (all far below 2^53). */
  leases: { account_id: string; business_id: string; fence: number; expires_at_ms: number }[];
  balances: { id: string; balance: number }[];
  versions: { collection: string; key: string; version: number }[];
}

/** A records row: pg parses the JSON columns. */
interface RecordRow {
  collection: string; key: string; version: number; value: Record<string, unknown>; tags: string[]; updated_at_ms: number;
}

function toRecord(row: RecordRow): StoredRecord {
  return { collection: row.collection, key: row.key, version: row.version, value: row.value, tags: row.tags, updatedAtMs: row.updated_at_ms };
}

function recordId(collection: string, key: string): string {
  return JSON.stringify([collection, key]);
}

/** Validates everything first (in the embedded store's order), then writes set-wise. */
async function applyCommit(client: PoolClient, request: CommitRequest, options: CommitOptions, requestHash: string): Promise<CommitResponse> {
  const { businessId, requireLocks } = options;
  const setBalances = request.setBalances ?? [];
  const customers = new Set<string>(setBalances.map((target) => target.accountId));
  const mutexes = new Set<string>([...request.locks.map((ref) => ref.accountId), ...customers]);
  if (setBalances.length > 0) mutexes.add(SYSTEM_ACCOUNTS.adjustments);
  for (const transfer of request.transfers) {
    for (const accountId of [transfer.debitAccountId, transfer.creditAccountId]) {
      mutexes.add(accountId);
      if (!isSystemAccount(accountId)) customers.add(accountId);
    }
  }
  const writes = request.records ?? [];
  // Every operation id (a transfer's or a refusal's) gets a mutex too, so two commits racing on one
  // id run one after the other and the second sees the first. Account ids never contain '/', so
  // these mutexes are never an account's.
  const ids = operationIds(request);
  const now = await lockAccounts(client, [...mutexes, ...writes.map((write) => `records/${write.collection}/${write.key}`), ...ids.map((id) => `ops/${id}`)]);

  const leaseAccounts = [...new Set([...request.locks.map((ref) => ref.accountId), ...customers])];
  // Every read of the commit in one round trip: this commit id, transfer ids already used, the
  // live leases, the balances and the records' versions (rows locked for the rest of the transaction).
  const known = (await client.query<KnownRow>(
    `WITH leases AS (
       SELECT account_id, business_id, fence, expires_at_ms FROM locks WHERE account_id = ANY($3::text[]) ORDER BY account_id FOR UPDATE),
     balances AS (
       SELECT id, balance FROM accounts WHERE id = ANY($4::text[]) ORDER BY id FOR UPDATE),
     versions AS (
       SELECT r.collection, r.key, r.version FROM records r
         JOIN unnest($5::text[], $6::text[]) AS w(collection, key) ON r.collection = w.collection AND r.key = w.key
        ORDER BY r.collection, r.key FOR UPDATE OF r)
     SELECT c.business_id, c.request_hash,
            array(SELECT id FROM transfers WHERE id = ANY($2::text[])
                  UNION ALL SELECT key FROM records WHERE collection = '${REFUSALS}' AND key = ANY($2::text[])) AS taken,
            (SELECT coalesce(json_agg(leases), '[]'::json) FROM leases) AS leases,
            (SELECT coalesce(json_agg(balances), '[]'::json) FROM balances) AS balances,
            (SELECT coalesce(json_agg(versions), '[]'::json) FROM versions) AS versions
       FROM (SELECT 1) AS one LEFT JOIN commits c ON c.id = $1`,
    [request.commitId, ids, leaseAccounts, [...mutexes], writes.map((w) => w.collection), writes.map((w) => w.key)])).rows[0];
  invariant(known, 'the commit query returns a row');
  const existing = known.business_id === null ? undefined : known;
  if (existing) {
    if (existing.request_hash === null || !sameCommitRequest(existing.request_hash, request, requestHash) || existing.business_id !== businessId) {
      throw new BancaError('IDEMPOTENCY_CONFLICT', `Commit ${request.commitId} was already used for a different request.`);
    }
    const transfers = await client.query<TransferRow>('SELECT * FROM transfers WHERE commit_id = $1 ORDER BY seq', [request.commitId]);
    if (request.release && request.locks.length > 0) {
      const leases = await liveLeases(client, request.locks.map((ref) => ref.accountId), now);
      if (checkHeld(leases, businessId, request.locks).ok) await releaseLocks(client, businessId, request.locks);
    }
    const replayed: CommitResponse = { commitId: request.commitId, replayed: true, transfers: transfers.rows.map(toTransfer) };
    if (writes.length > 0) replayed.records = await selectRecords(client, writes);
    return replayed;
  }

  const leases = new Map<string, Lease>();
  for (const row of known.leases) {
    if (row.expires_at_ms > now) leases.set(row.account_id, { businessId: row.business_id, fence: row.fence, expiresAtMs: row.expires_at_ms });
  }
  const held = checkHeld(leases, businessId, request.locks);
  if (!held.ok) throw lockError(held.code, held.accountId, held.ownerBusinessId);
  if (requireLocks) {
    const locked = new Set(request.locks.map((ref) => ref.accountId));
    const missing = [...customers].find((accountId) => !locked.has(accountId));
    if (missing !== undefined) throw lockError('LOCK_NOT_HELD', missing);
  } else {
    const other = [...customers].find((accountId) => {
      const lease = leases.get(accountId);
      return lease !== undefined && lease.businessId !== businessId;
    });
    if (other !== undefined) throw lockError('ACCOUNT_LOCKED', other, leases.get(other)?.businessId);
  }

  const repeated = repeatedId(ids);
  if (repeated) throw repeated;
  const taken = new Set(known.taken);
  const reused = ids.filter((id) => taken.has(id));
  if (reused.length > 0) throw idsTaken(reused);

  if (request.queue) {
    const claim = await lockClaim(client);
    const valid = claim.claimId !== null && claim.claimId === request.queue.claimId && claim.businessId === businessId && claim.expiresAtMs > claim.now;
    if (!valid) throw new BancaError('STALE_QUEUE_CLAIM', 'The queue claim expired or belongs to someone else; claim the queue again.');
    const answered = new Set(request.queue.results.map((result) => result.operationId));
    const claimed = new Set(claim.operationIds);
    if (answered.size !== claimed.size || [...claimed].some((id) => !answered.has(id))) {
      throw new BancaError('INVALID_REQUEST', 'A queue commit must give one result for every claimed operation.');
    }
  }

  const duplicate = duplicateRecord(writes);
  if (duplicate) throw duplicate;
  const versions = new Map(known.versions.map((row) => [recordId(row.collection, row.key), row.version]));
  for (const write of writes) {
    const version = versions.get(recordId(write.collection, write.key)) ?? 0;
    if (version !== write.expectVersion) throw versionConflict(write, version);
  }

  const stored = new Map(known.balances.map((row) => [row.id, row.balance]));
  const balances = new Map<string, number>();
  const balanceOf = (accountId: string) => balances.get(accountId) ?? stored.get(accountId) ?? 0;
  const records: TransferRecord[] = [];
  for (const transfer of [...request.transfers, ...adjustments(setBalances, balanceOf)]) {
    const debit = balanceOf(transfer.debitAccountId) - transfer.amountCents;
    const credit = balanceOf(transfer.creditAccountId) + transfer.amountCents;
    if (Math.abs(debit) > BALANCE_CENTS_MAX || Math.abs(credit) > BALANCE_CENTS_MAX) {
      throw new BancaError('BALANCE_LIMIT_EXCEEDED', `Transfer ${transfer.transferId} would take a balance past the limit.`);
    }
    const negative = belowZero(transfer.transferId, transfer.debitAccountId, debit);
    if (negative) throw negative;
    balances.set(transfer.debitAccountId, debit);
    balances.set(transfer.creditAccountId, credit);
    records.push({ ...transfer, commitId: request.commitId, businessId, debitBalanceAfterCents: debit, creditBalanceAfterCents: credit, committedAtMs: now });
  }

  const written = await writeRecords(client, writes, now);
  await writeRecords(client, refusalWrites(request, businessId, now), now);
  // Every other write of the commit in one statement (one round trip): balances, journal rows, the
  // commit record, and the release of its locks.
  const release = request.release ? request.locks.map((ref) => ref.accountId) : [];
  await client.query(
    `WITH balances AS (
       INSERT INTO accounts (id, balance, updated_at) SELECT b.id, b.balance, $10 FROM unnest($1::text[], $2::bigint[]) AS b(id, balance)
       ON CONFLICT (id) DO UPDATE SET balance = excluded.balance, updated_at = excluded.updated_at),
     journal AS (
       INSERT INTO transfers (id, commit_id, business_id, kind, debit_account_id, credit_account_id, amount,
         debit_balance_after, credit_balance_after, committed_at)
       SELECT t.id, $11, $12, t.kind, t.debit, t.credit, t.amount, t.debit_after, t.credit_after, $10
         FROM unnest($3::text[], $4::text[], $5::text[], $6::text[], $7::bigint[], $8::bigint[], $9::bigint[])
              WITH ORDINALITY AS t(id, kind, debit, credit, amount, debit_after, credit_after, ord)
        ORDER BY t.ord),
     released AS (
       DELETE FROM locks WHERE account_id = ANY($14::text[]) AND business_id = $12)
     INSERT INTO commits (id, business_id, request_hash, committed_at) VALUES ($11, $12, $13, $10)`,
    [
      [...balances.keys()], [...balances.values()],
      records.map((r) => r.transferId), records.map((r) => r.kind), records.map((r) => r.debitAccountId), records.map((r) => r.creditAccountId),
      records.map((r) => r.amountCents), records.map((r) => r.debitBalanceAfterCents), records.map((r) => r.creditBalanceAfterCents),
      now, request.commitId, businessId, requestHash, release,
    ],
  );
  if (request.queue) {
    const results = request.queue.results;
    if (results.length > 0) {
      await client.query(
        `UPDATE queue SET status = r.status, result = r.result FROM unnest($1::text[], $2::text[], $3::text[]) AS r(operation_id, status, result)
          WHERE queue.operation_id = r.operation_id`,
        [results.map((r) => r.operationId), results.map((r) => r.status), results.map((r: QueueResult) => JSON.stringify(r))],
      );
    }
    await client.query("UPDATE queue_claim SET claim_id = NULL, business_id = NULL, operation_ids = '{}', expires_at_ms = 0 WHERE id = 1");
  }
  const response: CommitResponse = { commitId: request.commitId, replayed: false, transfers: records };
  if (writes.length > 0) response.records = written;
  return response;
}

/** Compare-and-set writes of a commit's records and their tags, in one statement: a row is created
 *  only if absent (expectVersion 0) and updated only at the version read. A row that was not
 *  written means another writer won the race, and the throw rolls the whole commit back. */
async function writeRecords(client: PoolClient, writes: readonly RecordWrite[], now: number): Promise<StoredRecord[]> {
  if (writes.length === 0) return [];
  const tagged = writes.flatMap((write) => recordTags(write).map((tag) => ({ write, tag })));
  const result = await client.query<RecordRow>(
    `WITH w AS (
       SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[], $4::text[], $5::text[]) AS w(collection, key, expect, value, tags)),
     created AS (
       INSERT INTO records (collection, key, version, value, tags, updated_at_ms)
       SELECT w.collection, w.key, 1, w.value::json, w.tags::json, $9 FROM w WHERE w.expect = 0
       ON CONFLICT (collection, key) DO NOTHING
       RETURNING collection, key, version, value, tags, updated_at_ms),
     updated AS (
       UPDATE records r SET version = r.version + 1, value = w.value::json, tags = w.tags::json, updated_at_ms = $9
         FROM w WHERE w.expect > 0 AND r.collection = w.collection AND r.key = w.key AND r.version = w.expect
       RETURNING r.collection, r.key, r.version, r.value, r.tags, r.updated_at_ms),
     new_tags AS (
       SELECT * FROM unnest($6::text[], $7::text[], $8::text[]) AS n(collection, key, tag)),
     dropped_tags AS (
       DELETE FROM record_tags t USING w
        WHERE t.collection = w.collection AND t.key = w.key
          AND NOT EXISTS (SELECT 1 FROM new_tags n WHERE n.collection = t.collection AND n.key = t.key AND n.tag = t.tag)),
     kept_tags AS (
       INSERT INTO record_tags (collection, tag, key, updated_at_ms) SELECT n.collection, n.tag, n.key, $9 FROM new_tags n
       ON CONFLICT (collection, tag, key) DO UPDATE SET updated_at_ms = excluded.updated_at_ms)
     SELECT * FROM created UNION ALL SELECT * FROM updated`,
    [
      writes.map((w) => w.collection), writes.map((w) => w.key), writes.map((w) => w.expectVersion),
      writes.map((w) => JSON.stringify(w.value)), writes.map((w) => JSON.stringify(recordTags(w))),
      tagged.map((t) => t.write.collection), tagged.map((t) => t.write.key), tagged.map((t) => t.tag),
      now,
    ],
  );
  const byId = new Map(result.rows.map((row) => [recordId(row.collection, row.key), toRecord(row)]));
  const lost = writes.find((write) => !byId.has(recordId(write.collection, write.key)));
  if (lost) {
    const [current] = await selectRecords(client, [lost]);
    throw versionConflict(lost, current?.version ?? 0);
  }
  return writes.flatMap((write) => byId.get(recordId(write.collection, write.key)) ?? []);
}

/** The stored records of these (collection, key) pairs, in their order; missing ones left out. */
async function selectRecords(client: PoolClient, refs: readonly { collection: string; key: string }[]): Promise<StoredRecord[]> {
  if (refs.length === 0) return [];
  const result = await client.query<RecordRow>(
    `SELECT r.collection, r.key, r.version, r.value, r.tags, r.updated_at_ms FROM records r
       JOIN unnest($1::text[], $2::text[]) AS w(collection, key) ON r.collection = w.collection AND r.key = w.key`,
    [refs.map((ref) => ref.collection), refs.map((ref) => ref.key)],
  );
  const byId = new Map(result.rows.map((row) => [recordId(row.collection, row.key), toRecord(row)]));
  return refs.flatMap((ref) => byId.get(recordId(ref.collection, ref.key)) ?? []);
}

/** Transaction-scoped advisory locks on these accounts (and records' mutexes), taken in key order in
 *  one statement (so two transactions never wait on each other in a cycle); returns the database's
 *  clock after. */
async function lockAccounts(client: PoolClient, accountIds: readonly string[]): Promise<number> {
  const result = await client.query<{ now: number }>(
    `WITH taken AS MATERIALIZED (
       SELECT count(pg_advisory_xact_lock(s.key)) AS n
         FROM (SELECT DISTINCT hashtextextended(a.id, $2) AS key FROM unnest($1::text[]) AS a(id) ORDER BY key) AS s)
     SELECT taken.n, ${NOW_MS} AS now FROM taken`,
    [accountIds, ACCOUNT_LOCK_SEED],
  );
  const row = result.rows[0];
  invariant(row, 'the clock query returns a row');
  return row.now;
}

/** The live leases of these accounts, their rows locked for the rest of the transaction. */
async function liveLeases(client: PoolClient, accountIds: readonly string[], now: number): Promise<Map<string, Lease>> {
  const leases = new Map<string, Lease>();
  if (accountIds.length === 0) return leases;
  const result = await client.query<{ account_id: string; business_id: string; fence: number; expires_at_ms: number }>(
    'SELECT account_id, business_id, fence, expires_at_ms FROM locks WHERE account_id = ANY($1::text[]) ORDER BY account_id FOR UPDATE',
    [accountIds],
  );
  for (const row of result.rows) {
    if (row.expires_at_ms > now) leases.set(row.account_id, { businessId: row.business_id, fence: row.fence, expiresAtMs: row.expires_at_ms });
  }
  return leases;
}

function checkHeld(leases: Map<string, Lease>, businessId: string, refs: readonly FenceRef[]): HeldCheck {
  for (const { accountId, fence } of refs) {
    const lease = leases.get(accountId);
    if (!lease) return { ok: false, code: 'LOCK_NOT_HELD', accountId };
    if (lease.businessId !== businessId) return { ok: false, code: 'ACCOUNT_LOCKED', accountId, ownerBusinessId: lease.businessId };
    if (lease.fence !== fence) return { ok: false, code: 'STALE_FENCING_TOKEN', accountId };
  }
  return { ok: true };
}

async function releaseLocks(client: PoolClient, businessId: string, refs: readonly FenceRef[]): Promise<void> {
  await client.query('DELETE FROM locks WHERE account_id = ANY($1::text[]) AND business_id = $2', [refs.map((ref) => ref.accountId), businessId]);
}

async function selectBalances(client: PoolClient, accountIds: readonly string[]): Promise<Map<string, number>> {
  if (accountIds.length === 0) return new Map();
  const result = await client.query<{ id: string; balance: number }>(
    'SELECT id, balance FROM accounts WHERE id = ANY($1::text[])', [accountIds]);
  return new Map(result.rows.map((row) => [row.id, row.balance]));
}

async function selectTransfers(client: PoolClient, transferIds: readonly string[]): Promise<TransferRecord[]> {
  if (transferIds.length === 0) return [];
  const result = await client.query<TransferRow>('SELECT * FROM transfers WHERE id = ANY($1::text[])', [transferIds]);
  const byId = new Map(result.rows.map((row) => [row.id, toTransfer(row)]));
  return transferIds.flatMap((id) => byId.get(id) ?? []);
}

async function pendingCount(client: PoolClient): Promise<number> {
  const row = (await client.query<{ count: number }>("SELECT count(*)::bigint AS count FROM queue WHERE status = 'pending'")).rows[0];
  return row?.count ?? 0;
}

async function lockClaim(client: PoolClient): Promise<{ claimId: string | null; businessId: string | null; operationIds: string[]; expiresAtMs: number; now: number }> {
  const row = (await client.query<{ claim_id: string | null; business_id: string | null; operation_ids: string[]; expires_at_ms: number; now: number }>(
    `SELECT claim_id, business_id, operation_ids, expires_at_ms, ${NOW_MS} AS now FROM queue_claim WHERE id = 1 FOR UPDATE`)).rows[0];
  invariant(row, 'the queue claim row exists');
  return { claimId: row.claim_id, businessId: row.business_id, operationIds: row.operation_ids, expiresAtMs: row.expires_at_ms, now: row.now };
}




function sqlState(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
}

function isConnectionError(error: unknown): boolean {
  if (error instanceof BancaError) return false;
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code !== 'string') return error instanceof Error && /Connection terminated|connection/i.test(error.message);
  // Node's socket errors, SQLSTATE classes 08 (connection, and no listed server being the
  // primary) and 57P0x (shutdown, crash), and 25006: a write on a server that is no longer the
  // primary (its connection is dropped, and the next one finds the new primary).
  return code.startsWith('E') || code.startsWith('08') || code.startsWith('57P') || code === '25006';
}

/** Losing the database (or its primary) is the retryable UNAVAILABLE; other errors pass unchanged. */
function asStoreError(error: unknown): unknown {
  if (error instanceof BancaError || !isConnectionError(error)) return error;
  return new BancaError('UNAVAILABLE', 'The ledger database is unreachable; retry shortly.', { cause: error });
}


