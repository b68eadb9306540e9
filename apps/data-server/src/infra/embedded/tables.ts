// The synchronous tables an embedded store (memory or SQLite) keeps. The ledger rules live once,
// in embedded-store.ts; an implementation of this interface only stores and finds rows.
import type { RecordPosition } from '../ledger-store.js';
import type { LimitTables } from './limit-tables.js';
import type { AuditReport, QueueEntry, QueueResult, StoredRecord, TransferRecord } from '@banca/core/protocol';

export interface CommitRow {
  commitId: string;
  businessId: string;
  requestHash: string;
  committedAtMs: number;
}

export interface LedgerTables {
  /** The windowed counters' rows (log-in and sign-up limits). */
  readonly limits: LimitTables;
  /** Runs fn in one durable transaction; throws and keeps nothing if fn throws. */
  transaction<T>(fn: () => T): T;
  balance(accountId: string): number | undefined;
  setBalance(accountId: string, balanceCents: number, atMs: number): void;
  commitRow(commitId: string): CommitRow | undefined;
  insertCommit(row: CommitRow): void;
  transfer(transferId: string): TransferRecord | undefined;
  transfersOfCommit(commitId: string): TransferRecord[];
  insertTransfer(record: TransferRecord): void;
  history(accountId: string, limit: number): TransferRecord[];
  queueEntry(operationId: string): QueueEntry | undefined;
  insertQueueEntry(entry: Omit<QueueEntry, 'seq'>): QueueEntry;
  pendingQueue(limit: number): QueueEntry[];
  pendingCount(): number;
  finishQueueEntry(result: QueueResult): void;
  record(collection: string, key: string): StoredRecord | undefined;
  /** Stores the record (inserted or replaced) and replaces its tags. */
  putRecord(record: StoredRecord): void;
  /** Newest updatedAtMs first, then by key. */
  listRecords(collection: string, tag: string, limit: number): StoredRecord[];
  /** The reverse: oldest updatedAtMs first, then by key from the last; only those after `after`. */
  pageRecords(collection: string, tag: string, limit: number, after: RecordPosition | null): StoredRecord[];
  audit(): AuditReport;
  /** A number that grows across restarts, so fencing tokens never repeat. */
  nextEpoch(): number;
  close(): void;
}
