// Bearer tokens on the dossier's own routes: checked with the access verifier, and a refusal
// answered with RFC 6750's WWW-Authenticate challenge beside the catalogue's error body.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { BancaError } from '@banca/core/errors';
import { headerValue } from '@banca/server-kit/auth-hook';
import type { AccessPrincipal, AccessVerifier } from '../application/access-verifier.js';
import { REALM } from './oauth-routes.js';

export async function authorize(request: FastifyRequest, reply: FastifyReply, verifier: AccessVerifier, scope: string): Promise<AccessPrincipal> {
  try {
    return await verifier.verify(headerValue(request, 'authorization'), scope);
  } catch (error) {
    if (error instanceof BancaError && error.status === 401) {
      void reply.header('www-authenticate', `Bearer realm="${REALM}", error="invalid_token", error_description="${error.message.replace(/["\\]/g, "'")}"`);
    } else if (error instanceof BancaError && error.status === 403) {
      void reply.header('www-authenticate', `Bearer realm="${REALM}", error="insufficient_scope", scope="${scope}"`);
    }
    throw error;
  }
}
