// The seeds' in-memory database: everything is lost when the process ends. A transaction keeps
// an undo log, so a failure halfway leaves the tables as they were.
import type { AuditReport, QueueEntry, QueueResult, TransferRecord } from '@banca/core/protocol';
import { isSystemAccount } from '@banca/core/ids';
import type { CommitRow, LedgerTables } from './tables.js';

export class MemoryTables implements LedgerTables {
  private readonly balances = new Map<string, number>();
  private readonly commits = new Map<string, CommitRow>();
  private readonly transfers = new Map<string, TransferRecord>();
  private readonly journal: TransferRecord[] = [];
  private readonly queue = new Map<string, QueueEntry>();
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
