// The short version of `npm run chaos`: a few seconds of random load and faults on a consortium,
// then every check of the fault harness must pass.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runChaos } from '../src/harness.js';

test('chaos - random load and faults (kills, pauses, dropped and slow links), then the books are sound', async () => {
  const seed = Number(process.env.BANCA_CHAOS_SEED ?? Math.floor(Math.random() * 2 ** 31));
  const report = await runChaos({
    seconds: 15, seed, banks: 3, customersPerBank: 4, workers: 6, faultEveryMs: [300, 600], log: (line) => console.log(`# ${line}`),
  });
  // The load lasts until one fault of each kind has happened: kills of each service and of a bank, pauses, links.
  assert.ok(report.faults.length >= 7, `every kind of fault was injected (${report.faults.length}: ${report.faults.join('; ')})`);
  const total = Object.values(report.operations).reduce((sum, counts) => sum + counts.ok + counts.refused, 0);
  assert.ok(total > 20, `operations ran (${total})`);
  for (const check of report.checks) assert.ok(check.ok, `${check.name}: ${check.detail} (seed ${seed}: BANCA_CHAOS_SEED=${seed} replays it)`);
});

test('chaos - each bank on a PostgreSQL primary and synchronous standby, the primary lost under the load: books sound, the outage measured', async () => {
  const seed = Number(process.env.BANCA_CHAOS_SEED ?? Math.floor(Math.random() * 2 ** 31));
  const report = await runChaos({
    seconds: 15, seed, banks: 2, customersPerBank: 4, workers: 6, faultEveryMs: [300, 600], store: 'postgres', replicas: 1, log: (line) => console.log(`# ${line}`),
  });
  // The first round has every kind of fault once, the primary's loss among them.
  assert.ok(report.faults.length >= 8, `every kind of fault was injected (${report.faults.length}: ${report.faults.join('; ')})`);
  assert.ok(report.failovers.length >= 1, `a primary was lost and its standby promoted (${report.faults.join('; ')})`);
  for (const failover of report.failovers) {
    console.log(`# failover at bank ${failover.bankId}: promoted after ${failover.promotedAfterMs} ms, outage ${(failover.outageMs / 1000).toFixed(2)} s`);
    assert.ok(failover.outageMs >= failover.promoteAskedAfterMs, `no write is acknowledged while a bank has no primary (${JSON.stringify(failover)})`);
    assert.ok(failover.outageMs < 30_000, `the bank took writes again within 30 s (${JSON.stringify(failover)})`);
  }
  for (const check of report.checks) assert.ok(check.ok, `${check.name}: ${check.detail} (seed ${seed}: BANCA_CHAOS_SEED=${seed} replays it)`);
});
