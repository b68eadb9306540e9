// The default store: one SQLite file in WAL mode with synchronous=FULL, so a commit that has
// returned survives a crash of the process or the machine. One connection, one writer.
import type Database from 'better-sqlite3';
import { openDurableSqlite } from '@banca/store-kit/sqlite';
import type { AuditReport, QueueEntry, QueueResult, StoredRecord, TransferRecord } from '@banca/core/protocol';
import type { RecordPosition } from '../ledger-store.js';
import { toQueueEntry, toTransfer, type QueueRow, type TransferRow } from '../ledger-rows.js';
import { SqliteLimitTables } from './sqlite-limit-tables.js';
import type { CommitRow, LedgerTables } from './tables.js';

/** The ledger's tables; exported so the benchmark's raw reference writes the very same rows. */
export const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS accounts (
  id TEXT PRIMARY KEY, balance INTEGER NOT NULL, updated_at INTEGER NOT NULL) WITHOUT ROWID;
-- The last line behind the rules: a customer account (system accounts start with '@') never goes
-- below zero. Triggers rather than a CHECK, so ledgers created before them get them too.
CREATE TRIGGER IF NOT EXISTS accounts_customer_not_negative_insert BEFORE INSERT ON accounts
  WHEN NEW.balance < 0 AND substr(NEW.id, 1, 1) <> '@'
  BEGIN SELECT RAISE(ABORT, 'negative customer balance refused (accounts_customer_not_negative)'); END;
CREATE TRIGGER IF NOT EXISTS accounts_customer_not_negative_update BEFORE UPDATE OF balance ON accounts
  WHEN NEW.balance < 0 AND substr(NEW.id, 1, 1) <> '@'
  BEGIN SELECT RAISE(ABORT, 'negative customer balance refused (accounts_customer_not_negative)'); END;
CREATE TABLE IF NOT EXISTS commits (
  id TEXT PRIMARY KEY, business_id TEXT NOT NULL, request_hash TEXT NOT NULL, committed_at INTEGER NOT NULL) WITHOUT ROWID;
-- The journal: one row per double-entry movement (debit one account, credit another).
CREATE TABLE IF NOT EXISTS transfers (
  seq INTEGER PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,
  commit_id TEXT NOT NULL,
  business_id TEXT NOT NULL,
  kind TEXT NOT NULL,
  debit_account_id TEXT NOT NULL,
  credit_account_id TEXT NOT NULL,
  amount INTEGER NOT NULL CHECK (amount > 0),
  debit_balance_after INTEGER NOT NULL,
  credit_balance_after INTEGER NOT NULL,
  committed_at INTEGER NOT NULL,
  CHECK (debit_account_id <> credit_account_id));
CREATE INDEX IF NOT EXISTS transfers_commit ON transfers (commit_id);
CREATE INDEX IF NOT EXISTS transfers_debit ON transfers (debit_account_id, seq);
CREATE INDEX IF NOT EXISTS transfers_credit ON transfers (credit_account_id, seq);
CREATE TABLE IF NOT EXISTS queue (
  seq INTEGER PRIMARY KEY,
  operation_id TEXT NOT NULL UNIQUE,
  business_id TEXT NOT NULL,
  operation TEXT NOT NULL,
  status TEXT NOT NULL,
  result TEXT,
  enqueued_at INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS queue_pending ON queue (status, seq);
-- Versioned JSON documents (value and tags as JSON text), and their tags as an index for listing.
CREATE TABLE IF NOT EXISTS records (
  collection TEXT NOT NULL,
  key TEXT NOT NULL,
  version INTEGER NOT NULL CHECK (version > 0),
  value TEXT NOT NULL,
  tags TEXT NOT NULL,
  updated_at_ms INTEGER NOT NULL,
  PRIMARY KEY (collection, key)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS record_tags (
  collection TEXT NOT NULL,
  tag TEXT NOT NULL,
  key TEXT NOT NULL,
  updated_at_ms INTEGER NOT NULL,
  PRIMARY KEY (collection, tag, key)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS record_tags_newest ON record_tags (collection, tag, updated_at_ms DESC, key);
`;

interface RecordRow {
  collection: string; key: string; version: number; value: string; tags: string; updated_at_ms: number;
}

export class SqliteTables implements LedgerTables {
  private readonly db: Database.Database;
  private readonly statements;
  readonly limits: SqliteLimitTables;

  constructor(file: string) {
    this.db = openDurableSqlite(file, SCHEMA);
    const db = this.db;
    this.limits = new SqliteLimitTables(db);
    this.statements = {
      balance: db.prepare<[string], { balance: number }>('SELECT balance FROM accounts WHERE id = ?'),
      setBalance: db.prepare('INSERT INTO accounts (id, balance, updated_at) VALUES (?, ?, ?) ON CONFLICT (id) DO UPDATE SET balance = excluded.balance, updated_at = excluded.updated_at'),
      commitRow: db.prepare<[string], { id: string; business_id: string; request_hash: string; committed_at: number }>('SELECT * FROM commits WHERE id = ?'),
      insertCommit: db.prepare('INSERT INTO commits (id, business_id, request_hash, committed_at) VALUES (?, ?, ?, ?)'),
      transfer: db.prepare<[string], TransferRow>('SELECT * FROM transfers WHERE id = ?'),
      transfersOfCommit: db.prepare<[string], TransferRow>('SELECT * FROM transfers WHERE commit_id = ? ORDER BY seq'),
      insertTransfer: db.prepare(`INSERT INTO transfers (id, commit_id, business_id, kind, debit_account_id, credit_account_id, amount,
        debit_balance_after, credit_balance_after, committed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
      history: db.prepare<[string, number, string, number, number], TransferRow>(`SELECT * FROM (
          SELECT * FROM (SELECT * FROM transfers WHERE debit_account_id = ? ORDER BY seq DESC LIMIT ?)
          UNION ALL
          SELECT * FROM (SELECT * FROM transfers WHERE credit_account_id = ? ORDER BY seq DESC LIMIT ?))
        ORDER BY seq DESC LIMIT ?`),
      queueEntry: db.prepare<[string], QueueRow>('SELECT * FROM queue WHERE operation_id = ?'),
      insertQueue: db.prepare('INSERT INTO queue (operation_id, business_id, operation, status, result, enqueued_at) VALUES (?, ?, ?, ?, NULL, ?)'),
      pendingQueue: db.prepare<[number], QueueRow>("SELECT * FROM queue WHERE status = 'pending' ORDER BY seq LIMIT ?"),
      pendingCount: db.prepare<[], { count: number }>("SELECT count(*) AS count FROM queue WHERE status = 'pending'"),
      finishQueue: db.prepare('UPDATE queue SET status = ?, result = ? WHERE operation_id = ?'),
      record: db.prepare<[string, string], RecordRow>('SELECT * FROM records WHERE collection = ? AND key = ?'),
      putRecord: db.prepare(`INSERT INTO records (collection, key, version, value, tags, updated_at_ms) VALUES (?, ?, ?, ?, ?, ?)
        ON CONFLICT (collection, key) DO UPDATE SET version = excluded.version, value = excluded.value, tags = excluded.tags, updated_at_ms = excluded.updated_at_ms`),
      dropRecordTags: db.prepare('DELETE FROM record_tags WHERE collection = ? AND key = ?'),
      insertRecordTag: db.prepare('INSERT INTO record_tags (collection, tag, key, updated_at_ms) VALUES (?, ?, ?, ?)'),
      listRecords: db.prepare<[string, string, number], RecordRow>(`SELECT r.* FROM record_tags t
        JOIN records r ON r.collection = t.collection AND r.key = t.key
        WHERE t.collection = ? AND t.tag = ? ORDER BY t.updated_at_ms DESC, t.key LIMIT ?`),
      // The same index read backwards; the first condition bounds the range, the second skips the
      // records of the cursor's millisecond already given.
      pageRecords: db.prepare<[string, string, number, number, string, number], RecordRow>(`SELECT r.* FROM record_tags t
        JOIN records r ON r.collection = t.collection AND r.key = t.key
        WHERE t.collection = ? AND t.tag = ? AND t.updated_at_ms >= ? AND (t.updated_at_ms > ? OR t.key < ?)
        ORDER BY t.updated_at_ms, t.key DESC LIMIT ?`),
      epoch: db.prepare("INSERT INTO meta (key, value) VALUES ('epoch', 1) ON CONFLICT (key) DO UPDATE SET value = value + 1 RETURNING value"),
    };
  }

  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn)();
  }

  balance(accountId: string): number | undefined {
    return this.statements.balance.get(accountId)?.balance;
  }

  setBalance(accountId: string, balanceCents: number, atMs: number): void {
    this.statements.setBalance.run(accountId, balanceCents, atMs);
  }

  commitRow(commitId: string): CommitRow | undefined {
    const row = this.statements.commitRow.get(commitId);
    return row && { commitId: row.id, businessId: row.business_id, requestHash: row.request_hash, committedAtMs: row.committed_at };
  }

  insertCommit(row: CommitRow): void {
    this.statements.insertCommit.run(row.commitId, row.businessId, row.requestHash, row.committedAtMs);
  }

  transfer(transferId: string): TransferRecord | undefined {
    const row = this.statements.transfer.get(transferId);
    return row && toTransfer(row);
  }

  transfersOfCommit(commitId: string): TransferRecord[] {
    return this.statements.transfersOfCommit.all(commitId).map(toTransfer);
  }

  insertTransfer(r: TransferRecord): void {
    this.statements.insertTransfer.run(r.transferId, r.commitId, r.businessId, r.kind, r.debitAccountId, r.creditAccountId,
      r.amountCents, r.debitBalanceAfterCents, r.creditBalanceAfterCents, r.committedAtMs);
  }

  history(accountId: string, limit: number): TransferRecord[] {
    return this.statements.history.all(accountId, limit, accountId, limit, limit).map(toTransfer);
  }

  queueEntry(operationId: string): QueueEntry | undefined {
    const row = this.statements.queueEntry.get(operationId);
    return row && toQueueEntry(row);
  }

  insertQueueEntry(entry: Omit<QueueEntry, 'seq'>): QueueEntry {
    const info = this.statements.insertQueue.run(entry.operationId, entry.businessId, JSON.stringify(entry.operation), entry.status, entry.enqueuedAtMs);
    return { ...entry, seq: Number(info.lastInsertRowid) };
  }

  pendingQueue(limit: number): QueueEntry[] {
    return this.statements.pendingQueue.all(limit).map(toQueueEntry);
  }

  pendingCount(): number {
    return this.statements.pendingCount.get()?.count ?? 0;
  }

  finishQueueEntry(result: QueueResult): void {
    this.statements.finishQueue.run(result.status, JSON.stringify(result), result.operationId);
  }

  record(collection: string, key: string): StoredRecord | undefined {
    const row = this.statements.record.get(collection, key);
    return row && toRecord(row);
  }

  putRecord(r: StoredRecord): void {
    this.statements.putRecord.run(r.collection, r.key, r.version, JSON.stringify(r.value), JSON.stringify(r.tags), r.updatedAtMs);
    this.statements.dropRecordTags.run(r.collection, r.key);
    for (const tag of r.tags) this.statements.insertRecordTag.run(r.collection, tag, r.key, r.updatedAtMs);
  }

  listRecords(collection: string, tag: string, limit: number): StoredRecord[] {
    return this.statements.listRecords.all(collection, tag, limit).map(toRecord);
  }

  pageRecords(collection: string, tag: string, limit: number, after: RecordPosition | null): StoredRecord[] {
    // No cursor: from before the first millisecond, every key.
    const fromMs = after?.updatedAtMs ?? -1;
    const rows = this.statements.pageRecords.all(collection, tag, fromMs, fromMs, after?.key ?? '', limit);
    return rows.map(toRecord);
  }

  audit(): AuditReport {
    const totals = this.db.prepare<[], { accounts: number; sum: number | null; customers: number | null }>(
      "SELECT count(*) AS accounts, sum(balance) AS sum, sum(CASE WHEN id LIKE '@%' THEN 0 ELSE balance END) AS customers FROM accounts").get();
    const transfers = this.db.prepare<[], { count: number }>('SELECT count(*) AS count FROM transfers').get();
    const mismatched = this.db.prepare<[], { id: string }>(`
      WITH moves AS (
        SELECT credit_account_id AS id, amount FROM transfers
        UNION ALL SELECT debit_account_id AS id, -amount FROM transfers),
      journal AS (SELECT id, sum(amount) AS total FROM moves GROUP BY id)
      SELECT a.id FROM accounts a LEFT JOIN journal j ON j.id = a.id WHERE a.balance <> coalesce(j.total, 0)
      UNION SELECT j.id FROM journal j LEFT JOIN accounts a ON a.id = j.id WHERE a.id IS NULL`).all();
    return {
      accounts: totals?.accounts ?? 0,
      transfers: transfers?.count ?? 0,
      balanceSumCents: totals?.sum ?? 0,
      customerBalanceSumCents: totals?.customers ?? 0,
      mismatchedAccounts: mismatched.map((row) => row.id),
    };
  }

  nextEpoch(): number {
    const row = this.statements.epoch.get() as { value: number } | undefined;
    if (!row) throw new Error('could not advance the fencing epoch');
    return row.value;
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}

function toRecord(row: RecordRow): StoredRecord {
  return {
    collection: row.collection, key: row.key, version: row.version, value: JSON.parse(row.value) as Record<string, unknown>,
    tags: JSON.parse(row.tags) as string[], updatedAtMs: row.updated_at_ms,
  };
}
