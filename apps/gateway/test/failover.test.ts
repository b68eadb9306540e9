// Gateway failover with real processes: a business server killed with SIGKILL under load is
// dropped within a second, the load goes on through the others, and no acknowledged operation
// is lost or applied twice.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { businessHeaders, clientHeaders, http, startTestBank, waitFor, type TestBank } from '@banca/testkit/testkit';

let bank: TestBank;

before(async () => {
  bank = await startTestBank({ queueMode: 'batch', store: 'sqlite' });
});
after(async () => bank.cleanup());

async function healthyUpstreams(): Promise<string[]> {
  const response = await http(`${bank.gateway.url}/gateway/upstreams`);
  return response.body.upstreams.filter((upstream: { healthy: boolean }) => upstream.healthy).map((upstream: { url: string }) => upstream.url);
}

describe('gateway - failover', () => {
  test('a business server killed with SIGKILL is dropped within 1 s', async () => {
    const victim = bank.businessServers[2]!;
    assert.ok((await healthyUpstreams()).includes(victim.url));
    await victim.kill();
    const killedAt = Date.now();
    await waitFor(async () => !(await healthyUpstreams()).includes(victim.url), 1000, 'the dead server to be dropped');
    const tookMs = Date.now() - killedAt;
    assert.ok(tookMs <= 1000, `dropped after ${tookMs} ms`);
    await bank.restartBusinessServer(2);
    await waitFor(async () => (await healthyUpstreams()).includes(bank.businessServers[2]!.url), 3000, 'the restarted server to rejoin');
  });

  test('SIGKILL of a business server mid-load: every operation acknowledged once, the ledger sums to zero', async () => {
    const client = bank.client();
    const accounts = Array.from({ length: 20 }, (_, i) => `fo-${i}-${randomUUID().slice(0, 6)}`);
    const acknowledged = new Map<string, number>();
    const failures: string[] = [];
    let stop = false;
    const worker = async (seed: number) => {
      for (let i = 0; !stop; i++) {
        const key = randomUUID();
        const account = accounts[(seed * 7 + i) % accounts.length]!;
        try {
          const result = await client.deposit(account, '1.00', { idempotencyKey: key });
          assert.equal(result.status, 'completed');
          acknowledged.set(key, (acknowledged.get(key) ?? 0) + 1);
        } catch (error) {
          failures.push(String(error));
        }
      }
    };
    const workers = Array.from({ length: 16 }, (_, seed) => worker(seed));
    await new Promise((resolve) => setTimeout(resolve, 700));
    const before = acknowledged.size;
    await bank.businessServers[0]!.kill();
    await new Promise((resolve) => setTimeout(resolve, 1500));
    stop = true;
    await Promise.all(workers);
    assert.ok(acknowledged.size > before, 'the load went on after the kill');
    assert.deepEqual(failures, [], 'the SDK retried every interrupted operation with its key');
    let total = 0;
    for (const account of accounts) {
      const response = await http(`${bank.gateway.url}/balance/${account}`, { headers: clientHeaders() });
      total += response.status === 200 ? response.body.balanceCents : 0;
    }
    assert.equal(total, acknowledged.size * 100, 'each acknowledged deposit is there exactly once');
    const audit = await http(`${bank.dataServer.url}/v1/audit`, { headers: businessHeaders() });
    assert.equal(audit.body.balanceSumCents, 0);
    assert.deepEqual(audit.body.mismatchedAccounts, []);
    await bank.restartBusinessServer(0);
  });
});
