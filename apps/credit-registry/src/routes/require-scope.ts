// Bearer-token authorization for the registry's routes: each route names the scope it needs, and
// the token is checked before the body is, so an unauthenticated caller learns nothing else.
import type { FastifyInstance, FastifyRequest, onRequestAsyncHookHandler } from 'fastify';
import { headerValue } from '@banca/server-kit/auth-hook';
import type { OAuthPrincipal, OAuthScope, OAuthVerifier } from '@banca/server-kit/oauth-verifier';

declare module 'fastify' {
  interface FastifyRequest {
    principal: OAuthPrincipal | null;
  }
}

export type ScopeGuard = (scope: OAuthScope) => onRequestAsyncHookHandler;

export function scopeGuard(app: FastifyInstance, verifier: OAuthVerifier): ScopeGuard {
  app.decorateRequest('principal', null);
  return (scope) => async (request) => {
    request.principal = await verifier.verify(headerValue(request, 'authorization'), scope);
  };
}

/** The caller a guarded route's handler runs for. */
export function principalOf(request: FastifyRequest): OAuthPrincipal {
  if (!request.principal) throw new Error('Invariant broken: a guarded route ran without a principal');
  return request.principal;
}
