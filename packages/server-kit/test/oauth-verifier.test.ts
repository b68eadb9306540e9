// The OAuth verifier against a JWKS served from a node:http server on a port chosen at run time,
// holding an ES256 key made for the test: every kind of token it must refuse, and with which code.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SignJWT, type CryptoKey } from 'jose';
import { BancaError } from '@banca/core/errors';
import { serveJwks, signToken, testSigningKey, type JwksServer, type TestSigningKey } from '@banca/testkit/oauth';
import { createOAuthVerifier, OAUTH_DEFAULTS } from '../src/oauth-verifier.js';

let jwks: JwksServer;
let jwksUrl: string;
let key: TestSigningKey;
let strangerKey: CryptoKey;
const KID = 'test-key-1';

before(async () => {
  key = await testSigningKey(KID);
  strangerKey = (await testSigningKey('stranger')).privateKey;
  jwks = await serveJwks([key]);
  jwksUrl = jwks.url;
});
after(() => jwks.close());

interface TokenOptions {
  key?: CryptoKey;
  kid?: string;
  issuer?: string;
  audience?: string;
  expiresInSeconds?: number;
  scope?: string;
  /** null: no client_id claim at all. */
  clientId?: string | null;
}

function token(options: TokenOptions = {}): Promise<string> {
  return signToken(options.key ?? key.privateKey, options.kid ?? KID, {
    scope: options.scope ?? 'registry:read registry:write',
    ...(options.clientId === null ? {} : { client_id: options.clientId ?? 'bank-1' }),
    sub: 'bank-1',
    typ: 'JWT',
    ...(options.issuer === undefined ? {} : { iss: options.issuer }),
    ...(options.audience === undefined ? {} : { aud: options.audience }),
    ...(options.expiresInSeconds === undefined ? {} : { expiresInSeconds: options.expiresInSeconds }),
  });
}

function verifier(url = jwksUrl) {
  return createOAuthVerifier({ jwksUrl: url, issuer: OAUTH_DEFAULTS.issuer, audience: OAUTH_DEFAULTS.audience });
}

async function refusedWith(promise: Promise<unknown>, code: string, status: number, mentions?: RegExp): Promise<BancaError> {
  let caught: unknown;
  await assert.rejects(promise, (error: unknown) => {
    caught = error;
    return true;
  });
  assert.ok(caught instanceof BancaError, `expected a BancaError, got ${String(caught)}`);
  assert.equal(caught.code, code, caught.message);
  assert.equal(caught.status, status);
  if (mentions) assert.match(caught.message, mentions);
  return caught;
}

const base64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

describe('oauth verifier', () => {
  test('oauth verifier - a valid token gives the subject, client id and scopes', async () => {
    const principal = await verifier().verify(`Bearer ${await token()}`, 'registry:read');
    assert.equal(principal.subject, 'bank-1');
    assert.equal(principal.clientId, 'bank-1');
    assert.deepEqual([...principal.scopes].sort(), ['registry:read', 'registry:write']);
  });

  test('oauth verifier - the key set is fetched once and cached across tokens', async () => {
    const shared = verifier();
    const before = jwks.requests();
    for (let i = 0; i < 5; i++) await shared.verify(`bearer ${await token()}`, 'registry:write');
    assert.equal(jwks.requests() - before, 1);
  });

  test('oauth verifier - a missing or malformed Authorization header is UNAUTHENTICATED and says how to get a token', async () => {
    const shared = verifier();
    for (const header of [undefined, '', 'Basic dXNlcjpwYXNz', 'Bearer', 'Bearer a b', `Token ${await token()}`]) {
      await refusedWith(shared.verify(header, 'registry:read'), 'UNAUTHENTICATED', 401, /POST \/oauth\/token.*Authorization: Bearer <token>/);
    }
    await refusedWith(shared.verify('Bearer not.a.jwt', 'registry:read'), 'UNAUTHENTICATED', 401, /malformed/);
  });

  test('oauth verifier - an expired token is TOKEN_EXPIRED, not retryable', async () => {
    const error = await refusedWith(verifier().verify(`Bearer ${await token({ expiresInSeconds: -60 })}`, 'registry:read'), 'TOKEN_EXPIRED', 401, /new one/);
    assert.equal(error.retryable, false);
  });

  test('oauth verifier - a token without the scope is INSUFFICIENT_SCOPE naming the scope needed', async () => {
    const readOnly = await token({ scope: 'registry:read' });
    const error = await refusedWith(verifier().verify(`Bearer ${readOnly}`, 'registry:write'), 'INSUFFICIENT_SCOPE', 403, /'registry:write'/);
    assert.deepEqual(error.details, { requiredScope: 'registry:write', grantedScopes: ['registry:read'] });
    const none = await token({ scope: '' });
    await refusedWith(verifier().verify(`Bearer ${none}`, 'registry:read'), 'INSUFFICIENT_SCOPE', 403);
  });

  test('oauth verifier - a token of another issuer or audience is UNAUTHENTICATED', async () => {
    await refusedWith(verifier().verify(`Bearer ${await token({ issuer: 'someone-else' })}`, 'registry:read'), 'UNAUTHENTICATED', 401, /issued by 'banca-dossier'/);
    await refusedWith(verifier().verify(`Bearer ${await token({ audience: 'other' })}`, 'registry:read'), 'UNAUTHENTICATED', 401, /audience 'banca'/);
  });

  test('oauth verifier - alg none and HS256 tokens are refused', async () => {
    const claims = { iss: OAUTH_DEFAULTS.issuer, aud: OAUTH_DEFAULTS.audience, client_id: 'bank-1', scope: 'registry:read', exp: Math.floor(Date.now() / 1000) + 300 };
    const unsigned = `${base64url({ alg: 'none', typ: 'JWT' })}.${base64url(claims)}.`;
    await refusedWith(verifier().verify(`Bearer ${unsigned}`, 'registry:read'), 'UNAUTHENTICATED', 401);
    const hmac = await new SignJWT(claims).setProtectedHeader({ alg: 'HS256', kid: KID }).sign(new TextEncoder().encode('a-shared-secret-of-32-characters!'));
    await refusedWith(verifier().verify(`Bearer ${hmac}`, 'registry:read'), 'UNAUTHENTICATED', 401, /ES256/);
  });

  test('oauth verifier - a key the dossier does not publish, or a forged signature, is UNAUTHENTICATED', async () => {
    await refusedWith(verifier().verify(`Bearer ${await token({ key: strangerKey, kid: 'unknown-key' })}`, 'registry:read'), 'UNAUTHENTICATED', 401, /does not publish/);
    await refusedWith(verifier().verify(`Bearer ${await token({ key: strangerKey })}`, 'registry:read'), 'UNAUTHENTICATED', 401, /signature/);
  });

  test('oauth verifier - a token without client_id or exp is UNAUTHENTICATED', async () => {
    const noClient = await token({ clientId: null });
    await refusedWith(verifier().verify(`Bearer ${noClient}`, 'registry:read'), 'UNAUTHENTICATED', 401, /client_id/);
    const noExpiry = await new SignJWT({ client_id: 'bank-1', scope: 'registry:read' })
      .setProtectedHeader({ alg: 'ES256', kid: KID }).setIssuer(OAUTH_DEFAULTS.issuer).setAudience(OAUTH_DEFAULTS.audience).sign(key.privateKey);
    await refusedWith(verifier().verify(`Bearer ${noExpiry}`, 'registry:read'), 'UNAUTHENTICATED', 401, /'exp'/);
  });

  test('oauth verifier - an unreachable key set is UNAVAILABLE and retryable', async () => {
    const closed = createServer();
    closed.listen(0, '127.0.0.1');
    await once(closed, 'listening');
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const error = await refusedWith(verifier(`http://127.0.0.1:${port}/.well-known/jwks.json`).verify(`Bearer ${await token()}`, 'registry:read'), 'UNAVAILABLE', 503);
    assert.equal(error.retryable, true);
    await refusedWith(verifier(jwksUrl.replace('jwks.json', 'missing.json')).verify(`Bearer ${await token()}`, 'registry:read'), 'UNAVAILABLE', 503);
  });
});
