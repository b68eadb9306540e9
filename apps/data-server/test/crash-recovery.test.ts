// The data server killed with SIGKILL mid-load and restarted on the same SQLite file: every
// acknowledged operation is in the journal, the ledger sums to zero, and the bank goes on.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { businessHeaders, http, startTestBank, waitFor, type TestBank } from '@banca/testkit/testkit';

let bank: TestBank;

before(async () => {
  bank = await startTestBank({ store: 'sqlite', queueMode: 'batch' });
});
after(async () => bank.cleanup());

describe('data server - crash recovery', () => {
  test('SIGKILL mid-load and restart: nothing acknowledged is lost and the journal sums to zero', async () => {
    const client = bank.client();
    const accounts = Array.from({ length: 10 }, (_, i) => `cr-${i}-${randomUUID().slice(0, 6)}`);
    for (const account of accounts) await client.deposit(account, '100.00');
    const acknowledged: { key: string; kind: 'deposit' | 'transfer'; cents: number }[] = [];
    let stop = false;
    let refused = 0;
    const worker = async (seed: number) => {
      for (let i = 0; !stop; i++) {
        const key = randomUUID();
        const from = accounts[(seed + i) % accounts.length]!;
        const to = accounts[(seed + i + 3) % accounts.length]!;
        try {
          if (i % 2 === 0) {
            await client.deposit(from, '0.10', { idempotencyKey: key });
            acknowledged.push({ key, kind: 'deposit', cents: 10 });
          } else {
            await client.transfer(from, to, '0.01', { idempotencyKey: key });
            acknowledged.push({ key, kind: 'transfer', cents: 1 });
          }
        } catch {
          refused += 1; // not acknowledged: may or may not have been applied
        }
      }
    };
    const workers = Array.from({ length: 12 }, (_, seed) => worker(seed));
    await new Promise((resolve) => setTimeout(resolve, 600));
    await bank.dataServer.kill();
    const killedWith = acknowledged.length;
    await new Promise((resolve) => setTimeout(resolve, 200));
    await bank.restartDataServer();
    await new Promise((resolve) => setTimeout(resolve, 800));
    stop = true;
    await Promise.all(workers);
    assert.ok(killedWith > 0 && acknowledged.length > killedWith, `work was acknowledged before (${killedWith}) and after the crash (${acknowledged.length})`);

    const data = bank.dataServer.url;
    for (const operation of acknowledged) {
      const record = await http(`${data}/v1/transfers/${encodeURIComponent(`clientA:${operation.key}`)}`, { headers: businessHeaders() });
      assert.equal(record.status, 200, `acknowledged ${operation.kind} ${operation.key} is in the journal`);
      assert.equal(record.body.amountCents, operation.cents);
    }
    const audit = await http(`${data}/v1/audit`, { headers: businessHeaders() });
    assert.equal(audit.body.balanceSumCents, 0, 'the ledger sums to zero');
    assert.deepEqual(audit.body.mismatchedAccounts, [], 'every balance matches its journal');
    const deposited = acknowledged.filter((operation) => operation.kind === 'deposit').length * 10;
    assert.ok(audit.body.customerBalanceSumCents >= accounts.length * 10_000 + deposited, 'no acknowledged deposit is missing');
    assert.ok(audit.body.customerBalanceSumCents <= accounts.length * 10_000 + deposited + refused * 10, 'nothing was created');
    await waitFor(async () => (await client.deposit(accounts[0]!, '1.00')).status === 'completed', 5000, 'the bank to work after the restart');
  });
});
