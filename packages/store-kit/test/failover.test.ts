import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseDatabaseUrl, withDatabase } from '../src/failover.js';

test('store-kit - a database URL with several servers, as libpq reads it', () => {
  const url = parseDatabaseUrl('postgres://u:p%40ss@127.0.0.1:5433,db2,[::1]:7000/ledger?sslmode=disable&target_session_attrs=read-write&application_name=x');
  assert.deepEqual(url.hosts, [{ host: '127.0.0.1', port: 5433 }, { host: 'db2', port: 5432 }, { host: '::1', port: 7000 }]);
  assert.equal(url.target, 'read-write');
  assert.equal(url.forHost(url.hosts[2]!), 'postgres://u:p%40ss@[::1]:7000/ledger?sslmode=disable&application_name=x');
  assert.equal(url.withDatabase('other'), 'postgres://u:p%40ss@127.0.0.1:5433,db2,[::1]:7000/other?sslmode=disable&target_session_attrs=read-write&application_name=x');
});

test('store-kit - one server without target_session_attrs is left as it is; a wrong target is refused', () => {
  const url = parseDatabaseUrl('postgresql://u:p@localhost:5432/db');
  assert.deepEqual(url.hosts, [{ host: 'localhost', port: 5432 }]);
  assert.equal(url.target, 'any');
  assert.equal(withDatabase('postgresql://u:p@localhost:5432/db', 'banca_bank_2'), 'postgresql://u:p@localhost:5432/banca_bank_2');
  assert.throws(() => parseDatabaseUrl('postgres://u:p@a:1,b:2/db?target_session_attrs=standby'), /not supported/);
  assert.throws(() => parseDatabaseUrl('postgres://u:p@a:1,,b:2/db'), /not a host/);
});
