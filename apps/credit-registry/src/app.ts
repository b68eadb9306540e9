// Builds the credit registry without listening: main.ts listens, tests use inject().
import type { FastifyInstance } from 'fastify';
import { createServer } from '@banca/server-kit/create-server';
import { createOAuthVerifier, type OAuthVerifier } from '@banca/server-kit/oauth-verifier';
import { seedDemo } from './application/demo-seed.js';
import { RegistryService } from './application/registry-service.js';
import type { CreditRegistryConfig } from './config.js';
import { openStore } from './infra/open-store.js';
import type { RegistryStore } from './infra/registry-store.js';
import { registerRegistryRoutes } from './routes/registry-routes.js';

export interface CreditRegistryDeps {
  store?: RegistryStore;
  verifier?: OAuthVerifier;
  /** The clock that dates records and decides which debt dates are in the future. */
  now?: () => number;
}

export async function buildApp(config: CreditRegistryConfig, deps: CreditRegistryDeps = {}): Promise<FastifyInstance> {
  const store = deps.store ?? (await openStore({ databasePath: config.databasePath, databaseUrl: config.databaseUrl }));
  let open = true;
  try {
    const registry = new RegistryService(store, { itemsPerPersonMax: config.itemsPerPersonMax }, deps.now);
    if (config.seedDemo) await seedDemo(registry);
    const app = await createServer({
      service: 'credit-registry',
      description: "The consortium's credit registry: each person's (CPF or CNPJ) debts, assets and monthly incomes, for the dossier.",
      logLevel: config.logLevel,
      bodyLimitBytes: config.bodyLimitBytes,
      isReady: () => open,
    });
    registerRegistryRoutes(app, registry, deps.verifier ?? createOAuthVerifier(config.oauth));
    app.addHook('onClose', async () => {
      open = false;
      await store.close();
    });
    return app;
  } catch (error) {
    await store.close();
    throw error;
  }
}
