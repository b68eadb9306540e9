// Part (a): the data server's atomic batch commit (POST /v1/commits over keep-alive HTTP, to a
// real data-server process on SQLite) against raw better-sqlite3 doing the same writes in this
// process. Locks are taken once before timing with a long lease; only the commit is measured.
// Each commit moves 1 cent across `batch` disjoint account pairs, so every transfer touches two
// accounts no other transfer of the commit touches (the data server then upserts exactly the
// same 2 × batch balances as the raw loop).
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import type { Pool } from 'undici';
import { spawnService, type ServiceProcess } from '@banca/launcher/spawn-service';
import type { FenceRef, LockResponse, TransferInput } from '@banca/core/protocol';
import { Resources, stopProcess } from './cleanup.js';
import { measureCpu, type CpuReport, type CpuTarget } from './cpu.js';
import { BUSINESS_HEADERS, keepAlivePool, postDiscard, postJson } from './http.js';
import { auditLedger, type AuditSummary } from './audit.js';
import { runAll, runClosedLoop, runSyncLoop, type PhaseResult } from './load.js';
import { note } from './progress.js';
import { RawLedger } from './raw-sqlite.js';
import { ratio } from './stats.js';


const LEASE_MS = 600_000;
const SEED_CENTS = 1_000_000;

export interface CommitBenchOptions {
  batchSizes: number[];
  /** Commits in flight against the data server (the raw loop is synchronous: always 1). */
  concurrencies: number[];
  seconds: number;
  warmupSeconds: number;
  /** Unmeasured commits (batch 10, all concurrency) once the data server has started: JIT warm-up. */
  serverWarmupSeconds: number;
  progress: boolean;
}

export interface CommitRow {
  batchSize: number;
  engine: 'raw better-sqlite3' | 'data server';
  concurrency: number;
  result: PhaseResult;
  /** Transfers/s of this row / transfers/s of raw better-sqlite3 at the same batch size. */
  ratioToRaw: number | null;
  cpu: CpuReport;
}

export interface CommitBenchReport {
  rows: CommitRow[];
  /** The data server's audit after the runs (balances match the journal, the sum is zero). */
  audit: AuditSummary | null;
  rawTransfers: number;
}

/** 2 × batch accounts; each commit moves 1 cent across every pair, alternating direction. */
export class CommitWorkload {
  readonly accounts: string[];
  private flip = false;

  constructor(prefix: string, readonly batchSize: number) {
    this.accounts = Array.from({ length: 2 * batchSize }, (_, index) => `${prefix}-${index}`);
  }

  next(): TransferInput[] {
    const transfers: TransferInput[] = [];
    for (let pair = 0; pair < this.batchSize; pair++) {
      const a = this.accounts[2 * pair]!;
      const b = this.accounts[2 * pair + 1]!;
      transfers.push({
        transferId: randomUUID(), kind: 'transfer',
        debitAccountId: this.flip ? b : a, creditAccountId: this.flip ? a : b, amountCents: 1,
      });
    }
    this.flip = !this.flip;
    return transfers;
  }

  /** Deposits from @cash that fund every account. */
  seed(): TransferInput[] {
    return this.accounts.map((accountId) => ({
      transferId: randomUUID(), kind: 'deposit', debitAccountId: '@cash', creditAccountId: accountId, amountCents: SEED_CENTS,
    }));
  }
}

/** Where the bench's data server keeps its ledger: a SQLite file (part a) or a PostgreSQL database (part c). */
export type BenchStore = { store: 'sqlite'; sqliteFile: string } | { store: 'postgres'; databaseUrl: string };

export async function startBenchDataServer(resources: Resources, store: BenchStore): Promise<ServiceProcess> {
  const server = await spawnService('data-server', {
    name: store.store === 'sqlite' ? 'bench-data' : 'bench-data-pg',
    config: { port: 0, ...store, logLevel: 'warn', leaseMsMax: LEASE_MS },
    // DATABASE_URL, when the bench's own environment has one, would override databaseUrl.
    ...(store.store === 'postgres' ? { env: { DATABASE_URL: store.databaseUrl } } : {}),
  });
  resources.defer('stop the data server', () => stopProcess(server));
  return server;
}

/** A workload whose accounts this business holds locked (long lease) and has funded. */
export interface LockedWorkload {
  workload: CommitWorkload;
  fences: FenceRef[];
}

export async function lockAndSeed(pool: Pool, workload: CommitWorkload): Promise<LockedWorkload> {
  const granted = await postJson<LockResponse>(pool, '/v1/locks', BUSINESS_HEADERS,
    JSON.stringify({ accountIds: workload.accounts, leaseMs: LEASE_MS }));
  const fences = granted.locks.map(({ accountId, fence }) => ({ accountId, fence }));
  await postDiscard(pool, '/v1/commits', BUSINESS_HEADERS,
    JSON.stringify({ commitId: randomUUID(), locks: fences, transfers: workload.seed(), release: false }));
  return { workload, fences };
}

/** One commit of `batch` transfers to the data server. */
export function serverCommit(pool: Pool, locked: LockedWorkload): Promise<void> {
  const body = JSON.stringify({ commitId: randomUUID(), locks: locked.fences, transfers: locked.workload.next(), release: false });
  return postDiscard(pool, '/v1/commits', BUSINESS_HEADERS, body);
}

/** Unmeasured commits of 10 transfers, `concurrency` in flight, for `seconds` (JIT warm-up of a fresh data server). */
export async function warmUpDataServer(pool: Pool, part: string, concurrency: number, seconds: number, progress: boolean): Promise<void> {
  if (seconds <= 0) return;
  const warm: LockedWorkload[] = [];
  await runAll(concurrency, 4, async (worker) => {
    warm[worker] = await lockAndSeed(pool, new CommitWorkload(`warm-w${worker}`, 10));
  });
  await runClosedLoop({ label: `${part} warming the data server up (not measured)`, concurrency, seconds, warmupSeconds: 0, progress, unit: 'commits' },
    (worker) => serverCommit(pool, warm[worker]!));
}

export async function runCommitBench(options: CommitBenchOptions): Promise<CommitBenchReport> {
  const resources = new Resources();
  try {
    const dir = resources.tempDir('banca-bench-a-');
    const maxConcurrency = Math.max(1, ...options.concurrencies);
    note('(a) starting a data server (sqlite, WAL, synchronous=FULL)...', options.progress);
    const server = await startBenchDataServer(resources, { store: 'sqlite', sqliteFile: join(dir, 'data-server.sqlite') });
    const pool = keepAlivePool(server.url, maxConcurrency);
    resources.defer('close the data server pool', () => pool.destroy());
    const raw = new RawLedger(join(dir, 'raw.sqlite'));
    resources.defer('close the raw database', () => raw.close());
    const cpuTargets: CpuTarget[] = [
      { name: 'bench (client)', pid: process.pid },
      { name: 'data server', pid: server.child.pid },
    ];
    const phase = { seconds: options.seconds, warmupSeconds: options.warmupSeconds, progress: options.progress, unit: 'commits' };

    await warmUpDataServer(pool, '(a)', maxConcurrency, options.serverWarmupSeconds, options.progress);

    const rows: CommitRow[] = [];
    for (const batchSize of options.batchSizes) {
      const rawWorkload = new CommitWorkload(`raw-b${batchSize}`, batchSize);
      raw.commit(randomUUID(), rawWorkload.seed());
      const lockedSets: LockedWorkload[] = [];
      await runAll(maxConcurrency, 4, async (worker) => {
        lockedSets[worker] = await lockAndSeed(pool, new CommitWorkload(`ours-b${batchSize}-w${worker}`, batchSize));
      });

      const rawCpu = measureCpu(cpuTargets, options.warmupSeconds * 1000);
      const rawResult = await runSyncLoop({ ...phase, label: `(a) raw better-sqlite3, batch ${batchSize}`, unitsPerOp: batchSize },
        () => raw.commit(randomUUID(), rawWorkload.next()));
      rows.push({ batchSize, engine: 'raw better-sqlite3', concurrency: 1, result: rawResult, ratioToRaw: 1, cpu: rawCpu.stop() });

      for (const concurrency of options.concurrencies) {
        const cpu = measureCpu(cpuTargets, options.warmupSeconds * 1000);
        const result = await runClosedLoop(
          { ...phase, label: `(a) data server, batch ${batchSize}, ${concurrency} in flight`, concurrency, unitsPerOp: batchSize },
          (worker) => serverCommit(pool, lockedSets[worker]!),
        );
        rows.push({ batchSize, engine: 'data server', concurrency, result, ratioToRaw: ratio(result.unitsPerSec, rawResult.unitsPerSec), cpu: cpu.stop() });
      }
    }

    const audit = await auditLedger(pool, '(a)');
    return { rows, audit, rawTransfers: raw.transferCount() };
  } finally {
    await resources.close();
  }
}
