#!/usr/bin/env node
// `npm run bench`: (a) the data server's batch commit against raw better-sqlite3, (b) the whole
// bank end to end against a trivial HTTP server, (c) the batch commit on the PostgreSQL store
// against pgbench on the same PostgreSQL, (d) interbank Pix across a consortium of 3 banks, in
// the holds and the token-ring coordination modes. Markdown on stdout, progress on stderr, JSON in
// bench/results/latest.json. Every process started is stopped at the end, also on error or Ctrl-C.
import { cpus, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs, USAGE } from './args.js';
import { closeAllResources, stopChildren, takeOverExit } from './cleanup.js';
import { runCommitBench } from './data-commit.js';
import { runEndToEndBench } from './end-to-end.js';
import { runInterbankBench } from './interbank.js';
import { runPostgresBench } from './postgres-commit.js';
import { note } from './progress.js';
import { commitMarkdown, endToEndMarkdown, interbankMarkdown, postgresMarkdown, writeJson, type BenchResults } from './report.js';

const RESULTS_FILE = fileURLToPath(new URL('../../results/latest.json', import.meta.url));

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  if (args.help) {
    process.stdout.write(USAGE);
    return;
  }
  const startedAt = new Date();
  const results: BenchResults = {
    meta: {
      startedAt: startedAt.toISOString(),
      node: process.version,
      platform: `${process.platform} ${process.arch}`,
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model ?? 'unknown',
      memoryGiB: Math.round(totalmem() / 2 ** 30),
      args,
    },
    a: null,
    b: null,
    c: null,
    d: null,
  };
  const plan = {
    a: { batchSizes: [1, 10, 100], concurrencies: [1, 8], seconds: args.commitSeconds, warmupSeconds: 0.5,
      serverWarmupSeconds: Math.min(2, args.commitSeconds / 2), progress: args.progress },
    b: { concurrency: args.concurrency, seconds: args.seconds, warmupSeconds: 1, bankWarmupSeconds: Math.min(5, args.seconds / 2),
      accounts: args.accounts, businessServers: 3, batchSize: args.batchSize, progress: args.progress },
    c: { phases: [{ batchSize: 1, concurrency: 8 }, { batchSize: 5, concurrency: 1 }, { batchSize: 5, concurrency: 8 }, { batchSize: 100, concurrency: 8 }],
      compare: { batchSize: 5, concurrency: 8 }, seconds: args.pgSeconds, warmupSeconds: 0.5, serverWarmupSeconds: Math.min(1, args.pgSeconds / 2),
      pgbench: { scale: 1, clients: 8, threads: 2, seconds: args.pgSeconds }, progress: args.progress },
    d: { banks: 3, modes: [{ coordination: 'holds' as const, opsPerPass: null }, { coordination: 'token-ring' as const, opsPerPass: 32 }, { coordination: 'token-ring' as const, opsPerPass: 1 }],
      customersPerBank: args.interbankCustomers, businessServers: 2, concurrency: args.interbankConcurrency, seconds: args.interbankSeconds,
      warmupSeconds: Math.min(2, args.interbankSeconds / 2), settleSeconds: 30, progress: args.progress },
  };
  results.meta.plan = plan;
  const out: string[] = [`# banca bench, ${startedAt.toISOString()}`, '',
    `Node ${process.version}, ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}. Measured phases: (a) ${plan.a.seconds} s after ${plan.a.warmupSeconds} s of warm-up, ` +
    `(b) ${plan.b.seconds} s after ${plan.b.warmupSeconds} s, (c) ${plan.c.seconds} s after ${plan.c.warmupSeconds} s, (d) ${plan.d.seconds} s after ${plan.d.warmupSeconds} s; ` +
    `the freshly started data servers (a, c) and bank (b) first get ` +
    `${plan.a.serverWarmupSeconds} s / ${plan.c.serverWarmupSeconds} s / ${plan.b.bankWarmupSeconds} s of unmeasured load (JIT warm-up).`];

  if (args.only === null || args.only === 'a') {
    results.a = await runCommitBench(plan.a);
    out.push('', commitMarkdown(results.a));
  }
  if (args.only === null || args.only === 'b') {
    results.b = await runEndToEndBench(plan.b);
    out.push('', endToEndMarkdown(results.b));
  }
  if (args.only === null || args.only === 'c') {
    results.c = await runPostgresBench(plan.c);
    out.push('', postgresMarkdown(results.c));
  }
  if (args.only === null || args.only === 'd') {
    results.d = await runInterbankBench(plan.d);
    out.push('', interbankMarkdown(results.d));
  }
  results.meta.seconds = (Date.now() - startedAt.getTime()) / 1000;
  writeJson(RESULTS_FILE, results);
  out.push('', `Total ${(results.meta.seconds as number).toFixed(0)} s. JSON: bench/results/latest.json`);
  process.stdout.write(`${out.join('\n')}\n`);
}

let stopping: Promise<void> | null = null;
async function abort(reason: string, code: number): Promise<never> {
  if (!stopping) {
    note(`\n${reason}: stopping every process the bench started...`, true);
    stopping = (async () => {
      await closeAllResources();
      await stopChildren(); // anything a helper started and never handed back
    })();
  }
  await stopping; // a second call (the part failing because of the first) waits for the same clean-up
  process.exit(code);
}

takeOverExit();
process.on('SIGINT', () => void abort('interrupted', 130));
process.on('SIGTERM', () => void abort('terminated', 143));
process.on('unhandledRejection', (error) => void abort(`unhandled rejection: ${error instanceof Error ? error.stack : String(error)}`, 1));

main().catch((error: unknown) => {
  // After Ctrl-C the part fails on its destroyed pools and stopped processes: nothing to report.
  if (!stopping) process.stderr.write(`bench failed: ${error instanceof Error ? error.stack ?? error.message : String(error)}\n`);
  void abort('bench failed', 1);
});
