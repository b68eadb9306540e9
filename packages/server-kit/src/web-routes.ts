// The web interface, under /app/: hashed assets cached for good, every other path under /app/
// answered with the app's page (it routes in the browser). Pages may talk only to this origin,
// and to the origins named in connectOrigins (a bank's page asks the consortium's other banks for consents).
// A bank's gateway serves the bank's page (index.html); the dossier serves its own (dossier.html).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance, FastifyReply } from 'fastify';
import fastifyStatic from '@fastify/static';
import { BancaError } from '@banca/core/errors';

function pageHeaders(connectOrigins: readonly string[]) {
  const connect = ["'self'", ...new Set(connectOrigins.map((url) => new URL(url).origin))].join(' ');
  return {
    'content-security-policy': `default-src 'self'; img-src 'self' data:; style-src 'self'; connect-src ${connect}; frame-ancestors 'none'; base-uri 'none'; form-action 'self'`,
    ...FIXED_HEADERS,
  };
}

const FIXED_HEADERS = {
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
} as const;

export interface WebRoutesOptions {
  /** The built web interface (apps/web/dist/ui); "" serves none. */
  root: string;
  /** The page every path under /app/ answers with. */
  page: 'index.html' | 'dossier.html';
  /** Other origins the page may call (fetch); none by default. */
  connectOrigins?: readonly string[];
}

export async function registerWebRoutes(app: FastifyInstance, { root, page: pageFile, connectOrigins = [] }: WebRoutesOptions): Promise<void> {
  const headers = pageHeaders(connectOrigins);
  const built = root !== '' && existsSync(join(root, pageFile));
  app.get('/', { schema: { hide: true } }, async (_request, reply) => reply.redirect('/app/', 302));
  app.get('/app', { schema: { hide: true } }, async (_request, reply) => reply.redirect('/app/', 301));
  if (!built) {
    app.get('/app/*', { schema: { hide: true } }, async () => {
      throw new BancaError('ROUTE_NOT_FOUND', root === ''
        ? 'This server serves no web interface (webRoot is "").'
        : 'The web interface is not built here: run `npm run build` (it writes apps/web/dist/ui).');
    });
    return;
  }
  await app.register(fastifyStatic, {
    root,
    prefix: '/app/',
    index: false,
    wildcard: false,
    cacheControl: false,
    setHeaders: (reply, path) => {
      const hashed = path.startsWith(join(root, 'assets'));
      reply.headers({ ...headers, 'cache-control': hashed ? 'public, max-age=31536000, immutable' : 'no-cache' });
    },
  });
  const page = (reply: FastifyReply) => reply.headers({ ...headers, 'cache-control': 'no-cache' }).sendFile(pageFile);
  app.get('/app/', { schema: { hide: true } }, async (_request, reply) => page(reply));
  app.get('/app/*', { schema: { hide: true } }, async (request, reply) => {
    // A missing asset is a 404, not the page: a stale tab must not run HTML as a script.
    if (request.url.startsWith('/app/assets/')) throw new BancaError('ROUTE_NOT_FOUND', `No asset ${request.url}.`);
    return page(reply);
  });
}
