/// <reference types="@fastify/swagger" />
// The security schemes every banca OpenAPI document declares, and the hook that tells the document
// which of them a group of routes needs. Documentation only: the routes still authenticate in
// their own onRequest hooks, and a route whose schema already names its security keeps it.
import type { FastifyInstance } from 'fastify';

export const SECURITY_SCHEMES = {
  bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' },
  clientId: {
    type: 'apiKey', in: 'header', name: 'client-id',
    description: "A client's id, for the client API (seed routes and /v1 deposits, withdrawals, transfers, balances); its key goes in auth-token.",
  },
  businessId: {
    type: 'apiKey', in: 'header', name: 'business-id',
    description: "A business server's id, for every data server route; its key goes in auth-token.",
  },
  interbankSignature: {
    type: 'apiKey', in: 'header', name: 'banca-interbank-signature',
    description: "Interbank routes: a compact JWS (ES256, typ banca-interbank+jwt, kid of one of the calling bank's keys) made with the calling bank's own "
      + 'private key over claims iss (calling bank id), aud (this bank id), htm (method), htu (path with query), cd (Content-Digest `sha-256=:<base64>:` '
      + 'of the body bytes, of zero bytes without a body), iat (seconds; within interbankSignatureWindowMs) and jti (random, 16-64 characters, used once). '
      + 'An optional bank-id header must name the signer.',
  },
  authToken: {
    type: 'apiKey', in: 'header', name: 'auth-token',
    description: 'The key registered for the id sent beside it (client-id or business-id); seed clients may send it as `auth`.',
  },
} as const;

export type SecuritySchemeName = keyof typeof SECURITY_SCHEMES;

/** One way to authenticate: every scheme it names is needed (here, an id header and its key). */
export type SecurityRequirement = Partial<Record<SecuritySchemeName, readonly string[]>>;

/**
 * Documents `requirement` on every route registered in `scope` after this call (fastify's onRoute
 * hooks are encapsulated, so sibling scopes are not touched) unless the route's schema sets its own.
 */
export function documentSecurity(scope: FastifyInstance, requirement: SecurityRequirement): void {
  scope.addHook('onRoute', (route) => {
    if (route.schema?.security !== undefined) return;
    // A new schema object: a schema shared by several routes is not changed under the others.
    route.schema = { ...route.schema, security: [requirement] };
  });
}
