// Builds a business server without listening: main.ts listens, tests use inject().
import type { FastifyInstance } from 'fastify';
import { Histogram } from 'prom-client';
import { createServer } from '@banca/server-kit/create-server';
import { BankService } from './application/bank-service.js';
import { Batcher } from './application/batcher.js';
import { SeedQueue } from './application/seed-queue.js';
import type { BusinessServerConfig } from './config.js';
import { DataClient } from './infra/data-client.js';
import { registerClientRoutes } from './routes/client-routes.js';

export async function buildApp(config: BusinessServerConfig): Promise<FastifyInstance> {
  const data = new DataClient({ urls: config.dataServerUrls, businessId: config.businessId, businessKey: config.businessKey, timeoutMs: config.dataServerTimeoutMs });
  const app = await createServer({
    service: 'business-server',
    description: `Business server ${config.businessId}: customers' deposits, withdrawals, transfers and balances (queue mode: ${config.queueMode}).`,
    logLevel: config.logLevel,
    bodyLimitBytes: config.bodyLimitBytes,
    isReady: () => data.ready(),
  });
  const batchSeconds = new Histogram({
    name: 'banca_batch_duration_seconds',
    help: 'Time from taking a batch to its durable commit.',
    labelNames: ['size'],
    buckets: [0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5],
    registers: [app.metrics],
  });
  const saver = config.queueMode === 'batch'
    ? { mode: 'batch' as const, batcher: new Batcher(data, config, app.log, { batchCommitted: (size, seconds) => batchSeconds.observe({ size: String(size) }, seconds) }) }
    : { mode: 'seed' as const, queue: new SeedQueue(data, config, app.log) };
  const bank = new BankService(data, saver);
  await app.register(async (scope) => registerClientRoutes(scope, bank, config.clientKeys));
  app.addHook('preClose', async () => {
    // In-flight batches finish before the server stops (graceful shutdown).
    if (saver.mode === 'batch') await saver.batcher.drain();
    else await saver.queue.close();
  });
  app.addHook('onClose', async () => data.close());
  return app;
}
