// The windowed counters every store keeps alike (log-in and sign-up limits of a bank's business
// servers). A counter row holds its hits in at most BUCKETS_PER_WINDOW + 1 time buckets, whatever
// its max, so a row stays small; a hit counts until its bucket's end leaves the window, so a
// counter refuses at most one bucket early (stricter, never looser). Pure: each adapter reads the
// rows of a request under its own lock or transaction, calls these, and writes what they return.
import { BancaError } from '@banca/core/errors';
import type { LimitCount, LimitForget, LimitHit } from '@banca/core/protocol';

export const BUCKETS_PER_WINDOW = 64;

/** Rows expired this long are deleted by each hit request, at most this many at a time. */
export const LIMIT_SWEEP_ROWS = 100;

/** [bucket start ms, hits in it], oldest first. */
export type Buckets = [number, number][];

export interface LimitRow {
  limit: string;
  keyHash: string;
  buckets: Buckets;
  /** When the newest bucket leaves the window: the row is dead from then on. */
  expiresAtMs: number;
}

/** A hit whose key is already hashed (what the stores see). */
export type HashedHit = Omit<LimitHit, 'key'> & { keyHash: string };
export type HashedForget = Omit<LimitForget, 'key'> & { keyHash: string };

export function bucketMsOf(windowMs: number): number {
  return Math.max(1, Math.ceil(windowMs / BUCKETS_PER_WINDOW));
}

export function rowId(limit: string, keyHash: string): string {
  return `${limit}\u0000${keyHash}`;
}

/** The buckets still inside the window at nowMs. */
function live(buckets: Buckets, windowMs: number, nowMs: number): Buckets {
  const bucketMs = bucketMsOf(windowMs);
  return buckets.filter(([startMs, count]) => count > 0 && startMs + bucketMs > nowMs - windowMs);
}

function total(buckets: Buckets): number {
  return buckets.reduce((sum, [, count]) => sum + count, 0);
}

/** How long until fewer than max hits are left in the window (0: one more fits now). */
function retryAfterMs(buckets: Buckets, windowMs: number, max: number, nowMs: number): number {
  let count = total(buckets);
  if (count < max) return 0;
  const bucketMs = bucketMsOf(windowMs);
  for (const [startMs, hits] of buckets) {
    count -= hits;
    if (count < max) return Math.max(1, startMs + bucketMs + windowMs - nowMs);
  }
  return windowMs;
}

function toRow(limit: string, keyHash: string, buckets: Buckets, windowMs: number): LimitRow | null {
  const newest = buckets[buckets.length - 1];
  if (!newest) return null;
  return { limit, keyHash, buckets, expiresAtMs: newest[0] + bucketMsOf(windowMs) + windowMs };
}

export interface HitsOutcome {
  allowed: boolean;
  counts: LimitCount[];
  /** The rows to store (null: delete it), one per hit, in the order of the hits. */
  writes: (LimitRow | null)[];
}

/** Counts a hit on every counter, or on none when one of them is full. */
export function applyHits(hits: readonly HashedHit[], rows: ReadonlyMap<string, LimitRow>, nowMs: number): HitsOutcome {
  const current = hits.map((hit) => live(rows.get(rowId(hit.limit, hit.keyHash))?.buckets ?? [], hit.windowMs, nowMs));
  const waits = hits.map((hit, index) => retryAfterMs(current[index] ?? [], hit.windowMs, hit.max, nowMs));
  const allowed = waits.every((wait) => wait === 0);
  const next = hits.map((hit, index) => {
    const buckets = current[index] ?? [];
    if (!allowed) return buckets;
    const startMs = nowMs - (nowMs % bucketMsOf(hit.windowMs));
    const last = buckets[buckets.length - 1];
    return last && last[0] === startMs ? [...buckets.slice(0, -1), [startMs, last[1] + 1] as [number, number]] : [...buckets, [startMs, 1] as [number, number]];
  });
  return {
    allowed,
    counts: hits.map((hit, index) => ({ limit: hit.limit, count: total(next[index] ?? []), allowed: waits[index] === 0, retryAfterMs: waits[index] ?? 0 })),
    writes: hits.map((hit, index) => toRow(hit.limit, hit.keyHash, next[index] ?? [], hit.windowMs)),
  };
}

/** Takes back one hit at atMs (its bucket loses one), or all of the row; null deletes the row. */
export function applyForget(forget: HashedForget, row: LimitRow | undefined): LimitRow | null {
  if (!row || forget.atMs === undefined) return null;
  const { atMs } = forget;
  const buckets = row.buckets.map(([startMs, count]) => [startMs, count] as [number, number]);
  // The bucket holding atMs is the newest one starting at or before it.
  const index = buckets.findLastIndex(([startMs]) => startMs <= atMs);
  const bucket = buckets[index];
  if (!bucket || bucket[1] === 0) return row;
  bucket[1] -= 1;
  const kept = buckets.filter(([, count]) => count > 0);
  if (kept.length === 0) return null;
  return { ...row, buckets: kept };
}

/** One counter twice in one request would count against itself: refused. */
export function duplicateLimit(items: readonly { limit: string; keyHash: string }[]): BancaError | undefined {
  const seen = new Set<string>();
  for (const item of items) {
    const id = rowId(item.limit, item.keyHash);
    if (seen.has(id)) return new BancaError('INVALID_REQUEST', `Counter ${item.limit} is named twice with the same key in one request.`);
    seen.add(id);
  }
  return undefined;
}
