// Seed 000's test client, rewritten: checks a running bank end to end (authentication, the queue,
// deposit, withdrawal, invalid withdrawal, transfer, concurrent requests) through the seed routes,
// prints PASS/FAIL per check and a closing "N passed, N failed" line.
import { randomUUID } from 'node:crypto';
import type { BancaClient, RawResponse } from '@banca/sdk/client';
import { messageOf } from '@banca/core/errors';

interface CheckContext {
  client: BancaClient;
  run: string;
  mode: 'batch' | 'seed';
}

type Check = { name: string; run: (context: CheckContext) => Promise<void> };

class CheckFailed extends Error {}

function expect(condition: boolean, message: string): asserts condition {
  if (!condition) throw new CheckFailed(message);
}

async function post(context: CheckContext, path: string): Promise<RawResponse> {
  return context.client.request('POST', path, { headers: { 'idempotency-key': randomUUID() } });
}

async function balanceCents(context: CheckContext, accountId: string): Promise<number> {
  const response = await context.client.request('GET', `/balance/${accountId}`);
  if (response.status === 404) return 0;
  expect(response.status === 200, `GET /balance/${accountId} answered ${response.status}: ${JSON.stringify(response.body)}`);
  return (response.body as { balanceCents: number }).balanceCents;
}

/** Batch mode: the balance must be right now. Seed mode: groups of 5 are applied by whichever
 *  business server claims them, so give them a few seconds. */
async function expectBalance(context: CheckContext, accountId: string, cents: number, message: string): Promise<void> {
  const deadline = Date.now() + (context.mode === 'seed' ? 5000 : 0);
  for (;;) {
    const actual = await balanceCents(context, accountId);
    if (actual === cents) return;
    if (Date.now() >= deadline) throw new CheckFailed(`${message} (balance ${actual} cents, want ${cents})`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** In seed mode, tops the shared queue up to a multiple of 5 so everything queued is applied. */
async function settle(context: CheckContext, last: RawResponse): Promise<void> {
  if (context.mode !== 'seed') return;
  let pending = (last.body as { pendingCount?: number }).pendingCount ?? 0;
  for (let guard = 0; pending % 5 !== 0 && guard < 10; guard++) {
    const filler = await post(context, `/deposit/${context.run}-filler/0.01`);
    expect(filler.status === 202, `filler deposit answered ${filler.status}`);
    pending = (filler.body as { pendingCount: number }).pendingCount;
  }
}

function accepted(context: CheckContext, response: RawResponse, what: string): void {
  const want = context.mode === 'seed' ? 202 : 200;
  expect(response.status === want, `${what} answered ${response.status} (want ${want}): ${JSON.stringify(response.body)}`);
}

const checks: Check[] = [
  {
    name: 'authentication is required',
    async run(context) {
      const anonymous = await context.client.request('GET', `/balance/${context.run}-a`, { authenticate: false });
      expect(anonymous.status === 401, `without credentials the bank answered ${anonymous.status}, not 401`);
      const forged = await context.client.request('POST', `/deposit/${context.run}-a/1.00`, { authenticate: false, headers: { 'client-id': 'clientA', 'auth-token': 'forged-key-0000000000' } });
      expect(forged.status === 401, `with a forged key the bank answered ${forged.status}, not 401`);
      await expectBalance(context, `${context.run}-a`, 0, 'a refused deposit changed the balance');
    },
  },
  {
    name: 'the queue of 5',
    async run(context) {
      const account = `${context.run}-queue`;
      if (context.mode === 'seed') {
        let last: RawResponse | undefined;
        for (let i = 0; i < 5; i++) {
          last = await post(context, `/deposit/${account}/1.00`);
          accepted(context, last, 'a queued deposit');
          const pending = (last.body as { pendingCount: number }).pendingCount;
          if (pending % 5 !== 0) expect((await balanceCents(context, account)) === 0, `the balance changed before 5 operations accumulated (pending ${pending})`);
        }
        await settle(context, last!);
      } else {
        const answers = await Promise.all(Array.from({ length: 5 }, () => post(context, `/deposit/${account}/1.00`)));
        answers.forEach((answer) => accepted(context, answer, 'a deposit in a group of 5'));
      }
      await expectBalance(context, account, 500, 'after 5 deposits of 1.00 the balance is not 5.00');
      const lone = await post(context, `/deposit/${account}-lone/1.00`);
      await settle(context, lone);
      await expectBalance(context, `${account}-lone`, 100, 'a lone operation was not saved');
    },
  },
  {
    name: 'deposit',
    async run(context) {
      const response = await post(context, `/deposit/${context.run}-a/10.50`);
      accepted(context, response, 'deposit');
      await settle(context, response);
      await expectBalance(context, `${context.run}-a`, 1050, 'the balance is not 10.50 after depositing 10.50');
    },
  },
  {
    name: 'withdrawal',
    async run(context) {
      const response = await post(context, `/withdrawal/${context.run}-a/0.50`);
      accepted(context, response, 'withdrawal');
      await settle(context, response);
      await expectBalance(context, `${context.run}-a`, 1000, 'the balance is not 10.00 after withdrawing 0.50');
    },
  },
  {
    name: 'invalid withdrawal changes nothing',
    async run(context) {
      for (const bad of ['-1', '0', 'abc', '1.001', '1e3']) {
        const response = await post(context, `/withdrawal/${context.run}-a/${bad}`);
        expect(response.status === 400, `withdrawing "${bad}" answered ${response.status}, not 400`);
      }
      const tooMuch = await post(context, `/withdrawal/${context.run}-a/1000000.00`);
      if (context.mode === 'batch') {
        expect(tooMuch.status === 422, `an overdraft answered ${tooMuch.status}, not 422`);
        expect((tooMuch.body as { error: { code: string } }).error.code === 'INSUFFICIENT_FUNDS', 'an overdraft is not INSUFFICIENT_FUNDS');
      } else {
        accepted(context, tooMuch, 'a queued overdraft');
        await settle(context, tooMuch);
        const status = await context.client.request('GET', `/v1/operations/${encodeURIComponent(String((tooMuch.body as { operationId: string }).operationId).split(':').slice(1).join(':'))}`);
        expect((status.body as { status?: string }).status === 'rejected', `the queued overdraft is ${JSON.stringify(status.body)}, not rejected`);
      }
      await expectBalance(context, `${context.run}-a`, 1000, 'a refused withdrawal changed the balance');
    },
  },
  {
    name: 'transfer',
    async run(context) {
      await settle(context, await post(context, `/deposit/${context.run}-b/1.00`));
      const response = await post(context, `/transfer/${context.run}-a/${context.run}-b/2.50`);
      accepted(context, response, 'transfer');
      await settle(context, response);
      await expectBalance(context, `${context.run}-a`, 750, 'the origin is not 7.50 after transferring 2.50');
      await expectBalance(context, `${context.run}-b`, 350, 'the target is not 3.50 after receiving 2.50');
    },
  },
  {
    name: 'concurrent requests',
    async run(context) {
      const account = `${context.run}-c`;
      const answers = await Promise.all(Array.from({ length: 40 }, () => post(context, `/deposit/${account}/0.25`)));
      answers.forEach((answer) => accepted(context, answer, 'a concurrent deposit'));
      await expectBalance(context, account, 1000, 'after 40 concurrent deposits of 0.25 the balance is not 10.00');
      const moves = await Promise.all(Array.from({ length: 20 }, (_, i) =>
        post(context, i % 2 === 0 ? `/transfer/${account}/${context.run}-b/0.10` : `/transfer/${context.run}-b/${account}/0.10`)));
      moves.forEach((answer) => accepted(context, answer, 'a concurrent transfer'));
      await expectBalance(context, account, 1000, 'concurrent transfers back and forth did not cancel out');
      await expectBalance(context, `${context.run}-b`, 350, 'concurrent transfers back and forth did not cancel out');
    },
  },
];

export interface CheckReport {
  passed: number;
  failed: number;
}

export async function runChecks(client: BancaClient, print: (line: string) => void): Promise<CheckReport> {
  const probe = await client.request('POST', `/deposit/check-probe-${randomUUID().slice(0, 8)}/0.01`, { headers: { 'idempotency-key': randomUUID() } });
  if (probe.status !== 200 && probe.status !== 202) {
    print(`FAIL cannot reach the bank: a probe deposit answered ${probe.status} ${JSON.stringify(probe.body)}`);
    return { passed: 0, failed: 1 };
  }
  const context: CheckContext = { client, run: `chk-${randomUUID().slice(0, 8)}`, mode: probe.status === 202 ? 'seed' : 'batch' };
  await settle(context, probe);
  print(`checking ${context.mode} mode, accounts ${context.run}-*`);
  const report = { passed: 0, failed: 0 };
  for (const check of checks) {
    const started = Date.now();
    try {
      await check.run(context);
      report.passed += 1;
      print(`PASS ${check.name} (${Date.now() - started} ms)`);
    } catch (error) {
      report.failed += 1;
      print(`FAIL ${check.name}: ${messageOf(error)}`);
    }
  }
  print(`${report.passed} passed, ${report.failed} failed`);
  return report;
}
