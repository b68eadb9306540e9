// Signed interbank requests: the calling bank signs each request with its own ES256 private key
// as a compact JWS (typ banca-interbank+jwt) in one header, over the method, the path with its
// query, the body's SHA-256 digest (RFC 9530 Content-Digest form), the sender and receiver bank
// ids, a timestamp and a random jti. A receiver holds only public keys, so it can verify a bank
// but never sign as one. The verifier does no HTTP: the routes feed it headers and the raw body.
import { createHash, randomBytes } from 'node:crypto';
import { compactVerify, createRemoteJWKSet, decodeJwt, decodeProtectedHeader, importJWK, SignJWT, type CryptoKey, type JWK, type JWTPayload } from 'jose';
import type { InterbankPrivateJwk, InterbankPublicJwk } from '@banca/core/interbank-keys';
import { BancaError } from '@banca/core/errors';

export const INTERBANK_SIGNATURE_HEADER = 'banca-interbank-signature';
export const INTERBANK_SIGNATURE_TYP = 'banca-interbank+jwt';
export const INTERBANK_JWKS_PATH = '/.well-known/banca-interbank-jwks.json';
/** A signature is a few hundred characters; anything far longer is refused before parsing. */
export const INTERBANK_SIGNATURE_LENGTH_MAX = 4096;

export interface InterbankClaims {
  iss: string;
  aud: string;
  htm: string;
  htu: string;
  /** `sha-256=:<base64>:` of the body's bytes (empty body: of zero bytes). */
  cd: string;
  iat: number;
  jti: string;
}

/** RFC 9530 Content-Digest of a body, sha-256 only. */
export function contentDigest(body: string | Buffer | undefined): string {
  return `sha-256=:${createHash('sha256').update(body ?? '').digest('base64')}:`;
}

export interface InterbankSigner {
  readonly bankId: number;
  readonly kid: string;
  /** The header value for one request to `receiver`. */
  sign(receiver: number, method: string, path: string, body: string | undefined): Promise<string>;
}

/** Signs with the first (newest) of the bank's keys. */
export async function createInterbankSigner(bankId: number, key: InterbankPrivateJwk, now: () => number = Date.now): Promise<InterbankSigner> {
  const privateKey = await importJWK(key as JWK, 'ES256');
  return {
    bankId,
    kid: key.kid,
    sign: (receiver, method, path, body) => new SignJWT({ htm: method, htu: path, cd: contentDigest(body) })
      .setProtectedHeader({ alg: 'ES256', kid: key.kid, typ: INTERBANK_SIGNATURE_TYP })
      .setIssuer(String(bankId))
      .setAudience(String(receiver))
      .setIssuedAt(Math.floor(now() / 1000))
      .setJti(randomBytes(16).toString('base64url'))
      .sign(privateKey),
  };
}

/** Where a peer bank's public keys come from: listed in the config, or its JWKS route. */
export type PeerKeys = { kind: 'listed'; keys: readonly InterbankPublicJwk[] } | { kind: 'jwks'; url: string };

export interface InterbankVerifierOptions {
  bankId: number;
  /** Every other member of the consortium; a bank not here is refused. */
  peers: ReadonlyMap<number, PeerKeys>;
  windowMs: number;
  replayCacheMax: number;
  jwks: { cacheMaxAgeMs: number; cooldownMs: number; timeoutMs: number };
  now?: () => number;
}

/** What the header proves, before the body is read. */
export interface VerifiedHeader {
  sender: number;
  jti: string;
  cd: string;
  iatMs: number;
}

type KeyOf = (kid: string, token: string) => Promise<CryptoKey | null>;

export class InterbankVerifier {
  private readonly seen: ReplayCache;
  private readonly now: () => number;

  private constructor(private readonly options: InterbankVerifierOptions, private readonly keyOf: ReadonlyMap<number, KeyOf>) {
    this.now = options.now ?? Date.now;
    this.seen = new ReplayCache(options.replayCacheMax);
  }

  static async create(options: InterbankVerifierOptions): Promise<InterbankVerifier> {
    const keyOf = new Map<number, KeyOf>();
    for (const [bankId, source] of options.peers) keyOf.set(bankId, await keySource(source, options.jwks));
    return new InterbankVerifier(options, keyOf);
  }

  /** Checks the signature header against the request line; throws the catalogue's 401s. */
  async verifyHeader(header: string | undefined, method: string, url: string, claimedBankId: string | undefined): Promise<VerifiedHeader> {
    if (header === undefined || header === '') {
      throw new BancaError('INTERBANK_SIGNATURE_MISSING', `Sign the request with your bank's key and send it in the ${INTERBANK_SIGNATURE_HEADER} header.`);
    }
    if (header.length > INTERBANK_SIGNATURE_LENGTH_MAX) invalid(`the header is longer than ${INTERBANK_SIGNATURE_LENGTH_MAX} characters`);
    let protectedHeader: ReturnType<typeof decodeProtectedHeader>;
    let unverified: JWTPayload;
    try {
      protectedHeader = decodeProtectedHeader(header);
      unverified = decodeJwt(header);
    } catch {
      return invalid('it is not a compact JWS');
    }
    if (protectedHeader.alg !== 'ES256') invalid(`alg must be ES256, not ${String(protectedHeader.alg).slice(0, 20)}`);
    if (protectedHeader.typ !== INTERBANK_SIGNATURE_TYP) invalid(`typ must be ${INTERBANK_SIGNATURE_TYP}`);
    if (protectedHeader.crit !== undefined || protectedHeader.b64 !== undefined) invalid('crit and b64 are not accepted');
    const kid = protectedHeader.kid;
    if (typeof kid !== 'string' || kid.length === 0 || kid.length > 128) invalid('kid must name one of the sender\'s keys');
    const sender = typeof unverified.iss === 'string' && /^[1-9][0-9]?$/.test(unverified.iss) ? Number(unverified.iss) : NaN;
    const keyOf = this.keyOf.get(sender);
    if (!keyOf) {
      throw new BancaError('INTERBANK_KEY_UNKNOWN', `The sender (iss ${String(unverified.iss).slice(0, 20)}) is not another member of this bank's consortium.`);
    }
    const key = await keyOf(kid, header);
    if (!key) throw new BancaError('INTERBANK_KEY_UNKNOWN', `Key '${(kid).slice(0, 64)}' is not one of bank ${sender}'s keys.`);
    let payload: JWTPayload;
    try {
      payload = JSON.parse(new TextDecoder().decode((await compactVerify(header, key, { algorithms: ['ES256'] })).payload)) as JWTPayload;
    } catch {
      return invalid(`it does not verify with bank ${sender}'s key '${(kid).slice(0, 64)}'`);
    }
    const claims = payload as Partial<InterbankClaims>;
    if (claims.iss !== String(sender)) invalid('iss changed');
    if (claimedBankId !== undefined && claimedBankId !== String(sender)) invalid(`bank-id ${claimedBankId.slice(0, 8)} is not the signer (bank ${sender})`);
    if (claims.aud !== String(this.options.bankId)) invalid(`it is addressed to bank ${String(claims.aud).slice(0, 8)}, not to bank ${this.options.bankId}`);
    if (claims.htm !== method) invalid(`it signs method ${String(claims.htm).slice(0, 8)}, not ${method}`);
    if (claims.htu !== url) invalid('it signs another path');
    if (typeof claims.cd !== 'string') invalid('it carries no body digest (cd)');
    if (typeof claims.jti !== 'string' || claims.jti.length < 16 || claims.jti.length > 64) invalid('jti must be 16 to 64 characters');
    if (typeof claims.iat !== 'number' || !Number.isSafeInteger(claims.iat)) invalid('iat must be an integer (seconds)');
    const iatMs = (claims.iat) * 1000;
    const skewMs = Math.abs(this.now() - iatMs);
    if (skewMs > this.options.windowMs) {
      throw new BancaError('INTERBANK_SIGNATURE_EXPIRED', `The signature was made ${Math.round(skewMs / 1000)} s away from this bank's clock; the window is ${this.options.windowMs / 1000} s.`);
    }
    return { sender, jti: claims.jti, cd: claims.cd, iatMs };
  }

  /** Checks the body's digest, then admits the signature once. */
  verifyBody(verified: VerifiedHeader, rawBody: string | Buffer | undefined): void {
    if (contentDigest(rawBody) !== verified.cd) invalid('the body is not the one signed (content digest differs)');
    const now = this.now();
    const admitted = this.seen.admit(`${verified.sender}:${verified.jti}`, verified.iatMs + this.options.windowMs, now);
    if (admitted === 'replayed') throw new BancaError('INTERBANK_SIGNATURE_REPLAYED', `Bank ${verified.sender}'s signature ${verified.jti.slice(0, 64)} was already used.`);
    if (admitted === 'full') throw new BancaError('UNAVAILABLE', 'Too many interbank signatures within the window to remember; retry shortly.');
  }
}

function invalid(why: string): never {
  throw new BancaError('INTERBANK_SIGNATURE_INVALID', `The interbank signature is refused: ${why}.`);
}

async function keySource(source: PeerKeys, jwks: InterbankVerifierOptions['jwks']): Promise<KeyOf> {
  if (source.kind === 'listed') {
    const keys = new Map<string, CryptoKey>();
    for (const jwk of source.keys) keys.set(jwk.kid, await importJWK(jwk as JWK, 'ES256') as CryptoKey);
    return async (kid) => keys.get(kid) ?? null;
  }
  // jose caches the set (cacheMaxAge), refetches on an unknown kid at most once per cooldown, and times out.
  const remote = createRemoteJWKSet(new URL(source.url), { cacheMaxAge: jwks.cacheMaxAgeMs, cooldownDuration: jwks.cooldownMs, timeoutDuration: jwks.timeoutMs });
  return async (kid, token) => {
    try {
      return await remote({ alg: 'ES256', kid }, { payload: '', signature: '', protected: token.split('.')[0] ?? '' });
    } catch (error) {
      const code = (error as { code?: string }).code;
      if (code === 'ERR_JWKS_NO_MATCHING_KEY' || code === 'ERR_JWKS_MULTIPLE_MATCHING_KEYS') return null;
      throw new BancaError('UNAVAILABLE', `The sender's keys (${source.url}) cannot be fetched: ${(error as Error).message}`, { cause: error });
    }
  };
}

/** Signature ids seen within the window, bounded: past `max`, new ones are refused (503) rather than forgotten early. */
export class ReplayCache {
  private readonly expiries = new Map<string, number>();

  constructor(private readonly max: number) {}

  get size(): number {
    return this.expiries.size;
  }

  admit(id: string, expiresAtMs: number, nowMs: number): 'admitted' | 'replayed' | 'full' {
    const known = this.expiries.get(id);
    if (known !== undefined && known >= nowMs) return 'replayed';
    // Insertion order is arrival order, so expired entries are (nearly) at the front.
    for (const [seenId, expiry] of this.expiries) {
      if (expiry >= nowMs) break;
      this.expiries.delete(seenId);
    }
    if (this.expiries.size >= this.max) {
      for (const [seenId, expiry] of this.expiries) if (expiry < nowMs) this.expiries.delete(seenId);
      if (this.expiries.size >= this.max) return 'full';
    }
    this.expiries.delete(id);
    this.expiries.set(id, expiresAtMs);
    return 'admitted';
  }
}
