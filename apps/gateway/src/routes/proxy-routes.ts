// Every path the gateway does not answer itself goes to a business server, body untouched.
import type { FastifyInstance } from 'fastify';
import { forward } from '../application/forward.js';
import type { Upstreams } from '../infra/upstreams.js';

const DROPPED_RESPONSE_HEADERS = new Set(['connection', 'keep-alive', 'transfer-encoding', 'content-length', 'x-request-id']);

export function registerProxyRoutes(app: FastifyInstance, upstreams: Upstreams, retriesMax: number): void {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));
  app.route({
    // OPTIONS too: a page of another bank asks the business server before a cross-origin log-in or consent.
    method: ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'],
    url: '/*',
    schema: { hide: true },
    handler: async (request, reply) => {
      const response = await forward(upstreams, {
        method: request.method,
        path: request.url,
        headers: request.headers,
        body: Buffer.isBuffer(request.body) ? request.body : undefined,
        requestId: request.id,
        clientAddress: request.socket.remoteAddress,
      }, retriesMax);
      reply.status(response.statusCode);
      for (const [name, value] of Object.entries(response.headers)) {
        if (value !== undefined && !DROPPED_RESPONSE_HEADERS.has(name)) reply.header(name, value);
      }
      return reply.send(Buffer.from(await response.body.arrayBuffer()));
    },
  });
}
