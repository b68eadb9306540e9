// The dossier of a person, every part a real process: a consortium of two banks, the credit
// registry and the dossier, wired by URLs chosen at run time. A person with accounts at both banks
// and registry records gets a complete dossier with the right totals; then the registry and a bank
// go down (the dossier still answers, listing them unavailable), and a bank that hangs trips its
// circuit so later dossiers no longer wait for it, until a probe finds it back.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { after, before, describe, test } from 'node:test';
import { freePort } from '@banca/launcher/free-port';
import type { ServiceProcess } from '@banca/launcher/spawn-service';
import { deposit, DOCUMENTS, signUp, type TestCustomer } from '@banca/testkit/consortium';
import { http, startTestConsortium, tempDir, type TestConsortium } from '@banca/testkit/testkit';
import { bearer, DEV_READER, DEV_WRITER, startService, tokenFor } from './services.js';
import { testSigningKey, type TestSigningKey } from '@banca/testkit/oauth';

const SOURCE_TIMEOUT_MS = 1500;
const OPEN_MS = 3000;

let consortium: TestConsortium;
let registry: ServiceProcess;
let dossier: ServiceProcess;
let key: TestSigningKey;
let reader: string;
let ana: TestCustomer;
const files = tempDir('banca-dossier-test-');
let registryConfig: Record<string, unknown>;
const anaDocument = DOCUMENTS.cpf[0]!;

before(async () => {
  key = await testSigningKey('dossier-test-key');
  const dossierPort = await freePort();
  const jwksUrl = `http://127.0.0.1:${dossierPort}/.well-known/jwks.json`;
  registryConfig = { port: await freePort(), databasePath: join(files.path, 'registry.sqlite'), oauth: { jwksUrl } };
  registry = await startService('credit-registry', 'registry', registryConfig);
  consortium = await startTestConsortium(2, 'holds', { businessServers: 1, businessServer: { oauth: { jwksUrl } } });
  dossier = await startService('dossier', 'dossier', {
    port: dossierPort,
    banks: consortium.members.map(({ bankId, name, url }) => ({ bankId, name, url })),
    registryUrl: registry.url,
    sourceTimeoutMs: SOURCE_TIMEOUT_MS,
    circuitBreaker: { failuresToOpen: 3, openMs: OPEN_MS },
  }, { env: { BANCA_OAUTH_SIGNING_KEY: JSON.stringify(key.jwk) } });

  ana = await signUp(consortium.url(1), 1, 'Ana Souza', anaDocument);
  const anaAt2 = await signUp(consortium.url(2), 2, 'Ana Souza', anaDocument);
  await deposit(consortium.url(1), ana, '100.00', 'cash');
  await deposit(consortium.url(2), anaAt2, '50.25', 'boleto');
  const writer = await tokenFor(dossier.url, DEV_WRITER);
  const record = async (what: string, body: unknown) => {
    const answer = await http(`${registry.url}/v1/people/${anaDocument}/${what}`, { method: 'POST', headers: { ...bearer(writer), 'idempotency-key': randomUUID() }, json: body });
    assert.equal(answer.status, 201, JSON.stringify(answer.body));
  };
  await record('debts', { amount: '1000.00', date: '2024-03-01', creditor: 'Banco do Povo' });
  await record('assets', { amount: '30000.00', description: 'Carro' });
  await record('incomes', { amount: '5200.00', description: 'Salário' });
  reader = await tokenFor(dossier.url, DEV_READER);
});
after(async () => {
  await dossier?.stop();
  await registry?.stop();
  await consortium?.cleanup();
  files.remove();
});

async function dossierOf(document: string) {
  const startedAt = performance.now();
  const answer = await http(`${dossier.url}/v1/dossiers/${document}`, { headers: bearer(reader) });
  assert.equal(answer.status, 200, JSON.stringify(answer.body));
  return { ...answer.body, elapsedMs: performance.now() - startedAt };
}

const sourceOf = (body: { sources: { source: string }[] }, source: string) => body.sources.find((entry) => entry.source === source) as any;

describe('dossier', () => {
  test('dossier - accounts at two banks and registry records: every source ok, totals right', async () => {
    const body = await dossierOf('111.444.777-35');
    assert.equal(body.document, anaDocument);
    assert.equal(body.documentMasked, '***.444.777-**');
    assert.equal(body.name, 'Ana Souza');
    assert.equal(body.complete, true);
    assert.deepEqual(body.sources.map((source: { source: string; status: string }) => [source.source, source.status]), [['bank:1', 'ok'], ['bank:2', 'ok'], ['registry', 'ok']]);
    for (const source of body.sources) assert.ok(Number.isInteger(source.latencyMs) && source.latencyMs >= 0);
    assert.deepEqual(body.banks.map((bank: { bankId: number; bankName: string; status: string }) => [bank.bankId, bank.bankName, bank.status]), [
      [1, consortium.members[0]!.name, 'ok'], [2, consortium.members[1]!.name, 'ok'],
    ]);
    const [atBank1] = body.banks[0].accounts;
    assert.deepEqual({ ...atBank1, transactions: undefined }, {
      accountId: ana.accountId, type: 'individual', joint: false, holderNames: ['Ana Souza'],
      balanceCents: 10_000, balance: '100.00', blockedCents: 0, blocked: '0.00', transactions: undefined,
    });
    assert.equal(atBank1.transactions.length, 1);
    assert.deepEqual([atBank1.transactions[0].type, atBank1.transactions[0].amount, atBank1.transactions[0].method], ['deposit', '100.00', 'cash']);
    assert.equal(body.banks[1].accounts[0].balance, '50.25');
    assert.deepEqual(body.debts.map((item: { amount: string; creditor: string }) => [item.amount, item.creditor]), [['1000.00', 'Banco do Povo']]);
    assert.deepEqual(body.assets.map((item: { description: string }) => item.description), ['Carro']);
    assert.deepEqual(body.incomes.map((item: { description: string }) => item.description), ['Salário']);
    assert.deepEqual(body.totals, {
      balanceCents: 15_025, balance: '150.25',
      debtCents: 100_000, debt: '1000.00',
      assetCents: 3_000_000, assets: '30000.00',
      monthlyIncomeCents: 520_000, monthlyIncome: '5200.00',
      netWorthCents: 2_915_025, netWorth: '29150.25',
    });
    assert.equal(typeof body.generatedAtMs, 'number');
  });

  test('dossier - a person nobody knows: complete, no accounts, no name, totals zero', async () => {
    const body = await dossierOf(DOCUMENTS.cnpj[1]!);
    assert.equal(body.complete, true);
    assert.equal(body.name, null);
    assert.deepEqual(body.banks.map((bank: { accounts: unknown[] }) => bank.accounts.length), [0, 0]);
    assert.equal(body.totals.netWorth, '0.00');
  });

  test("dossier - the banks' people route takes the dossier's banks:read token, not a customer's token or another scope", async () => {
    const people = (token: string) => http(`${consortium.url(1)}/v1/people/${anaDocument}`, { headers: bearer(token) });
    const asDossier = await people(await key.sign({ client_id: 'banca-dossier', scope: 'registry:read banks:read' }));
    assert.equal(asDossier.status, 200, JSON.stringify(asDossier.body));
    assert.equal(asDossier.body.name, 'Ana Souza');
    const customer = await people(ana.token);
    assert.equal(customer.status, 401);
    assert.equal(customer.body.error.code, 'UNAUTHENTICATED');
    const wrongScope = await people(await tokenFor(dossier.url, DEV_WRITER));
    assert.equal(wrongScope.status, 403);
    assert.equal(wrongScope.body.error.code, 'INSUFFICIENT_SCOPE');
  });

  test('dossier - registry down: the dossier still answers, the registry unavailable, complete false; back when it is', async () => {
    await registry.stop();
    const body = await dossierOf(anaDocument);
    assert.equal(body.complete, false);
    const source = sourceOf(body, 'registry');
    assert.equal(source.status, 'unavailable');
    assert.equal(source.error.code, 'UNAVAILABLE');
    assert.deepEqual(body.sources.filter((entry: { status: string }) => entry.status === 'ok').map((entry: { source: string }) => entry.source), ['bank:1', 'bank:2']);
    assert.deepEqual([body.debts, body.assets, body.incomes], [[], [], []]);
    assert.deepEqual([body.totals.balance, body.totals.debt, body.totals.netWorth], ['150.25', '0.00', '150.25']);

    registry = await startService('credit-registry', 'registry', registryConfig);
    const again = await dossierOf(anaDocument);
    assert.equal(again.complete, true, JSON.stringify(again.sources));
    assert.equal(again.totals.netWorth, '29150.25');
  });

  test('dossier - one bank down (stopped): the dossier still answers, that bank unavailable, complete false', async () => {
    await consortium.bank(2).stop();
    const body = await dossierOf(anaDocument);
    assert.equal(body.complete, false);
    const source = sourceOf(body, 'bank:2');
    assert.equal(source.status, 'unavailable');
    assert.ok(['UNAVAILABLE', 'BAD_GATEWAY'].includes(source.error.code), source.error.code);
    assert.deepEqual(body.banks[1], { bankId: 2, bankName: consortium.members[1]!.name, status: 'unavailable', accounts: [] });
    assert.equal(sourceOf(body, 'bank:1').status, 'ok');
    assert.equal(sourceOf(body, 'registry').status, 'ok');
    assert.deepEqual([body.totals.balance, body.totals.netWorth], ['100.00', '29100.00']);
  });

  test('dossier - a bank that hangs opens its circuit: the next dossier does not wait for the timeout; a probe later finds it back', async () => {
    const hung = await hangOn(consortium.members[1]!.gatewayPort);
    let opened = false;
    let timeouts = 0;
    try {
      // Its failures in a row (the stop above counted one) open the circuit within three more calls.
      for (let call = 0; call < 3 && !opened; call++) {
        const body = await dossierOf(anaDocument);
        const source = sourceOf(body, 'bank:2');
        if (source.status === 'circuit-open') {
          opened = true;
          break;
        }
        assert.equal(source.status, 'unavailable');
        if (source.error.code === 'UPSTREAM_TIMEOUT') {
          timeouts += 1;
          assert.ok(source.latencyMs >= SOURCE_TIMEOUT_MS - 50, `a hung source is given up after the timeout (${source.latencyMs} ms)`);
        }
      }
      assert.ok(timeouts >= 1, 'the hung bank timed out');
      const fast = await dossierOf(anaDocument);
      const source = sourceOf(fast, 'bank:2');
      assert.equal(source.status, 'circuit-open');
      assert.equal(fast.complete, false);
      assert.ok(source.latencyMs < 50, `an open circuit costs nothing (${source.latencyMs} ms)`);
      assert.ok(fast.elapsedMs < SOURCE_TIMEOUT_MS / 2, `the dossier answered in ${Math.round(fast.elapsedMs)} ms`);
      assert.equal(sourceOf(fast, 'bank:1').status, 'ok');

      // When openMs is up, one probe goes to the bank; it still hangs, so the circuit opens again.
      await sleep(OPEN_MS + 100);
      const probe = await dossierOf(anaDocument);
      assert.equal(sourceOf(probe, 'bank:2').status, 'unavailable');
      assert.equal(sourceOf(probe, 'bank:2').error.code, 'UPSTREAM_TIMEOUT');
      assert.equal(sourceOf(await dossierOf(anaDocument), 'bank:2').status, 'circuit-open');
    } finally {
      await hung.close();
    }

    // The bank comes back; after openMs the probe succeeds and the dossier is whole again.
    await consortium.bank(2).restartStopped();
    await sleep(OPEN_MS + 100);
    const whole = await dossierOf(anaDocument);
    assert.equal(sourceOf(whole, 'bank:2').status, 'ok', JSON.stringify(whole.sources));
    assert.equal(whole.complete, true);
    assert.equal(whole.totals.netWorth, '29150.25');
  });
});

/** A listener on the port that accepts connections and never answers: a hung process. */
async function hangOn(port: number): Promise<{ close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', resolve);
  });
  return {
    close: () => new Promise<void>((resolve) => {
      for (const socket of sockets) socket.destroy();
      server.close(() => resolve());
    }),
  };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
