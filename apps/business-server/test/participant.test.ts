// The paying side of a leg against a real data server, on an injected clock: the interleavings
// of a hold's expiry with the coordinator's post, made to happen on demand.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { devKeys, startTestBank, type TestBank } from '@banca/testkit/testkit';
import { AccountGate } from '../src/application/account-gate.js';
import { BankStore } from '../src/application/consortium/bank-store.js';
import type { Customers } from '../src/application/consortium/customers.js';
import { Participant } from '../src/application/consortium/participant.js';
import type { HoldRecord } from '../src/domain/hold.js';
import { ConsentTokens } from '../src/infra/consent-tokens.js';
import { DataClient } from '../src/infra/data-client.js';

let bank: TestBank;
let data: DataClient;
let store: BankStore;
let nowMs = Date.now();
const HOLD_MS = 1000;
const DOCUMENT = '52998224725';
const customers = { require: async (accountId: string) => ({ accountId, holders: [{ name: 'Ana Souza', document: DOCUMENT }] }) } as unknown as Customers;
const consents = new ConsentTokens('dev-insecure-a-secret-of-thirty-two-chars', 1);
const participantOn = (on: BankStore) => new Participant(1, on, customers, HOLD_MS, consents, undefined, () => nowMs);

before(async () => {
  bank = await startTestBank({ businessServers: 1 });
  data = new DataClient({ urls: [bank.dataServer.url], businessId: '2', businessKey: devKeys.business['2']!, timeoutMs: 5000 });
  store = new BankStore(data, { leaseMs: 5000, lockRetryMsMax: 1000 }, new AccountGate());
});
after(async () => {
  await data.close();
  await bank.cleanup();
});

async function fundedPayer(cents: number): Promise<string> {
  const payer = `${Math.floor(10_000_000 + Math.random() * 89_999_999)}`;
  await store.withLocks([payer], () => ({ transfers: [{ transferId: `dep-${randomUUID()}`, kind: 'deposit', debitAccountId: '@cash', creditAccountId: payer, amountCents: cents }], changes: [] }));
  return payer;
}

async function hold(participant: Participant, payer: string): Promise<HoldRecord> {
  const packetId = `p1-${randomUUID().slice(0, 8)}`;
  return participant.hold({ legId: `${packetId}.1`, packetId, coordinatorBank: 1, payerAccountId: payer, payerDocument: DOCUMENT, toBank: 2, amountCents: 300, receiverName: '' });
}

const balance = (accountId: string) => store.balance(accountId);

describe('participant - a hold, its expiry and its post', () => {
  test('a hold past its expiry is never posted: the post finds it voided, the money back with the payer', async () => {
    const participant = participantOn(store);
    const payer = await fundedPayer(1000);
    const held = await hold(participant, payer);
    const bank2Before = await balance('@bank:2');
    nowMs += HOLD_MS + 1;
    const posted = await participant.post(held.legId, 1);
    assert.equal(posted.state, 'voided', 'an expired hold cannot be posted (the coordinator then aborts)');
    assert.equal(await balance(payer), 1000);
    assert.equal(await balance('@bank:2'), bank2Before);
  });

  test('the expiry sweep never reverses a hold the coordinator posted after the sweep listed it', async () => {
    const payer = await fundedPayer(1000);
    const held = await hold(participantOn(store), payer);
    nowMs += HOLD_MS + 1;
    // The sweep lists the open holds and sees this one held and expired; the coordinator's post
    // (sent before the expiry, arriving late) lands right then, before the sweep acts on it.
    const racing = Object.create(store) as BankStore;
    racing.page = async <T>(collection: string, tag: string, limit: number, after: string | null) => {
      const listed = await store.page<T>(collection, tag, limit, after);
      if (listed.records.some((record) => record.key === held.legId)) {
        const early = new Participant(1, store, customers, HOLD_MS, consents, undefined, () => held.expiresAtMs! - 1);
        await early.post(held.legId, 1);
      }
      return listed;
    };
    await participantOn(racing).expireHolds(nowMs);
    const after = await store.read<HoldRecord>('holds', held.legId);
    assert.equal(after?.value.state, 'posted', 'a posted leg is undone only by its coordinator, never by the expiry');
    assert.equal(await balance(payer), 700, 'the payer paid once');
  });
});
