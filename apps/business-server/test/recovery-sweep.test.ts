// The recovery sweep at scale, against a real data server: it reads open holds, packets and
// pending credits oldest first in bounded pages, so the oldest are handled whatever number of
// newer ones are open; pending credits ask each coordinating bank once a page
// (POST /interbank/v1/packets/states); a round never throws and tells how many open records it saw.
// The bank's own business server sweeps only every 10 minutes: the sweeps here are built in
// this process on the same data server, so each test decides when a round runs.
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, test } from 'node:test';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import { ConfigError } from '@banca/core/config';
import { createInterbankSigner } from '@banca/server-kit/interbank-signature';
import { deposit, DOCUMENTS, signUp, type TestCustomer } from '@banca/testkit/consortium';
import { interbankConfigFor, signedInterbankHeaders, testInterbankKeys } from '@banca/testkit/interbank';
import { devKeys, startTestBank, type TestBank } from '@banca/testkit/testkit';
import { buildApp } from '../src/app.js';
import { AccountGate } from '../src/application/account-gate.js';
import { BankStore, type Change } from '../src/application/consortium/bank-store.js';
import { ConsortiumService } from '../src/application/consortium/consortium-service.js';
import { Coordinator, type PacketStateAnswer } from '../src/application/consortium/coordinator.js';
import type { PacketRecord } from '../src/domain/packet.js';
import { Customers } from '../src/application/consortium/customers.js';
import type { ScanBudget } from '../src/application/consortium/paged-scan.js';
import { Participant } from '../src/application/consortium/participant.js';
import type { CreditRecord } from '../src/domain/credit.js';
import type { HoldRecord } from '../src/domain/hold.js';
import { loadBusinessServerConfig } from '../src/config.js';
import { ConsentTokens } from '../src/infra/consent-tokens.js';
import { CustomerTokens } from '../src/infra/customer-tokens.js';
import { DataClient } from '../src/infra/data-client.js';
import { RemoteBank } from '../src/infra/interbank-client.js';

const SECRET = 'test-recovery-sweep-customer-token-secret';
const NOWHERE = 'http://127.0.0.1:9';
const FAR_FUTURE_MS = Date.now() + 24 * 3600_000;
const silent = { debug() {}, info() {}, warn() {}, error() {}, trace() {}, fatal() {}, child() { return silent; }, level: 'silent' } as unknown as FastifyBaseLogger;
const keys = testInterbankKeys([1, 2]);

let bank: TestBank;
const clients: DataClient[] = [];
let payer: TestCustomer;
let receiver: TestCustomer;

before(async () => {
  bank = await startTestBank({ businessServers: 1, store: 'memory', businessServer: { recoveryIntervalMs: 600_000, recoveryIntervalMsMax: 600_000 } });
  payer = await signUp(bank.gateway.url, 1, 'Old Payer', DOCUMENTS.cpf[0]!);
  await deposit(bank.gateway.url, payer, '10.00');
  receiver = await signUp(bank.gateway.url, 1, 'Old Receiver', DOCUMENTS.cpf[1]!);
});
after(async () => {
  await Promise.all(clients.map((client) => client.close()));
  await bank?.cleanup();
});

/** Bank 1's sweeps built here on its data server; its holds time out 1 ms after they are placed. */
function sweepsOf(scan: ScanBudget, peers = new Map<number, RemoteBank>(), dataUrl = bank.dataServer.url) {
  const data = new DataClient({ urls: [dataUrl], businessId: '1', businessKey: devKeys.business['1']!, timeoutMs: 2000 });
  clients.push(data);
  const store = new BankStore(data, { leaseMs: 3000, lockRetryMsMax: 1000 }, new AccountGate());
  const customers = new Customers(store, new CustomerTokens(SECRET, 1, 900));
  const consents = new ConsentTokens(SECRET, 1);
  const participant = new Participant(1, store, customers, 1, consents, scan);
  const coordinator = new Coordinator({ bankId: 1, queued: false, prepareTimeoutMs: 1000, retryDelayMs: 5, scan }, store, (bankId) => service.link(bankId), silent, participant);
  const service: ConsortiumService = new ConsortiumService(
    { bankId: 1, name: 'Banca 1', color: '#000000', coordination: 'holds', consortium: [] }, store, customers, participant, coordinator, peers, silent, consents,
  );
  return { service, participant, coordinator, store };
}

/** Writes records 64 to a commit (the data server's bound). */
async function writeAll(store: BankStore, changes: Change<unknown>[]): Promise<void> {
  for (let start = 0; start < changes.length; start += 64) assert.ok(await store.write(changes.slice(start, start + 64)));
}

const open = (collection: string, key: string, value: object): Change<unknown> => ({ collection, key, expectVersion: 0, value, tags: ['open'] });

function packetRecord(packetId: string, state: PacketRecord['state'], legs: PacketRecord['legs'], updatedAtMs: number): PacketRecord {
  return {
    packetId, kind: 'pix', bankId: 1, accountId: payer.accountId, document: payer.document, payerName: 'Old Payer', legs, state,
    failedLeg: null, error: null, requestHash: 'x', createdAtMs: updatedAtMs, updatedAtMs,
  };
}

const leg = (packetId: string, fromBank: number, toBank: number): PacketRecord['legs'][number] => ({
  legId: `${packetId}.1`, fromBank, fromAccountId: payer.accountId, toBank, toKey: receiver.document, amountCents: 1, receiverName: null, receiverAccountId: null,
});

/** A bank the sweep asks about packets: answers from `states`, and notes each request. */
function stubPeer(bankId: number, states: Record<string, PacketStateAnswer['state']>, requests: [number, string[]][]): RemoteBank {
  return {
    peer: { bankId, name: `Banca ${bankId}`, url: NOWHERE },
    async packetStates(packetIds: readonly string[]) {
      requests.push([bankId, [...packetIds]]);
      return packetIds.map((packetId) => ({ packetId, state: states[packetId] ?? 'unknown' }));
    },
  } as unknown as RemoteBank;
}

describe('recovery sweep', () => {
  test('recovery - pending credits: one packet-state request per coordinating bank a page; applied only once committed', async () => {
    const requests: [number, string[]][] = [];
    const states: Record<string, PacketStateAnswer['state']> = { 'p2-a': 'completed', 'p2-b': 'committed', 'p2-c': 'failed', 'p2-e': 'preparing', 'p3-f': 'committed', 'p3-g': 'committed', 'p3-h': 'completed' };
    const peers = new Map([[2, stubPeer(2, states, requests)], [3, stubPeer(3, states, requests)]]);
    const { service, participant, store } = sweepsOf({ pageRecords: 3, pagesPerRound: 10 }, peers);
    const packets = ['p2-a', 'p2-b', 'p2-c', 'p2-d', 'p2-e', 'p3-f', 'p3-g', 'p3-h'];
    for (const packetId of packets) {
      const coordinatorBank = Number(packetId[1]);
      await participant.prepareCredit({ legId: `${packetId}.1`, packetId, coordinatorBank, fromBank: coordinatorBank, key: receiver.document, amountCents: 100, payerName: 'P', payerDocument: DOCUMENTS.cpf[2]! });
      await sleep(2);
    }
    const seen = await service.sweep(0);
    assert.deepEqual(requests, [[2, ['p2-a', 'p2-b', 'p2-c']], [2, ['p2-d', 'p2-e']], [3, ['p3-f']], [3, ['p3-g', 'p3-h']]], 'pages of 3: one request per bank a page, not one per credit');
    const credits = await Promise.all(packets.map((packetId) => store.read<CreditRecord>('credits', `${packetId}.1`)));
    assert.deepEqual(credits.map((credit) => credit?.value.state), ['completed', 'completed', 'failed', 'failed', 'pending', 'completed', 'completed', 'completed'],
      'committed: applied; failed or unknown: voided; still preparing: left pending');
    assert.equal(await store.balance(receiver.accountId), 500, 'five credits of 100 applied');
    assert.equal(seen, 8, 'the round saw the 8 pending credits');
  });

  test('recovery - one round reaches the oldest open hold, packet and credit behind more than 1,000 newer open ones', async () => {
    const { service, participant, store } = sweepsOf({ pageRecords: 200, pagesPerRound: 1 });
    const hold = await participant.hold({
      legId: 'p1-oldest.1', packetId: 'p1-oldest', coordinatorBank: 1, payerAccountId: payer.accountId, payerDocument: payer.document, toBank: 2, amountCents: 250, receiverName: '',
    });
    assert.equal(hold.state, 'held');
    assert.equal(await store.balance(payer.accountId), 750);
    // Coordinated here, but no such packet: its coordinator's answer is unknown, so it is voided.
    await participant.prepareCredit({ legId: 'p1-gone.1', packetId: 'p1-gone', coordinatorBank: 1, fromBank: 2, key: receiver.document, amountCents: 50, payerName: 'P', payerDocument: DOCUMENTS.cpf[2]! });
    // A packet left aborting with nothing to undo: driving it makes it failed.
    await writeAll(store, [open('packets', 'p1-stuck', packetRecord('p1-stuck', 'aborting', [], 1))]);
    await sleep(5);
    const newer: Change<unknown>[] = [];
    for (let i = 0; i < 1010; i++) {
      const legId = `p1-new${i}.1`;
      const heldLater: Partial<HoldRecord> = { legId, packetId: `p1-new${i}`, coordinatorBank: 1, payerAccountId: payer.accountId, state: 'held', expiresAtMs: FAR_FUTURE_MS, amountCents: 1 };
      const pendingLater: Partial<CreditRecord> = { legId, packetId: `p1-new${i}`, coordinatorBank: 1, state: 'pending', updatedAtMs: FAR_FUTURE_MS };
      newer.push(open('holds', legId, heldLater), open('credits', legId, pendingLater), open('packets', `p1-new${i}`, packetRecord(`p1-new${i}`, 'queued', [], Date.now())));
    }
    await writeAll(store, newer);

    const seen = await service.sweep(0);
    assert.equal((await store.read<HoldRecord>('holds', 'p1-oldest.1'))?.value.state, 'voided', 'the oldest hold, expired, is voided');
    assert.equal(await store.balance(payer.accountId), 1000, 'and its money is back');
    assert.equal((await store.read<PacketRecord>('packets', 'p1-stuck'))?.value.state, 'failed', 'the oldest stale packet is driven');
    assert.equal((await store.read<CreditRecord>('credits', 'p1-gone.1'))?.value.state, 'failed', 'the oldest pending credit is resolved');
    assert.equal((await store.read<HoldRecord>('holds', 'p1-new0.1'))?.value.state, 'held', 'holds not yet expired are left alone');
    assert.equal(seen, 600, 'one page of 200 of each: holds, packets, credits');
  });

  test('token ring - a pass runs the oldest queued packets first, behind more than 1,000 newer ones', async () => {
    const { coordinator, store } = sweepsOf({ pageRecords: 200, pagesPerRound: 1 });
    const queued = (packetId: string): Change<unknown> => ({ ...open('packets', packetId, packetRecord(packetId, 'queued', [], Date.now())), tags: ['open', 'queued'] });
    await writeAll(store, [queued('p1-q-oldest')]);
    await sleep(5);
    await writeAll(store, Array.from({ length: 1010 }, (_, i) => queued(`p1-q${i}`)));
    assert.equal(await coordinator.runQueued(1), 1);
    assert.equal((await store.read<PacketRecord>('packets', 'p1-q-oldest'))?.value.state, 'completed', 'the oldest queued packet (no legs) ran to the end');
    assert.equal((await store.read<PacketRecord>('packets', 'p1-q0'))?.value.state, 'queued');
  });

  test('recovery - a round never throws: with no data server it logs and answers 0', async () => {
    const warnings: string[] = [];
    const { service } = sweepsOf({ pageRecords: 10, pagesPerRound: 2 }, new Map(), NOWHERE);
    (service as unknown as { log: FastifyBaseLogger }).log = { ...silent, warn: (_: unknown, message: string) => warnings.push(message) } as unknown as FastifyBaseLogger;
    assert.equal(await service.sweep(0), 0);
    assert.deepEqual(warnings, ['hold expiry sweep failed', 'packet recovery sweep failed', 'pending credit sweep failed']);
  });
});

test('recovery - config: pages of 200 records, 5 a round by default; out of bounds refused at start-up', () => {
  const config = loadBusinessServerConfig({}, {});
  assert.deepEqual([config.recoveryPageRecords, config.recoveryPagesPerRound], [200, 5]);
  for (const bad of [{ recoveryPageRecords: 0 }, { recoveryPageRecords: 1001 }, { recoveryPagesPerRound: 0 }, { recoveryPagesPerRound: 1.5 }]) {
    assert.throws(() => loadBusinessServerConfig(bad, {}), ConfigError, JSON.stringify(bad));
  }
});

describe('interbank packet states', () => {
  let bank1: FastifyInstance;
  before(async () => {
    bank1 = await buildApp(loadBusinessServerConfig({
      dataServerUrls: [bank.dataServer.url], logLevel: 'silent', recoveryIntervalMs: 600_000, recoveryIntervalMsMax: 600_000,
      consortium: [1, 2].map((bankId) => ({ bankId, name: `Banca ${bankId}`, url: NOWHERE })), ...interbankConfigFor(1, keys),
    }, {}));
    await bank1.listen({ host: '127.0.0.1', port: 0 });
    const { store } = sweepsOf({ pageRecords: 10, pagesPerRound: 1 });
    await writeAll(store, [
      open('packets', 'p1-two', packetRecord('p1-two', 'committed', [leg('p1-two', 1, 2)], Date.now())),
      open('packets', 'p1-three', packetRecord('p1-three', 'preparing', [leg('p1-three', 1, 3)], Date.now())),
    ]);
  });
  after(async () => bank1?.close());

  const path = '/interbank/v1/packets/states';
  async function ask(body: unknown, sign = true) {
    const text = JSON.stringify(body);
    const signature = sign ? await signedInterbankHeaders({ key: keys.get(2)!, sender: 2, receiver: 1, method: 'POST', path, body: text }) : {};
    const response = await bank1.inject({ method: 'POST', url: path, headers: { ...signature, 'content-type': 'application/json' }, payload: text });
    return { status: response.statusCode, body: response.json<{ packets?: PacketStateAnswer[]; error?: { code: string; message: string } }>() };
  }

  test('packet states - a bank asks several at once: one answer per id in order, unknown for any packet not involving it', async () => {
    const answer = await ask({ packetIds: ['p1-two', 'p1-three', 'p1-never', 'not a key!', 'p1-two'] });
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    assert.deepEqual(answer.body.packets, [
      { packetId: 'p1-two', state: 'committed' }, { packetId: 'p1-three', state: 'unknown' }, { packetId: 'p1-never', state: 'unknown' },
      { packetId: 'not a key!', state: 'unknown' }, { packetId: 'p1-two', state: 'committed' },
    ]);
  });

  test('packet states - over 200 ids or none is 400 INVALID_REQUEST; unsigned is 401', async () => {
    for (const packetIds of [Array.from({ length: 201 }, (_, i) => `p1-x${i}`), []]) {
      const answer = await ask({ packetIds });
      assert.deepEqual([answer.status, answer.body.error?.code], [400, 'INVALID_REQUEST'], `${packetIds.length} ids`);
    }
    const unsigned = await ask({ packetIds: ['p1-two'] }, false);
    assert.deepEqual([unsigned.status, unsigned.body.error?.code], [401, 'INTERBANK_SIGNATURE_MISSING']);
  });

  test('packet states - the interbank client asks them signed, as bank 2', async () => {
    const address = bank1.server.address() as AddressInfo;
    const remote = new RemoteBank({ bankId: 1, name: 'Banca 1', url: `http://127.0.0.1:${address.port}` }, { signer: await createInterbankSigner(2, keys.get(2)!), timeoutMs: 2000 });
    try {
      assert.deepEqual(await remote.packetStates(['p1-two', 'p1-three']), [{ packetId: 'p1-two', state: 'committed' }, { packetId: 'p1-three', state: 'unknown' }]);
    } finally {
      await remote.close();
    }
  });
});
