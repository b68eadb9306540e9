// The data server's routes through inject(): the seeds' lock protocol and every bad input.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance, InjectOptions } from 'fastify';
import { businessHeaders } from '@banca/testkit/testkit';
import { RECORD_LIMITS } from '@banca/core/protocol';
import { buildApp } from '../src/app.js';
import { loadDataServerConfig } from '../src/config.js';

let app: FastifyInstance;
let counter = 0;
const fresh = () => `acct-${++counter}-${Date.now()}`;

async function call(method: InjectOptions['method'], url: string, options: { businessId?: string | null; json?: unknown; headers?: Record<string, string>; payload?: string } = {}) {
  const headers: Record<string, string> = { ...(options.businessId === null ? {} : businessHeaders(options.businessId ?? '1')), ...options.headers };
  const response = await app.inject({ method, url, headers, ...(options.json !== undefined ? { payload: options.json as object } : {}), ...(options.payload !== undefined ? { payload: options.payload } : {}) });
  return { status: response.statusCode, body: response.json() };
}

async function amountOf(accountId: string): Promise<number | undefined> {
  const response = await call('GET', `/v1/accounts/${accountId}`);
  return response.status === 200 ? response.body.balanceCents : undefined;
}

before(async () => {
  app = await buildApp(loadDataServerConfig({ store: 'memory', logLevel: 'silent', leaseMsDefault: 3000 }, {}));
});
after(async () => app.close());

describe('data server seed routes', () => {
  test('seed 000 - lock, set, read, unlock', async () => {
    const a = fresh();
    const lock = await call('POST', `/getLock/1/${a}`);
    assert.equal(lock.status, 200);
    assert.equal(lock.body.locked, true);
    assert.ok(lock.body.fence > 0);
    const set = await call('POST', `/setAmount/1/${a}/10.50`);
    assert.equal(set.status, 200);
    assert.equal(set.body.amount, '10.50');
    const read = await call('GET', `/getAmount/1/${a}`);
    assert.deepEqual([read.status, read.body.amountCents], [200, 1050]);
    const body = await call('POST', `/setAmount/1/${a}`, { json: { amount: '3.25' } });
    assert.equal(body.body.amountCents, 325);
    assert.equal((await call('POST', `/unLock/1/${a}`)).body.unlocked, true);
    assert.equal(await amountOf(a), 325);
  });

  test('seed 000 - another business gets 423 on lock, read, set and unlock, and nothing changes', async () => {
    const a = fresh();
    await call('POST', `/getLock/1/${a}`);
    await call('POST', `/setAmount/1/${a}/5`);
    for (const [method, url] of [['POST', `/getLock/2/${a}`], ['GET', `/getAmount/2/${a}`], ['GET', `/getbalance/2/${a}`], ['POST', `/setAmount/2/${a}/99`], ['POST', `/unLock/2/${a}`]] as const) {
      const response = await call(method, url, { businessId: '2' });
      assert.equal(response.status, 423, `${method} ${url}`);
      assert.equal(response.body.error.code, 'ACCOUNT_LOCKED');
      assert.equal(response.body.error.retryable, true);
    }
    assert.equal(await amountOf(a), 500);
    assert.equal((await call('GET', `/getLock/1/${a}`)).body.locked, true);
    await call('POST', `/unLock/1/${a}`);
  });

  test('seed 000 - setAmount without holding the lock is refused', async () => {
    const a = fresh();
    const response = await call('POST', `/setAmount/1/${a}/5`);
    assert.deepEqual([response.status, response.body.error.code], [409, 'LOCK_NOT_HELD']);
    assert.equal(await amountOf(a), undefined);
  });

  test('seed 000 - a stale fencing token is refused after the lock was taken again', async () => {
    const a = fresh();
    const first = await call('POST', `/getLock/1/${a}`, { json: { leaseMs: 20 } });
    await new Promise((resolve) => setTimeout(resolve, 40));
    await call('POST', `/getLock/1/${a}`);
    const stale = await call('POST', `/setAmount/1/${a}`, { json: { amount: '1', fence: first.body.fence } });
    assert.deepEqual([stale.status, stale.body.error.code], [409, 'STALE_FENCING_TOKEN']);
    assert.equal(await amountOf(a), undefined);
    await call('POST', `/unLock/1/${a}`);
  });

  test('seed 001 - getbalance, setBalance adds a signed value, unLock with a JSON body, GET getLock', async () => {
    const a = fresh();
    const add = await call('POST', '/setBalance', { json: { business_id: 1, account_id: a, value: '7.00' } });
    assert.equal(add.status, 200);
    const sub = await call('POST', '/setBalance', { json: { account_id: a, value: '-2.50' } });
    assert.equal(sub.body.amountCents, 450);
    assert.equal((await call('GET', `/getbalance/1/${a}`)).body.amountCents, 450);
    assert.equal((await call('GET', `/getLock/1/${a}`)).body.locked, false);
    await call('POST', `/getLock/1/${a}`);
    assert.equal((await call('GET', `/getLock/2/${a}`, { businessId: '2' })).status, 423);
    assert.equal((await call('POST', '/unLock', { json: { business_id: '1', account_id: a } })).body.unlocked, true);
    assert.equal((await call('GET', `/getLock/2/${a}`, { businessId: '2' })).body.locked, false);
  });

  test('seed 001 - setBalance is idempotent by Idempotency-Key', async () => {
    const a = fresh();
    const headers = { 'idempotency-key': `k-${a}` };
    const first = await call('POST', '/setBalance', { json: { account_id: a, value: '1.00' }, headers });
    const again = await call('POST', '/setBalance', { json: { account_id: a, value: '1.00' }, headers });
    assert.equal(first.body.replayed, false);
    assert.equal(again.body.replayed, true);
    assert.equal(await amountOf(a), 100);
    const different = await call('POST', '/setBalance', { json: { account_id: a, value: '2.00' }, headers });
    assert.deepEqual([different.status, different.body.error.code], [409, 'IDEMPOTENCY_CONFLICT']);
    assert.equal(await amountOf(a), 100);
  });

  test('amounts - a JSON number amount (setAmount) or value (setBalance) is 400 INVALID_AMOUNT and changes nothing', async () => {
    const a = fresh();
    await call('POST', `/getLock/1/${a}`);
    await call('POST', `/setAmount/1/${a}`, { json: { amount: '5.00' } });
    for (const amount of [10, 10.5, 0.1 + 0.2, 0]) {
      const response = await call('POST', `/setAmount/1/${a}`, { json: { amount } });
      assert.deepEqual([response.status, response.body.error?.code], [400, 'INVALID_AMOUNT'], `setAmount ${amount}: ${JSON.stringify(response.body)}`);
      assert.match(response.body.error.message, /must be a string of a decimal like "10\.50" \(got the number /);
    }
    for (const value of [1, -2.5, 0.1 + 0.2]) {
      const response = await call('POST', '/setBalance', { json: { account_id: a, value } });
      assert.deepEqual([response.status, response.body.error?.code], [400, 'INVALID_AMOUNT'], `setBalance ${value}: ${JSON.stringify(response.body)}`);
    }
    assert.equal(await amountOf(a), 500, 'the balance is as it was');
    await call('POST', `/unLock/1/${a}`);
  });

  test('auth - missing or wrong keys get 401, the seed "auth" header works, a foreign path id gets 403', async () => {
    const a = fresh();
    await call('POST', '/setBalance', { json: { account_id: a, value: '1' } });
    const none = await call('POST', `/getLock/1/${a}`, { businessId: null });
    assert.deepEqual([none.status, none.body.error.code], [401, 'UNAUTHENTICATED']);
    const wrong = await call('POST', `/getLock/1/${a}`, { businessId: null, headers: { 'business-id': '1', 'auth-token': 'dev-insecure-business-2' } });
    assert.equal(wrong.status, 401);
    const seedHeader = await call('GET', `/getAmount/1/${a}`, { businessId: null, headers: { 'business-id': '1', auth: 'dev-insecure-business-1' } });
    assert.equal(seedHeader.status, 200);
    const foreign = await call('POST', `/getLock/2/${a}`);
    assert.deepEqual([foreign.status, foreign.body.error.code], [403, 'BUSINESS_ID_MISMATCH']);
    assert.equal((await call('GET', `/getLock/1/${a}`)).body.locked, false, 'refused requests locked nothing');
  });

  test('bad input - amounts, ids, bodies and routes get clear 4xx errors and change nothing', async () => {
    const a = fresh();
    await call('POST', `/getLock/1/${a}`);
    for (const amount of ['-1', 'abc', '1.001', '1e3', '10000000000000000', ' ']) {
      const response = await call('POST', `/setAmount/1/${a}/${encodeURIComponent(amount)}`);
      assert.equal(response.status, 400, amount);
      assert.match(response.body.error.code, /INVALID_AMOUNT|AMOUNT_TOO_LARGE/);
      assert.ok(response.body.error.message.length > 20);
    }
    const badId = await call('POST', `/getLock/1/${encodeURIComponent('bad id!')}`);
    assert.deepEqual([badId.status, badId.body.error.code], [400, 'INVALID_ACCOUNT_ID']);
    const both = await call('POST', `/setAmount/1/${a}`, { json: { amount: '1', amountCents: 100 } });
    assert.equal(both.status, 400);
    const unknownField = await call('POST', '/setBalance', { json: { account_id: a, value: '1', extra: true } });
    assert.equal(unknownField.status, 400);
    const brokenJson = await call('POST', '/setBalance', { payload: '{"account_id":', headers: { 'content-type': 'application/json' } });
    assert.equal(brokenJson.status, 400);
    const wrongType = await call('POST', '/setBalance', { payload: 'account_id=1', headers: { 'content-type': 'text/plain' } });
    assert.deepEqual([wrongType.status, wrongType.body.error.code], [415, 'UNSUPPORTED_MEDIA_TYPE']);
    const huge = await call('POST', '/setBalance', { payload: JSON.stringify({ account_id: a, value: '1', pad: 'x'.repeat(2 * 1024 * 1024) }), headers: { 'content-type': 'application/json' } });
    assert.deepEqual([huge.status, huge.body.error.code], [413, 'PAYLOAD_TOO_LARGE']);
    const missing = await call('GET', `/getAmount/1/${fresh()}`);
    assert.deepEqual([missing.status, missing.body.error.code], [404, 'ACCOUNT_NOT_FOUND']);
    const noRoute = await call('GET', '/nope');
    assert.deepEqual([noRoute.status, noRoute.body.error.code], [404, 'ROUTE_NOT_FOUND']);
    assert.equal(await amountOf(a), undefined, 'no refused request created the account');
    await call('POST', `/unLock/1/${a}`);
  });
});

describe('data server v1 routes', () => {
  test('v1 - locks all or nothing, commit atomically with release, replay by commit id', async () => {
    const [a, b] = [fresh(), fresh()];
    const locks = await call('POST', '/v1/locks', { json: { accountIds: [a, b] } });
    assert.equal(locks.status, 200);
    const fences = locks.body.locks.map((g: { accountId: string; fence: number }) => ({ accountId: g.accountId, fence: g.fence }));
    const conflict = await call('POST', '/v1/locks', { businessId: '2', json: { accountIds: [fresh(), a] } });
    assert.deepEqual([conflict.status, conflict.body.error.details.conflicts[0].accountId], [423, a]);
    const commit = {
      commitId: `c-${a}`,
      locks: fences,
      transfers: [
        { transferId: `d-${a}`, kind: 'deposit', debitAccountId: '@cash', creditAccountId: a, amountCents: 1000 },
        { transferId: `t-${a}`, kind: 'transfer', debitAccountId: a, creditAccountId: b, amountCents: 400 },
      ],
      release: true,
    };
    const done = await call('POST', '/v1/commits', { json: commit });
    assert.equal(done.status, 200);
    assert.equal(done.body.transfers.length, 2);
    const replay = await call('POST', '/v1/commits', { json: commit });
    assert.equal(replay.body.replayed, true);
    assert.deepEqual([await amountOf(a), await amountOf(b)], [600, 400]);
    assert.equal((await call('GET', `/v1/transfers/t-${a}`)).body.amountCents, 400);
    const audit = await call('GET', '/v1/audit');
    assert.equal(audit.body.balanceSumCents, 0);
    assert.deepEqual(audit.body.mismatchedAccounts, []);
  });

  test('v1 - invalid commits are refused whole: bad amount, same account, unknown system account', async () => {
    const a = fresh();
    const locks = await call('POST', '/v1/locks', { json: { accountIds: [a] } });
    const fence = locks.body.locks[0].fence;
    const base = { commitId: `c-${a}`, locks: [{ accountId: a, fence }], release: true };
    for (const transfer of [
      { transferId: `x-${a}`, kind: 'deposit', debitAccountId: '@cash', creditAccountId: a, amountCents: 0 },
      { transferId: `x-${a}`, kind: 'deposit', debitAccountId: '@cash', creditAccountId: a, amountCents: -5 },
      { transferId: `x-${a}`, kind: 'deposit', debitAccountId: '@cash', creditAccountId: a, amountCents: 1.5 },
      { transferId: `x-${a}`, kind: 'transfer', debitAccountId: a, creditAccountId: a, amountCents: 1 },
      { transferId: `x-${a}`, kind: 'deposit', debitAccountId: '@mint', creditAccountId: a, amountCents: 1 },
      { transferId: `x-${a}`, kind: 'gift', debitAccountId: '@cash', creditAccountId: a, amountCents: 1 },
    ]) {
      const response = await call('POST', '/v1/commits', { json: { ...base, transfers: [transfer] } });
      assert.equal(response.status, 400, JSON.stringify(transfer));
    }
    assert.equal(await amountOf(a), undefined);
    assert.equal((await call('GET', `/getLock/1/${a}`)).body.locked, true, 'refused commits did not release the lock');
  });

  test('v1 - malformed record writes get 400 INVALID_REQUEST and change nothing', async () => {
    const a = fresh();
    const locks = await call('POST', '/v1/locks', { json: { accountIds: [a] } });
    const fence = locks.body.locks[0].fence;
    const good = { collection: 'customers', key: `ok-${a}`, expectVersion: 0, value: { name: 'ok' } };
    const bad: Record<string, unknown>[] = [
      { ...good, key: `k-${a}`, collection: 'Bad_Collection' },
      { ...good, key: `k-${a}`, collection: '' },
      { ...good, key: 'bad key!' },
      { ...good, key: `k-${a}`, value: { pad: 'x'.repeat(16 * 1024) } },
      { ...good, key: `k-${a}`, value: [1, 2] },
      { ...good, key: `k-${a}`, value: null },
      { ...good, key: `k-${a}`, tags: Array.from({ length: 9 }, (_, i) => `t${i}`) },
      { ...good, key: `k-${a}`, tags: [''] },
      { ...good, key: `k-${a}`, tags: ['x'.repeat(129)] },
      { ...good, key: `k-${a}`, expectVersion: -1 },
      { ...good, key: `k-${a}`, expectVersion: 1.5 },
      { ...good, key: `k-${a}`, extra: true },
    ];
    const deposit = { transferId: `d-${a}`, kind: 'deposit', debitAccountId: '@cash', creditAccountId: a, amountCents: 100 };
    const base = { commitId: `c-${a}`, locks: [{ accountId: a, fence }], transfers: [deposit], release: true };
    for (const record of bad) {
      const response = await call('POST', '/v1/commits', { json: { ...base, records: [good, record] } });
      assert.deepEqual([response.status, response.body.error?.code], [400, 'INVALID_REQUEST'], JSON.stringify(record).slice(0, 100));
      assert.ok(response.body.error.message.length > 10);
    }
    const tooMany = Array.from({ length: RECORD_LIMITS.writesPerCommitMax + 1 }, (_, i) => ({ ...good, key: `k${i}-${a}` }));
    const twice = [good, { ...good, expectVersion: 1 }];
    for (const records of [tooMany, twice]) {
      const response = await call('POST', '/v1/commits', { json: { ...base, records } });
      assert.deepEqual([response.status, response.body.error?.code], [400, 'INVALID_REQUEST']);
    }
    assert.equal(await amountOf(a), undefined, 'the transfer of a refused commit was not written');
    const read = await call('POST', '/v1/records/read', { json: { collection: 'customers', keys: [`ok-${a}`, `k-${a}`, `k0-${a}`] } });
    assert.deepEqual([read.status, read.body.records], [200, []], 'no record of a refused commit was written');
    assert.equal((await call('GET', `/getLock/1/${a}`)).body.locked, true, 'refused commits did not release the lock');
    const done = await call('POST', '/v1/commits', { json: { ...base, records: [good] } });
    assert.equal(done.status, 200);
    assert.deepEqual(done.body.records.map((r: { key: string; version: number }) => [r.key, r.version]), [[`ok-${a}`, 1]]);
    assert.equal(await amountOf(a), 100);
  });

  test('v1 - records oldest first: pages with a next cursor until the last; a bad cursor is 400 INVALID_REQUEST saying what to send', async () => {
    const tag = `page-${fresh()}`;
    const keys = Array.from({ length: 5 }, (_, i) => `pg${i}-${fresh()}`);
    for (const key of keys) {
      const written = await call('POST', '/v1/commits', { json: { commitId: `c-${fresh()}`, locks: [], transfers: [], release: false, records: [{ collection: 'holds', key, expectVersion: 0, value: { key }, tags: [tag] }] } });
      assert.equal(written.status, 200);
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    const seen: string[] = [];
    let after: string | null = null;
    let pages = 0;
    do {
      const url: string = `/v1/records/holds?tag=${tag}&limit=2&order=oldest${after === null ? '' : `&after=${encodeURIComponent(after)}`}`;
      const page = await call('GET', url);
      assert.equal(page.status, 200, JSON.stringify(page.body));
      seen.push(...page.body.records.map((r: { key: string }) => r.key));
      after = page.body.next;
      pages++;
    } while (after !== null && pages < 10);
    assert.deepEqual([seen, pages], [keys, 3], 'oldest first, 2 + 2 + 1, next null on the last page');
    const exact = await call('GET', `/v1/records/holds?tag=${tag}&limit=5&order=oldest`);
    assert.deepEqual([exact.body.records.length, exact.body.next], [5, null], 'a full last page has no next');
    const newest = await call('GET', `/v1/records/holds?tag=${tag}&limit=2`);
    assert.deepEqual(newest.body.records.map((r: { key: string }) => r.key), [keys[4], keys[3]], 'newest first stays the default');

    const b64 = (text: string) => Buffer.from(text).toString('base64url');
    for (const [cursor, why] of [
      ['not a cursor!', 'not base64url'],
      [b64('{"updatedAtMs":1}'), 'not a pair'],
      [b64('["1","k"]'), 'a time that is not a number'],
      [b64('[1,"bad key!"]'), 'a key no record can have'],
      [b64('[1,"k"'), 'not JSON'],
      ['a'.repeat(300), 'too long'],
    ] as const) {
      const response = await call('GET', `/v1/records/holds?tag=${tag}&order=oldest&after=${encodeURIComponent(cursor)}`);
      assert.deepEqual([response.status, response.body.error?.code], [400, 'INVALID_REQUEST'], why);
      assert.match(response.body.error.message, /pass the "next" of the previous page unchanged/, why);
    }
    const unordered = await call('GET', `/v1/records/holds?tag=${tag}&after=${b64('[1,"k"]')}`);
    assert.deepEqual([unordered.status, unordered.body.error?.code], [400, 'INVALID_REQUEST']);
    assert.match(unordered.body.error.message, /order=oldest/);
    const badOrder = await call('GET', `/v1/records/holds?tag=${tag}&order=sideways`);
    assert.deepEqual([badOrder.status, badOrder.body.error?.code], [400, 'INVALID_REQUEST']);
  });

  test('v1 - records: a records-only commit, read by keys, listed by tag, compare-and-set conflicts', async () => {
    const tag = `tag-${fresh()}`;
    const [k1, k2] = [`r1-${fresh()}`, `r2-${fresh()}`];
    const commit = (records: unknown[]) => call('POST', '/v1/commits', { json: { commitId: `c-${fresh()}`, locks: [], transfers: [], release: false, records } });
    const created = await commit([
      { collection: 'pix-keys', key: k1, expectVersion: 0, value: { owner: 'one' }, tags: [tag] },
      { collection: 'pix-keys', key: k2, expectVersion: 0, value: { owner: 'two' }, tags: [tag, 'other'] },
    ]);
    assert.equal(created.status, 200);
    assert.deepEqual(created.body.transfers, []);
    assert.deepEqual(created.body.records.map((r: { version: number }) => r.version), [1, 1]);
    const read = await call('POST', '/v1/records/read', { json: { collection: 'pix-keys', keys: [k2, 'nope', k1] } });
    assert.equal(read.status, 200);
    assert.deepEqual(read.body.records.map((r: { key: string }) => r.key), [k2, k1]);
    assert.deepEqual(read.body.records[0].value, { owner: 'two' });
    assert.deepEqual(read.body.records[0].tags, [tag, 'other']);
    const listed = await call('GET', `/v1/records/pix-keys?tag=${encodeURIComponent(tag)}`);
    assert.equal(listed.status, 200);
    assert.deepEqual(listed.body.records.map((r: { key: string }) => r.key).sort(), [k1, k2].sort());
    assert.equal((await call('GET', `/v1/records/pix-keys?tag=${encodeURIComponent(tag)}&limit=1`)).body.records.length, 1);
    assert.deepEqual((await call('GET', '/v1/records/pix-keys?tag=never-used')).body.records, []);

    const conflict = await commit([{ collection: 'pix-keys', key: k1, expectVersion: 0, value: { owner: 'thief' } }]);
    assert.deepEqual([conflict.status, conflict.body.error.code], [409, 'VERSION_CONFLICT']);
    assert.deepEqual(conflict.body.error.details, { collection: 'pix-keys', key: k1, expectVersion: 0, version: 1 });
    const updated = await commit([{ collection: 'pix-keys', key: k1, expectVersion: 1, value: { owner: 'one', moved: true } }]);
    assert.equal(updated.body.records[0].version, 2);
    const listedAfter = await call('GET', `/v1/records/pix-keys?tag=${encodeURIComponent(tag)}`);
    assert.deepEqual(listedAfter.body.records.map((r: { key: string }) => r.key), [k2], 'the update dropped its tags');

    for (const [method, url, json] of [
      ['GET', '/v1/records/pix-keys', undefined],
      ['GET', '/v1/records/pix-keys?tag=', undefined],
      ['GET', `/v1/records/pix-keys?tag=${tag}&limit=0`, undefined],
      ['GET', `/v1/records/Pix_Keys?tag=${tag}`, undefined],
      ['POST', '/v1/records/read', { collection: 'pix-keys', keys: [] }],
      ['POST', '/v1/records/read', { collection: 'pix-keys', keys: ['bad key!'] }],
      ['POST', '/v1/records/read', { collection: 'Pix', keys: [k1] }],
      ['POST', '/v1/records/read', { collection: 'pix-keys', keys: Array.from({ length: 1001 }, (_, i) => `k${i}`) }],
    ] as const) {
      const response = await call(method, url, json === undefined ? {} : { json });
      assert.deepEqual([response.status, response.body.error?.code], [400, 'INVALID_REQUEST'], `${method} ${url} ${JSON.stringify(json)?.slice(0, 60)}`);
    }
    const anonymous = await call('POST', '/v1/records/read', { businessId: null, json: { collection: 'pix-keys', keys: [k1] } });
    assert.equal(anonymous.status, 401);
  });

  test('v1 - commits accept every transfer kind of the protocol', async () => {
    const a = fresh();
    const locks = await call('POST', '/v1/locks', { json: { accountIds: [a] } });
    const transfers = ['deposit', 'credit', 'hold'].map((kind, i) => (
      kind === 'hold'
        ? { transferId: `${kind}-${a}`, kind, debitAccountId: a, creditAccountId: '@cash', amountCents: 1 }
        : { transferId: `${kind}-${i}-${a}`, kind, debitAccountId: '@cash', creditAccountId: a, amountCents: 10 }));
    const done = await call('POST', '/v1/commits', { json: { commitId: `c-${a}`, locks: [{ accountId: a, fence: locks.body.locks[0].fence }], transfers, release: true } });
    assert.equal(done.status, 200, JSON.stringify(done.body));
    assert.deepEqual(done.body.transfers.map((t: { kind: string }) => t.kind), ['deposit', 'credit', 'hold']);
    assert.equal(await amountOf(a), 19);
    const unlocked = await call('POST', '/v1/commits', { json: { commitId: `c2-${a}`, locks: [], transfers: [{ transferId: `x-${a}`, kind: 'deposit', debitAccountId: '@cash', creditAccountId: a, amountCents: 1 }], release: false } });
    assert.deepEqual([unlocked.status, unlocked.body.error.code], [409, 'LOCK_NOT_HELD'], 'a commit without locks may not touch a customer account');
    assert.equal(await amountOf(a), 19);
  });

  test('v1 - an unlocked commit needs no lock, but is refused on an account another business holds, and below zero; nothing changes', async () => {
    const a = fresh();
    const credit = (id: string, cents: number) => ({ transferId: id, kind: 'credit', debitAccountId: '@bank:2', creditAccountId: a, amountCents: cents });
    const hold = (id: string, cents: number) => ({ transferId: id, kind: 'hold', debitAccountId: a, creditAccountId: '@holds', amountCents: cents });
    const commit = (id: string, transfers: unknown[], businessId = '1') => call('POST', '/v1/commits', { businessId, json: { commitId: id, locks: [], transfers, release: false, unlocked: true } });
    const done = await commit(`c-${a}`, [credit(`cr-${a}`, 50)]);
    assert.equal(done.status, 200, JSON.stringify(done.body));
    assert.equal(await amountOf(a), 50);
    const broke = await commit(`c2-${a}`, [hold(`h1-${a}`, 30), hold(`h2-${a}`, 30)]);
    assert.deepEqual([broke.status, broke.body.error.code], [422, 'INSUFFICIENT_FUNDS'], 'the second hold would take the account below zero');
    assert.equal(await amountOf(a), 50, 'all or nothing: the first hold is not written either');
    const locked = await call('POST', '/v1/locks', { businessId: '2', json: { accountIds: [a] } });
    assert.equal(locked.status, 200, JSON.stringify(locked.body));
    const refused = await commit(`c3-${a}`, [hold(`h3-${a}`, 10)]);
    assert.deepEqual([refused.status, refused.body.error.code], [423, 'ACCOUNT_LOCKED'], 'another business holds the account');
    assert.equal(await amountOf(a), 50);
    const own = await commit(`c4-${a}`, [hold(`h4-${a}`, 10)], '2');
    assert.equal(own.status, 200, 'the lock\'s owner may commit unlocked on it');
    assert.equal(await amountOf(a), 40);
  });

  test('service - health, readiness, metrics and the OpenAPI document', async () => {
    assert.equal((await call('GET', '/health', { businessId: null })).status, 200);
    assert.equal((await call('GET', '/ready', { businessId: null })).status, 200);
    const metrics = await app.inject({ method: 'GET', url: '/metrics' });
    assert.match(metrics.body, /banca_http_request_duration_seconds/);
    const openapi = (await call('GET', '/openapi.json', { businessId: null })).body;
    for (const path of ['/getLock/{businessId}/{accountId}', '/setAmount/{businessId}/{accountId}/{amount}', '/getbalance/{business_id}/{account_id}', '/setBalance', '/unLock', '/v1/commits', '/v1/records/read', '/v1/records/{collection}']) {
      assert.ok(openapi.paths[path], `OpenAPI documents ${path}`);
    }
  });

  test('openapi - every route declares business-id + auth-token (apiKey headers); hidden routes stay out', async () => {
    const openapi = (await call('GET', '/openapi.json', { businessId: null })).body;
    assert.deepEqual(openapi.components.securitySchemes.businessId, { type: 'apiKey', in: 'header', name: 'business-id', description: openapi.components.securitySchemes.businessId.description });
    assert.equal(openapi.components.securitySchemes.authToken.name, 'auth-token');
    assert.deepEqual(openapi.paths['/v1/commits'].post.security, [{ businessId: [], authToken: [] }]);
    const operations = Object.entries(openapi.paths as Record<string, Record<string, { security?: unknown }>>).flatMap(([path, item]) => Object.entries(item).map(([method, operation]) => ({ route: `${method} ${path}`, security: operation.security })));
    assert.ok(operations.length > 15);
    for (const { route, security } of operations) assert.deepEqual(security, [{ businessId: [], authToken: [] }], route);
    for (const hidden of ['/health', '/ready', '/metrics', '/openapi.json']) assert.equal(openapi.paths[hidden], undefined, hidden);
    const bodyOf = (path: string) => openapi.paths[path].post.requestBody.content['application/json'].schema.properties;
    assert.equal(bodyOf('/setAmount/{businessId}/{accountId}').amount.type, 'string', 'amounts are documented as strings only');
    assert.equal(bodyOf('/setBalance').value.type, 'string');
  });
});
