// The memory store's counter rows: a Map kept in order of last write, so the sweep finds the
// stalest rows first. Every call is synchronous, hence atomic.
import { rowId, type LimitRow } from '../limit-rules.js';
import type { LimitTables } from './limit-tables.js';

export class MemoryLimitTables implements LimitTables {
  private readonly rows = new Map<string, LimitRow>();

  transaction<T>(fn: () => T): T {
    return fn();
  }

  row(limit: string, keyHash: string): LimitRow | undefined {
    const row = this.rows.get(rowId(limit, keyHash));
    return row && { ...row, buckets: row.buckets.map(([startMs, count]) => [startMs, count]) };
  }

  put(row: LimitRow): void {
    const id = rowId(row.limit, row.keyHash);
    this.rows.delete(id);
    this.rows.set(id, { ...row, buckets: row.buckets.map(([startMs, count]) => [startMs, count]) });
  }

  delete(limit: string, keyHash: string): void {
    this.rows.delete(rowId(limit, keyHash));
  }

  sweep(nowMs: number, max: number): void {
    let looked = 0;
    for (const [id, row] of this.rows) {
      if (looked++ >= max) break;
      if (row.expiresAtMs <= nowMs) this.rows.delete(id);
    }
  }

  count(limit: string): number {
    let count = 0;
    for (const row of this.rows.values()) if (row.limit === limit) count++;
    return count;
  }
}
