// Authenticates a caller by an id header plus a key in `auth-token` (seed 000 calls it `auth`).
// With `keyAlone` (compat seed000), a caller that sends no id header is named by its key.
import type { FastifyRequest } from 'fastify';
import { identifyByKey, verifyKey, type KeyRing } from '@banca/core/auth';
import { BancaError } from '@banca/core/errors';

export function headerValue(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

export interface AuthOptions {
  /** Seed 000 sends only `auth: <key>`: the key names the caller when the id header is absent. */
  keyAlone?: boolean;
}

/** Returns the authenticated id or throws UNAUTHENTICATED. */
export function authenticate(request: FastifyRequest, ring: KeyRing, idHeader: string, options: AuthOptions = {}): string {
  const id = headerValue(request, idHeader);
  const key = headerValue(request, 'auth-token') ?? headerValue(request, 'auth');
  if (id === undefined && options.keyAlone) {
    const owner = identifyByKey(ring, key);
    if (owner === undefined) {
      throw new BancaError('UNAUTHENTICATED', key === undefined
        ? "Send your key in the 'auth' (or 'auth-token') header."
        : "The key in 'auth' is not a registered key.");
    }
    return owner;
  }
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
