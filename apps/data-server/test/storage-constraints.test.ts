// The database itself refuses a negative customer balance, whatever writes the row: the last line
// behind the business rules and the store's own checks. System accounts ('@cash', '@holds', ...)
// are the other side of customers' money and do go below zero.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import Database from 'better-sqlite3';
import pg from 'pg';
import { startTestPostgres } from '@banca/testkit/postgres';
import { tempDir } from '@banca/testkit/testkit';
import { openStore } from '../src/infra/open-store.js';

describe('storage constraints - no negative customer balance', () => {
  test('SQLite: a raw write of a negative customer balance is refused; a system account may go negative', async () => {
    const dir = tempDir();
    try {
      const file = join(dir.path, 'ledger.sqlite');
      await (await openStore('sqlite', { sqliteFile: file })).close();
      const db = new Database(file);
      try {
        db.prepare('INSERT INTO accounts (id, balance, updated_at) VALUES (?, ?, 0)').run('alice', 100);
        assert.throws(() => db.prepare('UPDATE accounts SET balance = -1 WHERE id = ?').run('alice'), /negative customer balance/);
        assert.throws(() => db.prepare('INSERT INTO accounts (id, balance, updated_at) VALUES (?, ?, 0)').run('bob', -5), /negative customer balance/);
        assert.throws(() => db.prepare('INSERT INTO accounts (id, balance, updated_at) VALUES (?, ?, 0) ON CONFLICT (id) DO UPDATE SET balance = excluded.balance').run('alice', -2), /negative customer balance/);
        db.prepare('INSERT INTO accounts (id, balance, updated_at) VALUES (?, ?, 0)').run('@cash', -100);
        assert.deepEqual(db.prepare('SELECT id, balance FROM accounts ORDER BY id').all(), [{ id: '@cash', balance: -100 }, { id: 'alice', balance: 100 }]);
      } finally {
        db.close();
      }
    } finally {
      dir.remove();
    }
  });

  test('PostgreSQL: a raw write of a negative customer balance is refused; a system account may go negative', async () => {
    const postgres = await startTestPostgres();
    try {
      await (await openStore('postgres', { sqliteFile: '', databaseUrl: postgres.url })).close();
      const client = new pg.Client({ connectionString: postgres.url });
      await client.connect();
      try {
        await client.query("INSERT INTO accounts (id, balance, updated_at) VALUES ('alice', 100, 0)");
        await assert.rejects(client.query("UPDATE accounts SET balance = -1 WHERE id = 'alice'"), /accounts_customer_not_negative/);
        await assert.rejects(client.query("INSERT INTO accounts (id, balance, updated_at) VALUES ('bob', -5, 0)"), /accounts_customer_not_negative/);
        await client.query("INSERT INTO accounts (id, balance, updated_at) VALUES ('@cash', -100, 0)");
        const { rows } = await client.query('SELECT id, balance::int AS balance FROM accounts ORDER BY id');
        assert.deepEqual(rows, [{ id: '@cash', balance: -100 }, { id: 'alice', balance: 100 }]);
      } finally {
        await client.end();
      }
      // Opening the store again (a restart) keeps the constraint and does not fail on it.
      await (await openStore('postgres', { sqliteFile: '', databaseUrl: postgres.url })).close();
    } finally {
      await postgres.stop();
    }
  });
});
