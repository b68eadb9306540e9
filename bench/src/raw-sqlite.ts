// The reference for the data server's commit: better-sqlite3 in this process, on a file in WAL
// mode with synchronous=FULL, the data server's own schema (imported from
// its SQLite adapter), and per commit one transaction with
// the rows the data server writes for it: the two balances of each transfer (UPSERT), the
// transfer row, then the commit row. Balances are tracked in memory: no reads, writes only.
import Database from 'better-sqlite3';
import type { TransferInput } from '@banca/core/protocol';
import { SCHEMA } from '@banca/data-server/infra/embedded/sqlite-tables';


/** Stands in for the data server's sha256 (base64url) request hash: same length, not computed. */
const REQUEST_HASH = 'x'.repeat(43);
const BUSINESS_ID = '1';

export class RawLedger {
  private readonly db: Database.Database;
  private readonly balances = new Map<string, number>();
  private readonly commitTx: (commitId: string, transfers: readonly TransferInput[]) => void;

  constructor(file: string) {
    this.db = new Database(file);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = FULL');
    this.db.exec(SCHEMA);
    const setBalance = this.db.prepare(
      'INSERT INTO accounts (id, balance, updated_at) VALUES (?, ?, ?) ON CONFLICT (id) DO UPDATE SET balance = excluded.balance, updated_at = excluded.updated_at');
    const insertTransfer = this.db.prepare(`INSERT INTO transfers (id, commit_id, business_id, kind, debit_account_id, credit_account_id, amount,
      debit_balance_after, credit_balance_after, committed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
    const insertCommit = this.db.prepare('INSERT INTO commits (id, business_id, request_hash, committed_at) VALUES (?, ?, ?, ?)');
    this.commitTx = this.db.transaction((commitId: string, transfers: readonly TransferInput[]) => {
      const now = Date.now();
      for (const t of transfers) {
        const debit = (this.balances.get(t.debitAccountId) ?? 0) - t.amountCents;
        const credit = (this.balances.get(t.creditAccountId) ?? 0) + t.amountCents;
        this.balances.set(t.debitAccountId, debit);
        this.balances.set(t.creditAccountId, credit);
        setBalance.run(t.debitAccountId, debit, now);
        setBalance.run(t.creditAccountId, credit, now);
        insertTransfer.run(t.transferId, commitId, BUSINESS_ID, t.kind, t.debitAccountId, t.creditAccountId, t.amountCents, debit, credit, now);
      }
      insertCommit.run(commitId, BUSINESS_ID, REQUEST_HASH, now);
    });
  }

  /** One durable transaction (synchronous: returns once SQLite has synced the WAL). */
  commit(commitId: string, transfers: readonly TransferInput[]): void {
    this.commitTx(commitId, transfers);
  }

  transferCount(): number {
    return (this.db.prepare('SELECT count(*) AS count FROM transfers').get() as { count: number }).count;
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}
