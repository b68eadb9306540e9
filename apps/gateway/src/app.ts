// Builds the gateway without listening: main.ts listens, tests use inject().
import type { FastifyInstance } from 'fastify';
import { Gauge } from 'prom-client';
import { createServer } from '@banca/server-kit/create-server';
import type { GatewayConfig } from './config.js';
import { Upstreams } from './infra/upstreams.js';
import { registerProxyRoutes } from './routes/proxy-routes.js';
import { registerWebRoutes } from '@banca/server-kit/web-routes';

export async function buildApp(config: GatewayConfig): Promise<FastifyInstance> {
  const upstreams = new Upstreams({ urls: config.upstreams, ...config });
  const app = await createServer({
    service: 'gateway',
    description: 'Load balancer in front of the business servers: health checks, failover, safe retries. Client routes are the business servers\' (see their /openapi.json).',
    logLevel: config.logLevel,
    bodyLimitBytes: config.bodyLimitBytes,
    isReady: () => upstreams.healthyCount() > 0,
  });
  const up = new Gauge({ name: 'banca_gateway_upstreams_healthy', help: 'Business servers currently in the pool.', registers: [app.metrics] });
  upstreams.on('down', (origin: string) => {
    app.log.warn({ upstream: origin }, 'business server dropped');
    up.set(upstreams.healthyCount());
  });
  upstreams.on('up', (origin: string) => {
    app.log.info({ upstream: origin }, 'business server in service');
    up.set(upstreams.healthyCount());
  });
  app.get('/gateway/upstreams', { schema: { summary: 'Health of each business server behind this gateway' } }, async () => ({ upstreams: upstreams.status() }));
  await app.register(async (scope) => registerWebRoutes(scope, { root: config.webRoot, page: 'index.html', connectOrigins: config.connectOrigins }));
  await app.register(async (scope) => registerProxyRoutes(scope, upstreams, config.retriesMax));
  await upstreams.start();
  app.addHook('onClose', async () => upstreams.close());
  return app;
}
