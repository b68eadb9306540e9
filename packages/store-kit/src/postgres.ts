// A PostgreSQL pool opened the one way banca's stores use it: BIGINT read as safe JS numbers,
// the schema created under an advisory lock (instances may start together), and transactions
// that always end in COMMIT or ROLLBACK. A schema already in place is not run again: its
// fingerprint is recorded, so an instance that starts (or restarts) beside others under load takes
// no DDL lock that could queue behind their work or deadlock with it (CREATE INDEX IF NOT EXISTS
// locks its table even when the index exists). Applying one is retried on a deadlock. The URL may
// name several servers, as libpq's do (postgres://user:pw@h1:p1,h2:p2/db?target_session_attrs=
// read-write), which node-postgres does not understand: see failover.ts, which finds the one to
// use and follows it when it moves.
import { createHash } from 'node:crypto';
import pg from 'pg';
import type { PoolClient } from 'pg';
import { retry } from '@banca/core/retry';
import { failoverPoolOptions, parseDatabaseUrl } from './failover.js';

const INT8_OID = 20;

function parseInt8(text: string): number {
  const value = Number(text);
  if (!Number.isSafeInteger(value)) throw new Error(`BIGINT ${text} is outside the safe integer range`);
  return value;
}

/** BIGINT columns come back as JS numbers (cents and sequences stay far below 2^53). */
export const SAFE_INT8_TYPES = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary'): unknown =>
    oid === INT8_OID && format !== 'binary' ? parseInt8 : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
};

export interface PoolOptions {
  poolSize: number;
  schema: string;
  /** The advisory lock that serializes schema creation between instances starting at once. */
  schemaLockKey: number;
}

/** Connects and creates the schema if missing; the pool is closed again if that fails. */
export async function openPool(url: string, options: PoolOptions): Promise<pg.Pool> {
  const parsed = parseDatabaseUrl(url);
  const pool = parsed.hosts.length > 1 || parsed.target !== 'any'
    ? new pg.Pool({ ...failoverPoolOptions(parsed), max: options.poolSize, types: SAFE_INT8_TYPES })
    : new pg.Pool({ connectionString: url, max: options.poolSize, types: SAFE_INT8_TYPES });
  // A client losing its connection must not crash the process: idle, the pool drops it (and says
  // so here); checked out, its query fails with the error, which pg also emits on the client.
  pool.on('error', () => {});
  pool.on('connect', (client) => void client.on('error', () => {}));
  try {
    const fingerprint = createHash('sha256').update(options.schema).digest('hex');
    if (!(await schemaInPlace(pool, fingerprint))) {
      await retry(async () => {
        const client = await pool.connect();
        try {
          await inTransaction(client, async () => {
            await client.query('SELECT pg_advisory_xact_lock($1)', [options.schemaLockKey]);
            await client.query(options.schema);
            await client.query(SCHEMAS_TABLE);
            await client.query('INSERT INTO banca_schemas (fingerprint, applied_at) VALUES ($1, now()) ON CONFLICT DO NOTHING', [fingerprint]);
          });
        } finally {
          client.release();
        }
      }, { attempts: SCHEMA_ATTEMPTS, baseDelayMs: 100, maxDelayMs: 2000, shouldRetry: (error) => RETRYABLE_SQLSTATES.has((error as { code?: string }).code ?? '') });
    }
  } catch (error) {
    await pool.end().catch(() => {});
    throw error;
  }
  return pool;
}

/** The schemas applied to this database, by the SHA-256 of their text. */
const SCHEMAS_TABLE = 'CREATE TABLE IF NOT EXISTS banca_schemas (fingerprint TEXT PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL)';
/** SQLSTATEs after which a whole transaction is simply run again: serialization failure, deadlock,
 *  and a unique violation from a concurrent insert of the same row (the retry then sees it). */
export const RETRYABLE_SQLSTATES: ReadonlySet<string> = new Set(['40001', '40P01', '23505']);
const SCHEMA_ATTEMPTS = 8;
const UNDEFINED_TABLE = '42P01';

/** Whether this schema's text was applied already (read without taking any lock but a row read's). */
async function schemaInPlace(pool: pg.Pool, fingerprint: string): Promise<boolean> {
  try {
    const found = await pool.query('SELECT 1 FROM banca_schemas WHERE fingerprint = $1', [fingerprint]);
    return (found.rowCount ?? 0) > 0;
  } catch (error) {
    if ((error as { code?: string }).code === UNDEFINED_TABLE) return false;
    throw error;
  }
}

/** Runs fn between BEGIN and COMMIT on this client; ROLLBACK (and the error) if it throws. */
export async function inTransaction<T>(client: PoolClient, fn: (client: PoolClient) => Promise<T>): Promise<T> {
  await client.query('BEGIN');
  try {
    const result = await fn(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw error;
  }
}
