import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDurableSqlite } from '../src/sqlite.js';

test('store-kit - a SQLite file opens durable (WAL, synchronous=FULL) in a folder it creates, with its schema', () => {
  const dir = mkdtempSync(join(tmpdir(), 'banca-store-kit-'));
  try {
    const db = openDurableSqlite(join(dir, 'nested', 'deeper', 'x.sqlite'), 'CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY)');
    assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
    assert.equal(db.pragma('synchronous', { simple: true }), 2, 'FULL');
    db.prepare('INSERT INTO t (id) VALUES (1)').run();
    db.close();
    const again = openDurableSqlite(join(dir, 'nested', 'deeper', 'x.sqlite'), 'CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY)');
    assert.equal((again.prepare("SELECT count(*) AS n FROM t").get() as { n: number }).n, 1, "the row survived the reopen");
    again.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
