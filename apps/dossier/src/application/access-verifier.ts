// Checks the bearer tokens that reach the dossier's own routes. The dossier is their issuer, so it
// verifies against its own key set in memory (no HTTP round trip to its JWKS), with the same
// answers as the consortium's verifier: UNAUTHENTICATED, TOKEN_EXPIRED, INSUFFICIENT_SCOPE.
import { errors } from 'jose';
import { BancaError } from '@banca/core/errors';
import type { SigningKeys } from '../infra/signing-keys.js';

export interface AccessPrincipal {
  subject: string;
  clientId: string;
  scopes: ReadonlySet<string>;
}

export interface AccessVerifier {
  verify(authorizationHeader: string | undefined, requiredScope: string): Promise<AccessPrincipal>;
}

export class LocalAccessVerifier implements AccessVerifier {
  constructor(
    private readonly keys: SigningKeys,
    private readonly settings: { issuer: string; audience: string },
    private readonly now: () => number,
  ) {}

  async verify(authorizationHeader: string | undefined, requiredScope: string): Promise<AccessPrincipal> {
    const match = authorizationHeader?.match(/^Bearer\s+(\S+)$/i);
    if (!match?.[1]) {
      throw new BancaError('UNAUTHENTICATED', "Send 'Authorization: Bearer <token>' with a token from POST /oauth/token (or POST /v1/admin/sessions).");
    }
    let payload;
    try {
      payload = await this.keys.verify(match[1], { ...this.settings, nowMs: this.now() });
    } catch (error) {
      if (error instanceof errors.JWTExpired) throw new BancaError('TOKEN_EXPIRED', 'The token expired; get a new one.', { cause: error });
      if (error instanceof errors.JWTClaimValidationFailed) {
        throw new BancaError('UNAUTHENTICATED', `The token was not issued for this consortium (${error.claim} mismatch).`, { cause: error });
      }
      throw new BancaError('UNAUTHENTICATED', 'The token is not valid (malformed, wrong algorithm or bad signature).', { cause: error });
    }
    const scopes = new Set(typeof payload.scope === 'string' ? payload.scope.split(' ').filter(Boolean) : []);
    if (typeof payload.sub !== 'string' || typeof payload.client_id !== 'string') {
      throw new BancaError('UNAUTHENTICATED', 'The token names no subject or client.');
    }
    if (!scopes.has(requiredScope)) {
      throw new BancaError('INSUFFICIENT_SCOPE', `This needs a token with the scope ${requiredScope}.`, { details: { requiredScope } });
    }
    return { subject: payload.sub, clientId: payload.client_id, scopes };
  }
}
