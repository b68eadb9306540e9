// Part (f): a consortium at rest. Starts what `npm start` starts (3 banks of a data server on
// SQLite, 3 business servers and a gateway each, the credit registry and the dossier seeded with
// the demo records), asks it nothing, waits for it to settle (start-up's garbage collections
// die down), then reads the CPU time of every one of its processes over the measured window:
// what the health probes, recovery sweeps and timers cost when there is nothing to do.
import { startConsortium, type RunningConsortium } from '@banca/launcher/consortium';
import { ownChildren, Resources, stopChildren, stopOrKill } from './cleanup.js';
import { measureCpu, mergeShares, type CpuReport, type CpuTarget } from './cpu.js';
import { note } from './progress.js';

export interface AtRestOptions {
  banks: number;
  businessServers: number;
  /** Unmeasured wait after the start, for start-up work to end. */
  settleSeconds: number;
  /** Measured seconds. */
  seconds: number;
  progress: boolean;
}

export interface AtRestKind {
  /** gateways, business servers, data servers, dossier, credit registry. */
  name: string;
  processes: number;
  /** Percent of one core, all the processes of this kind together. */
  percent: number;
}

export interface AtRestReport {
  banks: number;
  businessServers: number;
  settleSeconds: number;
  seconds: number;
  kinds: AtRestKind[];
  /** Every process of the consortium together, percent of one core. */
  totalPercent: number;
  /** Machine and per-kind shares, as the other parts report them. */
  cpu: CpuReport;
}

function cpuTargets(consortium: RunningConsortium): CpuTarget[] {
  return [
    ...consortium.banks.flatMap((bank) => [
      { name: 'gateways', pid: bank.gateway.child.pid },
      ...bank.businessServers.map((server) => ({ name: 'business servers', pid: server.child.pid })),
      ...bank.dataServers.map((server) => ({ name: 'data servers', pid: server.child.pid })),
    ]),
    { name: 'dossier', pid: consortium.services?.dossier.child.pid },
    { name: 'credit registry', pid: consortium.services?.registry.child.pid },
  ];
}

export async function runAtRestBench(options: AtRestOptions): Promise<AtRestReport> {
  const resources = new Resources();
  try {
    note(`(f) starting ${options.banks} banks (data server, ${options.businessServers} business servers, gateway each), the credit registry and the dossier, as npm start does...`, options.progress);
    const dataDir = resources.tempDir('banca-bench-f-');
    // startConsortium stops the banks it started when a later one fails, not a half-started bank: stop those here.
    const before = new Set(ownChildren());
    resources.defer('stop processes of a half-started consortium', () => stopChildren(before));
    const consortium = await startConsortium(options.banks, 'holds', {
      ports: 'random', store: 'sqlite', dataDir, businessServers: options.businessServers, queueMode: 'batch', logLevel: 'info',
      services: { seedDemo: true },
    });
    resources.defer('stop the consortium', () => stopOrKill(consortium));
    note(`(f) started; settling for ${options.settleSeconds} s, then measuring ${options.seconds} s with nothing asked...`, options.progress);
    await new Promise((resolve) => setTimeout(resolve, options.settleSeconds * 1000));
    const targets = cpuTargets(consortium);
    const window = measureCpu(targets);
    await new Promise((resolve) => setTimeout(resolve, options.seconds * 1000));
    const cpu = mergeShares(window.stop());
    const kinds = cpu.processes.map((share) => ({
      name: share.name, processes: targets.filter((target) => target.name === share.name).length, percent: share.percent,
    }));
    return {
      banks: options.banks, businessServers: options.businessServers, settleSeconds: options.settleSeconds, seconds: options.seconds,
      kinds, totalPercent: kinds.reduce((sum, kind) => sum + kind.percent, 0), cpu,
    };
  } finally {
    await resources.close();
  }
}
