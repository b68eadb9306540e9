// What the data server's application layer needs from storage. Every adapter (memory, SQLite,
// PostgreSQL) implements it and passes the same conformance suite.
import type {
  AuditReport, ClaimResponse, CommitRequest, CommitResponse, EnqueueResponse, FenceRef, LockConflict,
  LockGrant, QueueEntry, QueuedOperation, RefusalRecord, StoredRecord, TransferRecord,
} from '@banca/core/protocol';
import type { HashedForget, HashedHit, HitsOutcome } from './limit-rules.js';

export type StoreKind = 'memory' | 'sqlite' | 'postgres';

export type LockOutcome = { ok: true; grants: LockGrant[] } | { ok: false; conflicts: LockConflict[] };

export type UnlockOutcome =
  | { ok: true; released: string[]; notHeld: string[] }
  | { ok: false; code: 'ACCOUNT_LOCKED' | 'STALE_FENCING_TOKEN'; accountId: string; ownerBusinessId?: string };

/** Where a page of records ends: the last record's updatedAtMs and key. */
export interface RecordPosition {
  updatedAtMs: number;
  key: string;
}

export interface LockInfo {
  accountId: string;
  ownerBusinessId: string;
  fence: number;
  expiresAtMs: number;
}

export interface AccountView {
  accountId: string;
  exists: boolean;
  balanceCents: number;
}

export interface CommitOptions {
  businessId: string;
  /** true: every customer account touched must be locked by the caller (v1 commits). false: it
   *  must merely not be locked by someone else (the seeds' one-shot routes). */
  requireLocks: boolean;
}

export interface LedgerStore {
  readonly kind: StoreKind;
  lock(businessId: string, accountIds: readonly string[], leaseMs: number, lookupTransferIds?: readonly string[]):
    Promise<LockOutcome & { knownTransfers: TransferRecord[]; knownRefusals: RefusalRecord[] }>;
  unlock(businessId: string, accountIds: readonly string[], fence?: number): Promise<UnlockOutcome>;
  lockInfo(accountId: string): Promise<LockInfo | null>;
  readAccounts(accountIds: readonly string[]): Promise<AccountView[]>;
  findTransfers(transferIds: readonly string[]): Promise<TransferRecord[]>;
  /** Atomic and idempotent by commitId; throws BancaError and changes nothing when refused. Its
   *  records are compare-and-set on their versions: one stale version (VERSION_CONFLICT) refuses it. */
  commit(request: CommitRequest, options: CommitOptions): Promise<CommitResponse>;
  /** The records of these keys that exist, in the order of keys. */
  readRecords(collection: string, keys: readonly string[]): Promise<StoredRecord[]>;
  /** Records of the collection now carrying this tag: newest updatedAtMs first, then by key. */
  listRecords(collection: string, tag: string, limit: number): Promise<StoredRecord[]>;
  /** The same records in the reverse order: oldest updatedAtMs first, then by key from the last,
   *  only those after `after` in that order. A record written meanwhile moves to the end. */
  pageRecords(collection: string, tag: string, limit: number, after: RecordPosition | null): Promise<StoredRecord[]>;
  enqueue(businessId: string, operationId: string, operation: QueuedOperation): Promise<EnqueueResponse>;
  queueEntry(operationId: string): Promise<QueueEntry | null>;
  claimQueue(businessId: string, minCount: number, maxCount: number, leaseMs: number): Promise<ClaimResponse>;
  history(accountId: string, limit: number): Promise<TransferRecord[]>;
  audit(): Promise<AuditReport>;
  /** Windowed counters (limit-rules.ts): a hit on every counter or on none, atomic against
   *  concurrent requests; each request also deletes a bounded page of expired rows. */
  hitLimits(hits: readonly HashedHit[], nowMs: number): Promise<Omit<HitsOutcome, 'writes'>>;
  forgetLimits(forgets: readonly HashedForget[]): Promise<void>;
  /** Rows this counter holds, expired ones not yet swept included (tests, metrics). */
  countLimitRows(limit: string): Promise<number>;
  close(): Promise<void>;
}

export type { FenceRef };
