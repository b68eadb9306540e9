// Test stand-ins for the dossier's side of OAuth2: an ES256 signing key whose tokens look like the
// dossier's (issuer banca-dossier, audience banca, scope and client_id claims) with any claim or
// time a test needs, and a JWKS served on a 127.0.0.1 port chosen at run time.
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK, type JWTPayload } from 'jose';

/** The dossier's defaults (server-kit's OAUTH_DEFAULTS), written out: the testkit stands below server-kit. */
export const TEST_OAUTH = { issuer: 'banca-dossier', audience: 'banca' } as const;

export interface TestClaims {
  sub?: string;
  client_id?: string;
  scope?: string;
  iss?: string;
  aud?: string;
  iatSeconds?: number;
  /** Absolute expiry (seconds since the epoch); else expiresInSeconds from now (300). */
  expSeconds?: number;
  expiresInSeconds?: number;
  /** Other claims, and the header's kid and typ. */
  extra?: JWTPayload;
  kid?: string;
  typ?: string;
}

export interface TestSigningKey {
  kid: string;
  /** The private key as a JWK with its kid: what the dossier's BANCA_OAUTH_SIGNING_KEY takes. */
  jwk: JWK & { kid: string };
  /** The public half, as a JWKS lists it. */
  publicJwk: JWK & { kid: string };
  privateKey: CryptoKey;
  sign(claims?: TestClaims): Promise<string>;
}

export async function testSigningKey(kid = 'test-key'): Promise<TestSigningKey> {
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
  const jwk = { ...(await exportJWK(privateKey)), kid };
  const publicJwk = { ...(await exportJWK(publicKey)), kid, alg: 'ES256', use: 'sig' };
  return { kid, jwk, publicJwk, privateKey, sign: (claims = {}) => signToken(privateKey, kid, claims) };
}

/** Signs with any ES256 key (a stranger's too), as the dossier would. */
export async function signToken(key: CryptoKey, kid: string, claims: TestClaims = {}): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const payload: JWTPayload = { ...claims.extra };
  if (claims.scope !== undefined) payload.scope = claims.scope;
  if (claims.client_id !== undefined) payload.client_id = claims.client_id;
  return new SignJWT(payload)
    .setProtectedHeader({ alg: 'ES256', kid: claims.kid ?? kid, typ: claims.typ ?? 'at+jwt' })
    .setIssuer(claims.iss ?? TEST_OAUTH.issuer)
    .setAudience(claims.aud ?? TEST_OAUTH.audience)
    .setSubject(claims.sub ?? claims.client_id ?? 'test')
    .setIssuedAt(claims.iatSeconds ?? now)
    .setExpirationTime(claims.expSeconds ?? now + (claims.expiresInSeconds ?? 300))
    .sign(key);
}

export interface JwksServer {
  /** http://127.0.0.1:<port>/.well-known/jwks.json */
  url: string;
  /** How many times the key set was asked for. */
  requests(): number;
  close(): Promise<void>;
}

export async function serveJwks(keys: readonly TestSigningKey[]): Promise<JwksServer> {
  const body = JSON.stringify({ keys: keys.map((key) => key.publicJwk) });
  let requests = 0;
  const server = createServer((request, response) => {
    requests += 1;
    if (request.url !== '/.well-known/jwks.json') return void response.writeHead(404).end();
    response.writeHead(200, { 'content-type': 'application/json' }).end(body);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/.well-known/jwks.json`,
    requests: () => requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
