// PostgreSQL's own client tools, run as child processes when they are on PATH (Debian's
// postgresql-client ships both): pgbench, the reference of part (c), and psql, to read the
// server's durability settings. Nothing here fails the bench when a tool is missing.
import { spawn } from 'node:child_process';
import { accessSync, constants, readdirSync, readFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { measureCpu, type CpuReport, type CpuTarget } from './cpu.js';
import { note } from './progress.js';
import { summarize, type LatencySummary } from './stats.js';
import { messageOf } from '@banca/core/errors';

/** The full path of an executable on PATH, or null. */
export function onPath(command: string): string | null {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, command);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return null;
}

/** The URL without its password, and the password for PGPASSWORD (so it is not on a command line). */
function splitPassword(url: string): { url: string; env: NodeJS.ProcessEnv } {
  const parsed = new URL(url);
  const password = decodeURIComponent(parsed.password);
  parsed.password = '';
  return { url: parsed.toString(), env: password ? { PGPASSWORD: password } : {} };
}

interface ToolRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a tool to its end (killed after `timeoutMs`). */
function runTool(path: string, args: string[], env: NodeJS.ProcessEnv, timeoutMs: number): Promise<ToolRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(path, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => { stdout += chunk; });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => { stderr += chunk; });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

export interface ServerSettings {
  version: string;
  /** The settings that decide what a COMMIT waits for. */
  fsync: string;
  synchronousCommit: string;
  fullPageWrites: string;
}

/** The server's version and durability settings through psql, or null (with the reason noted). */
export async function serverSettings(url: string, progress: boolean): Promise<ServerSettings | null> {
  const psql = onPath('psql');
  if (!psql) {
    note('(c) psql is not on PATH: the server settings are not read', progress);
    return null;
  }
  const target = splitPassword(url);
  const sql = "SELECT current_setting('server_version'), current_setting('fsync'), current_setting('synchronous_commit'), current_setting('full_page_writes')";
  try {
    const run = await runTool(psql, ['-X', '-A', '-t', '-F', '|', '-c', sql, target.url], target.env, 30_000);
    const [version, fsync, synchronousCommit, fullPageWrites] = run.stdout.trim().split('|');
    if (run.code !== 0 || !version || !fsync || !synchronousCommit || !fullPageWrites) throw new Error(run.stderr.trim() || `psql exited with ${run.code}`);
    return { version, fsync, synchronousCommit, fullPageWrites };
  } catch (error) {
    note(`(c) reading the server settings failed: ${messageOf(error)}`, true);
    return null;
  }
}

export interface PgbenchOptions {
  /** Clients (pgbench -c), the load level; threads (-j) no more than the clients. */
  clients: number;
  threads: number;
  /** Whole seconds of the timed run (pgbench -T). */
  seconds: number;
  progress: boolean;
  /** Extra CPU targets during the timed run (the PostgreSQL server). */
  cpuTargets: CpuTarget[];
  /** An empty directory for the per-transaction logs (pgbench -l), read back for p50 and p99. */
  logDir: string;
}

/** pgbench -i done: its path and command, or why the reference is unavailable. */
export type PgbenchSetup =
  | { available: true; path: string; scale: number; command: string }
  | { available: false; reason: string };

export type PgbenchResult =
  | {
    available: true;
    /** The two commands, without the password. */
    commands: string[];
    scale: number;
    clients: number;
    threads: number;
    seconds: number;
    /** "tps = N (without initial connection time)". */
    tps: number;
    latencyAvgMs: number | null;
    /** From the per-transaction log (null when it could not be read). */
    latency: LatencySummary | null;
    failedTransactions: number | null;
    cpu: CpuReport;
  }
  | { available: false; reason: string };

/** Parses the figures out of pgbench's report. */
export function parsePgbench(output: string): { tps: number | null; latencyAvgMs: number | null; failedTransactions: number | null } {
  const number = (pattern: RegExp) => {
    const match = pattern.exec(output);
    return match?.[1] === undefined ? null : Number(match[1]);
  };
  return {
    tps: number(/^tps = ([\d.]+)/m),
    latencyAvgMs: number(/^latency average = ([\d.]+) ms/m),
    failedTransactions: number(/^number of failed transactions: (\d+)/m),
  };
}

/**
 * Transaction latencies (ms) from pgbench's per-transaction log lines
 * ("client_id transaction_no time_us script_no time_epoch time_us_part ..."); failed ones are skipped.
 */
export function pgbenchLogLatencies(text: string): number[] {
  const latencies: number[] = [];
  for (const line of text.split('\n')) {
    const fields = line.trim().split(/\s+/);
    if (fields.length < 3) continue;
    const micros = Number(fields[2]);
    if (/^\d+$/.test(fields[2] ?? '') && Number.isFinite(micros)) latencies.push(micros / 1000);
  }
  return latencies;
}

function readPgbenchLogs(dir: string): LatencySummary | null {
  try {
    const latencies = readdirSync(dir).filter((name) => name.startsWith('pgbench_log'))
      .flatMap((name) => pgbenchLogLatencies(readFileSync(join(dir, name), 'utf8')));
    return latencies.length > 0 ? summarize(latencies) : null;
  } catch {
    return null;
  }
}

/** A pgbench command line as reported, without the URL (which may carry a password). */
const show = (args: string[]) => `pgbench ${args.slice(0, -1).join(' ')} <url>`;

/** pgbench -i -s scale; { available: false } when pgbench is not on PATH. Throws when pgbench fails. */
export async function initPgbench(url: string, scale: number, progress: boolean): Promise<PgbenchSetup> {
  const pgbench = onPath('pgbench');
  if (!pgbench) return { available: false, reason: 'pgbench is not on PATH (Debian: apt-get install postgresql-client)' };
  const target = splitPassword(url);
  const init = ['-i', '-s', String(scale), target.url];
  note(`(c) ${show(init)}...`, progress);
  const initRun = await runTool(pgbench, init, target.env, 120_000);
  if (initRun.code !== 0) throw new Error(`${show(init)} failed (exit ${initRun.code}): ${initRun.stderr.trim().slice(-1000)}`);
  return { available: true, path: pgbench, scale, command: show(init) };
}

/** The TPC-B-like run on tables initPgbench made; throws when pgbench fails. */
export async function runPgbench(url: string, setup: PgbenchSetup, options: PgbenchOptions): Promise<PgbenchResult> {
  if (!setup.available) return setup;
  const target = splitPassword(url);
  const seconds = Math.max(1, Math.round(options.seconds));
  const threads = Math.max(1, Math.min(options.threads, options.clients));
  const timed = ['-c', String(options.clients), '-j', String(threads), '-T', String(seconds), '-l', '--log-prefix', join(options.logDir, 'pgbench_log'), target.url];
  const command = show([...timed.slice(0, 6), '-l', target.url]);

  note(`(c) ${command} (${seconds} s)...`, options.progress);
  // pgbench's CPU: the ticks of the children this process reaps meanwhile (pgbench is the only one).
  const cpu = measureCpu([{ name: 'pgbench (client)', pid: process.pid, scope: 'reaped children' }, ...options.cpuTargets]);
  const run = await runTool(setup.path, timed, target.env, (seconds + 120) * 1000);
  const cpuReport = cpu.stop();
  const figures = parsePgbench(run.stdout);
  if (run.code !== 0 || figures.tps === null) {
    throw new Error(`${command} failed (exit ${run.code}): ${(run.stderr || run.stdout).trim().slice(-1000)}`);
  }
  const latency = readPgbenchLogs(options.logDir);
  note(`(c) pgbench -c ${options.clients}: ${figures.tps.toFixed(0)} tps` + (latency ? `, p50 ${latency.p50Ms.toFixed(2)} ms, p99 ${latency.p99Ms.toFixed(2)} ms` : ''), options.progress);
  return {
    available: true, commands: [setup.command, command], scale: setup.scale, clients: options.clients, threads, seconds,
    tps: figures.tps, latencyAvgMs: figures.latencyAvgMs, latency, failedTransactions: figures.failedTransactions, cpu: cpuReport,
  };
}
