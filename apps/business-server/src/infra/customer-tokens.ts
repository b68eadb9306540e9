// Customers' bearer tokens: short-lived HS256 JWTs (jose) naming the account, the holder's
// document and the bank that issued them. A token of one bank is refused by the others (audience).
import { decodeJwt, errors, jwtVerify, SignJWT } from 'jose';
import { BancaError } from '@banca/core/errors';

export interface CustomerClaims {
  accountId: string;
  document: string;
  bankId: number;
}

export class CustomerTokens {
  private readonly key: Uint8Array;
  private readonly audience: string;

  constructor(secret: string, private readonly bankId: number, private readonly ttlSeconds: number) {
    this.key = new TextEncoder().encode(secret);
    this.audience = `banca:bank-${bankId}`;
  }

  async issue(claims: Omit<CustomerClaims, 'bankId'>): Promise<{ token: string; expiresAtMs: number }> {
    const nowSeconds = Math.floor(Date.now() / 1000);
    const token = await new SignJWT({ doc: claims.document })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setSubject(claims.accountId)
      .setIssuer(this.audience)
      .setAudience(this.audience)
      .setIssuedAt(nowSeconds)
      .setExpirationTime(nowSeconds + this.ttlSeconds)
      .sign(this.key);
    return { token, expiresAtMs: (nowSeconds + this.ttlSeconds) * 1000 };
  }

  /** Checks signature, issuer, audience and expiry; throws UNAUTHENTICATED saying which failed. */
  async verify(token: string): Promise<CustomerClaims> {
    try {
      const { payload } = await jwtVerify(token, this.key, { algorithms: ['HS256'], issuer: this.audience, audience: this.audience });
      if (typeof payload.sub !== 'string' || typeof payload.doc !== 'string') throw new BancaError('UNAUTHENTICATED', 'The token has no account.');
      return { accountId: payload.sub, document: payload.doc, bankId: this.bankId };
    } catch (error) {
      if (error instanceof BancaError) throw error;
      if (error instanceof errors.JWTExpired) throw new BancaError('UNAUTHENTICATED', 'The token expired; log in again.');
      if (error instanceof errors.JWTClaimValidationFailed) {
        throw new BancaError('UNAUTHENTICATED', `The token was not issued for this bank (${error.claim} mismatch); log in at this bank.`);
      }
      // Each bank signs with its own secret, so another bank's token fails its signature here; the
      // (unverified) audience only chooses the message, never what is accepted.
      if (issuedElsewhere(token, this.audience)) throw new BancaError('UNAUTHENTICATED', 'The token was not issued for this bank (aud mismatch); log in at this bank.');
      throw new BancaError('UNAUTHENTICATED', 'The token is not valid (malformed or bad signature); log in again.');
    }
  }
}

function issuedElsewhere(token: string, audience: string): boolean {
  try {
    const aud = decodeJwt(token).aud;
    return typeof aud === 'string' && aud.startsWith('banca:bank-') && aud !== audience;
  } catch {
    return false;
  }
}
