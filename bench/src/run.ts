#!/usr/bin/env node
// `npm run bench`: (a) the data server's batch commit against raw better-sqlite3, (b) the whole
// bank end to end against a trivial HTTP server, (c) the batch commit on the PostgreSQL store
// against pgbench on the same PostgreSQL, (d) interbank Pix across a consortium of 3 banks, in
// the holds and the token-ring coordination modes, (e) the dossier against the credit registry, one
// of the sources it fans out to; (b) to (e) as sweeps over the number of requests in flight; (f) the
// CPU a consortium uses at rest, started as npm start starts it and asked nothing.
// Markdown on stdout and in bench/results/report.md, the sweeps' chart in bench/results/chart.svg,
// progress on stderr, JSON in bench/results/latest.json. Every process started is stopped at the
// end, also on error or Ctrl-C.
import { cpus, totalmem } from 'node:os';
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs, USAGE } from './args.js';
import { runAtRestBench } from './at-rest.js';
import { benchChart } from './chart.js';
import { closeAllResources, stopChildren, takeOverExit } from './cleanup.js';
import { runCommitBench } from './data-commit.js';
import { runDossierBench } from './dossier.js';
import { runEndToEndBench } from './end-to-end.js';
import { runInterbankBench } from './interbank.js';
import { benchPlan } from './plan.js';
import { runPostgresBench } from './postgres-commit.js';
import { note } from './progress.js';
import { benchMarkdown, writeJson, writeText, type BenchResults } from './report.js';

const RESULTS_DIR = fileURLToPath(new URL('../../results/', import.meta.url));
const FILES = { json: `${RESULTS_DIR}latest.json`, report: `${RESULTS_DIR}report.md`, chart: `${RESULTS_DIR}chart.svg` };

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  if (args.help) {
    process.stdout.write(USAGE);
    return;
  }
  const startedAt = new Date();
  const plan = benchPlan(args);
  const results: BenchResults = {
    meta: {
      startedAt: startedAt.toISOString(),
      node: process.version,
      platform: `${process.platform} ${process.arch}`,
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model ?? 'unknown',
      memoryGiB: Math.round(totalmem() / 2 ** 30),
      args,
      plan,
    },
    a: null,
    b: null,
    c: null,
    d: null,
    e: null,
    f: null,
  };

  if (args.only === null || args.only === 'a') results.a = await runCommitBench(plan.a);
  if (args.only === null || args.only === 'b') results.b = await runEndToEndBench(plan.b);
  if (args.only === null || args.only === 'c') results.c = await runPostgresBench(plan.c);
  if (args.only === null || args.only === 'd') results.d = await runInterbankBench(plan.d);
  if (args.only === null || args.only === 'e') results.e = await runDossierBench(plan.e);
  if (args.only === null || args.only === 'f') results.f = await runAtRestBench(plan.f);
  results.meta.seconds = (Date.now() - startedAt.getTime()) / 1000;
  writeJson(FILES.json, results);
  const markdown = benchMarkdown(results, 'chart.svg');
  writeText(FILES.report, markdown);
  writeText(FILES.chart, benchChart(results));
  const shown = (file: string) => relative(process.cwd(), file) || file;
  process.stdout.write(`${markdown}
Total ${results.meta.seconds.toFixed(0)} s. Written: ${shown(FILES.report)}, ${shown(FILES.chart)}, ${shown(FILES.json)}\n`);
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
