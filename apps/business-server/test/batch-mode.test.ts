// A whole bank in real processes (batch mode): the seed routes and the JSON API, business rules,
// idempotency, bad input, and lock conflicts that outlast the bounded retry.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { deposit, DOCUMENTS, me, signUp } from '@banca/testkit/consortium';
import { businessHeaders, clientHeaders, http, startTestBank, type TestBank } from '@banca/testkit/testkit';

let bank: TestBank;
let gateway: string;
const fresh = () => `acct-${randomUUID().slice(0, 8)}`;

async function post(path: string, options: { key?: string; json?: unknown; headers?: Record<string, string> } = {}) {
  const headers = { ...clientHeaders(), ...options.headers, ...(options.key ? { 'idempotency-key': options.key } : {}) };
  return http(`${gateway}${path}`, { method: 'POST', headers, json: options.json });
}

async function balanceCents(accountId: string): Promise<number | undefined> {
  const response = await http(`${gateway}/balance/${accountId}`, { headers: clientHeaders() });
  return response.status === 200 ? response.body.balanceCents : undefined;
}

before(async () => {
  bank = await startTestBank({ queueMode: 'batch', businessServer: { lockRetryMsMax: 300 } });
  gateway = bank.gateway.url;
});
after(async () => bank.cleanup());

describe('business server - batch mode', () => {
  test('seed routes - deposit, withdrawal, transfer and balance, answered once saved', async () => {
    const [a, b] = [fresh(), fresh()];
    const deposit = await post(`/deposit/${a}/10.50`);
    assert.equal(deposit.status, 200);
    assert.deepEqual([deposit.body.status, deposit.body.balance], ['completed', '10.50']);
    assert.equal(await balanceCents(a), 1050, 'the answer came after the save');
    assert.equal((await post(`/withdrawal/${a}/0.50`)).body.balanceCents, 1000);
    const transfer = await post(`/transfer/${a}/${b}/2.25`);
    assert.deepEqual([transfer.status, transfer.body.balance, transfer.body.toAccountId], [200, '7.75', b]);
    assert.equal(await balanceCents(b), 225);
  });

  test('rules - no overdraft, no withdrawal from an unknown account, no transfer to oneself; nothing changes', async () => {
    const a = fresh();
    await post(`/deposit/${a}/5`);
    const overdraft = await post(`/withdrawal/${a}/5.01`);
    assert.deepEqual([overdraft.status, overdraft.body.error.code], [422, 'INSUFFICIENT_FUNDS']);
    assert.match(overdraft.body.error.message, /5\.00/);
    const overTransfer = await post(`/transfer/${a}/${fresh()}/6`);
    assert.equal(overTransfer.status, 422);
    const unknown = await post(`/withdrawal/${fresh()}/1`);
    assert.deepEqual([unknown.status, unknown.body.error.code], [404, 'ACCOUNT_NOT_FOUND']);
    const self = await post(`/transfer/${a}/${a}/1`);
    assert.deepEqual([self.status, self.body.error.code], [400, 'SAME_ACCOUNT']);
    assert.equal(await balanceCents(a), 500);
  });

  test('bad input - amounts, ids, auth and routes get clear errors and change nothing', async () => {
    const a = fresh();
    await post(`/deposit/${a}/1`);
    for (const amount of ['-1', '0', '0.00', 'abc', '1.001', '1e2', '1000000000.01', '99999999999999999999']) {
      const response = await post(`/deposit/${a}/${encodeURIComponent(amount)}`);
      assert.equal(response.status, 400, amount);
      assert.match(response.body.error.code, /^(INVALID_AMOUNT|AMOUNT_TOO_LARGE)$/);
    }
    assert.equal((await post(`/deposit/${encodeURIComponent('é!')}/1`)).body.error.code, 'INVALID_ACCOUNT_ID');
    const noAuth = await http(`${gateway}/deposit/${a}/1`, { method: 'POST' });
    assert.deepEqual([noAuth.status, noAuth.body.error.code], [401, 'UNAUTHENTICATED']);
    const forged = await http(`${gateway}/deposit/${a}/1`, { method: 'POST', headers: { 'client-id': 'clientA', 'auth-token': 'dev-insecure-client-b' } });
    assert.equal(forged.status, 401);
    assert.equal((await http(`${gateway}/balance/${fresh()}`, { headers: clientHeaders() })).status, 404);
    assert.equal((await http(`${gateway}/nowhere`, { headers: clientHeaders() })).body.error.code, 'ROUTE_NOT_FOUND');
    const noKey = await post('/v1/deposits', { json: { accountId: a, amount: '1' } });
    assert.deepEqual([noKey.status, noKey.body.error.code], [400, 'MISSING_IDEMPOTENCY_KEY']);
    const extra = await post('/v1/deposits', { key: randomUUID(), json: { accountId: a, amount: '1', bonus: '100' } });
    assert.equal(extra.status, 400);
    const numberAmount = await post('/v1/deposits', { key: randomUUID(), json: { accountId: a, amount: 1.5 } });
    assert.equal(numberAmount.status, 400, 'amounts are decimal strings, never floats');
    const text = await http(`${gateway}/v1/deposits`, { method: 'POST', headers: { ...clientHeaders(), 'idempotency-key': randomUUID(), 'content-type': 'text/plain' }, body: 'a' });
    assert.equal(text.status, 415);
    assert.equal(await balanceCents(a), 100);
  });

  test('amounts - a JSON number amount is 400 INVALID_AMOUNT on every route with a body amount, and moves nothing', async () => {
    const [a, b] = [fresh(), fresh()];
    await post(`/deposit/${a}/5`);
    const ana = await signUp(gateway, 1, 'Ana Souza', DOCUMENTS.cpf[0]!);
    await deposit(gateway, ana, '20.00');
    const customer = (path: string, json: unknown) => http(`${gateway}${path}`, { method: 'POST', headers: { ...ana.auth, 'idempotency-key': randomUUID() }, json });
    for (const amount of [10, 10.5, 0.1 + 0.2]) {
      const refused = [
        ['/v1/deposits', await post('/v1/deposits', { key: randomUUID(), json: { accountId: a, amount } })],
        ['/v1/withdrawals', await post('/v1/withdrawals', { key: randomUUID(), json: { accountId: a, amount } })],
        ['/v1/transfers', await post('/v1/transfers', { key: randomUUID(), json: { fromAccountId: a, toAccountId: b, amount } })],
        ['/v1/me/deposits', await customer('/v1/me/deposits', { amount, method: 'cash' })],
        ['/v1/me/pix', await customer('/v1/me/pix', { toBankId: 1, key: DOCUMENTS.cpf[1]!, amount })],
        ['/v1/me/packets', await customer('/v1/me/packets', { transfers: [{ fromBankId: 1, toBankId: 1, key: DOCUMENTS.cpf[1]!, amount }] })],
      ] as const;
      for (const [path, response] of refused) {
        assert.deepEqual([response.status, response.body.error?.code], [400, 'INVALID_AMOUNT'], `${path} ${amount}: ${JSON.stringify(response.body)}`);
        assert.match(response.body.error.message, /must be a string of a decimal like "10\.50" \(got the number /, path);
      }
    }
    assert.deepEqual([await balanceCents(a), await balanceCents(b)], [500, undefined]);
    assert.equal((await me(gateway, ana)).balanceCents, 2000);
  });

  test('idempotency - a replayed key is answered with the first result and moves money once', async () => {
    const a = fresh();
    const key = randomUUID();
    const first = await post('/v1/deposits', { key, json: { accountId: a, amount: '3.00' } });
    const again = await post('/v1/deposits', { key, json: { accountId: a, amount: '3.00' } });
    assert.equal(first.status, 200);
    assert.deepEqual({ ...again.body, replayed: false }, first.body);
    assert.equal(again.body.replayed, true);
    assert.equal(await balanceCents(a), 300);
    const other = await post('/v1/deposits', { key, json: { accountId: a, amount: '4.00' } });
    assert.deepEqual([other.status, other.body.error.code], [409, 'IDEMPOTENCY_CONFLICT']);
    const byKey = await http(`${gateway}/v1/operations/${key}`, { headers: clientHeaders() });
    assert.equal(byKey.body.amount, '3.00');
    const otherClient = await http(`${gateway}/v1/operations/${key}`, { headers: clientHeaders('clientB') });
    assert.equal(otherClient.status, 404, "a client cannot see another client's operations");
    assert.equal(await balanceCents(a), 300);
  });

  test("idempotency - a refusal is the key's answer forever: the same key never succeeds later nor takes another body", async () => {
    const a = fresh();
    await post('/v1/deposits', { key: randomUUID(), json: { accountId: a, amount: '5.00' } });
    const key = randomUUID();
    const refused = await post('/v1/withdrawals', { key, json: { accountId: a, amount: '8.00' } });
    assert.deepEqual([refused.status, refused.body.error.code], [422, 'INSUFFICIENT_FUNDS']);
    await post('/v1/deposits', { key: randomUUID(), json: { accountId: a, amount: '10.00' } });
    const retry = await post('/v1/withdrawals', { key, json: { accountId: a, amount: '8.00' } });
    assert.deepEqual([retry.status, retry.body.error.code, retry.body.error.message], [422, 'INSUFFICIENT_FUNDS', refused.body.error.message],
      'the retry, now that the money is there, still gets the first answer');
    const other = await post('/v1/withdrawals', { key, json: { accountId: a, amount: '1.00' } });
    assert.deepEqual([other.status, other.body.error.code], [409, 'IDEMPOTENCY_CONFLICT']);
    const seedRoute = await post(`/withdrawal/${a}/8.00`, { key });
    assert.deepEqual([seedRoute.status, seedRoute.body.error?.code], [422, 'INSUFFICIENT_FUNDS'], 'the same on the seed route');
    const byKey = await http(`${gateway}/v1/operations/${key}`, { headers: clientHeaders() });
    assert.deepEqual([byKey.status, byKey.body.status, byKey.body.error], [200, 'rejected', 'INSUFFICIENT_FUNDS']);
    assert.equal((await http(`${gateway}/v1/operations/${key}`, { headers: clientHeaders('clientB') })).status, 404, "not another client's to see");
    assert.equal(await balanceCents(a), 1500);
  });

  test('the queue of 5 - concurrent operations on one account are all saved exactly', async () => {
    const a = fresh();
    const answers = await Promise.all(Array.from({ length: 23 }, () => post(`/deposit/${a}/1.00`)));
    assert.deepEqual([...new Set(answers.map((answer) => answer.status))], [200]);
    assert.equal(await balanceCents(a), 2300);
    const history = await http(`${gateway}/v1/accounts/${a}/history?limit=50`, { headers: clientHeaders() });
    assert.equal(history.body.entries.length, 23);
  });

  test('locks - a conflict that outlasts the bounded retry reaches the client as 423, and nothing changes', async () => {
    const a = fresh();
    await post(`/deposit/${a}/1`);
    const data = bank.dataServer.url;
    // clientA's account a is the ledger's clientA:a (its space).
    const held = await http(`${data}/getLock/3/clientA:${a}`, { method: 'POST', headers: businessHeaders('3'), json: { leaseMs: 5000 } });
    assert.equal(held.status, 200);
    const blocked = await http(`${bank.businessServers[0]!.url}/deposit/${a}/1`, { method: 'POST', headers: clientHeaders() });
    assert.deepEqual([blocked.status, blocked.body.error.code, blocked.body.error.retryable], [423, 'ACCOUNT_LOCKED', true]);
    await http(`${data}/unLock/3/clientA:${a}`, { method: 'POST', headers: businessHeaders('3') });
    assert.equal(await balanceCents(a), 100);
    assert.equal((await post(`/deposit/${a}/1`)).status, 200, 'the account works again once the lock is gone');
  });

  test('operability - health, readiness, metrics, OpenAPI and request ids carried to the answer', async () => {
    const server = bank.businessServers[1]!.url;
    assert.equal((await http(`${server}/health`)).status, 200);
    assert.equal((await http(`${server}/ready`)).status, 200);
    assert.match((await http<string>(`${server}/metrics`)).body, /banca_batch_duration_seconds/);
    const openapi = (await http(`${server}/openapi.json`)).body;
    for (const path of ['/deposit/{accountId}/{amount}', '/withdrawal/{accountId}/{amount}', '/balance/{accountId}', '/transfer/{originAccountId}/{targetAccountId}/{amount}', '/v1/transfers']) {
      assert.ok(openapi.paths[path], path);
    }
    const traced = await http(`${gateway}/balance/${fresh()}`, { headers: { ...clientHeaders(), 'x-request-id': 'trace-me-123' } });
    assert.equal(traced.headers['x-request-id'], 'trace-me-123');
    assert.equal(traced.body.requestId, 'trace-me-123');
  });
});
