// Cross-origin access for the two routes a page of another bank of the consortium calls from the
// browser when its customer consents here to a packet coordinated there: log-in and consent.
// Only the consortium's own origins are allowed, and no cookies are involved (bearer tokens).
import type { FastifyInstance } from 'fastify';
import { headerValue } from '@banca/server-kit/auth-hook';

export const CROSS_ORIGIN_ROUTES = ['/v1/sessions', '/v1/me/consents'] as const;

export function registerConsentCors(app: FastifyInstance, memberUrls: readonly string[]): void {
  const origins = new Set(memberUrls.flatMap((url) => {
    try {
      return [new URL(url).origin];
    } catch {
      return [];
    }
  }));
  const allowed = (origin: string | undefined): origin is string => origin !== undefined && origins.has(origin);
  const routes = new Set<string>(CROSS_ORIGIN_ROUTES);
  app.addHook('onSend', async (request, reply, payload) => {
    const origin = headerValue(request, 'origin');
    if (routes.has(request.routeOptions.url ?? '') && allowed(origin)) {
      void reply.header('access-control-allow-origin', origin).header('vary', 'Origin');
    }
    return payload;
  });
  for (const url of CROSS_ORIGIN_ROUTES) {
    app.options(url, { schema: { hide: true } }, async (request, reply) => {
      if (!allowed(headerValue(request, 'origin'))) return reply.status(204).send();
      return reply.status(204)
        .header('access-control-allow-methods', 'POST')
        .header('access-control-allow-headers', 'content-type, authorization')
        .header('access-control-max-age', '600')
        .send();
    });
  }
}
