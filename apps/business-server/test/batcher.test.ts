// Batch mode's batcher against a real data server, with its data client wrapped so a test can
// hold a batch between its lock and its commit: the races of two business servers on one key,
// made to happen on demand, and the requests a batch sends.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import type { FastifyBaseLogger } from 'fastify';
import { BancaError } from '@banca/core/errors';
import type { CommitRequest, QueuedOperation } from '@banca/core/protocol';
import { devKeys, startTestBank, type TestBank } from '@banca/testkit/testkit';
import { Batcher, type BatcherOptions } from '../src/application/batcher.js';
import type { Operation } from '../src/application/operations.js';
import { DataClient } from '../src/infra/data-client.js';

let bank: TestBank;
const clients: DataClient[] = [];
const silent = { debug() {}, info() {}, warn() {}, error() {}, trace() {}, fatal() {}, child() { return silent; }, level: 'silent' } as unknown as FastifyBaseLogger;
const options: BatcherOptions = { batchSizeMax: 8, batchLingerMs: 5, batchesInFlightMax: 2, pendingOperationsMax: 100, leaseMs: 5000, lockRetryMsMax: 1000 };
const fresh = () => `t-${randomUUID().slice(0, 8)}`;

/** A data client of business server `businessId`, whose calls the test can watch and hold. */
function dataClient(businessId: string) {
  const client = new DataClient({ urls: [bank.dataServer.url], businessId, businessKey: devKeys.business[businessId]!, timeoutMs: 5000 });
  clients.push(client);
  const calls: string[] = [];
  const commits: CommitRequest[] = [];
  let hold: Promise<void> | null = null;
  let reached: () => void = () => {};
  const proxy = new Proxy(client, {
    get(target, name, receiver) {
      const value = Reflect.get(target, name, receiver);
      if (typeof value !== 'function') return value;
      return async (...args: unknown[]) => {
        calls.push(String(name));
        if (name === 'commit') {
          commits.push(args[0] as CommitRequest);
          if (hold) {
            reached();
            await hold;
          }
        }
        return value.apply(target, args);
      };
    },
  });
  return {
    data: proxy,
    calls,
    commits,
    /** The next commit waits until the returned release(); `held` resolves once it waits. */
    holdNextCommit() {
      let release: () => void = () => {};
      hold = new Promise<void>((resolve) => (release = resolve));
      const held = new Promise<void>((resolve) => (reached = resolve));
      return { held, release: () => { hold = null; release(); } };
    },
  };
}

const deposit = (operationId: string, accountId: string, amountCents: number): Operation =>
  ({ operationId, body: { kind: 'deposit', accountId, amountCents } satisfies QueuedOperation });

async function balanceOf(accountId: string): Promise<number | undefined> {
  const client = clients[0]!;
  try {
    return (await client.account(accountId)).balanceCents;
  } catch (error) {
    if (error instanceof BancaError && error.code === 'ACCOUNT_NOT_FOUND') return undefined;
    throw error;
  }
}

before(async () => {
  bank = await startTestBank({ businessServers: 1 });
});
after(async () => {
  await Promise.all(clients.map((client) => client.close()));
  await bank.cleanup();
});

const withdrawal = (operationId: string, accountId: string, amountCents: number): Operation =>
  ({ operationId, body: { kind: 'withdrawal', accountId, amountCents } satisfies QueuedOperation });

describe('batcher - optimistic, without locks', () => {
  test('a batch the rules accept whole is one unlocked commit: no lock request', async () => {
    const server = dataClient('1');
    const batcher = new Batcher(server.data, { ...options, batchLingerMs: 20 }, silent);
    const [a, b] = [fresh(), fresh()];
    const answers = await Promise.all([batcher.submit(deposit(`k-${randomUUID()}`, a, 500)), batcher.submit(deposit(`k-${randomUUID()}`, b, 70))]);
    assert.deepEqual(answers.map((answer) => answer.balanceCents), [500, 70]);
    const answer = await batcher.submit(withdrawal(`k-${randomUUID()}`, a, 200));
    assert.equal(answer.balanceCents, 300);
    assert.ok(!server.calls.includes('lock'), `no lock request (${server.calls.join(', ')})`);
    assert.ok(server.commits.every((commit) => commit.unlocked === true && commit.locks.length === 0));
  });

  test('one overdraw in a batch: the unlocked try is refused whole, then under locks only the overdraw is refused and its batch-mates are saved', async () => {
    const server = dataClient('1');
    const batcher = new Batcher(server.data, { ...options, batchLingerMs: 20 }, silent);
    const [a, b] = [fresh(), fresh()];
    await Promise.all([batcher.submit(deposit(`k-${randomUUID()}`, a, 100)), batcher.submit(deposit(`k-${randomUUID()}`, b, 100))]);
    const callsBefore = server.calls.length;
    const answers = await Promise.allSettled([batcher.submit(withdrawal(`k-${randomUUID()}`, a, 150)), batcher.submit(withdrawal(`k-${randomUUID()}`, b, 40))]);
    assert.equal(answers[0].status === 'rejected' && answers[0].reason.code, 'INSUFFICIENT_FUNDS');
    assert.equal(answers[1].status === 'fulfilled' && answers[1].value.balanceCents, 60);
    assert.deepEqual(server.calls.slice(callsBefore), ['commit', 'lock', 'commit'], 'the unlocked try, then the locks and their commit');
    assert.deepEqual([await balanceOf(a), await balanceOf(b)], [100, 60], 'nothing of the refused try was written');
  });

  test('while another business server holds the account, the unlocked try is refused and the locks wait their turn', async () => {
    const a = fresh();
    const one = dataClient('1');
    await new Batcher(one.data, options, silent).submit(deposit(`k-${randomUUID()}`, a, 100));
    const two = dataClient('2');
    await two.data.lock([a], 5_000, []);
    const callsBefore = one.calls.length;
    const saved = new Batcher(one.data, options, silent).submit(deposit(`k-${randomUUID()}`, a, 5));
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(await balanceOf(a), 100, 'nothing saved while server 2 holds the account');
    await two.data.release([a]);
    assert.equal((await saved).balanceCents, 105, 'saved once server 2 let the account go');
    const calls = one.calls.slice(callsBefore);
    assert.equal(calls[0], 'commit', 'the unlocked try first');
    assert.ok(calls.includes('lock') && calls.at(-1) === 'commit', `then the locks and their commit (${calls.join(', ')})`);
  });
});

describe('batcher - each operation gets its own answer', () => {
  test('a key already in flight on another server fails only itself, never its batch-mates', async () => {
    const key = `k-${randomUUID()}`;
    const [a, b, c, d] = [fresh(), fresh(), fresh(), fresh()];
    const two = dataClient('2');
    const one = dataClient('1');
    const gate = two.holdNextCommit();
    // Server 2 batches three operations; one of them reuses a key (for another account) that server 1 is saving.
    const serverTwo = new Batcher(two.data, options, silent);
    const batch = [deposit(key, a, 100), deposit(`k-${randomUUID()}`, c, 300), deposit(`k-${randomUUID()}`, d, 400)]
      .map((operation) => serverTwo.submit(operation));
    await gate.held;
    const first = await new Batcher(one.data, options, silent).submit(deposit(key, b, 200));
    assert.equal(first.balanceCents, 200);
    gate.release();
    const answers = await Promise.allSettled(batch);
    assert.equal(answers[0]!.status, 'rejected');
    assert.equal((answers[0] as PromiseRejectedResult).reason.code, 'IDEMPOTENCY_CONFLICT', 'the reused key is answered as a conflict');
    assert.deepEqual(answers.slice(1).map((answer) => answer.status === 'fulfilled' ? answer.value.balanceCents : answer.reason.code), [300, 400],
      'its batch-mates are saved as if it had not been there');
    assert.deepEqual([await balanceOf(a), await balanceOf(b), await balanceOf(c), await balanceOf(d)], [undefined, 200, 300, 400]);
    assert.equal(two.commits[0]?.transfers.length, 3, 'the three were one batch');
  });

  test('an operation arriving while nothing is in flight is sent at once, not after the linger', async () => {
    const server = dataClient('1');
    const batcher = new Batcher(server.data, { ...options, batchLingerMs: 1000 }, silent);
    const saved = batcher.submit(deposit(`k-${randomUUID()}`, fresh(), 100));
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(server.calls, ['commit'], 'committed (unlocked) in the same turn, without waiting 1 s for batch-mates');
    assert.equal((await saved).balanceCents, 100);
  });

  test('a batch of only replays writes nothing: its unlocked try is refused (the ids are used), its locks are released, no locked commit is sent', async () => {
    const server = dataClient('1');
    const batcher = new Batcher(server.data, { ...options, batchLingerMs: 20 }, silent);
    const [a, b] = [fresh(), fresh()];
    const operations = [deposit(`k-${randomUUID()}`, a, 100), deposit(`k-${randomUUID()}`, b, 200)];
    await Promise.all(operations.map((operation) => batcher.submit(operation)));
    const commitsBefore = server.commits.length;
    const replays = await Promise.all(operations.map((operation) => batcher.submit(operation)));
    assert.deepEqual(replays.map((result) => [result.replayed, result.balanceCents]), [[true, 100], [true, 200]]);
    assert.deepEqual(server.commits.slice(commitsBefore).map((commit) => commit.unlocked === true), [true], 'one unlocked try, refused; no locked commit');
    assert.ok(server.calls.includes('release'), 'the locks were released instead');
    const again = await new Batcher(dataClient('2').data, options, silent).submit(deposit(`k-${randomUUID()}`, a, 1));
    assert.equal(again.balanceCents, 101, 'another server locks the accounts at once');
  });
});
