// This bank's public interbank keys as a JWK Set, for the banks that fetch them instead of listing
// them in their config. Public by nature: it lets a peer verify this bank, never sign as it.
import type { FastifyInstance } from 'fastify';
import type { InterbankPublicJwk } from '@banca/core/interbank-keys';
import { INTERBANK_JWKS_PATH } from '@banca/server-kit/interbank-signature';

export function registerInterbankKeyRoutes(app: FastifyInstance, keys: readonly InterbankPublicJwk[]): void {
  app.get(INTERBANK_JWKS_PATH, {
    schema: { tags: ['interbank'], summary: "This bank's public interbank signing keys (JWK Set), newest first", security: [] },
  }, async (_request, reply) => {
    reply.header('cache-control', 'public, max-age=300');
    return { keys };
  });
}
