// CPU use of the processes in a phase, read from /proc (Linux; elsewhere the figures are empty):
// user+system time of each process over the window, as a percentage of one core, and how busy
// the whole machine was (percentage of all cores). Tells which process saturates the CPU.
import { readFileSync } from 'node:fs';
import { parentPids } from './proc.js';
import { cpus } from 'node:os';

export interface CpuTarget {
  name: string;
  pid: number | undefined;
  /** What to count (default 'process'); see targetTicks. */
  scope?: CpuScope;
}

export type CpuScope = 'process' | 'tree' | 'reaped children';

export interface CpuShare {
  name: string;
  /** Percent of one core (200 = two cores busy). */
  percent: number;
}

export interface CpuReport {
  /** Busy share of all cores of the machine, percent (100 = every core busy); steal not included. */
  machinePercent: number | null;
  /** Share of all cores the hypervisor gave to other guests (steal), percent. */
  stealPercent: number | null;
  cores: number;
  processes: CpuShare[];
  /** CPU used by everything else on the machine (other processes, kernel threads), % of one core. */
  otherPercent: number | null;
}

const TICKS_PER_SECOND = 100; // USER_HZ: 100 on Linux everywhere that matters

/** utime + stime of a process and, with `reaped`, cutime + cstime: the children it has waited for. */
function processTicks(pid: number, reaped = false): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // After "pid (comm) ": state is field 0, utime 11, stime 12, cutime 13, cstime 14.
    return Number(fields[11]) + Number(fields[12]) + (reaped ? Number(fields[13]) + Number(fields[14]) : 0);
  } catch {
    return null;
  }
}

/**
 * The ticks a target counts. 'tree': the process and every live process below it, each with the
 * children it has reaped (a PostgreSQL backend that ends inside the window is counted through the
 * postmaster's cutime). 'reaped children': only the children the process has waited for (the
 * bench's own child tools such as pgbench, whose /proc entry is gone once they have ended).
 */
function targetTicks(pid: number, scope: CpuScope): number | null {
  if (scope === 'process') return processTicks(pid);
  if (scope === 'reaped children') {
    const all = processTicks(pid, true);
    const own = processTicks(pid);
    return all === null || own === null ? null : all - own;
  }
  const own = processTicks(pid, true);
  if (own === null) return null;
  const parents = parentPids();
  const inTree = new Set([pid]);
  let total = own;
  for (let grown = true; grown;) {
    grown = false;
    for (const [child, parent] of parents) {
      if (inTree.has(child) || !inTree.has(parent)) continue;
      inTree.add(child);
      grown = true;
      total += processTicks(child, true) ?? 0;
    }
  }
  return total;
}

function machineTicks(): { busy: number; steal: number; total: number } | null {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '';
    // user nice system idle iowait irq softirq steal (guest time is already inside user)
    const values = line.trim().split(/\s+/).slice(1, 9).map(Number);
    const total = values.reduce((sum, value) => sum + value, 0);
    const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = values;
    return { busy: user + nice + system + irq + softirq, steal, total };
  } catch {
    return null;
  }
}

export interface CpuWindow {
  /** Ends the window and returns the shares. */
  stop(): CpuReport;
}

/** Starts measuring now, or after `delayMs` (to skip a warm-up). */
export function measureCpu(targets: readonly CpuTarget[], delayMs = 0): CpuWindow {
  const cores = cpus().length;
  let start: { at: bigint; machine: ReturnType<typeof machineTicks>; ticks: (number | null)[] } | null = null;
  const begin = () => {
    start = {
      at: process.hrtime.bigint(),
      machine: machineTicks(),
      ticks: targets.map((target) => (target.pid === undefined ? null : targetTicks(target.pid, target.scope ?? 'process'))),
    };
  };
  const timer = delayMs > 0 ? setTimeout(begin, delayMs) : null;
  if (!timer) begin();
  return {
    stop(): CpuReport {
      if (timer) clearTimeout(timer);
      const from = start;
      if (!from) return { machinePercent: null, stealPercent: null, cores, processes: [], otherPercent: null };
      const seconds = Number(process.hrtime.bigint() - from.at) / 1e9;
      const machine = machineTicks();
      const span = from.machine && machine && machine.total > from.machine.total ? machine.total - from.machine.total : null;
      const machinePercent = span && machine && from.machine ? (100 * (machine.busy - from.machine.busy)) / span : null;
      const stealPercent = span && machine && from.machine ? (100 * (machine.steal - from.machine.steal)) / span : null;
      const processes: CpuShare[] = [];
      targets.forEach((target, index) => {
        const before = from.ticks[index];
        const after = target.pid === undefined ? null : targetTicks(target.pid, target.scope ?? 'process');
        if (before === null || before === undefined || after === null || seconds <= 0) return;
        processes.push({ name: target.name, percent: (100 * (after - before)) / TICKS_PER_SECOND / seconds });
      });
      const ours = processes.reduce((sum, share) => sum + share.percent, 0);
      const otherPercent = machinePercent === null ? null : Math.max(0, machinePercent * cores - ours);
      return { machinePercent, stealPercent, cores, processes, otherPercent };
    },
  };
}

/** Adds up the shares of targets with the same name (every bank's gateway is one "gateways" column). */
export function mergeShares(report: CpuReport): CpuReport {
  const merged = new Map<string, number>();
  for (const share of report.processes) merged.set(share.name, (merged.get(share.name) ?? 0) + share.percent);
  return { ...report, processes: [...merged].map(([name, percent]) => ({ name, percent })) };
}
