#!/usr/bin/env node
// `npm run chaos`: the fault harness, bounded in time. `--seed N` replays a run's choices.
import { Command, Option } from 'commander';
import { LINK_DELAY_MS } from '@banca/testkit/hosts';
import { runChaos } from './harness.js';

const program = new Command('chaos')
  .description('A consortium under random load and faults; checks the books afterwards.')
  .addOption(new Option('--seconds <n>', 'how long the load and the faults last').default('60').argParser(Number))
  .addOption(new Option('--seed <n>', 'replays the choices of an earlier run').argParser(Number))
  .addOption(new Option('--banks <n>', 'banks in the consortium').default('3').argParser(Number))
  .addOption(new Option('--customers <n>', 'customers (each with an account at every bank)').default('6').argParser(Number))
  .addOption(new Option('--workers <n>', 'operations in flight').default('8').argParser(Number))
  .addOption(new Option('--fault-every-ms <min-max>', 'a fault every so often').default('1500-4000'))
  .addOption(new Option('--hosts', `each bank on a host of its own: a network namespace, links ${LINK_DELAY_MS} ms each way (needs root)`))
  .addOption(new Option('--store <store>', 'each bank\'s ledger').choices(['sqlite', 'postgres']).default('sqlite'))
  .addOption(new Option('--replicas <n>', 'with --store postgres, 1: each bank on a primary and a synchronous standby (Debian\'s PostgreSQL), and the fault "primary killed, standby promoted"')
    .choices(['0', '1']).default('0'))
  .action(async (options: { seconds: number; seed?: number; banks: number; customers: number; workers: number; faultEveryMs: string; hosts?: boolean; store: 'sqlite' | 'postgres'; replicas: '0' | '1' }) => {
    const [min, max] = options.faultEveryMs.split('-').map(Number);
    if (!Number.isFinite(min) || !Number.isFinite(max) || min! <= 0 || max! < min!) throw new Error('--fault-every-ms is like 1500-4000');
    if (options.replicas === '1' && options.store !== 'postgres') throw new Error('--replicas 1 needs --store postgres');
    const report = await runChaos({
      seconds: options.seconds,
      seed: options.seed ?? Math.floor(Math.random() * 2 ** 31),
      banks: options.banks,
      customersPerBank: options.customers,
      workers: options.workers,
      faultEveryMs: [min!, max!],
      hosts: options.hosts === true,
      store: options.store,
      replicas: options.replicas === '1' ? 1 : 0,
      log: (line) => console.log(line),
    });
    const table = Object.entries(report.operations).map(([kind, counts]) => `  ${kind.padEnd(10)} ok ${counts.ok}  refused ${counts.refused}  unknown ${counts.unknown}`);
    for (const failover of report.failovers) {
      console.log(`failover at bank ${failover.bankId}: standby promoted ${failover.promotedAfterMs} ms after the primary's SIGKILL; outage (kill to the first write acknowledged) ${(failover.outageMs / 1000).toFixed(2)} s`);
    }
    console.log(`operations, final outcomes (${report.resolvedUnknown} had no answer at first and were resolved by repeating them with their keys):\n${table.join('\n')}`);
    process.exitCode = report.ok ? 0 : 1;
  });

program.parseAsync().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
