// Security of the data server's locks (through inject()): a business server cannot release, write
// through or steal another business server's lock or queue claim, whatever route it uses and even
// with the owner's fencing token; every refusal leaves the balance, the lock and the commit id as
// they were. (routes.test.ts covers seed 000's path routes: lock, read, set and unlock by another.)
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance, InjectOptions } from 'fastify';
import { businessHeaders } from '@banca/testkit/testkit';
import { buildApp } from '../src/app.js';
import { loadDataServerConfig } from '../src/config.js';

let app: FastifyInstance;
const fresh = () => `sec-${randomUUID().slice(0, 8)}`;

async function call(businessId: string, method: InjectOptions['method'], url: string, json?: unknown) {
  const response = await app.inject({ method, url, headers: businessHeaders(businessId), ...(json === undefined ? {} : { payload: json as object }) });
  return { status: response.statusCode, body: response.json() };
}

/** Business 1 locks a fresh account holding 5.00 and keeps the lock; returns the account and its fence. */
async function lockedByOne(): Promise<{ accountId: string; fence: number }> {
  const accountId = fresh();
  const lock = await call('1', 'POST', '/v1/locks', { accountIds: [accountId], leaseMs: 30_000 });
  const fence: number = lock.body.locks[0].fence;
  const funded = await call('1', 'POST', '/v1/commits', {
    commitId: `fund-${accountId}`, locks: [{ accountId, fence }], release: false,
    transfers: [{ transferId: `fund-${accountId}`, kind: 'deposit', debitAccountId: '@cash', creditAccountId: accountId, amountCents: 500 }],
  });
  assert.equal(funded.status, 200, JSON.stringify(funded.body));
  return { accountId, fence };
}

/** The account still holds 5.00 and business 1 still holds it with the same fence. */
async function unchanged(accountId: string, fence: number, what: string) {
  assert.equal((await call('1', 'GET', `/v1/accounts/${accountId}`)).body.balanceCents, 500, `${what}: balance unchanged`);
  const lock = await call('1', 'GET', `/getLock/1/${accountId}`);
  assert.deepEqual([lock.body.locked, lock.body.fence], [true, fence], `${what}: business 1 still holds the lock`);
}

before(async () => {
  app = await buildApp(loadDataServerConfig({ store: 'memory', logLevel: 'silent' }, {}));
});
after(async () => app.close());

describe('data server security - locks belong to the business server that took them', () => {
  test("another business's unlock is refused 423 on every route, even with the owner's fence", async () => {
    const { accountId, fence } = await lockedByOne();
    for (const [method, url, json] of [
      ['POST', '/unLock', { account_id: accountId }],
      ['POST', '/unLock', { business_id: 2, account_id: accountId, fence }],
      ['POST', `/unLock/2/${accountId}?fence=${fence}`, undefined],
      ['POST', '/v1/locks/release', { accountIds: [accountId] }],
      ['POST', '/v1/locks/release', { accountIds: [accountId], fence }],
    ] as const) {
      const response = await call('2', method, url, json);
      assert.deepEqual([response.status, response.body.error?.code], [423, 'ACCOUNT_LOCKED'], `${method} ${url} ${JSON.stringify(json)}`);
      await unchanged(accountId, fence, `${method} ${url}`);
    }
    const posing = await call('2', 'POST', '/unLock', { business_id: 1, account_id: accountId, fence });
    assert.deepEqual([posing.status, posing.body.error.code], [403, 'BUSINESS_ID_MISMATCH'], 'naming the owner in the body does not make one the owner');
    await unchanged(accountId, fence, 'unLock naming business 1');
    await call('1', 'POST', '/v1/locks/release', { accountIds: [accountId] });
  });

  test("another business cannot write through the lock: setAmount, setBalance, commits with the owner's fence", async () => {
    const { accountId, fence } = await lockedByOne();
    const deposit = (id: string) => ({ transferId: id, kind: 'deposit', debitAccountId: '@cash', creditAccountId: accountId, amountCents: 100 });
    const theft = (id: string) => ({ transferId: id, kind: 'transfer', debitAccountId: accountId, creditAccountId: fresh(), amountCents: 500 });
    const commitId = `c-${accountId}`;
    for (const [url, json] of [
      [`/setAmount/2/${accountId}`, { amount: '999.00', fence }],
      [`/setAmount/2/${accountId}/999.00`, { fence }],
      ['/setBalance', { account_id: accountId, value: '-5.00' }],
      ['/v1/commits', { commitId, locks: [{ accountId, fence }], transfers: [deposit(`d-${accountId}`)], release: true }],
      ['/v1/commits', { commitId, locks: [{ accountId, fence }], transfers: [theft(`t-${accountId}`)], release: false }],
      ['/v1/commits', { commitId, locks: [], transfers: [deposit(`d-${accountId}`)], release: false }],
      ['/v1/commits', {
        commitId, locks: [{ accountId, fence }], transfers: [], release: true,
        records: [{ collection: 'customers', key: `r-${accountId}`, expectVersion: 0, value: { stolen: true } }],
      }],
    ] as const) {
      const response = await call('2', 'POST', url, json);
      assert.ok([423, 409].includes(response.status), `${url} ${JSON.stringify(json)}: ${response.status} ${JSON.stringify(response.body)}`);
      assert.match(response.body.error.code, /^(ACCOUNT_LOCKED|LOCK_NOT_HELD|STALE_FENCING_TOKEN)$/);
      await unchanged(accountId, fence, url);
    }
    const records = await call('1', 'POST', '/v1/records/read', { collection: 'customers', keys: [`r-${accountId}`] });
    assert.deepEqual(records.body.records, [], 'no record of a refused commit was written');
    const history = await call('1', 'GET', `/v1/accounts/${accountId}/history`);
    assert.deepEqual(history.body.transfers.map((t: { transferId: string }) => t.transferId), [`fund-${accountId}`]);
    // The refused commits left nothing under their id: the owner's own commit with it is new, not a replay.
    const own = await call('1', 'POST', '/v1/commits', { commitId, locks: [{ accountId, fence }], transfers: [deposit(`d-${accountId}`)], release: true });
    assert.deepEqual([own.status, own.body.replayed], [200, false]);
    assert.equal((await call('1', 'GET', `/v1/accounts/${accountId}`)).body.balanceCents, 600);
  });

  test("another business cannot answer, or take over, a queue claim it does not hold", async () => {
    const accountId = fresh();
    const operationId = `op-${accountId}`;
    const queued = await call('1', 'POST', '/v1/queue', { operationId, operation: { kind: 'deposit', accountId, amountCents: 700 } });
    assert.equal(queued.status, 200, JSON.stringify(queued.body));
    const claim = await call('1', 'POST', '/v1/queue/claim', { minCount: 1, maxCount: 10, leaseMs: 30_000 });
    assert.ok(claim.body.claimId, JSON.stringify(claim.body));
    // No transfers: only the claim is checked (a transfer would be refused for its lock first).
    const stolen = await call('2', 'POST', '/v1/commits', {
      commitId: `qc-${accountId}`, locks: [], transfers: [], release: false,
      queue: { claimId: claim.body.claimId, results: [{ operationId, status: 'rejected', errorCode: 'INSUFFICIENT_FUNDS', message: 'forged' }] },
    });
    assert.deepEqual([stolen.status, stolen.body.error.code], [409, 'STALE_QUEUE_CLAIM']);
    const other = await call('2', 'POST', '/v1/queue/claim', { minCount: 1, maxCount: 10 });
    assert.equal(other.body.claimId, null, 'a claim held by business 1 is not handed to business 2');
    const entry = await call('1', 'GET', `/v1/queue/${operationId}`);
    assert.equal(entry.status, 200);
    assert.ok(!['applied', 'rejected'].includes(entry.body.status), `the forged result was not recorded: ${JSON.stringify(entry.body)}`);
    assert.equal((await call('1', 'GET', `/v1/accounts/${accountId}`)).status, 404, 'nothing was credited');
  });
});
