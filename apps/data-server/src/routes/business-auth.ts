// Every data-server route is for business servers only: `business-id` plus its key.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { KeyRing } from '@banca/core/auth';
import { BancaError } from '@banca/core/errors';
import { parseBusinessId } from '@banca/core/ids';
import { authenticate } from '@banca/server-kit/auth-hook';
import { documentSecurity } from '@banca/server-kit/openapi-security';

declare module 'fastify' {
  interface FastifyRequest {
    businessId: string;
  }
}

/** Call before registering the scope's routes: their documented security is set as they register. */
/** With `keyAlone` (compat seed000) a key alone names the business; the seeds' paths carry its id too. */
export function requireBusinessAuth(scope: FastifyInstance, keys: KeyRing, keyAlone = false): void {
  scope.decorateRequest('businessId', '');
  scope.addHook('onRequest', async (request) => {
    request.businessId = authenticate(request, keys, 'business-id', { keyAlone });
  });
  // The OpenAPI document (and the Postman collection made from it) says so on every route of the scope.
  documentSecurity(scope, { businessId: [], authToken: [] });
}

/** The seeds put the business id in the path too: it must be the authenticated one. */
export function pathBusiness(request: FastifyRequest, value: unknown): string {
  const fromPath = parseBusinessId(value);
  if (fromPath !== request.businessId) {
    throw new BancaError('BUSINESS_ID_MISMATCH', `The path names business ${fromPath} but you authenticated as business ${request.businessId}.`);
  }
  return fromPath;
}

export function idempotencyKey(request: FastifyRequest, fromBody?: string): string | undefined {
  const header = request.headers['idempotency-key'];
  return (Array.isArray(header) ? header[0] : header) ?? fromBody;
}
