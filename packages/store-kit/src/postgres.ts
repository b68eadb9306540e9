// A PostgreSQL pool opened the one way banca's stores use it: BIGINT read as safe JS numbers,
// the schema created under an advisory lock (instances may start together), and transactions
// that always end in COMMIT or ROLLBACK. The URL may name several servers, as libpq's do
// (postgres://user:pw@h1:p1,h2:p2/db?target_session_attrs=read-write), which node-postgres does
// not understand: see failover.ts, which finds the one to use and follows it when it moves.
import pg from 'pg';
import type { PoolClient } from 'pg';
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
    const client = await pool.connect();
    try {
      await inTransaction(client, async () => {
        await client.query('SELECT pg_advisory_xact_lock($1)', [options.schemaLockKey]);
        await client.query(options.schema);
      });
    } finally {
      client.release();
    }
  } catch (error) {
    await pool.end().catch(() => {});
    throw error;
  }
  return pool;
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
