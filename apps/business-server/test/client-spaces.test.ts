// Who owns an account: a client key of the seed API reaches only its own ledger space, never a
// customer's account; a key configured in `tellers` reaches existing customer accounts, and each
// of its movements is on the customer's statement named as the teller's. A consortium of 3 banks
// in real processes (bank 2's business server has tellers: [clientA]), called through the
// gateways, and business servers built in this process against bank 1's data server (inject()).
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { ConfigError } from '@banca/core/config';
import { deposit, DOCUMENTS, me, signUp, type TestCustomer } from '@banca/testkit/consortium';
import { businessHeaders, clientHeaders, devKeys, http, startTestConsortium, type TestConsortium } from '@banca/testkit/testkit';
import { buildApp } from '../src/app.js';
import { loadBusinessServerConfig } from '../src/config.js';

let consortium: TestConsortium;
let ana: TestCustomer;
let bruno: TestCustomer;
/** Bank 1's business servers built here: seed mode, and clientB sharing clientA's space. */
let seedMode: FastifyInstance;
let shared: FastifyInstance;
const url = (bankId: number) => consortium.url(bankId);
const fresh = (name: string) => `${name}-${randomUUID().slice(0, 8)}`;

function post(bankId: number, path: string, clientId: 'clientA' | 'clientB' = 'clientA', json?: unknown) {
  return http(`${url(bankId)}${path}`, { method: 'POST', headers: { ...clientHeaders(clientId), 'idempotency-key': randomUUID() }, ...(json === undefined ? {} : { json }) });
}
const get = (bankId: number, path: string, clientId: 'clientA' | 'clientB' = 'clientA') => http(`${url(bankId)}${path}`, { headers: clientHeaders(clientId) });
const statement = async (bankId: number, customer: TestCustomer) => (await http(`${url(bankId)}/v1/me/transactions`, { headers: customer.auth })).body.transactions;
const ledgerCents = async (bankId: number, ledgerId: string) =>
  (await http(`${consortium.bank(bankId).dataServer.url}/v1/accounts/${encodeURIComponent(ledgerId)}`, { headers: businessHeaders() })).body.balanceCents;

async function inject(app: FastifyInstance, method: 'GET' | 'POST', path: string, clientId: 'clientA' | 'clientB' = 'clientA', key: string = randomUUID()) {
  const response = await app.inject({ method, url: path, headers: { ...clientHeaders(clientId), 'idempotency-key': key } });
  return { status: response.statusCode, body: response.json() };
}

before(async () => {
  consortium = await startTestConsortium(3, 'holds', {
    businessServers: 1,
    // The data servers also know the keys of the business servers this process builds.
    dataServer: { businessKeys: devKeys.business },
    perBank: (bankId) => (bankId === 2 ? { businessServer: { tellers: ['clientA'] } } : {}),
  });
  ana = await signUp(url(1), 1, 'Ana Souza', DOCUMENTS.cpf[0]!);
  bruno = await signUp(url(2), 2, 'Bruno Lima', DOCUMENTS.cpf[1]!);
  await deposit(url(1), ana, '100.00');
  await deposit(url(2), bruno, '100.00');
  const base = { dataServerUrls: [consortium.bank(1).dataServer.url], logLevel: 'silent' };
  seedMode = await buildApp(loadBusinessServerConfig({ ...base, businessId: '2', businessKey: devKeys.business['2'], queueMode: 'seed' }, {}));
  shared = await buildApp(loadBusinessServerConfig({ ...base, businessId: '3', businessKey: devKeys.business['3'], clientSpaces: { clientB: 'clientA' } }, {}));
});
after(async () => {
  await seedMode?.close();
  await shared?.close();
  await consortium?.cleanup();
});

describe('client spaces - a client key against a customer account', () => {
  test("clientA's seed and v1 routes on a customer's account are refused; the customer keeps 100.00 and the same statement", async () => {
    const before = await statement(1, ana);
    const account = ana.accountId;
    const attempts = [
      await post(1, `/withdrawal/${account}/40`),
      await post(1, `/transfer/${account}/elsewhere/10`),
      await post(1, `/transfer/elsewhere/${account}/10`),
      await post(1, `/deposit/${account}/1`),
      await post(1, '/v1/withdrawals', 'clientA', { accountId: account, amount: '5.00' }),
      await post(1, '/v1/transfers', 'clientA', { fromAccountId: account, toAccountId: 'elsewhere', amount: '5.00' }),
      await get(1, `/balance/${account}`),
      await get(1, `/v1/accounts/${account}/history`),
      await post(1, `/withdrawal/${account}/40`, 'clientB'),
    ];
    for (const attempt of attempts) {
      assert.deepEqual([attempt.status, attempt.body.error?.code], [403, 'FORBIDDEN'], JSON.stringify(attempt.body));
      assert.match(attempt.body.error.message, /customer account number: a client key reaches only its own accounts/);
    }
    assert.equal((await me(url(1), ana)).balanceCents, 10_000);
    assert.equal(await ledgerCents(1, account), 10_000, "the ledger's own balance of the account");
    assert.deepEqual(await statement(1, ana), before);
  });

  test('in seed mode too: refused before it is queued, so no group of 5 can ever apply it', async () => {
    const key = randomUUID();
    const refused = await inject(seedMode, 'POST', `/withdrawal/${ana.accountId}/40`, 'clientA', key);
    assert.deepEqual([refused.status, refused.body.error.code], [403, 'FORBIDDEN']);
    const status = await inject(seedMode, 'GET', `/v1/operations/${key}`);
    assert.deepEqual([status.status, status.body.error.code], [404, 'OPERATION_NOT_FOUND'], 'nothing was queued under the key');
    // Five of clientA's own operations fill a group; the group applies on clientA's space only.
    const own = fresh('seed');
    for (let i = 0; i < 5; i++) assert.equal((await inject(seedMode, 'POST', `/deposit/${own}/1.00`)).status, 202);
    assert.equal(await ledgerCents(1, `clientA:${own}`), 500);
    assert.deepEqual((await inject(seedMode, 'GET', `/balance/${own}`)).body, { accountId: own, balance: '5.00', balanceCents: 500 });
    assert.equal((await me(url(1), ana)).balanceCents, 10_000);
  });
});

describe('client spaces - each key its own space', () => {
  test("clientB can neither read nor move clientA's accounts; the same name is two accounts", async () => {
    const x = fresh('x');
    const y = fresh('y');
    assert.equal((await post(1, `/deposit/${x}/5.00`)).status, 200);
    const moved = await post(1, `/transfer/${x}/${y}/2.00`);
    // The answer names the accounts as clientA did: the seed wire is unchanged.
    assert.deepEqual([moved.status, moved.body.accountId, moved.body.toAccountId, moved.body.balance], [200, x, y, '3.00']);
    assert.deepEqual([(await get(1, `/balance/${x}`, 'clientB')).status, (await get(1, `/balance/${x}`, 'clientB')).body.error.code], [404, 'ACCOUNT_NOT_FOUND']);
    const stolen = await post(1, `/withdrawal/${x}/1.00`, 'clientB');
    assert.deepEqual([stolen.status, stolen.body.error.code], [404, 'ACCOUNT_NOT_FOUND']);
    assert.doesNotMatch(stolen.body.error.message, /clientB:/, 'messages name accounts as the client does');
    assert.equal((await post(1, `/deposit/${x}/1.00`, 'clientB')).status, 200);
    assert.equal((await get(1, `/balance/${x}`)).body.balance, '3.00', "clientB's deposit went to its own x");
    assert.equal((await get(1, `/balance/${x}`, 'clientB')).body.balance, '1.00');
    assert.deepEqual([await ledgerCents(1, `clientA:${x}`), await ledgerCents(1, `clientB:${x}`)], [300, 100]);
    const history = (await get(1, `/v1/accounts/${y}/history`)).body.entries;
    assert.deepEqual(history.map((entry: { counterpartyAccountId: string; direction: string }) => [entry.direction, entry.counterpartyAccountId]), [['credit', x]]);
    const short = await post(1, `/withdrawal/${y}/9.00`);
    assert.deepEqual([short.status, short.body.error.code], [422, 'INSUFFICIENT_FUNDS']);
    assert.match(short.body.error.message, new RegExp(`^Account ${y} has 2.00`));
  });

  test('clientSpaces lets two keys of one business share a space (and a teller must have a key)', async () => {
    const x = fresh('sh');
    assert.equal((await inject(shared, 'POST', `/deposit/${x}/4.00`)).status, 200);
    assert.deepEqual((await inject(shared, 'GET', `/balance/${x}`, 'clientB')).body, { accountId: x, balance: '4.00', balanceCents: 400 });
    assert.equal(await ledgerCents(1, `clientA:${x}`), 400);
    assert.throws(() => loadBusinessServerConfig({ tellers: ['clientZ'] }, {}), ConfigError);
    assert.throws(() => loadBusinessServerConfig({ clientSpaces: { clientA: 'a:b' } }, {}), ConfigError);
  });
});

describe('client spaces - tellers', () => {
  test("a teller's withdrawal and transfer move the customer's money and are on the statement, named as the teller's", async () => {
    const withdrawal = await post(2, `/withdrawal/${bruno.accountId}/40`);
    assert.deepEqual([withdrawal.status, withdrawal.body.accountId, withdrawal.body.balance], [200, bruno.accountId, '60.00']);
    const till = fresh('till');
    const transfer = await post(2, `/transfer/${bruno.accountId}/${till}/10`);
    assert.deepEqual([transfer.status, transfer.body.toAccountId], [200, till]);
    assert.equal((await me(url(2), bruno)).balanceCents, 5_000);
    assert.equal((await get(2, `/balance/${till}`)).body.balance, '10.00');
    const rows = await statement(2, bruno);
    const pick = (row: any) => ({ type: row.type, direction: row.direction, madeBy: row.madeBy, amountCents: row.amountCents, counterpart: row.counterpart });
    assert.deepEqual(rows.map(pick), [
      { type: 'transfer-out', direction: 'out', madeBy: 'teller clientA', amountCents: 1000, counterpart: `clientA:${till}` },
      { type: 'withdrawal', direction: 'out', madeBy: 'teller clientA', amountCents: 4000, counterpart: null },
      { type: 'deposit', direction: 'in', madeBy: null, amountCents: 10_000, counterpart: null },
    ]);
    // The balance is what the statement adds up to.
    assert.equal(rows.reduce((sum: number, row: any) => sum + (row.direction === 'in' ? row.amountCents : -row.amountCents), 0), 5_000);
  });

  test('a teller reaches only existing customer accounts; a key not in tellers is refused at the same bank', async () => {
    const missing = await post(2, '/deposit/10000001/5');
    assert.deepEqual([missing.status, missing.body.error.code], [404, 'ACCOUNT_NOT_FOUND']);
    assert.match(missing.body.error.message, /only accounts opened through \/v1\/customers/);
    const other = await post(2, `/withdrawal/${bruno.accountId}/1`, 'clientB');
    assert.deepEqual([other.status, other.body.error.code], [403, 'FORBIDDEN']);
    assert.equal((await me(url(2), bruno)).balanceCents, 5_000);
  });
});

describe('client spaces - ledger ids at the data server', () => {
  test("the data server takes space:account ids and refuses malformed ones", async () => {
    const data = consortium.bank(1).dataServer.url;
    const read = (id: string) => http(`${data}/v1/accounts/${encodeURIComponent(id)}`, { headers: businessHeaders() });
    assert.equal((await read(`clientA:${fresh('nobody')}`)).body.error.code, 'ACCOUNT_NOT_FOUND');
    for (const bad of ['a:b:c', ':x', 'x:', `${'s'.repeat(33)}:x`, 'clientA:@cash', 'é:x']) {
      const answer = await read(bad);
      assert.deepEqual([answer.status, answer.body.error.code], [400, 'INVALID_ACCOUNT_ID'], bad);
    }
  });
});
