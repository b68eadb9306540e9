#!/usr/bin/env node
// `npm run bench`: (a) the data server's batch commit against raw better-sqlite3, (b) the whole
// bank end to end against a trivial HTTP server. Markdown on stdout, progress on stderr, JSON in
// bench/results/latest.json. Every process started is stopped at the end, also on error or Ctrl-C.
import { cpus, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs, USAGE } from './args.js';
import { closeAllResources, stopChildren } from './cleanup.js';
import { runCommitBench } from './data-commit.js';
import { runEndToEndBench } from './end-to-end.js';
import { note } from './progress.js';
import { commitMarkdown, endToEndMarkdown, writeJson, type BenchResults } from './report.js';

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
  };
  const plan = {
    a: { batchSizes: [1, 10, 100], concurrencies: [1, 8], seconds: args.commitSeconds, warmupSeconds: 0.5,
      serverWarmupSeconds: Math.min(2, args.commitSeconds / 2), progress: args.progress },
    b: { concurrency: args.concurrency, seconds: args.seconds, warmupSeconds: 1, bankWarmupSeconds: Math.min(5, args.seconds / 2),
      accounts: args.accounts, businessServers: 3, batchSize: args.batchSize, progress: args.progress },
  };
  results.meta.plan = plan;
  const out: string[] = [`# banca bench, ${startedAt.toISOString()}`, '',
    `Node ${process.version}, ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}. Measured phases: (a) ${plan.a.seconds} s after ${plan.a.warmupSeconds} s of warm-up, ` +
    `(b) ${plan.b.seconds} s after ${plan.b.warmupSeconds} s; the freshly started data server (a) and bank (b) first get ` +
    `${plan.a.serverWarmupSeconds} s / ${plan.b.bankWarmupSeconds} s of unmeasured load (JIT warm-up).`];

  if (args.only !== 'b') {
    results.a = await runCommitBench(plan.a);
    out.push('', commitMarkdown(results.a));
  }
  if (args.only !== 'a') {
    results.b = await runEndToEndBench(plan.b);
    out.push('', endToEndMarkdown(results.b));
  }
  results.meta.seconds = (Date.now() - startedAt.getTime()) / 1000;
  writeJson(RESULTS_FILE, results);
  out.push('', `Total ${(results.meta.seconds as number).toFixed(0)} s. JSON: bench/results/latest.json`);
  process.stdout.write(`${out.join('\n')}\n`);
}

let stopping = false;
async function abort(reason: string, code: number): Promise<never> {
  if (!stopping) {
    stopping = true;
    note(`\n${reason}: stopping every process the bench started...`, true);
    await closeAllResources();
    await stopChildren(); // anything a helper started and never handed back
  }
  process.exit(code);
}

process.on('SIGINT', () => void abort('interrupted', 130));
process.on('SIGTERM', () => void abort('terminated', 143));
process.on('unhandledRejection', (error) => void abort(`unhandled rejection: ${error instanceof Error ? error.stack : String(error)}`, 1));

main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${error instanceof Error ? error.stack ?? error.message : String(error)}\n`);
  process.exitCode = 1;
});
