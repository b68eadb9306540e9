// The ledger rules for the embedded stores (memory, SQLite): lock leases, fenced and idempotent
// atomic commits, the durable queue of seed mode. Commits that arrive in the same turn of the
// event loop are written in one transaction (group commit): one fsync for many requests, each
// request still all-or-nothing because it is fully validated before any of its rows is written.
// Commits of a group are validated and written one after the other inside that transaction, so
// each one sees the balances and record versions the earlier ones wrote.
import { randomUUID } from 'node:crypto';
import { canonicalJson } from '@banca/core/canonical-json';
import { BancaError, invariant } from '@banca/core/errors';
import { isSystemAccount } from '@banca/core/ids';
import { BALANCE_CENTS_MAX } from '@banca/core/money';
import type {
  AuditReport, ClaimResponse, CommitRequest, CommitResponse, EnqueueResponse,
  QueueEntry, QueuedOperation, RecordWrite, RefusalRecord, StoredRecord, TransferRecord,
} from '@banca/core/protocol';
import type { AccountView, CommitOptions, LedgerStore, LockInfo, LockOutcome, RecordPosition, StoreKind, UnlockOutcome } from '../ledger-store.js';
import {
  adjustments, belowZero, duplicateRecord, hashCommit, idsTaken, lockError, operationIds, recordTags, REFUSALS, refusalWrites, repeatedId, sameCommitRequest, toRefusal, versionConflict,
} from '../ledger-rules.js';
import { applyForget, applyHits, duplicateLimit, LIMIT_SWEEP_ROWS, rowId, type HashedForget, type HashedHit, type HitsOutcome, type LimitRow } from '../limit-rules.js';
import { LockTable } from './lock-table.js';
import type { LedgerTables } from './tables.js';

interface PendingCommit {
  request: CommitRequest;
  options: CommitOptions;
  resolve: (response: CommitResponse) => void;
  reject: (error: unknown) => void;
}

interface QueueClaim {
  claimId: string;
  businessId: string;
  operationIds: Set<string>;
  expiresAtMs: number;
}

type Applied = { ok: true; response: CommitResponse; release: string[]; clearClaim: boolean } | { ok: false; error: BancaError };

export class EmbeddedStore implements LedgerStore {
  private readonly locks: LockTable;
  private pending: PendingCommit[] = [];
  private claim: QueueClaim | null = null;
  private closed = false;

  constructor(
    readonly kind: StoreKind,
    private readonly tables: LedgerTables,
    private readonly now: () => number = Date.now,
  ) {
    this.locks = new LockTable(tables.nextEpoch(), now);
  }

  async lock(businessId: string, accountIds: readonly string[], leaseMs: number, lookupTransferIds: readonly string[] = []):
    Promise<LockOutcome & { knownTransfers: TransferRecord[]; knownRefusals: RefusalRecord[] }> {
    this.assertOpen();
    const knownTransfers = this.findKnown(lookupTransferIds);
    const knownRefusals = lookupTransferIds.flatMap((id) => {
      const record = this.tables.record(REFUSALS, id);
      return record ? [toRefusal(record)] : [];
    });
    const outcome = this.locks.acquire(businessId, accountIds, leaseMs);
    if (!outcome.ok) return { ...outcome, knownTransfers, knownRefusals };
    const grants = outcome.grants.map((grant) => {
      const balance = this.tables.balance(grant.accountId);
      return { ...grant, exists: balance !== undefined, balanceCents: balance ?? 0 };
    });
    return { ok: true, grants, knownTransfers, knownRefusals };
  }

  async unlock(businessId: string, accountIds: readonly string[], fence?: number): Promise<UnlockOutcome> {
    this.assertOpen();
    return this.locks.release(businessId, accountIds, fence);
  }

  async lockInfo(accountId: string): Promise<LockInfo | null> {
    return this.locks.info(accountId);
  }

  async readAccounts(accountIds: readonly string[]): Promise<AccountView[]> {
    this.assertOpen();
    return accountIds.map((accountId) => {
      const balance = this.tables.balance(accountId);
      return { accountId, exists: balance !== undefined, balanceCents: balance ?? 0 };
    });
  }

  async findTransfers(transferIds: readonly string[]): Promise<TransferRecord[]> {
    this.assertOpen();
    return this.findKnown(transferIds);
  }

  async readRecords(collection: string, keys: readonly string[]): Promise<StoredRecord[]> {
    this.assertOpen();
    return keys.flatMap((key) => this.tables.record(collection, key) ?? []);
  }

  async listRecords(collection: string, tag: string, limit: number): Promise<StoredRecord[]> {
    this.assertOpen();
    return this.tables.listRecords(collection, tag, limit);
  }

  async pageRecords(collection: string, tag: string, limit: number, after: RecordPosition | null): Promise<StoredRecord[]> {
    this.assertOpen();
    return this.tables.pageRecords(collection, tag, limit, after);
  }

  commit(request: CommitRequest, options: CommitOptions): Promise<CommitResponse> {
    this.assertOpen();
    return new Promise((resolve, reject) => {
      this.pending.push({ request, options, resolve, reject });
      if (this.pending.length === 1) setImmediate(() => this.flush());
    });
  }

  async enqueue(businessId: string, operationId: string, operation: QueuedOperation): Promise<EnqueueResponse> {
    this.assertOpen();
    const existing = this.tables.queueEntry(operationId);
    if (existing) {
      if (canonicalJson(existing.operation) !== canonicalJson(operation)) {
        throw new BancaError('IDEMPOTENCY_CONFLICT', `Operation ${operationId} was already queued with a different body.`);
      }
      return { entry: existing, pendingCount: this.tables.pendingCount(), replayed: true };
    }
    const entry = this.tables.transaction(() =>
      this.tables.insertQueueEntry({ operationId, businessId, operation, status: 'pending', result: null, enqueuedAtMs: this.now() }),
    );
    return { entry, pendingCount: this.tables.pendingCount(), replayed: false };
  }

  async queueEntry(operationId: string): Promise<QueueEntry | null> {
    this.assertOpen();
    return this.tables.queueEntry(operationId) ?? null;
  }

  async claimQueue(businessId: string, minCount: number, maxCount: number, leaseMs: number): Promise<ClaimResponse> {
    this.assertOpen();
    const pendingCount = this.tables.pendingCount();
    const busy = this.claim !== null && this.claim.expiresAtMs > this.now();
    if (busy || pendingCount < minCount) return { claimId: null, entries: [], pendingCount };
    const entries = this.tables.pendingQueue(maxCount);
    const claimId = randomUUID();
    this.claim = { claimId, businessId, operationIds: new Set(entries.map((e) => e.operationId)), expiresAtMs: this.now() + leaseMs };
    return { claimId, entries, pendingCount };
  }

  async history(accountId: string, limit: number): Promise<TransferRecord[]> {
    this.assertOpen();
    return this.tables.history(accountId, limit);
  }

  async audit(): Promise<AuditReport> {
    this.assertOpen();
    return this.tables.audit();
  }

  async hitLimits(hits: readonly HashedHit[], nowMs: number): Promise<Omit<HitsOutcome, 'writes'>> {
    this.assertOpen();
    const duplicate = duplicateLimit(hits);
    if (duplicate) throw duplicate;
    const limits = this.tables.limits;
    // One synchronous transaction: no other request runs between the read and the write.
    return limits.transaction(() => {
      const rows = new Map<string, LimitRow>();
      for (const hit of hits) {
        const row = limits.row(hit.limit, hit.keyHash);
        if (row) rows.set(rowId(hit.limit, hit.keyHash), row);
      }
      const { writes, ...outcome } = applyHits(hits, rows, nowMs);
      hits.forEach((hit, index) => {
        const row = writes[index];
        if (row) limits.put(row);
        else limits.delete(hit.limit, hit.keyHash);
      });
      limits.sweep(nowMs, LIMIT_SWEEP_ROWS);
      return outcome;
    });
  }

  async forgetLimits(forgets: readonly HashedForget[]): Promise<void> {
    this.assertOpen();
    const limits = this.tables.limits;
    limits.transaction(() => {
      for (const forget of forgets) {
        const row = applyForget(forget, limits.row(forget.limit, forget.keyHash));
        if (row) limits.put(row);
        else limits.delete(forget.limit, forget.keyHash);
      }
    });
  }

  async countLimitRows(limit: string): Promise<number> {
    this.assertOpen();
    return this.tables.limits.count(limit);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    if (this.pending.length > 0) this.flush();
    this.closed = true;
    this.tables.close();
  }

  private assertOpen(): void {
    if (this.closed) throw new BancaError('UNAVAILABLE', 'The ledger store is closed (the data server is shutting down).');
  }

  private findKnown(transferIds: readonly string[]): TransferRecord[] {
    const found: TransferRecord[] = [];
    for (const id of transferIds) {
      const record = this.tables.transfer(id);
      if (record) found.push(record);
    }
    return found;
  }

  private flush(): void {
    const group = this.pending;
    this.pending = [];
    if (group.length === 0) return;
    const outcomes: Applied[] = [];
    try {
      this.tables.transaction(() => {
        for (const item of group) outcomes.push(this.apply(item.request, item.options));
      });
    } catch (error) {
      for (const item of group) item.reject(error);
      return;
    }
    // Durable now: only from here may locks be released and callers answered.
    group.forEach((item, index) => {
      const outcome = outcomes[index];
      invariant(outcome, 'every commit of a group has an outcome');
      if (!outcome.ok) return item.reject(outcome.error);
      if (outcome.release.length > 0) this.locks.release(item.options.businessId, outcome.release);
      if (outcome.clearClaim) this.claim = null;
      item.resolve(outcome.response);
    });
  }

  /** Validates everything first, then writes: a refused commit writes nothing. */
  private apply(request: CommitRequest, options: CommitOptions): Applied {
    const { businessId } = options;
    const requestHash = hashCommit(request);
    const existing = this.tables.commitRow(request.commitId);
    if (existing) {
      if (!sameCommitRequest(existing.requestHash, request, requestHash) || existing.businessId !== businessId) {
        return refused('IDEMPOTENCY_CONFLICT', `Commit ${request.commitId} was already used for a different request.`);
      }
      const response: CommitResponse = { commitId: request.commitId, replayed: true, transfers: this.tables.transfersOfCommit(request.commitId) };
      if (request.records?.length) response.records = request.records.flatMap((w) => this.tables.record(w.collection, w.key) ?? []);
      return {
        ok: true,
        response,
        release: request.release ? this.releasableAfterReplay(businessId, request) : [],
        clearClaim: false,
      };
    }
    const lockProblem = this.checkLocks(request, options);
    if (lockProblem) return { ok: false, error: lockProblem };

    const ids = operationIds(request);
    const repeated = repeatedId(ids);
    if (repeated) return { ok: false, error: repeated };
    const reused = ids.filter((id) => this.tables.transfer(id) !== undefined || this.tables.record(REFUSALS, id) !== undefined);
    if (reused.length > 0) return { ok: false, error: idsTaken(reused) };
    const claimProblem = this.checkClaim(request, businessId);
    if (claimProblem) return { ok: false, error: claimProblem };
    const recordProblem = this.checkRecords(request.records);
    if (recordProblem) return { ok: false, error: recordProblem };

    const balances = new Map<string, number>();
    const balanceOf = (accountId: string) => balances.get(accountId) ?? this.tables.balance(accountId) ?? 0;
    const now = this.now();
    const records: TransferRecord[] = [];
    for (const transfer of [...request.transfers, ...adjustments(request.setBalances, balanceOf)]) {
      const debit = balanceOf(transfer.debitAccountId) - transfer.amountCents;
      const credit = balanceOf(transfer.creditAccountId) + transfer.amountCents;
      if (Math.abs(debit) > BALANCE_CENTS_MAX || Math.abs(credit) > BALANCE_CENTS_MAX) {
        return refused('BALANCE_LIMIT_EXCEEDED', `Transfer ${transfer.transferId} would take a balance past the limit.`);
      }
      const negative = belowZero(transfer.transferId, transfer.debitAccountId, debit);
      if (negative) return { ok: false, error: negative };
      balances.set(transfer.debitAccountId, debit);
      balances.set(transfer.creditAccountId, credit);
      records.push({ ...transfer, commitId: request.commitId, businessId, debitBalanceAfterCents: debit, creditBalanceAfterCents: credit, committedAtMs: now });
    }
    for (const [accountId, balance] of balances) this.tables.setBalance(accountId, balance, now);
    for (const record of records) this.tables.insertTransfer(record);
    this.tables.insertCommit({ commitId: request.commitId, businessId, requestHash, committedAtMs: now });
    for (const result of request.queue?.results ?? []) this.tables.finishQueueEntry(result);
    const response: CommitResponse = { commitId: request.commitId, replayed: false, transfers: records };
    if (request.records?.length) response.records = request.records.map((write) => this.writeRecord(write, now));
    for (const write of refusalWrites(request, businessId, now)) this.writeRecord(write, now);
    return {
      ok: true,
      response,
      release: request.release ? request.locks.map((ref) => ref.accountId) : [],
      clearClaim: request.queue !== undefined,
    };
  }


  private checkLocks(request: CommitRequest, { businessId, requireLocks }: CommitOptions): BancaError | undefined {
    const held = this.locks.checkHeld(businessId, request.locks);
    if (!held.ok) return lockError(held.code, held.accountId, held.ownerBusinessId);
    const touched = new Set<string>((request.setBalances ?? []).map((target) => target.accountId));
    for (const transfer of request.transfers) {
      for (const accountId of [transfer.debitAccountId, transfer.creditAccountId]) {
        if (!isSystemAccount(accountId)) touched.add(accountId);
      }
    }
    if (requireLocks) {
      const locked = new Set(request.locks.map((ref) => ref.accountId));
      const missing = [...touched].find((accountId) => !locked.has(accountId));
      if (missing !== undefined) return lockError('LOCK_NOT_HELD', missing);
      return undefined;
    }
    const conflict = this.locks.heldByOther(businessId, [...touched]);
    return conflict ? lockError('ACCOUNT_LOCKED', conflict.accountId, conflict.ownerBusinessId) : undefined;
  }

  /** Compare-and-set: every record must still be at the version its writer read. */
  private checkRecords(writes: readonly RecordWrite[] | undefined): BancaError | undefined {
    const duplicate = duplicateRecord(writes);
    if (duplicate) return duplicate;
    for (const write of writes ?? []) {
      const version = this.tables.record(write.collection, write.key)?.version ?? 0;
      if (version !== write.expectVersion) return versionConflict(write, version);
    }
    return undefined;
  }

  private writeRecord(write: RecordWrite, now: number): StoredRecord {
    const record: StoredRecord = {
      collection: write.collection, key: write.key, version: write.expectVersion + 1, value: write.value, tags: recordTags(write), updatedAtMs: now,
    };
    this.tables.putRecord(record);
    // Read back: the answer is the record as stored (its value through JSON).
    const stored = this.tables.record(write.collection, write.key);
    invariant(stored, 'a record just written can be read');
    return stored;
  }

  private checkClaim(request: CommitRequest, businessId: string): BancaError | undefined {
    if (!request.queue) return undefined;
    const claim = this.claim;
    const valid = claim !== null && claim.claimId === request.queue.claimId && claim.businessId === businessId && claim.expiresAtMs > this.now();
    if (!valid) return new BancaError('STALE_QUEUE_CLAIM', 'The queue claim expired or belongs to someone else; claim the queue again.');
    const answered = new Set(request.queue.results.map((result) => result.operationId));
    if (answered.size !== claim.operationIds.size || [...claim.operationIds].some((id) => !answered.has(id))) {
      return new BancaError('INVALID_REQUEST', 'A queue commit must give one result for every claimed operation.');
    }
    return undefined;
  }

  private releasableAfterReplay(businessId: string, request: CommitRequest): string[] {
    return this.locks.checkHeld(businessId, request.locks).ok ? request.locks.map((ref) => ref.accountId) : [];
  }
}


function refused(code: 'IDEMPOTENCY_CONFLICT' | 'INVALID_REQUEST' | 'BALANCE_LIMIT_EXCEEDED', message: string): Applied {
  return { ok: false, error: new BancaError(code, message) };
}

