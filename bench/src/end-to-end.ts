// Part (b): end to end, client -> gateway -> business server (batch mode) -> data server, on a
// whole bank of processes, under closed-loop load at several levels of requests in flight; and,
// in the same run, the same loads against a trivial Node http server answering `{}`, the floor an
// HTTP round trip costs on this machine.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { randomUUID } from 'node:crypto';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { Pool } from 'undici';
import { startBank } from '@banca/launcher/bank';
import { ownChildren, Resources, stopChildren, stopProcess } from './cleanup.js';
import { measureCpu, type CpuReport, type CpuTarget } from './cpu.js';
import { keepAlivePool, postDiscard } from './http.js';
import { auditLedger, type AuditSummary } from './audit.js';
import { runAll, runClosedLoop, type PhaseResult } from './load.js';
import { note } from './progress.js';
import { ratio } from './stats.js';

export const CLIENT_HEADERS = {
  'client-id': 'clientA',
  'auth-token': 'dev-insecure-client-a',
  'content-type': 'application/json',
} as const;

export interface EndToEndOptions {
  /** Requests in flight: one measured phase per level and kind of request (the offered load of the sweep). */
  levels: number[];
  seconds: number;
  warmupSeconds: number;
  /** Unmeasured mixed load right after the bank starts, so its five processes are past JIT warm-up. */
  bankWarmupSeconds: number;
  accounts: number;
  businessServers: number;
  batchSize: number;
  progress: boolean;
}

export interface EndToEndRow {
  phase: 'trivial http server' | 'deposits' | 'transfers';
  result: PhaseResult;
  /** ops/s of this row / ops/s of the trivial server at the same level. */
  ratioToTrivial: number | null;
  cpu: CpuReport;
}

export interface EndToEndReport {
  /** Ascending. */
  levels: number[];
  /** The trivial server at every level, then deposits and transfers at every level (result.concurrency: the level). */
  rows: EndToEndRow[];
  fundingSeconds: number;
  audit: AuditSummary | null;
}

export async function startTrivialServer(resources: Resources): Promise<{ url: string; pid: number | undefined }> {
  const entry = fileURLToPath(new URL('./trivial-server.js', import.meta.url));
  const child = spawn(process.execPath, [entry], { stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = once(child, 'exit');
  resources.defer('stop the trivial server', async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    await stopProcess({ stop: async () => { child.kill('SIGTERM'); await exited; return 0; }, kill: async () => { child.kill('SIGKILL'); await exited; } });
  });
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the trivial server did not start within 10 s')), 10_000);
    createInterface({ input: child.stdout }).on('line', (line) => {
      if (!line.startsWith('{"event":"listening"')) return;
      clearTimeout(timer);
      resolve((JSON.parse(line) as { url: string }).url);
    });
    void exited.then(() => { clearTimeout(timer); reject(new Error('the trivial server exited before listening')); });
  });
  return { url, pid: child.pid };
}

const account = (index: number) => `acc-${index}`;

function randomIndex(count: number): number {
  return Math.floor(Math.random() * count);
}

function transferBody(accounts: number): string {
  const from = randomIndex(accounts);
  let to = randomIndex(accounts - 1);
  if (to >= from) to += 1;
  return JSON.stringify({ fromAccountId: account(from), toAccountId: account(to), amount: '0.01' });
}

function send(pool: Pool, path: string, body: string): Promise<void> {
  return postDiscard(pool, path, { ...CLIENT_HEADERS, 'idempotency-key': randomUUID() }, body);
}

export async function runEndToEndBench(options: EndToEndOptions): Promise<EndToEndReport> {
  if (options.accounts < 2) throw new Error('part (b) needs at least 2 accounts');
  const levels = [...new Set(options.levels)].sort((x, y) => x - y);
  if (levels.length === 0 || levels.some((level) => !Number.isInteger(level) || level < 1)) throw new Error('part (b) needs levels of 1 or more in flight');
  const maxLevel = levels[levels.length - 1]!;
  const resources = new Resources();
  try {
    const self: CpuTarget = { name: 'bench (client)', pid: process.pid };
    const phase = (label: string, concurrency: number) => ({
      label: `${label}, ${concurrency} in flight`, concurrency, seconds: options.seconds, warmupSeconds: options.warmupSeconds,
      progress: options.progress, unit: 'req',
    });
    const rows: EndToEndRow[] = [];

    // The reference first, alone on the machine.
    {
      const trivialResources = new Resources();
      try {
        const trivial = await startTrivialServer(trivialResources);
        const pool = keepAlivePool(trivial.url, maxLevel);
        trivialResources.defer('close the trivial pool', () => pool.destroy());
        for (const level of levels) {
          const cpu = measureCpu([self, { name: 'trivial server', pid: trivial.pid }], options.warmupSeconds * 1000);
          const result = await runClosedLoop(phase('(b) reference: trivial http server', level), () => send(pool, '/v1/transfers', transferBody(options.accounts)));
          rows.push({ phase: 'trivial http server', result, ratioToTrivial: 1, cpu: cpu.stop() });
        }
      } finally {
        await trivialResources.close();
      }
    }

    note(`(b) starting a bank: data server, ${options.businessServers} business servers (batch mode), gateway...`, options.progress);
    const dataDir = resources.tempDir('banca-bench-b-');
    // startBank stops nothing it started when a later service fails to start: stop those here.
    const before = new Set(ownChildren());
    resources.defer('stop processes of a half-started bank', () => stopChildren(before));
    const bank = await startBank({
      bankId: 1, ports: 'random', store: 'sqlite', dataDir, businessServers: options.businessServers, queueMode: 'batch', logLevel: 'warn',
      businessServer: { batchSizeMax: options.batchSize },
    });
    resources.defer('stop the bank', async () => {
      let timer: NodeJS.Timeout | undefined;
      const stopped = await Promise.race([
        bank.stop().then(() => true),
        new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), 20_000))),
      ]);
      clearTimeout(timer);
      if (!stopped) await Promise.all([bank.gateway, ...bank.businessServers, bank.dataServer].map((service) => service.kill()));
    });
    // At least 16 connections, so funding runs side by side whatever the levels.
    const connections = Math.max(16, maxLevel);
    const pool = keepAlivePool(bank.gateway.url, connections);
    resources.defer('close the gateway pool', () => pool.destroy());
    const bankTargets: CpuTarget[] = [
      self,
      { name: 'gateway', pid: bank.gateway.child.pid },
      ...bank.businessServers.map((server, index) => ({ name: `business ${index + 1}`, pid: server.child.pid })),
      { name: 'data server', pid: bank.dataServer.child.pid },
    ];

    note(`(b) funding ${options.accounts} accounts (1000.00 each)...`, options.progress);
    const fundingStart = process.hrtime.bigint();
    await runAll(options.accounts, connections, (index) =>
      send(pool, '/v1/deposits', JSON.stringify({ accountId: account(index), amount: '1000.00' })));
    const fundingSeconds = Number(process.hrtime.bigint() - fundingStart) / 1e9;

    if (options.bankWarmupSeconds > 0) {
      let turn = 0;
      await runClosedLoop({ ...phase('(b) warming the bank up (not measured)', maxLevel), seconds: options.bankWarmupSeconds, warmupSeconds: 0 }, () =>
        (turn++ % 2 === 0
          ? send(pool, '/v1/deposits', JSON.stringify({ accountId: account(randomIndex(options.accounts)), amount: '1.00' }))
          : send(pool, '/v1/transfers', transferBody(options.accounts))));
    }

    for (const level of levels) {
      const trivialOps = rows.find((row) => row.phase === 'trivial http server' && row.result.concurrency === level)?.result.opsPerSec ?? 0;
      {
        const cpu = measureCpu(bankTargets, options.warmupSeconds * 1000);
        const result = await runClosedLoop(phase('(b) deposits via gateway', level), () =>
          send(pool, '/v1/deposits', JSON.stringify({ accountId: account(randomIndex(options.accounts)), amount: '1.00' })));
        rows.push({ phase: 'deposits', result, ratioToTrivial: ratio(result.opsPerSec, trivialOps), cpu: cpu.stop() });
      }
      {
        const cpu = measureCpu(bankTargets, options.warmupSeconds * 1000);
        const result = await runClosedLoop(phase('(b) transfers via gateway', level), () => send(pool, '/v1/transfers', transferBody(options.accounts)));
        rows.push({ phase: 'transfers', result, ratioToTrivial: ratio(result.opsPerSec, trivialOps), cpu: cpu.stop() });
      }
    }

    const dataPool = keepAlivePool(bank.dataServer.url, 1);
    resources.defer('close the data server pool', () => dataPool.destroy());
    const audit = await auditLedger(dataPool, '(b)');
    return { levels, rows, fundingSeconds, audit };
  } finally {
    await resources.close();
  }
}
