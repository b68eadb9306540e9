// The PostgreSQL store, for registries that share one database between several instances. Each
// record() is one transaction that first takes an advisory lock on the person, so the per-person
// limit holds under concurrent writes; a concurrent insert of the same (client, key) for another
// person surfaces as a unique violation, and the transaction is run again to answer as a replay.
import pg from 'pg';
import type { PoolClient } from 'pg';
import { BancaError } from '@banca/core/errors';
import { inTransaction, openPool } from '@banca/store-kit/postgres';
import { fromRow, toRow, type ItemRow, type RecordOutcome, type RecordRequest, type RegistryItem, type RegistryStore } from './registry-store.js';

const ATTEMPTS_MAX = 3;
const POOL_SIZE = 10;
/** Key of the advisory lock that serializes schema creation by instances starting together. */
const SCHEMA_LOCK_KEY = 7_406_231_958_114_010;
const UNIQUE_VIOLATION = '23505';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS registry_items (
  seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,
  document TEXT NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('debt', 'asset', 'income')),
  amount_cents BIGINT NOT NULL CHECK (amount_cents > 0),
  debt_date TEXT,
  creditor TEXT,
  description TEXT,
  created_at_ms BIGINT NOT NULL,
  client_id TEXT NOT NULL,
  idempotency_key TEXT NOT NULL,
  request_hash TEXT NOT NULL,
  UNIQUE (client_id, idempotency_key));
CREATE INDEX IF NOT EXISTS registry_items_document ON registry_items (document, seq);
`;

const COLUMNS = 'id, document, kind, amount_cents, debt_date, creditor, description, created_at_ms';

export class PostgresStore implements RegistryStore {
  readonly kind = 'postgres' as const;
  private closed = false;

  private constructor(private readonly pool: pg.Pool) {}

  /** Connects and creates the schema if missing (safe when several instances start at once). */
  static async open(url: string): Promise<PostgresStore> {
    return new PostgresStore(await openPool(url, { poolSize: POOL_SIZE, schema: SCHEMA, schemaLockKey: SCHEMA_LOCK_KEY }));
  }

  async record(request: RecordRequest): Promise<RecordOutcome> {
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await this.transaction((client) => recordIn(client, request));
      } catch (error) {
        if (attempt >= ATTEMPTS_MAX || (error as { code?: unknown }).code !== UNIQUE_VIOLATION) throw error;
      }
    }
  }

  async itemsOf(document: string): Promise<RegistryItem[]> {
    this.assertOpen();
    const result = await this.pool.query<ItemRow>(`SELECT ${COLUMNS} FROM registry_items WHERE document = $1 ORDER BY seq`, [document]);
    return result.rows.map(fromRow);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.pool.end();
  }

  private assertOpen(): void {
    if (this.closed) throw new BancaError('UNAVAILABLE', 'The registry store is closed (the credit registry is shutting down).');
  }

  private async transaction<T>(fn: (client: PoolClient) => Promise<T>): Promise<T> {
    this.assertOpen();
    const client = await this.pool.connect();
    try {
      return await inTransaction(client, fn);
    } finally {
      client.release();
    }
  }
}

async function recordIn(client: PoolClient, request: RecordRequest): Promise<RecordOutcome> {
  const { item } = request;
  await client.query("SELECT pg_advisory_xact_lock(hashtextextended('registry:' || $1, 0))", [item.document]);
  const known = await client.query<ItemRow & { request_hash: string }>(
    `SELECT ${COLUMNS}, request_hash FROM registry_items WHERE client_id = $1 AND idempotency_key = $2`,
    [request.clientId, request.idempotencyKey],
  );
  const row = known.rows[0];
  if (row) return row.request_hash === request.requestHash ? { outcome: 'replayed', item: fromRow(row) } : { outcome: 'conflict' };
  const count = await client.query<{ count: number }>('SELECT count(*) AS count FROM registry_items WHERE document = $1', [item.document]);
  if ((count.rows[0]?.count ?? 0) >= request.itemsPerPersonMax) return { outcome: 'full', itemsPerPersonMax: request.itemsPerPersonMax };
  const r = toRow(item);
  await client.query(
    `INSERT INTO registry_items (${COLUMNS}, client_id, idempotency_key, request_hash) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
    [r.id, r.document, r.kind, r.amount_cents, r.debt_date, r.creditor, r.description, r.created_at_ms, request.clientId, request.idempotencyKey, request.requestHash],
  );
  return { outcome: 'created', item };
}
