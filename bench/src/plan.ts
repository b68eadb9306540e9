// What `npm run bench` runs with the given flags: every part's options, kept in latest.json and
// described at the top of the report.
import type { BenchArgs } from './args.js';
import type { CommitBenchOptions } from './data-commit.js';
import type { DossierOptions } from './dossier.js';
import type { EndToEndOptions } from './end-to-end.js';
import type { InterbankOptions } from './interbank.js';
import type { PostgresBenchOptions } from './postgres-commit.js';
import type { AtRestOptions } from './at-rest.js';

export interface BenchPlan {
  a: CommitBenchOptions;
  b: EndToEndOptions;
  c: PostgresBenchOptions;
  d: InterbankOptions;
  e: DossierOptions;
  f: AtRestOptions;
}

/** Part (c): batch size of the sweep, and the level its target is read at (8 in flight, else the highest level swept). */
export const PG_SWEEP_BATCH = 5;
const PG_COMPARE_LEVEL = 8;

export function benchPlan(args: BenchArgs): BenchPlan {
  const pgCompare = args.pgLevels.includes(PG_COMPARE_LEVEL) ? PG_COMPARE_LEVEL : args.pgLevels[args.pgLevels.length - 1] ?? PG_COMPARE_LEVEL;
  return {
    a: { batchSizes: [1, 10, 100], concurrencies: [1, 8], seconds: args.commitSeconds, warmupSeconds: 0.5,
      serverWarmupSeconds: Math.min(2, args.commitSeconds / 2), progress: args.progress },
    b: { levels: args.levels, seconds: args.seconds, warmupSeconds: 0.5, bankWarmupSeconds: Math.min(5, args.seconds),
      accounts: args.accounts, businessServers: 3, batchSize: args.batchSize, progress: args.progress },
    c: { sweep: { batchSize: PG_SWEEP_BATCH, levels: args.pgLevels }, phases: [{ batchSize: 1, concurrency: 8 }, { batchSize: 100, concurrency: 8 }],
      compare: { batchSize: PG_SWEEP_BATCH, concurrency: pgCompare }, seconds: args.pgSeconds, warmupSeconds: 0.5,
      serverWarmupSeconds: Math.min(1, args.pgSeconds / 2), pgbench: { scale: 1, threads: 2, seconds: args.pgSeconds }, progress: args.progress },
    d: { banks: 3, modes: [{ coordination: 'holds', opsPerPass: null }, { coordination: 'holds', opsPerPass: null, distanceMs: 10 }, { coordination: 'token-ring', opsPerPass: 32 }, { coordination: 'token-ring', opsPerPass: 1 }],
      customersPerBank: args.interbankCustomers, businessServers: 2, levels: args.interbankLevels, seconds: args.interbankSeconds,
      warmupSeconds: Math.min(1, args.interbankSeconds / 2), settleSeconds: 30, progress: args.progress },
    e: { banks: 3, businessServers: 2, people: args.dossierPeople, pixPerPerson: 2, levels: args.dossierLevels, seconds: args.dossierSeconds,
      warmupSeconds: 0.5, serviceWarmupSeconds: Math.min(2, args.dossierSeconds), progress: args.progress },
    // As `npm start`: 3 banks of 3 business servers.
    f: { banks: 3, businessServers: 3, settleSeconds: args.restSettleSeconds, seconds: args.restSeconds, progress: args.progress },
  };
}
