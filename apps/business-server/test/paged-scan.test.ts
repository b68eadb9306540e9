// The recovery sweeps' walk over open records (PagedScan) against a store double: bounded pages a
// round, the next round going on where the last stopped, and a pass that reaches the end starting
// again from the oldest without handing a record twice in one round.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { BankStore, PagedRecord } from '../src/application/consortium/bank-store.js';
import { PagedScan } from '../src/application/consortium/paged-scan.js';

/** Open records oldest first; a cursor is the place of the last record given, as in the data server. */
function storeOf(keys: string[]) {
  const open = new Set(keys);
  const store = {
    async page(_collection: string, _tag: string, limit: number, after: string | null) {
      const rest = keys.map((key, at) => ({ key, at })).filter(({ key, at }) => open.has(key) && at > (after === null ? -1 : Number(after)));
      const records: PagedRecord<string>[] = rest.slice(0, limit).map(({ key }) => ({ key, version: 1, value: key, updatedAtMs: 0 }));
      return { records, next: rest.length > limit ? String(rest[limit - 1]!.at) : null };
    },
  } as unknown as BankStore;
  return { store, close: (key: string) => open.delete(key) };
}

async function roundOf(scan: PagedScan<string>): Promise<string[][]> {
  const pages: string[][] = [];
  const seen = await scan.round(async (page) => void pages.push(page.map((record) => record.key)));
  assert.equal(seen, pages.flat().length, 'the round counts what it handed');
  return pages;
}

test('paged scan - bounded pages a round; the next round goes on, and wraps to the oldest with the pages left', async () => {
  const { store } = storeOf(['a', 'b', 'c', 'd', 'e']);
  const scan = new PagedScan<string>(store, 'holds', 'open', { pageRecords: 2, pagesPerRound: 2 });
  assert.deepEqual(await roundOf(scan), [['a', 'b'], ['c', 'd']]);
  assert.deepEqual(await roundOf(scan), [['e'], ['a', 'b']], 'the end, then from the oldest again');
  assert.deepEqual(await roundOf(scan), [['c', 'd'], ['e']]);
  assert.deepEqual(await roundOf(scan), [['a', 'b'], ['c', 'd']], 'the pass ended: the next round starts at the oldest');
});

test('paged scan - after wrapping, a round stops at the first record it already handed', async () => {
  const { store, close } = storeOf(['a', 'b', 'c', 'd', 'e']);
  const scan = new PagedScan<string>(store, 'holds', 'open', { pageRecords: 2, pagesPerRound: 3 });
  assert.deepEqual(await roundOf(scan), [['a', 'b'], ['c', 'd'], ['e']], 'all fit: one pass from the oldest');
  const small = new PagedScan<string>(store, 'holds', 'open', { pageRecords: 2, pagesPerRound: 2 });
  assert.deepEqual(await roundOf(small), [['a', 'b'], ['c', 'd']]);
  for (const key of ['b', 'c', 'd']) close(key);
  assert.deepEqual(await roundOf(small), [['e'], ['a']], 'e again would be twice in one round');
  assert.deepEqual(await roundOf(small), [['a', 'e']]);
  assert.deepEqual(await roundOf(new PagedScan<string>(storeOf([]).store, 'holds', 'open', { pageRecords: 2, pagesPerRound: 2 })), [], 'nothing open: 0');
});
