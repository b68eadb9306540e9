// The windowed counters' rows in an embedded store (memory or SQLite): rows only; the rules are
// limit-rules.ts, applied by embedded-store.ts inside transaction().
import type { LimitRow } from '../limit-rules.js';

export interface LimitTables {
  /** Runs fn in one durable transaction; throws and keeps nothing if fn throws. */
  transaction<T>(fn: () => T): T;
  row(limit: string, keyHash: string): LimitRow | undefined;
  put(row: LimitRow): void;
  delete(limit: string, keyHash: string): void;
  /** Deletes up to `max` rows expired at nowMs. */
  sweep(nowMs: number, max: number): void;
  count(limit: string): number;
}
