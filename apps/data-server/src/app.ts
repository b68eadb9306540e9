// Builds the data server without listening: main.ts listens, tests use inject().
import type { FastifyInstance } from 'fastify';
import { createServer } from '@banca/server-kit/create-server';
import { LedgerService } from './application/ledger-service.js';
import { LimitService } from './application/limit-service.js';
import type { DataServerConfig } from './config.js';
import type { LedgerStore } from './infra/ledger-store.js';
import { openStore } from './infra/open-store.js';
import { requireBusinessAuth } from './routes/business-auth.js';
import { registerLimitRoutes } from './routes/limit-routes.js';
import { registerSeedRoutes } from './routes/seed-routes.js';
import { registerV1Routes } from './routes/v1-routes.js';

export interface DataServerDeps {
  store?: LedgerStore;
  /** The clock of the windowed counters (tests move it). */
  now?: () => number;
}

export async function buildApp(config: DataServerConfig, deps: DataServerDeps = {}): Promise<FastifyInstance> {
  const store = deps.store ?? (await openStore(config.store, { sqliteFile: config.sqliteFile, databaseUrl: config.databaseUrl }));
  let open = true;
  const app = await createServer({
    service: 'data-server',
    description: 'The ledger of one bank: account locks (leases with fencing tokens), atomic idempotent commits, journal.',
    logLevel: config.logLevel,
    bodyLimitBytes: config.bodyLimitBytes,
    isReady: () => open,
  });
  const ledger = new LedgerService(store, config);
  if (config.compat === 'seed000') await ledger.openSeed000Accounts();
  const limits = new LimitService(store, deps.now);
  await app.register(async (scope) => {
    requireBusinessAuth(scope, config.businessKeys, config.compat === 'seed000');
    registerSeedRoutes(scope, ledger, config.compat);
    registerV1Routes(scope, ledger);
    registerLimitRoutes(scope, limits);
  });
  app.addHook('onClose', async () => {
    open = false;
    await store.close();
  });
  return app;
}
