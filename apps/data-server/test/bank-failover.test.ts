// A whole bank (two data servers, three business servers, the gateway) on a PostgreSQL primary and
// synchronous standby, under deposits, withdrawals and transfers from concurrent clients, each
// repeated with its idempotency key until it has a final answer. The primary is SIGKILLed (the
// postmaster and every backend at once) and the standby promoted a second later (what a monitor
// deciding the primary is gone might take; nothing here decides it by itself); nothing is restarted:
// the data servers find the new primary by themselves. Afterwards every acknowledged operation is
// in the journal, the ledger sums to zero and matches it, every balance is what the acknowledged
// operations make it, and the outage the clients saw is printed and bounded.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, test } from 'node:test';
import { businessHeaders, clientHeaders, http, startTestBank, waitFor, type TestBank } from '@banca/testkit/testkit';
import { startTestReplicatedPostgres, type TestReplicatedPostgres } from '@banca/testkit/postgres';

const OPENING_CENTS = 10_000;
/** A request slower than this counts as the outage too (it was waiting on the lost primary). */
const SLOW_MS = 1000;
const OUTAGE_MAX_S = 30;
/** Between the kill and the promotion: a bank without any primary for that long. */
const PROMOTE_AFTER_MS = 1000;

interface Op {
  kind: 'deposit' | 'withdrawal' | 'transfer';
  key: string;
  from?: string;
  to?: string;
  cents: number;
}

interface Attempt {
  sentAt: number;
  endedAt: number;
  ok: boolean;
}

let postgres: TestReplicatedPostgres;
let bank: TestBank;

before(async () => {
  postgres = await startTestReplicatedPostgres();
  bank = await startTestBank({ store: 'postgres', databaseUrl: postgres.url, dataServers: 2 });
});
after(async () => {
  await bank?.cleanup();
  await postgres?.stop();
});

function cents(value: number): string {
  return `${Math.floor(value / 100)}.${String(value % 100).padStart(2, '0')}`;
}

describe('bank - its PostgreSQL primary lost under load', () => {
  test('SIGKILL of the primary, promotion of the standby: the data servers follow, nothing acknowledged is lost', async () => {
    const gateway = bank.gateway.url;
    const accounts = Array.from({ length: 8 }, (_, i) => `fo-${i}-${randomUUID().slice(0, 6)}`);
    for (const account of accounts) {
      const opened = await http(`${gateway}/v1/deposits`, { method: 'POST', headers: { ...clientHeaders(), 'idempotency-key': randomUUID() }, json: { accountId: account, amount: cents(OPENING_CENTS) } });
      assert.equal(opened.status, 200, JSON.stringify(opened.body));
    }
    const acknowledged: Op[] = [];
    const refused: Op[] = [];
    const attempts: Attempt[] = [];
    let stop = false;

    /** Sends the operation until it has a final answer: 200, or a refusal that is not retryable. */
    const settle = async (op: Op) => {
      const [path, json] = op.kind === 'transfer'
        ? ['/v1/transfers', { fromAccountId: op.from, toAccountId: op.to, amount: cents(op.cents) }]
        : [op.kind === 'deposit' ? '/v1/deposits' : '/v1/withdrawals', { accountId: op.to ?? op.from, amount: cents(op.cents) }];
      for (;;) {
        const sentAt = Date.now();
        let status = 0;
        let retryable = true;
        try {
          const response = await http<{ error?: { retryable?: boolean } }>(`${gateway}${path}`, { method: 'POST', headers: { ...clientHeaders(), 'idempotency-key': op.key }, json });
          status = response.status;
          retryable = response.body?.error?.retryable !== false;
        } catch {
          // No answer: an unknown outcome, repeated with the same key.
        }
        attempts.push({ sentAt, endedAt: Date.now(), ok: status === 200 });
        if (status === 200) return void acknowledged.push(op);
        if (status >= 400 && status < 500 && !retryable) return void refused.push(op);
        await sleep(50);
      }
    };
    const worker = async (seed: number) => {
      for (let i = 0; !stop; i++) {
        const pick = (n: number) => accounts[(seed * 7 + n) % accounts.length]!;
        const kind = (['deposit', 'withdrawal', 'transfer'] as const)[(seed + i) % 3]!;
        const amount = 1 + ((seed * 31 + i * 17) % 500);
        const op: Op = kind === 'deposit' ? { kind, key: randomUUID(), to: pick(i), cents: amount }
          : kind === 'withdrawal' ? { kind, key: randomUUID(), from: pick(i), cents: amount }
            : { kind, key: randomUUID(), from: pick(i), to: pick(i + 1 + (seed % (accounts.length - 1))), cents: amount };
        await settle(op);
      }
    };
    const workers = Array.from({ length: 6 }, (_, seed) => worker(seed));
    await waitFor(async () => acknowledged.length >= 100, 60_000, '100 operations acknowledged before the kill');

    const killed = await postgres.cluster.killPrimary();
    const killedAt = Date.now();
    await sleep(PROMOTE_AFTER_MS);
    const promoted = await postgres.cluster.promoteStandby();
    const promotedAt = Date.now();
    const atPromotion = acknowledged.length;
    await waitFor(async () => acknowledged.length >= atPromotion + 100, 60_000, '100 operations acknowledged after the promotion');
    stop = true;
    await Promise.all(workers);

    // What a client saw: from the first request that failed or hung after the kill, to the first
    // success after the promotion.
    const hit = attempts.filter((attempt) => attempt.endedAt >= killedAt && (!attempt.ok || attempt.endedAt - attempt.sentAt > SLOW_MS));
    const outageFrom = Math.min(killedAt, ...hit.map((attempt) => attempt.sentAt));
    const backAt = Math.min(...attempts.filter((attempt) => attempt.ok && attempt.endedAt >= promotedAt).map((attempt) => attempt.endedAt));
    const outageS = (backAt - outageFrom) / 1000;
    const spanning = attempts.filter((attempt) => attempt.sentAt < promotedAt && attempt.endedAt > killedAt).length;
    console.log(`failover: primary ${killed.name} SIGKILLed, standby ${promoted.name} promoted ${promotedAt - killedAt} ms later `
      + `(${PROMOTE_AFTER_MS} ms wait + pg_ctl promote); outage seen by clients ${outageS.toFixed(2)} s, of which ${((backAt - promotedAt) / 1000).toFixed(2)} s after the promotion; `
      + `${spanning} requests in flight across it, ${hit.length} failed or slower than ${SLOW_MS} ms; `
      + `${acknowledged.length} operations acknowledged (${atPromotion} before the promotion), ${refused.length} refused`);
    assert.ok(Number.isFinite(outageS) && outageS < OUTAGE_MAX_S, `the outage (${outageS} s) is under ${OUTAGE_MAX_S} s`);

    // Every acknowledged operation is in the journal of the new primary.
    const data = bank.dataServers[0]!.url;
    for (const op of acknowledged) {
      const record = await http<{ amountCents: number }>(`${data}/v1/transfers/${encodeURIComponent(`clientA:${op.key}`)}`, { headers: businessHeaders() });
      assert.equal(record.status, 200, `acknowledged ${op.kind} ${op.key} is in the journal`);
      assert.equal(record.body.amountCents, op.cents);
    }
    for (const server of bank.dataServers) {
      const audit = await http<{ balanceSumCents: number; mismatchedAccounts: string[] }>(`${server.url}/v1/audit`, { headers: businessHeaders() });
      assert.equal(audit.status, 200);
      assert.equal(audit.body.balanceSumCents, 0, 'the ledger sums to zero');
      assert.deepEqual(audit.body.mismatchedAccounts, [], 'every balance matches the journal');
    }
    const expected = new Map(accounts.map((account) => [account, OPENING_CENTS]));
    for (const op of acknowledged) {
      if (op.to) expected.set(op.to, expected.get(op.to)! + op.cents);
      if (op.from) expected.set(op.from, expected.get(op.from)! - op.cents);
    }
    for (const account of accounts) {
      // A client's account lives in its space in the ledger.
      const state = await http<{ balanceCents: number }>(`${data}/v1/accounts/${encodeURIComponent(`clientA:${account}`)}`, { headers: businessHeaders() });
      assert.equal(state.body.balanceCents, expected.get(account), `${account} holds what the acknowledged operations make it`);
    }
    assert.ok(acknowledged.some((op) => op.kind === 'withdrawal') && acknowledged.some((op) => op.kind === 'transfer'), 'every kind of operation was applied');
  });
});
