// The SQLite store's counter rows, in the ledger's file: one row per (counter, hashed key), its
// buckets as JSON text, indexed by expiry for the sweep.
import type Database from 'better-sqlite3';
import type { Buckets, LimitRow } from '../limit-rules.js';
import type { LimitTables } from './limit-tables.js';

export const LIMIT_SCHEMA = `
CREATE TABLE IF NOT EXISTS limit_hits (
  name TEXT NOT NULL,
  key_hash TEXT NOT NULL,
  buckets TEXT NOT NULL,
  expires_at_ms INTEGER NOT NULL,
  PRIMARY KEY (name, key_hash)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS limit_hits_expiry ON limit_hits (expires_at_ms);
`;

interface Row { name: string; key_hash: string; buckets: string; expires_at_ms: number }

export class SqliteLimitTables implements LimitTables {
  private readonly statements;

  constructor(private readonly db: Database.Database) {
    db.exec(LIMIT_SCHEMA);
    this.statements = {
      row: db.prepare<[string, string], Row>('SELECT * FROM limit_hits WHERE name = ? AND key_hash = ?'),
      put: db.prepare(`INSERT INTO limit_hits (name, key_hash, buckets, expires_at_ms) VALUES (?, ?, ?, ?)
        ON CONFLICT (name, key_hash) DO UPDATE SET buckets = excluded.buckets, expires_at_ms = excluded.expires_at_ms`),
      delete: db.prepare('DELETE FROM limit_hits WHERE name = ? AND key_hash = ?'),
      sweep: db.prepare(`DELETE FROM limit_hits WHERE (name, key_hash) IN (
        SELECT name, key_hash FROM limit_hits WHERE expires_at_ms <= ? ORDER BY expires_at_ms LIMIT ?)`),
      count: db.prepare<[string], { count: number }>('SELECT count(*) AS count FROM limit_hits WHERE name = ?'),
    };
  }

  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn)();
  }

  row(limit: string, keyHash: string): LimitRow | undefined {
    const row = this.statements.row.get(limit, keyHash);
    return row && { limit: row.name, keyHash: row.key_hash, buckets: JSON.parse(row.buckets) as Buckets, expiresAtMs: row.expires_at_ms };
  }

  put(row: LimitRow): void {
    this.statements.put.run(row.limit, row.keyHash, JSON.stringify(row.buckets), row.expiresAtMs);
  }

  delete(limit: string, keyHash: string): void {
    this.statements.delete.run(limit, keyHash);
  }

  sweep(nowMs: number, max: number): void {
    this.statements.sweep.run(nowMs, max);
  }

  count(limit: string): number {
    return this.statements.count.get(limit)?.count ?? 0;
  }
}
