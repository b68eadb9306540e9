// Two data servers on one PostgreSQL database, the business servers spread over both, under
// concurrent transfers; one data server is killed with SIGKILL mid-load. The journal still sums
// to zero, nothing acknowledged is lost, and no lease outlives its expiry.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { businessHeaders, http, startTestBank, waitFor, type TestBank } from '@banca/testkit/testkit';
import { startTestPostgres, type TestPostgres } from '@banca/testkit/postgres';

const LEASE_MS = 600;
let database: TestPostgres;
let bank: TestBank;

before(async () => {
  database = await startTestPostgres();
  bank = await startTestBank({ store: 'postgres', databaseUrl: database.url, dataServers: 2, businessServer: { leaseMs: LEASE_MS } });
});
after(async () => {
  await bank?.cleanup();
  await database?.stop();
});

describe('data servers - several instances on one PostgreSQL', () => {
  test('SIGKILL of one data server mid-load: nothing acknowledged lost, ledger sums to zero, no lease stuck', async () => {
    assert.equal(bank.dataServers.length, 2);
    const client = bank.client();
    const accounts = Array.from({ length: 12 }, (_, i) => `mi-${i}-${randomUUID().slice(0, 6)}`);
    for (const account of accounts) await client.deposit(account, '50.00');
    const acknowledged: { key: string; cents: number }[] = [];
    let refused = 0;
    let stop = false;
    const worker = async (seed: number) => {
      for (let i = 0; !stop; i++) {
        const key = randomUUID();
        const from = accounts[(seed + i) % accounts.length]!;
        const to = accounts[(seed + 2 * i + 1) % accounts.length]!;
        try {
          if (from === to || i % 3 === 0) {
            await client.deposit(from, '0.10', { idempotencyKey: key });
            acknowledged.push({ key, cents: 10 });
          } else {
            await client.transfer(from, to, '0.01', { idempotencyKey: key });
            acknowledged.push({ key, cents: 1 });
          }
        } catch {
          refused += 1;
        }
      }
    };
    const workers = Array.from({ length: 12 }, (_, seed) => worker(seed));
    await new Promise((resolve) => setTimeout(resolve, 800));
    const beforeKill = acknowledged.length;
    await bank.dataServers[1]!.kill();
    await new Promise((resolve) => setTimeout(resolve, 1200));
    stop = true;
    await Promise.all(workers);
    assert.ok(beforeKill > 0 && acknowledged.length > beforeKill, `work went on after the kill (${beforeKill} -> ${acknowledged.length})`);

    const survivor = bank.dataServers[0]!.url;
    for (const operation of acknowledged) {
      const record = await http(`${survivor}/v1/transfers/${encodeURIComponent(`clientA:${operation.key}`)}`, { headers: businessHeaders() });
      assert.equal(record.status, 200, `acknowledged ${operation.key} is in the journal`);
      assert.equal(record.body.amountCents, operation.cents);
    }
    const audit = await http(`${survivor}/v1/audit`, { headers: businessHeaders() });
    assert.equal(audit.body.balanceSumCents, 0);
    assert.deepEqual(audit.body.mismatchedAccounts, []);
    const deposited = acknowledged.filter((operation) => operation.cents === 10).length * 10;
    assert.ok(audit.body.customerBalanceSumCents >= accounts.length * 5000 + deposited, 'no acknowledged deposit is missing');
    assert.ok(audit.body.customerBalanceSumCents <= accounts.length * 5000 + deposited + refused * 10, 'nothing was created');

    // Leases held by batches that were cut off expire: every account can be locked again.
    await new Promise((resolve) => setTimeout(resolve, LEASE_MS + 200));
    for (const account of accounts) {
      const status = await http(`${survivor}/getLock/1/${account}`, { headers: businessHeaders('1') });
      assert.equal(status.status, 200, `account ${account} is not held by another business`);
      assert.equal(status.body.locked, false, `no lease on ${account} outlived its expiry`);
    }
    await bank.restartDataServer(1);
    await waitFor(async () => (await client.deposit(accounts[0]!, '1.00')).status === 'completed', 5000, 'the bank to work with both again');
  });
});
