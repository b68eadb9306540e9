// A bank's interbank signing keys: ES256 (P-256) key pairs as JWKs, each with a `kid`. A bank holds
// only its own private key(s) and the other banks' public keys, so nothing it holds signs as
// another bank. Keys generated for development carry a kid starting with DEV_INTERBANK_KID_PREFIX
// and are refused when NODE_ENV is production.
import { generateKeyPairSync, randomBytes } from 'node:crypto';

export const DEV_INTERBANK_KID_PREFIX = 'dev-';

/** A public ES256 key as a JWK; `d` (the private part) never appears in one. */
export interface InterbankPublicJwk {
  kty: 'EC';
  crv: 'P-256';
  x: string;
  y: string;
  kid: string;
  alg: 'ES256';
  use: 'sig';
}

export interface InterbankPrivateJwk extends InterbankPublicJwk {
  d: string;
}

/** A new key pair for `bankId`; `dev` marks it as a development key (kid `dev-bank-N-...`). */
export function generateInterbankKeyPair(bankId: number, options: { dev: boolean; now?: Date }): InterbankPrivateJwk {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const jwk = privateKey.export({ format: 'jwk' });
  const day = (options.now ?? new Date()).toISOString().slice(0, 10).replaceAll('-', '');
  const kid = `${options.dev ? DEV_INTERBANK_KID_PREFIX : ''}bank-${bankId}-${day}-${randomBytes(4).toString('hex')}`;
  return { kty: 'EC', crv: 'P-256', x: String(jwk.x), y: String(jwk.y), d: String(jwk.d), kid, alg: 'ES256', use: 'sig' };
}

/** The public half of a key pair, safe to give to every other bank. */
export function publicJwkOf(key: InterbankPublicJwk): InterbankPublicJwk {
  return { kty: key.kty, crv: key.crv, x: key.x, y: key.y, kid: key.kid, alg: key.alg, use: key.use };
}

export function isDevInterbankKid(kid: string): boolean {
  return kid.startsWith(DEV_INTERBANK_KID_PREFIX);
}

/** Throws when development interbank keys would be used in production. */
export function refuseDevInterbankKeysInProduction(kids: readonly string[], what: string, env: NodeJS.ProcessEnv = process.env): void {
  if (env.NODE_ENV !== 'production') return;
  const dev = kids.filter(isDevInterbankKid);
  if (dev.length > 0) {
    throw new Error(`${what}: development interbank keys (${dev.join(', ')}) are refused when NODE_ENV=production; generate real ones.`);
  }
}
