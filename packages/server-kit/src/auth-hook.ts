// Authenticates a caller by an id header plus a key in `auth-token` (seed 000 calls it `auth`).
import type { FastifyRequest } from 'fastify';
import { verifyKey, type KeyRing } from '@banca/core/auth';
import { BancaError } from '@banca/core/errors';

export function headerValue(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** Returns the authenticated id or throws UNAUTHENTICATED. */
export function authenticate(request: FastifyRequest, ring: KeyRing, idHeader: string): string {
  const id = headerValue(request, idHeader);
  const key = headerValue(request, 'auth-token') ?? headerValue(request, 'auth');
  if (!verifyKey(ring, id, key)) {
    throw new BancaError(
      'UNAUTHENTICATED',
      id === undefined || key === undefined
        ? `Send your id in the '${idHeader}' header and your key in the 'auth-token' header.`
        : `The key in 'auth-token' is not the one registered for ${idHeader} '${id.slice(0, 40)}'.`,
    );
  }
  return id as string;
}
