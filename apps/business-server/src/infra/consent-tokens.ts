// A payer's consent to a packet coordinated by another bank: an HS256 JWT (jose) that this bank
// issues to its own logged-in customer and only this bank ever verifies, so its key never leaves
// it. The token binds the packet id, the coordinating bank, the paying account, the holder who
// consented and every leg it covers (leg id, receiving bank, key, amount); its key is derived
// from the customer-token secret but separate from it, so a session token is never a consent.
import { createHmac } from 'node:crypto';
import { errors, jwtVerify, SignJWT } from 'jose';
import { BancaError } from '@banca/core/errors';

export interface ConsentLeg {
  legId: string;
  toBank: number;
  key: string;
  amountCents: number;
}

export interface Consent {
  packetId: string;
  coordinatorBank: number;
  payerAccountId: string;
  /** The consenting holder's document (digits). */
  document: string;
  legs: ConsentLeg[];
}

export class ConsentTokens {
  private readonly key: Uint8Array;
  private readonly audience: string;

  /** `nowMs` is the clock tokens are issued by (tests give an earlier one for an expired consent). */
  constructor(customerTokenSecret: string, bankId: number, private readonly nowMs: () => number = Date.now) {
    this.key = createHmac('sha256', customerTokenSecret).update('banca consent tokens v1').digest();
    this.audience = `banca:bank-${bankId}:consent`;
  }

  async issue(consent: Consent, ttlSeconds: number): Promise<{ token: string; expiresAtMs: number }> {
    const nowSeconds = Math.floor(this.nowMs() / 1000);
    const token = await new SignJWT({ pkt: consent.packetId, cb: consent.coordinatorBank, doc: consent.document, legs: consent.legs })
      .setProtectedHeader({ alg: 'HS256', typ: 'banca-consent+jwt' })
      .setSubject(consent.payerAccountId)
      .setIssuer(this.audience)
      .setAudience(this.audience)
      .setIssuedAt(nowSeconds)
      .setExpirationTime(nowSeconds + ttlSeconds)
      .sign(this.key);
    return { token, expiresAtMs: (nowSeconds + ttlSeconds) * 1000 };
  }

  /** Checks signature, issuer, audience and expiry; throws CONSENT_INVALID saying which failed. */
  async verify(token: string): Promise<Consent> {
    let payload;
    try {
      ({ payload } = await jwtVerify(token, this.key, {
        algorithms: ['HS256'], issuer: this.audience, audience: this.audience, typ: 'banca-consent+jwt',
      }));
    } catch (error) {
      if (error instanceof errors.JWTExpired) throw new BancaError('CONSENT_INVALID', 'The consent expired; ask the payer to consent again.', { cause: error });
      if (error instanceof errors.JWTClaimValidationFailed) {
        throw new BancaError('CONSENT_INVALID', `The consent was not issued by this bank (${error.claim} mismatch).`, { cause: error });
      }
      throw new BancaError('CONSENT_INVALID', 'The consent is not valid (malformed or bad signature).', { cause: error });
    }
    const { sub, pkt, cb, doc, legs } = payload;
    if (typeof sub !== 'string' || typeof pkt !== 'string' || typeof cb !== 'number' || typeof doc !== 'string' || !Array.isArray(legs) || !legs.every(isConsentLeg)) {
      throw new BancaError('CONSENT_INVALID', 'The consent lacks its packet, account or legs.');
    }
    return { packetId: pkt, coordinatorBank: cb, payerAccountId: sub, document: doc, legs };
  }
}

function isConsentLeg(value: unknown): value is ConsentLeg {
  const leg = value as Partial<ConsentLeg> | null;
  return typeof leg === 'object' && leg !== null && typeof leg.legId === 'string' && typeof leg.toBank === 'number'
    && typeof leg.key === 'string' && typeof leg.amountCents === 'number';
}
