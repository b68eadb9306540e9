// The PostgreSQL store's windowed counters: the same rules as the embedded stores
// (limit-rules.ts). A request takes transaction-scoped advisory locks on its counters (one
// statement, in key order, so requests on one counter run one after the other and never deadlock),
// reads their rows, and writes what the rules return; then it deletes a page of expired rows,
// skipping rows another transaction holds.
import type { PoolClient } from 'pg';
import { applyForget, applyHits, LIMIT_SWEEP_ROWS, rowId, type Buckets, type HashedForget, type HashedHit, type HitsOutcome, type LimitRow } from '../limit-rules.js';

export const LIMIT_SCHEMA = `
CREATE TABLE IF NOT EXISTS limit_hits (
  name TEXT NOT NULL,
  key_hash TEXT NOT NULL,
  buckets TEXT NOT NULL,
  expires_at_ms BIGINT NOT NULL,
  PRIMARY KEY (name, key_hash));
CREATE INDEX IF NOT EXISTS limit_hits_expiry ON limit_hits (expires_at_ms);
`;

/** Seed of the hash that maps a counter to its advisory lock key (not the accounts' seed). */
const LIMIT_LOCK_SEED = 20_261_206;

interface Row { name: string; key_hash: string; buckets: string; expires_at_ms: number }

async function lockCounters(client: PoolClient, items: readonly { limit: string; keyHash: string }[]): Promise<Map<string, LimitRow>> {
  const names = items.map((item) => item.limit);
  const hashes = items.map((item) => item.keyHash);
  await client.query(
    `SELECT count(pg_advisory_xact_lock(s.key)) FROM (
       SELECT DISTINCT hashtextextended(c.name || chr(1) || c.key_hash, $3) AS key
         FROM unnest($1::text[], $2::text[]) AS c(name, key_hash) ORDER BY key) AS s`,
    [names, hashes, LIMIT_LOCK_SEED],
  );
  const found = await client.query<Row>(
    'SELECT l.* FROM limit_hits l JOIN unnest($1::text[], $2::text[]) AS c(name, key_hash) ON l.name = c.name AND l.key_hash = c.key_hash',
    [names, hashes],
  );
  return new Map(found.rows.map((row) => [rowId(row.name, row.key_hash), {
    limit: row.name, keyHash: row.key_hash, buckets: JSON.parse(row.buckets) as Buckets, expiresAtMs: Number(row.expires_at_ms),
  }]));
}

async function writeRows(client: PoolClient, items: readonly { limit: string; keyHash: string }[], writes: readonly (LimitRow | null)[]): Promise<void> {
  const kept = writes.filter((row): row is LimitRow => row !== null);
  const dropped = items.filter((_, index) => writes[index] === null);
  if (kept.length > 0) {
    await client.query(
      `INSERT INTO limit_hits (name, key_hash, buckets, expires_at_ms)
       SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[])
       ON CONFLICT (name, key_hash) DO UPDATE SET buckets = excluded.buckets, expires_at_ms = excluded.expires_at_ms`,
      [kept.map((row) => row.limit), kept.map((row) => row.keyHash), kept.map((row) => JSON.stringify(row.buckets)), kept.map((row) => row.expiresAtMs)],
    );
  }
  if (dropped.length > 0) {
    await client.query(
      'DELETE FROM limit_hits l USING unnest($1::text[], $2::text[]) AS c(name, key_hash) WHERE l.name = c.name AND l.key_hash = c.key_hash',
      [dropped.map((item) => item.limit), dropped.map((item) => item.keyHash)],
    );
  }
}

export async function hitLimits(client: PoolClient, hits: readonly HashedHit[], nowMs: number): Promise<Omit<HitsOutcome, 'writes'>> {
  const rows = await lockCounters(client, hits);
  const { writes, ...outcome } = applyHits(hits, rows, nowMs);
  await writeRows(client, hits, writes);
  await client.query(
    `DELETE FROM limit_hits WHERE ctid IN (
       SELECT ctid FROM limit_hits WHERE expires_at_ms <= $1 ORDER BY expires_at_ms LIMIT $2 FOR UPDATE SKIP LOCKED)`,
    [nowMs, LIMIT_SWEEP_ROWS],
  );
  return outcome;
}

export async function forgetLimits(client: PoolClient, forgets: readonly HashedForget[]): Promise<void> {
  const rows = await lockCounters(client, forgets);
  const writes = forgets.map((forget) => applyForget(forget, rows.get(rowId(forget.limit, forget.keyHash))));
  await writeRows(client, forgets, writes);
}

export async function countLimitRows(client: PoolClient, limit: string): Promise<number> {
  const row = (await client.query<{ count: string }>('SELECT count(*) AS count FROM limit_hits WHERE name = $1', [limit])).rows[0];
  return Number(row?.count ?? 0);
}
