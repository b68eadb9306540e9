// Seed mode: seed 000's queue of 5 as its client test expects, kept durable in the data server so
// an accepted operation survives business-server crashes.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { clientHeaders, http, startTestBank, waitFor, type TestBank } from '@banca/testkit/testkit';

let bank: TestBank;
const fresh = () => `acct-${randomUUID().slice(0, 8)}`;

async function post(path: string, key = randomUUID()) {
  return http(`${bank.gateway.url}${path}`, { method: 'POST', headers: { ...clientHeaders(), 'idempotency-key': key } });
}

async function balanceCents(accountId: string): Promise<number | undefined> {
  const response = await http(`${bank.gateway.url}/balance/${accountId}`, { headers: clientHeaders() });
  return response.status === 200 ? response.body.balanceCents : undefined;
}

/** Fills the shared queue up to a multiple of 5 with deposits to a scratch account. */
async function topUp(pending: number) {
  for (let count = pending; count % 5 !== 0; count++) await post(`/deposit/filler/0.01`);
}

before(async () => {
  bank = await startTestBank({ queueMode: 'seed', businessServer: { seedSweepIntervalMs: 200 } });
});
after(async () => bank.cleanup());

describe('business server - seed mode', () => {
  test('queue of 5 - operations are accepted at once and balances change only when 5 accumulate', async () => {
    const a = fresh();
    const first = await post(`/deposit/${a}/1.00`);
    await topUp(first.body.pendingCount);
    const accepted = [];
    for (let i = 0; i < 4; i++) {
      const response = await post(`/deposit/${a}/1.00`);
      assert.equal(response.status, 202);
      assert.equal(response.body.status, 'queued');
      accepted.push(response);
    }
    assert.deepEqual(accepted.map((response) => response.body.pendingCount), [1, 2, 3, 4]);
    assert.equal(await balanceCents(a), 100, 'four queued deposits changed nothing yet');
    const fifth = await post(`/deposit/${a}/1.00`);
    assert.equal(fifth.status, 202);
    assert.equal(await waitFor(async () => (await balanceCents(a)) === 600 && 600, 3000, 'the group of 5 to apply'), 600);
  });

  test('queue of 5 - an overdraft is accepted, then rejected when its group applies, changing nothing', async () => {
    const a = fresh();
    const seed = await post(`/deposit/${a}/2.00`);
    await topUp(seed.body.pendingCount);
    const key = randomUUID();
    const overdraft = await post(`/withdrawal/${a}/5.00`, key);
    assert.equal(overdraft.status, 202);
    await topUp(overdraft.body.pendingCount);
    const status = await waitFor(async () => {
      const response = await http(`${bank.gateway.url}/v1/operations/${key}`, { headers: clientHeaders() });
      return response.body.status === 'rejected' && response.body;
    }, 3000, 'the overdraft to be rejected');
    assert.equal(status.error, 'INSUFFICIENT_FUNDS');
    assert.equal(await balanceCents(a), 200);
  });

  test('durability - accepted operations survive SIGKILL of every business server', async () => {
    const a = fresh();
    const first = await post(`/deposit/${a}/1.00`);
    await topUp(first.body.pendingCount);
    for (let i = 0; i < 3; i++) assert.equal((await post(`/deposit/${a}/1.00`)).status, 202);
    await Promise.all(bank.businessServers.map((server) => server.kill()));
    for (let index = 0; index < bank.businessServers.length; index++) await bank.restartBusinessServer(index);
    await waitFor(async () => (await http(`${bank.gateway.url}/ready`)).status === 200, 3000, 'the gateway to see the new servers');
    // The gateway's pool re-learns the restarted servers through its health checks.
    const after = await waitFor(async () => {
      const response = await post(`/deposit/${a}/1.00`);
      return response.status === 202 && response;
    }, 5000, 'a business server to accept again');
    assert.equal(after.body.pendingCount, 4, 'the 3 accepted before the crash are still queued');
    await topUp(after.body.pendingCount);
    assert.equal(await waitFor(async () => (await balanceCents(a)) === 500 && 500, 5000, 'the 3 queued before the crash plus 1 after to apply'), 500);
  });
});
