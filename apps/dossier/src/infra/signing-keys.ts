// The dossier's ES256 signing key (jose): the configured private JWK, or one made at start when
// none is configured (its tokens then die with the process). Tokens are signed with the private
// half; the JWKS publishes only the public half, and this process verifies against that same set.
import { randomUUID } from 'node:crypto';
import { createLocalJWKSet, exportJWK, generateKeyPair, importJWK, jwtVerify, SignJWT, type CryptoKey, type JWK, type JWTPayload } from 'jose';

export interface PrivateJwk {
  kty: 'EC';
  crv: 'P-256';
  x: string;
  y: string;
  d: string;
  kid: string;
}

export interface AccessTokenClaims {
  subject: string;
  clientId: string;
  scopes: readonly string[];
  issuer: string;
  audience: string;
  issuedAtSeconds: number;
  expiresAtSeconds: number;
}

export interface VerifyOptions {
  issuer: string;
  audience: string;
  nowMs: number;
}

export class SigningKeys {
  private readonly keySet: ReturnType<typeof createLocalJWKSet>;

  private constructor(
    readonly kid: string,
    /** True when no key was configured and this one was made at start. */
    readonly ephemeral: boolean,
    private readonly privateKey: CryptoKey,
    /** The public half only: what /.well-known/jwks.json serves. */
    readonly publicJwks: { keys: JWK[] },
  ) {
    this.keySet = createLocalJWKSet(publicJwks);
  }

  static async load(jwk: PrivateJwk | undefined): Promise<SigningKeys> {
    if (jwk) {
      const privateKey = await importJWK({ ...jwk, alg: 'ES256' }, 'ES256');
      if (!isCryptoKey(privateKey)) throw new Error('the signing key did not import as a private key');
      const keys = new SigningKeys(jwk.kid, false, privateKey, { keys: [publicHalf(jwk, jwk.kid)] });
      await keys.selfCheck();
      return keys;
    }
    const pair = await generateKeyPair('ES256', { extractable: true });
    const kid = `ephemeral-${randomUUID()}`;
    return new SigningKeys(kid, true, pair.privateKey, { keys: [publicHalf(await exportJWK(pair.publicKey), kid)] });
  }

  /** A key whose x and y are not d's public half would publish a JWKS nobody can verify with. */
  private async selfCheck(): Promise<void> {
    const nowSeconds = Math.floor(Date.now() / 1000);
    const probe = await this.sign({ subject: 'self-check', clientId: 'self-check', scopes: [], issuer: 'self-check', audience: 'self-check', issuedAtSeconds: nowSeconds, expiresAtSeconds: nowSeconds + 60 });
    await this.verify(probe, { issuer: 'self-check', audience: 'self-check', nowMs: Date.now() }).catch((cause: unknown) => {
      throw new Error('the signing key\'s public part (x, y) does not match its private part (d)', { cause });
    });
  }

  sign(claims: AccessTokenClaims): Promise<string> {
    return new SignJWT({ scope: claims.scopes.join(' '), client_id: claims.clientId })
      .setProtectedHeader({ alg: 'ES256', kid: this.kid, typ: 'at+jwt' })
      .setIssuer(claims.issuer)
      .setAudience(claims.audience)
      .setSubject(claims.subject)
      .setIssuedAt(claims.issuedAtSeconds)
      .setExpirationTime(claims.expiresAtSeconds)
      .setJti(randomUUID())
      .sign(this.privateKey);
  }

  /** Checks signature (ES256 only), issuer, audience and expiry; throws jose's errors. */
  async verify(token: string, options: VerifyOptions): Promise<JWTPayload> {
    const { payload } = await jwtVerify(token, this.keySet, {
      algorithms: ['ES256'], issuer: options.issuer, audience: options.audience, currentDate: new Date(options.nowMs),
    });
    return payload;
  }
}

/** Only the public members, whatever the JWK carried: a private `d` never reaches the JWKS. */
function publicHalf(jwk: JWK, kid: string): JWK {
  return { kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y, kid, alg: 'ES256', use: 'sig' };
}

function isCryptoKey(key: unknown): key is CryptoKey {
  return typeof key === 'object' && key !== null && 'type' in key && (key).type === 'private';
}
