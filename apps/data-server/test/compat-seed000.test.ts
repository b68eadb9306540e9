// The data server with compat seed000, through inject(): the key alone names the business, its
// accounts 1 to 10 open once with 1000.00, balances are bare numbers, amounts as Python prints
// them; and, in every mode, a POST with an empty body is accepted whatever its content-type.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance, InjectOptions } from 'fastify';
import { devBusinessKeys } from '@banca/core/auth';
import { ConfigError } from '@banca/core/config';
import { buildApp } from '../src/app.js';
import { loadDataServerConfig } from '../src/config.js';
import { tempDir } from '@banca/testkit/testkit';

const KEY_2 = devBusinessKeys(3)['2']!;

function caller(app: () => FastifyInstance) {
  return async (method: InjectOptions['method'], url: string, headers: Record<string, string> = { auth: KEY_2 }, payload?: string) => {
    const response = await app().inject({ method, url, headers, ...(payload !== undefined ? { payload } : {}) });
    return { status: response.statusCode, body: response.body === '' ? undefined : response.json() };
  };
}

describe('data server - compat seed000', () => {
  let app: FastifyInstance;
  const call = caller(() => app);
  const dir = tempDir();
  const config = loadDataServerConfig({ store: 'sqlite', sqliteFile: `${dir.path}/ledger.sqlite`, logLevel: 'silent', compat: 'seed000' }, {});

  before(async () => {
    app = await buildApp(config);
  });
  after(async () => {
    await app.close();
    dir.remove();
  });

  test("compat seed000 - accounts 1 to 10 hold 1000.00, read as a bare number with the key alone; any other reads 0", async () => {
    for (const account of ['1', '10']) assert.deepEqual(await call('GET', `/getAmount/2/${account}`), { status: 200, body: 1000 });
    assert.deepEqual(await call('GET', '/getAmount/2/11'), { status: 200, body: 0 });
    assert.deepEqual(await call('GET', '/getbalance/2/never-touched'), { status: 200, body: 0 });
  });

  test('compat seed000 - the lock protocol with Python amounts; the path must name the key\'s business', async () => {
    const form = { auth: KEY_2, 'content-type': 'application/x-www-form-urlencoded' };
    assert.equal((await call('POST', '/getLock/2/5', form, '')).status, 200);
    assert.equal((await call('POST', '/setAmount/2/5/1099.9999999999998', form, '')).status, 200);
    assert.deepEqual(await call('GET', '/getAmount/2/5'), { status: 200, body: 1100 });
    assert.equal((await call('POST', '/setAmount/2/5/10.005', form, '')).body.error.code, 'INVALID_AMOUNT');
    assert.equal((await call('POST', '/unLock/2/5', form, '')).status, 200);
    assert.deepEqual(await call('GET', '/getAmount/2/5'), { status: 200, body: 1100 }, 'a refused setAmount changed nothing');
    const other = await call('GET', '/getAmount/1/5');
    assert.deepEqual([other.status, other.body.error.code], [403, 'BUSINESS_ID_MISMATCH']);
  });

  test('compat seed000 - a wrong or missing key is 401; the id header still works', async () => {
    assert.equal((await call('GET', '/getAmount/2/1', { auth: 'not-a-key-of-this-bank' })).status, 401);
    assert.equal((await call('GET', '/getAmount/2/1', {})).status, 401);
    assert.deepEqual(await call('GET', '/getAmount/2/1', { 'business-id': '2', 'auth-token': KEY_2 }), { status: 200, body: 1000 });
  });

  test('compat seed000 - a restart opens nothing twice: the opening commit is replayed', async () => {
    await call('POST', '/getLock/2/7');
    await call('POST', '/setAmount/2/7/5');
    await call('POST', '/unLock/2/7');
    await app.close();
    app = await buildApp(config);
    assert.deepEqual(await call('GET', '/getAmount/2/7'), { status: 200, body: 5 });
    assert.deepEqual(await call('GET', '/getAmount/2/8'), { status: 200, body: 1000 });
    const audit = await call('GET', '/v1/audit', { 'business-id': '2', 'auth-token': KEY_2 });
    assert.deepEqual([audit.body.balanceSumCents, audit.body.mismatchedAccounts], [0, []]);
  });

  test('compat seed000 - business keys must be distinct, since a key alone names its business', () => {
    assert.throws(() => loadDataServerConfig({ compat: 'seed000', businessKeys: { 1: 'same-key-0000000000', 2: 'same-key-0000000000' } }, {}), ConfigError);
    assert.doesNotThrow(() => loadDataServerConfig({ businessKeys: { 1: 'same-key-0000000000', 2: 'same-key-0000000000' } }, {}));
  });
});

describe('data server - banca\'s wire, compat off', () => {
  let app: FastifyInstance;
  const call = caller(() => app);
  const headers = { 'business-id': '2', 'auth-token': KEY_2 };

  before(async () => {
    app = await buildApp(loadDataServerConfig({ store: 'memory', logLevel: 'silent' }, {}));
  });
  after(async () => app.close());

  test('empty bodies - a POST that takes no body is accepted with no body whatever its content-type', async () => {
    for (const contentType of ['application/x-www-form-urlencoded', 'application/json', 'text/plain', 'application/octet-stream']) {
      const lock = await call('POST', '/getLock/2/empty-body', { ...headers, 'content-type': contentType }, '');
      assert.equal(lock.status, 200, `${contentType}: ${JSON.stringify(lock.body)}`);
      assert.equal((await call('POST', '/unLock/2/empty-body', { ...headers, 'content-type': contentType }, '')).status, 200, contentType);
    }
    const text = await call('POST', '/getLock/2/empty-body', { ...headers, 'content-type': 'text/plain' }, 'x');
    assert.deepEqual([text.status, text.body.error.code], [415, 'UNSUPPORTED_MEDIA_TYPE'], 'a body that is there is still checked');
  });

  test('compat off - balances stay objects, unknown accounts 404, account 1 is not opened, the key alone is refused', async () => {
    const missing = await call('GET', '/getAmount/2/1', headers);
    assert.deepEqual([missing.status, missing.body.error.code], [404, 'ACCOUNT_NOT_FOUND']);
    assert.equal((await call('GET', '/getAmount/2/1', { auth: KEY_2 })).status, 401);
    await call('POST', '/getLock/2/obj', headers);
    assert.equal((await call('POST', '/setAmount/2/obj/10.0', headers)).status, 200);
    assert.equal((await call('POST', '/setAmount/2/obj/0.30000000000000004', headers)).body.error.code, 'INVALID_AMOUNT');
    const read = await call('GET', '/getAmount/2/obj', headers);
    assert.deepEqual([read.body.amount, read.body.balanceCents], ['10.00', 1000]);
  });
});
