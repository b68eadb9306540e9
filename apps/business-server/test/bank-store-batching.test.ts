// The bank store gathers the commits and reads of concurrent callers into one request to a real
// data server, and still answers each caller on its own: a conflict, a refusal or an error is
// only that caller's.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, beforeEach, describe, test } from 'node:test';
import { devKeys, startTestBank, type TestBank } from '@banca/testkit/testkit';
import type { CommitRequest } from '@banca/core/protocol';
import { AccountGate } from '../src/application/account-gate.js';
import { BankStore } from '../src/application/consortium/bank-store.js';
import { DataClient } from '../src/infra/data-client.js';

/** A data client that counts the requests it sends. */
class CountingClient extends DataClient {
  commits = 0;
  locks = 0;
  reads = 0;
  override commit(request: CommitRequest, requestId?: string) {
    this.commits++;
    return super.commit(request, requestId);
  }
  override lock(accountIds: string[], leaseMs: number, lookup: string[], requestId?: string) {
    this.locks++;
    return super.lock(accountIds, leaseMs, lookup, requestId);
  }
  override readRecords(collection: string, keys: readonly string[], requestId?: string) {
    this.reads++;
    return super.readRecords(collection, keys, requestId);
  }
}

let bank: TestBank;
let data: CountingClient;
let store: BankStore;

before(async () => {
  bank = await startTestBank({ businessServers: 1 });
  data = new CountingClient({ urls: [bank.dataServer.url], businessId: '2', businessKey: devKeys.business['2']!, timeoutMs: 5000 });
  store = new BankStore(data, { leaseMs: 5000, lockRetryMsMax: 1000 }, new AccountGate());
});
after(async () => {
  await data.close();
  await bank.cleanup();
});
beforeEach(() => {
  data.commits = 0;
  data.locks = 0;
  data.reads = 0;
});

const account = () => `${Math.floor(10_000_000 + Math.random() * 89_999_999)}`;
const deposit = (accountId: string, cents: number) => ({ transferId: `dep-${randomUUID()}`, kind: 'deposit' as const, debitAccountId: '@cash', creditAccountId: accountId, amountCents: cents });

describe('bank store - concurrent callers, one request', () => {
  test('twenty writes asked at once go in one commit, each caller told it won', async () => {
    const keys = Array.from({ length: 20 }, () => `k-${randomUUID()}`);
    const won = await Promise.all(keys.map((key) => store.write([{ collection: 'tests', key, expectVersion: 0, value: { key } }])));
    assert.deepEqual(won, keys.map(() => true));
    assert.equal(data.commits, 1);
    const read = await store.readMany<{ key: string }>('tests', keys);
    assert.equal(read.size, 20);
  });

  test('a write whose version moved loses alone: its batch-mates are written', async () => {
    const taken = `k-${randomUUID()}`;
    assert.equal(await store.write([{ collection: 'tests', key: taken, expectVersion: 0, value: { first: true } }]), true);
    const fresh = Array.from({ length: 5 }, () => `k-${randomUUID()}`);
    const [lost, ...others] = await Promise.all([
      store.write([{ collection: 'tests', key: taken, expectVersion: 0, value: { first: false } }]),
      ...fresh.map((key) => store.write([{ collection: 'tests', key, expectVersion: 0, value: { key } }])),
    ]);
    assert.equal(lost, false);
    assert.deepEqual(others, fresh.map(() => true));
    assert.deepEqual((await store.read<{ first: boolean }>('tests', taken))?.value, { first: true });
    assert.equal((await store.readMany('tests', fresh)).size, 5);
  });

  test('two callers writing one record at once: it goes in two commits (the data server takes a record once per commit), the first wins', async () => {
    const key = `k-${randomUUID()}`;
    const [first, second] = await Promise.all([
      store.write([{ collection: 'tests', key, expectVersion: 0, value: { by: 'first' } }]),
      store.write([{ collection: 'tests', key, expectVersion: 0, value: { by: 'second' } }]),
    ]);
    assert.deepEqual([first, second], [true, false]);
    assert.deepEqual((await store.read('tests', key))?.value, { by: 'first' });
    assert.equal(data.commits, 2);
  });

  test('locked plans on one account are decided in order on the balance the earlier ones leave: one lock request, one commit', async () => {
    const payer = account();
    assert.equal(await store.withLocks([payer], () => ({ transfers: [deposit(payer, 100)], changes: [] })), true);
    data.commits = 0;
    data.locks = 0;
    const seen: number[] = [];
    const take = (cents: number) => store.withLocks([payer], (balances) => {
      seen.push(balances.balance(payer));
      if (balances.balance(payer) < cents) return null;
      return { transfers: [{ transferId: `w-${randomUUID()}`, kind: 'withdrawal', debitAccountId: payer, creditAccountId: '@cash', amountCents: cents }], changes: [] };
    });
    assert.deepEqual(await Promise.all([take(60), take(60), take(30)]), [true, true, true]);
    assert.deepEqual(seen, [100, 40, 40], 'the second plan saw the first one taken; the third saw the second refused');
    assert.equal(await store.balance(payer), 10);
    assert.equal(data.locks, 1);
    assert.equal(data.commits, 1);
  });

  test('a plan that throws fails only its own caller', async () => {
    const [a, b] = [account(), account()];
    const results = await Promise.allSettled([
      store.withLocks([a], () => ({ transfers: [deposit(a, 5)], changes: [] })),
      store.withLocks([b], () => {
        throw new Error('this plan cannot decide');
      }),
    ]);
    assert.equal(results[0].status, 'fulfilled');
    assert.equal(results[1].status, 'rejected');
    assert.equal(await store.balance(a), 5);
    assert.equal(await store.balance(b), 0);
  });

  test('reads asked in one turn go in one request per collection, and a key asked twice is read once', async () => {
    const key = `k-${randomUUID()}`;
    await store.write([{ collection: 'tests', key, expectVersion: 0, value: { n: 1 } }]);
    data.reads = 0;
    const [one, two, missing] = await Promise.all([store.read('tests', key), store.read('tests', key), store.read('tests', `k-${randomUUID()}`)]);
    assert.deepEqual(one?.value, { n: 1 });
    assert.deepEqual(two, one);
    assert.equal(missing, null);
    assert.equal(data.reads, 1);
  });

  test('with nothing in flight a lone write goes at once (no linger)', async () => {
    const lazy = new BankStore(data, { leaseMs: 5000, lockRetryMsMax: 1000 }, new AccountGate(), { sizeMax: 64, lingerMs: 60_000, inFlightMax: 4, pendingMax: 10 });
    assert.equal(await lazy.write([{ collection: 'tests', key: `k-${randomUUID()}`, expectVersion: 0, value: {} }]), true);
  });

  test('beyond its bound of waiting commits the store answers TOO_MANY_REQUESTS and writes nothing more', async () => {
    const small = new BankStore(data, { leaseMs: 5000, lockRetryMsMax: 1000 }, new AccountGate(), { sizeMax: 1, lingerMs: 1, inFlightMax: 1, pendingMax: 2 });
    const keys = Array.from({ length: 6 }, () => `k-${randomUUID()}`);
    const results = await Promise.allSettled(keys.map((key) => small.write([{ collection: 'tests', key, expectVersion: 0, value: {} }])));
    const refused = results.filter((result) => result.status === 'rejected');
    assert.ok(refused.length > 0);
    for (const result of refused) assert.equal((result.reason as { code?: string }).code, 'TOO_MANY_REQUESTS');
    const written = await store.readMany('tests', keys);
    assert.equal(written.size, results.length - refused.length);
  });
  test('unlocked moves: ten at once on one account go in one commit and no lock request; the one that would overdraw fails alone', async () => {
    const payer = account();
    assert.equal(await store.move([payer], [], [deposit(payer, 100)]), true);
    data.commits = 0;
    const hold = (cents: number) => ({ transferId: `h-${randomUUID()}`, kind: 'hold' as const, debitAccountId: payer, creditAccountId: '@holds', amountCents: cents });
    const asks = [...Array.from({ length: 9 }, () => hold(10)), hold(50)];
    const answers = await Promise.allSettled(asks.map((transfer) => store.move([payer], [], [transfer])));
    assert.deepEqual(answers.slice(0, 9).map((answer) => answer.status), Array.from({ length: 9 }, () => 'fulfilled'));
    assert.equal(answers[9]!.status, 'rejected');
    assert.equal((answers[9] as PromiseRejectedResult).reason.code, 'INSUFFICIENT_FUNDS', 'only the hold that would take the payer below zero');
    assert.equal(await store.balance(payer), 10);
    assert.equal(data.locks, 0, 'no lock request');
    assert.ok(data.commits <= 1 + asks.length, `${data.commits} commits: one for the batch, then each alone once one overdrew`);
  });

  test('an unlocked move waits while another business holds the account, then lands', async () => {
    const payer = account();
    const other = new DataClient({ urls: [bank.dataServer.url], businessId: '1', businessKey: devKeys.business['1']!, timeoutMs: 5000 });
    try {
      await other.lock([payer], 5000, []);
      const moved = store.move([payer], [], [deposit(payer, 7)]);
      await new Promise((resolve) => setTimeout(resolve, 100));
      await other.release([payer]);
      assert.equal(await moved, true);
      assert.equal(await store.balance(payer), 7);
    } finally {
      await other.close();
    }
  });
});
