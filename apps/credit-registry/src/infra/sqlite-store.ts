// The default store: one SQLite file in WAL mode with synchronous=FULL, so an item whose write has
// returned survives a crash. One connection: each record() is one synchronous transaction, so the
// idempotency check, the per-person limit and the insert cannot interleave with another write.
import type Database from 'better-sqlite3';
import { openDurableSqlite } from '@banca/store-kit/sqlite';
import { fromRow, toRow, type ItemRow, type RecordOutcome, type RecordRequest, type RegistryItem, type RegistryStore } from './registry-store.js';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS items (
  seq INTEGER PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,
  document TEXT NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('debt', 'asset', 'income')),
  amount_cents INTEGER NOT NULL CHECK (amount_cents > 0),
  debt_date TEXT,
  creditor TEXT,
  description TEXT,
  created_at_ms INTEGER NOT NULL,
  client_id TEXT NOT NULL,
  idempotency_key TEXT NOT NULL,
  request_hash TEXT NOT NULL,
  UNIQUE (client_id, idempotency_key));
CREATE INDEX IF NOT EXISTS items_document ON items (document, seq);
`;

const COLUMNS = 'id, document, kind, amount_cents, debt_date, creditor, description, created_at_ms';

export class SqliteStore implements RegistryStore {
  readonly kind = 'sqlite' as const;
  private readonly db: Database.Database;
  private readonly statements;

  constructor(file: string) {
    this.db = openDurableSqlite(file, SCHEMA);
    const db = this.db;
    this.statements = {
      byKey: db.prepare<[string, string], ItemRow & { request_hash: string }>(
        `SELECT ${COLUMNS}, request_hash FROM items WHERE client_id = ? AND idempotency_key = ?`),
      count: db.prepare<[string], { count: number }>('SELECT count(*) AS count FROM items WHERE document = ?'),
      insert: db.prepare(`INSERT INTO items (${COLUMNS}, client_id, idempotency_key, request_hash)
        VALUES (@id, @document, @kind, @amount_cents, @debt_date, @creditor, @description, @created_at_ms, @client_id, @idempotency_key, @request_hash)`),
      itemsOf: db.prepare<[string], ItemRow>(`SELECT ${COLUMNS} FROM items WHERE document = ? ORDER BY seq`),
    };
  }

  async record(request: RecordRequest): Promise<RecordOutcome> {
    return this.db.transaction((): RecordOutcome => {
      const known = this.statements.byKey.get(request.clientId, request.idempotencyKey);
      if (known) return known.request_hash === request.requestHash ? { outcome: 'replayed', item: fromRow(known) } : { outcome: 'conflict' };
      const count = this.statements.count.get(request.item.document)?.count ?? 0;
      if (count >= request.itemsPerPersonMax) return { outcome: 'full', itemsPerPersonMax: request.itemsPerPersonMax };
      this.statements.insert.run({
        ...toRow(request.item), client_id: request.clientId, idempotency_key: request.idempotencyKey, request_hash: request.requestHash,
      });
      return { outcome: 'created', item: request.item };
    })();
  }

  async itemsOf(document: string): Promise<RegistryItem[]> {
    return this.statements.itemsOf.all(document).map(fromRow);
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }
}
