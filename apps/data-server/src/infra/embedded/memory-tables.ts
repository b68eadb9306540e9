// The seeds' in-memory database: everything is lost when the process ends. A transaction keeps
// an undo log, so a failure halfway leaves the tables as they were.
import type { AuditReport, QueueEntry, QueueResult, StoredRecord, TransferRecord } from '@banca/core/protocol';
import { invariant } from '@banca/core/errors';
import { isSystemAccount } from '@banca/core/ids';
import type { RecordPosition } from '../ledger-store.js';
import { MemoryLimitTables } from './memory-limit-tables.js';
import type { CommitRow, LedgerTables } from './tables.js';

export class MemoryTables implements LedgerTables {
  readonly limits = new MemoryLimitTables();
  private readonly balances = new Map<string, number>();
  private readonly commits = new Map<string, CommitRow>();
  private readonly transfers = new Map<string, TransferRecord>();
  private readonly journal: TransferRecord[] = [];
  private readonly queue = new Map<string, QueueEntry>();
  /** Records by recordId(collection, key), and the keys under each recordId(collection, tag). */
  private readonly records = new Map<string, StoredRecord>();
  private readonly recordTags = new Map<string, Set<string>>();
  private queueSeq = 0;
  private undo: (() => void)[] | null = null;

  transaction<T>(fn: () => T): T {
    if (this.undo) return fn();
    this.undo = [];
    try {
      const result = fn();
      this.undo = null;
      return result;
    } catch (error) {
      const undo = this.undo;
      this.undo = null;
      for (const step of (undo ?? []).reverse()) step();
      throw error;
    }
  }

  private remember(step: () => void): void {
    this.undo?.push(step);
  }

  balance(accountId: string): number | undefined {
    return this.balances.get(accountId);
  }

  setBalance(accountId: string, balanceCents: number): void {
    // The equivalent of the SQL stores' constraint: a customer balance never goes below zero.
    invariant(balanceCents >= 0 || isSystemAccount(accountId), `negative customer balance refused (accounts_customer_not_negative): ${accountId}`);
    const before = this.balances.get(accountId);
    this.remember(() => (before === undefined ? this.balances.delete(accountId) : this.balances.set(accountId, before)));
    this.balances.set(accountId, balanceCents);
  }

  commitRow(commitId: string): CommitRow | undefined {
    return this.commits.get(commitId);
  }

  insertCommit(row: CommitRow): void {
    this.remember(() => this.commits.delete(row.commitId));
    this.commits.set(row.commitId, row);
  }

  transfer(transferId: string): TransferRecord | undefined {
    return this.transfers.get(transferId);
  }

  transfersOfCommit(commitId: string): TransferRecord[] {
    return this.journal.filter((record) => record.commitId === commitId);
  }

  insertTransfer(record: TransferRecord): void {
    this.remember(() => {
      this.transfers.delete(record.transferId);
      this.journal.pop();
    });
    this.transfers.set(record.transferId, record);
    this.journal.push(record);
  }

  history(accountId: string, limit: number): TransferRecord[] {
    const found: TransferRecord[] = [];
    for (let i = this.journal.length - 1; i >= 0 && found.length < limit; i--) {
      const record = this.journal[i];
      if (record && (record.debitAccountId === accountId || record.creditAccountId === accountId)) found.push(record);
    }
    return found;
  }

  queueEntry(operationId: string): QueueEntry | undefined {
    return this.queue.get(operationId);
  }

  insertQueueEntry(entry: Omit<QueueEntry, 'seq'>): QueueEntry {
    this.queueSeq += 1;
    const stored = { ...entry, seq: this.queueSeq };
    this.remember(() => this.queue.delete(entry.operationId));
    this.queue.set(entry.operationId, stored);
    return stored;
  }

  pendingQueue(limit: number): QueueEntry[] {
    return [...this.queue.values()].filter((entry) => entry.status === 'pending').slice(0, limit);
  }

  pendingCount(): number {
    let count = 0;
    for (const entry of this.queue.values()) if (entry.status === 'pending') count++;
    return count;
  }

  finishQueueEntry(result: QueueResult): void {
    const entry = this.queue.get(result.operationId);
    if (!entry) return;
    this.remember(() => this.queue.set(result.operationId, entry));
    this.queue.set(result.operationId, { ...entry, status: result.status, result });
  }

  record(collection: string, key: string): StoredRecord | undefined {
    const stored = this.records.get(recordId(collection, key));
    // Copies: a caller changing what it got must not change the table.
    return stored && { ...stored, value: structuredClone(stored.value), tags: [...stored.tags] };
  }

  putRecord(record: StoredRecord): void {
    const { collection, key } = record;
    const before = this.records.get(recordId(collection, key));
    this.remember(() => this.setRecord(collection, key, before));
    // A JSON round trip stores what the SQL stores would give back.
    const value = JSON.parse(JSON.stringify(record.value)) as Record<string, unknown>;
    this.setRecord(collection, key, { ...record, value, tags: [...record.tags] });
  }

  listRecords(collection: string, tag: string, limit: number): StoredRecord[] {
    return this.tagged(collection, tag).sort(newestFirst).slice(0, limit);
  }

  pageRecords(collection: string, tag: string, limit: number, after: RecordPosition | null): StoredRecord[] {
    return this.tagged(collection, tag)
      .filter((record) => after === null || newestFirst(record, after) < 0)
      .sort((a, b) => newestFirst(b, a))
      .slice(0, limit);
  }

  private tagged(collection: string, tag: string): StoredRecord[] {
    const keys = this.recordTags.get(recordId(collection, tag)) ?? new Set<string>();
    return [...keys].flatMap((key) => this.record(collection, key) ?? []);
  }

  /** Replaces one record's stored version (undefined: removes it) and its tag index entries. */
  private setRecord(collection: string, key: string, next: StoredRecord | undefined): void {
    const id = recordId(collection, key);
    for (const tag of this.records.get(id)?.tags ?? []) {
      const tagId = recordId(collection, tag);
      const keys = this.recordTags.get(tagId);
      keys?.delete(key);
      if (keys?.size === 0) this.recordTags.delete(tagId);
    }
    if (!next) {
      this.records.delete(id);
      return;
    }
    this.records.set(id, next);
    for (const tag of next.tags) {
      const tagId = recordId(collection, tag);
      const keys = this.recordTags.get(tagId) ?? new Set<string>();
      keys.add(key);
      this.recordTags.set(tagId, keys);
    }
  }

  audit(): AuditReport {
    const fromJournal = new Map<string, number>();
    for (const record of this.journal) {
      fromJournal.set(record.debitAccountId, (fromJournal.get(record.debitAccountId) ?? 0) - record.amountCents);
      fromJournal.set(record.creditAccountId, (fromJournal.get(record.creditAccountId) ?? 0) + record.amountCents);
    }
    let balanceSumCents = 0;
    let customerBalanceSumCents = 0;
    const mismatchedAccounts: string[] = [];
    for (const [accountId, balance] of this.balances) {
      balanceSumCents += balance;
      if (!isSystemAccount(accountId)) customerBalanceSumCents += balance;
      if ((fromJournal.get(accountId) ?? 0) !== balance) mismatchedAccounts.push(accountId);
    }
    return { accounts: this.balances.size, transfers: this.journal.length, balanceSumCents, mismatchedAccounts, customerBalanceSumCents };
  }

  nextEpoch(): number {
    return 1;
  }

  close(): void {}
}

/** Newest updatedAtMs first, then by key: negative when a comes first. */
function newestFirst(a: RecordPosition, b: RecordPosition): number {
  return b.updatedAtMs - a.updatedAtMs || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);
}

function recordId(collection: string, keyOrTag: string): string {
  return JSON.stringify([collection, keyOrTag]);
}
