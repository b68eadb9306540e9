// The bench's own pieces, run for about a second each with tiny sizes: the figures come out as
// positive numbers, the ratios are computed, and every process started is stopped again.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseArgs } from '../src/args.js';
import { runCommitBench } from '../src/data-commit.js';
import { runEndToEndBench } from '../src/end-to-end.js';
import { randomCpfs, runInterbankBench } from '../src/interbank.js';
import type { PhaseResult } from '../src/load.js';
import { onPath, parsePgbench } from '../src/pg-tools.js';
import { runPostgresBench } from '../src/postgres-commit.js';
import { commitMarkdown, endToEndMarkdown, interbankMarkdown, postgresMarkdown } from '../src/report.js';
import { isValidCpf } from '@banca/core/documents';
import { percentile, ratio, summarize } from '../src/stats.js';

function assertPositive(value: unknown, what: string): void {
  assert.equal(typeof value, 'number', `${what} is a number`);
  assert.ok(Number.isFinite(value as number) && (value as number) > 0, `${what} is positive (got ${String(value)})`);
}

function assertPhase(result: PhaseResult, what: string): void {
  assertPositive(result.ops, `${what}: ops`);
  assertPositive(result.opsPerSec, `${what}: ops/s`);
  assertPositive(result.unitsPerSec, `${what}: units/s`);
  assertPositive(result.latency.p50Ms, `${what}: p50`);
  assertPositive(result.latency.p99Ms, `${what}: p99`);
  assert.ok(result.latency.p99Ms >= result.latency.p50Ms, `${what}: p99 >= p50`);
  assert.equal(result.errors, 0, `${what}: no errors (${result.errorSamples.join(' / ')})`);
}

test('stats: nearest-rank percentiles and ratios', () => {
  const samples = Array.from({ length: 100 }, (_, index) => index + 1);
  assert.equal(percentile(samples, 50), 50);
  assert.equal(percentile(samples, 99), 99);
  assert.deepEqual(summarize([3, 1, 2]), { count: 3, meanMs: 2, p50Ms: 2, p90Ms: 3, p99Ms: 3, maxMs: 3 });
  assert.equal(ratio(5, 10), 0.5);
  assert.equal(ratio(5, 0), null);
});

test('args: defaults and flags', () => {
  const defaults = parseArgs([]);
  assert.equal(defaults.seconds, 10);
  assert.equal(defaults.concurrency, 64);
  assert.equal(defaults.commitSeconds, 4);
  assert.equal(defaults.pgSeconds, 3);
  assert.equal(defaults.only, null);
  const given = parseArgs(['--seconds', '3', '--concurrency=8', '--only', 'b']);
  assert.equal(given.seconds, 3);
  assert.equal(given.concurrency, 8);
  assert.equal(given.only, 'b');
  assert.equal(parseArgs(['--only', 'c', '--seconds', '1']).pgSeconds, 1);
  assert.equal(parseArgs(['--only', 'c', '--pg-seconds', '5']).pgSeconds, 5);
  assert.deepEqual([defaults.interbankSeconds, defaults.interbankConcurrency, defaults.interbankCustomers], [10, 32, 20]);
  const interbank = parseArgs(['--only', 'd', '--interbank-seconds', '2', '--interbank-concurrency=8', '--interbank-customers', '5']);
  assert.deepEqual([interbank.only, interbank.interbankSeconds, interbank.interbankConcurrency, interbank.interbankCustomers], ['d', 2, 8, 5]);
  assert.throws(() => parseArgs(['--only', 'e']));
  assert.throws(() => parseArgs(['--seconds', '-1']));
});

test('(a) data server commits vs raw better-sqlite3, tiny', { timeout: 60_000 }, async () => {
  const report = await runCommitBench({ batchSizes: [5], concurrencies: [1, 2], seconds: 1, warmupSeconds: 0.1, serverWarmupSeconds: 0.3, progress: false });
  assert.equal(report.rows.length, 3);
  for (const row of report.rows) {
    const what = `${row.engine} x${row.concurrency}`;
    assertPhase(row.result, what);
    assert.equal(row.result.unitsPerOp, 5);
    assertPositive(row.ratioToRaw, `${what}: ratio to raw`);
  }
  assert.ok(report.audit?.ok, 'the data server audit is clean');
  assertPositive(report.rawTransfers, 'raw transfers written');
  assert.match(commitMarkdown(report), /ours \/ raw/);
});

test('(b) end to end through a bank vs a trivial http server, tiny', { timeout: 60_000 }, async () => {
  const report = await runEndToEndBench({ concurrency: 4, seconds: 1, warmupSeconds: 0.2, bankWarmupSeconds: 0.3, accounts: 20, businessServers: 1, batchSize: 5, progress: false });
  assert.deepEqual(report.rows.map((row) => row.phase), ['trivial http server', 'deposits', 'transfers']);
  for (const row of report.rows) {
    assertPhase(row.result, row.phase);
    assertPositive(row.ratioToTrivial, `${row.phase}: ratio to the trivial server`);
  }
  assert.ok(report.audit?.ok, 'the data server audit is clean');
  assert.match(endToEndMarkdown(report), /transfers\/s/);
});

test('pgbench: the figures are read from its report', () => {
  const output = 'transaction type: <builtin: TPC-B (sort of)>\nnumber of failed transactions: 0 (0.000%)\n' +
    'latency average = 7.518 ms\ninitial connection time = 12.345 ms\ntps = 1064.123456 (without initial connection time)\n';
  assert.deepEqual(parsePgbench(output), { tps: 1064.123456, latencyAvgMs: 7.518, failedTransactions: 0 });
  assert.deepEqual(parsePgbench('nothing'), { tps: null, latencyAvgMs: null, failedTransactions: null });
});

test('(c) data server commits on PostgreSQL vs pgbench, tiny', { timeout: 120_000 }, async () => {
  const report = await runPostgresBench({
    phases: [{ batchSize: 2, concurrency: 2 }, { batchSize: 5, concurrency: 2 }], compare: { batchSize: 5, concurrency: 2 },
    seconds: 1, warmupSeconds: 0.1, serverWarmupSeconds: 0.3, pgbench: { scale: 1, clients: 2, threads: 1, seconds: 1 }, progress: false,
  });
  assert.deepEqual(report.rows.map((row) => [row.batchSize, row.concurrency]), [[2, 2], [5, 2]]);
  for (const row of report.rows) {
    assertPhase(row.result, `batch ${row.batchSize} x${row.concurrency}`);
    assert.equal(row.result.unitsPerOp, row.batchSize);
  }
  assertPositive(report.compare.transfersPerSec, 'transfers/s of the compared phase');
  if (onPath('pgbench')) {
    assert.ok(report.pgbench.available, `pgbench ran (${report.pgbench.available ? '' : report.pgbench.reason})`);
    assertPositive(report.pgbench.available ? report.pgbench.tps : null, 'pgbench tps');
    assertPositive(report.compare.ratio, 'ratio to pgbench');
  } else {
    assert.equal(report.pgbench.available, false);
    assert.equal(report.compare.ratio, null);
  }
  assert.ok(report.audit?.ok, 'the data server audit is clean');
  assert.match(postgresMarkdown(report), /pgbench/);
});

test('(d) interbank Pix across a consortium, holds and token ring, tiny', { timeout: 120_000 }, async () => {
  const cpfs = randomCpfs(50);
  assert.equal(new Set(cpfs).size, 50);
  assert.ok(cpfs.every(isValidCpf), 'generated CPFs have valid check digits');
  const report = await runInterbankBench({
    banks: 2, modes: [{ coordination: 'holds', opsPerPass: null }, { coordination: 'token-ring', opsPerPass: 32 }], customersPerBank: 2, businessServers: 1,
    concurrency: 4, seconds: 1, warmupSeconds: 0.3, settleSeconds: 15, progress: false,
  });
  assert.deepEqual(report.rows.map((row) => row.coordination), ['holds', 'token-ring']);
  for (const row of report.rows) {
    const what = row.coordination;
    assertPositive(row.result.ops, `${what}: completed Pix`);
    assertPositive(row.result.opsPerSec, `${what}: Pix/s`);
    assertPositive(row.result.latency.p50Ms, `${what}: p50`);
    assertPositive(row.result.latency.p99Ms, `${what}: p99`);
    assert.ok(row.result.latency.p99Ms >= row.result.latency.p50Ms, `${what}: p99 >= p50`);
    assert.equal(row.answers.completed, row.result.ops);
    assert.equal(row.answers.failed, 0, `${what}: no 5xx or network failures (${JSON.stringify(row.answers.byKind)})`);
    assertPositive(row.ratioToHolds, `${what}: ratio to holds`);
    assertPositive(row.cost?.dataCommits, `${what}: data-server commits per Pix`);
    assert.ok(row.audit, `${what}: the consortium audit was read`);
    assert.deepEqual([row.audit.ledgersSound, row.audit.settled, row.audit.ok], [true, true, true], `${what}: audit ${JSON.stringify(row.audit)}`);
    assert.equal(row.audit.customersCents, row.audit.depositedCents, `${what}: money conserved`);
  }
  assert.match(interbankMarkdown(report), /Target \(issue\)/);
});
