// The dossier as an OAuth2 authorization server, one real process: client credentials (Basic or
// body, form or JSON, all or some scopes), RFC 6749 errors, the public keys and metadata, the
// administrator's log-in and its limit, and the dossier route's refusals of missing, expired,
// foreign and under-scoped tokens. Its logs are captured: no secret or token may appear in them.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import type { ServiceProcess } from '@banca/launcher/spawn-service';
import { DOCUMENTS } from '@banca/testkit/consortium';
import { http } from '@banca/testkit/testkit';
import { bearer, DEV_READER, DEV_WRITER, requestToken, startService, tokenFor } from './services.js';
import { testSigningKey, type TestSigningKey } from '@banca/testkit/oauth';

let dossier: ServiceProcess;
let key: TestSigningKey;
const logLines: string[] = [];
const issuedTokens: string[] = [];
const url = () => dossier.url;
const ana = DOCUMENTS.cpf[0]!;

before(async () => {
  key = await testSigningKey('oauth-test-key');
  dossier = await startService('dossier', 'dossier', {
    port: 0,
    // Nothing listens on port 9 of this machine: the registry is down, that is fine here.
    registryUrl: 'http://127.0.0.1:9',
    admin: { loginAttemptsMax: 3 },
    logLevel: 'debug',
  }, { env: { BANCA_OAUTH_SIGNING_KEY: JSON.stringify(key.jwk) }, onLine: (line) => logLines.push(line) });
});
after(async () => dossier?.stop());

const form = (params: Record<string, string>, headers: Record<string, string> = {}) => http(`${url()}/oauth/token`, {
  method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers }, body: new URLSearchParams(params).toString(),
});

async function verified(token: string) {
  const jwks = (await http(`${url()}/.well-known/jwks.json`)).body;
  return jwtVerify(token, createLocalJWKSet(jwks), { issuer: 'banca-dossier', audience: 'banca', algorithms: ['ES256'] });
}

describe('token endpoint', () => {
  test('token - client credentials by HTTP Basic: an ES256 token with every scope of the client, not cached', async () => {
    const answer = await requestToken(url(), DEV_WRITER);
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    assert.deepEqual({ ...answer.body, access_token: undefined }, { access_token: undefined, token_type: 'Bearer', expires_in: 300, scope: 'registry:read registry:write' });
    assert.equal(answer.headers['cache-control'], 'no-store');
    issuedTokens.push(answer.body.access_token);
    assert.deepEqual(decodeProtectedHeader(answer.body.access_token), { alg: 'ES256', kid: 'oauth-test-key', typ: 'at+jwt' });
    const { payload } = await verified(answer.body.access_token);
    assert.equal(payload.sub, 'registry-writer');
    assert.equal(payload.client_id, 'registry-writer');
    assert.equal(payload.scope, 'registry:read registry:write');
    assert.equal((payload.exp ?? 0) - (payload.iat ?? 0), 300);
  });

  test('token - client id and secret in a JSON body, with a narrower scope', async () => {
    const answer = await http(`${url()}/oauth/token`, {
      method: 'POST', json: { grant_type: 'client_credentials', client_id: DEV_WRITER.clientId, client_secret: DEV_WRITER.secret, scope: 'registry:read' },
    });
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    assert.equal(answer.body.scope, 'registry:read');
    issuedTokens.push(answer.body.access_token);
    assert.equal((await verified(answer.body.access_token)).payload.scope, 'registry:read');
  });

  test('token - a wrong secret or an unknown client is invalid_client 401 with WWW-Authenticate', async () => {
    for (const client of [{ ...DEV_WRITER, secret: 'dev-insecure-wrong-secret' }, { clientId: 'nobody', secret: 'whatever-it-is-here' }]) {
      const answer = await requestToken(url(), client);
      assert.equal(answer.status, 401);
      assert.equal(answer.body.error, 'invalid_client');
      assert.equal(answer.body.code, 'INVALID_CLIENT');
      assert.equal(typeof answer.body.error_description, 'string');
      assert.equal(answer.body.message, answer.body.error_description);
      assert.match(String(answer.headers['www-authenticate']), /^Basic realm=/);
    }
    const inBody = await form({ grant_type: 'client_credentials', client_id: DEV_READER.clientId, client_secret: 'dev-insecure-not-it' });
    assert.equal(inBody.body.error, 'invalid_client');
    const none = await form({ grant_type: 'client_credentials' });
    assert.equal(none.status, 401);
    assert.equal(none.body.error, 'invalid_client');
  });

  test('token - past the limit of failed client authentications, 429 with Retry-After for that client id only', async () => {
    const guesser = { clientId: 'guesser', secret: 'dev-insecure-guess-0000' };
    for (let attempt = 0; attempt < 3; attempt++) assert.equal((await requestToken(url(), guesser)).status, 401);
    const limited = await requestToken(url(), guesser);
    assert.equal(limited.status, 429);
    assert.equal(limited.body.code, 'TOO_MANY_REQUESTS');
    assert.match(String(limited.headers['retry-after']), /^\d+$/);
    assert.match(limited.body.error_description, /client id and secret/);
    assert.equal((await requestToken(url(), DEV_WRITER)).status, 200, 'another client is counted on its own');
  });

  test('token - an unknown grant type is unsupported_grant_type 400; a missing one, invalid_request', async () => {
    const unknown = await requestToken(url(), DEV_WRITER, { grant_type: 'password' });
    assert.equal(unknown.status, 400);
    assert.deepEqual([unknown.body.error, unknown.body.code], ['unsupported_grant_type', 'UNSUPPORTED_GRANT_TYPE']);
    const missing = await form({ client_id: DEV_WRITER.clientId, client_secret: DEV_WRITER.secret });
    assert.equal(missing.status, 400);
    assert.deepEqual([missing.body.error, missing.body.code], ['invalid_request', 'INVALID_REQUEST']);
  });

  test('token - a scope the client is not allowed is invalid_scope 400', async () => {
    const answer = await requestToken(url(), DEV_WRITER, { scope: 'registry:read dossier:read' });
    assert.equal(answer.status, 400);
    assert.deepEqual([answer.body.error, answer.body.code], ['invalid_scope', 'INVALID_SCOPE']);
    assert.match(answer.body.error_description, /dossier:read/);
  });

  test('token - two ways of client authentication at once, or a repeated parameter, is invalid_request', async () => {
    const basic = Buffer.from(`${DEV_WRITER.clientId}:${DEV_WRITER.secret}`).toString('base64');
    const both = await form({ grant_type: 'client_credentials', client_secret: DEV_WRITER.secret }, { authorization: `Basic ${basic}` });
    assert.equal(both.status, 400);
    assert.equal(both.body.error, 'invalid_request');
    const repeated = await http(`${url()}/oauth/token`, {
      method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${basic}` }, body: 'grant_type=client_credentials&scope=a&scope=b',
    });
    assert.equal(repeated.status, 400);
    assert.equal(repeated.body.error, 'invalid_request');
  });
});

describe('keys and metadata', () => {
  test('jwks - publishes the public key only; metadata names the token endpoint, the JWKS and the grant', async () => {
    const jwks = await http(`${url()}/.well-known/jwks.json`);
    assert.equal(jwks.status, 200);
    assert.equal(jwks.body.keys.length, 1);
    const [published] = jwks.body.keys;
    assert.deepEqual(Object.keys(published).sort(), ['alg', 'crv', 'kid', 'kty', 'use', 'x', 'y']);
    assert.deepEqual([published.kid, published.x, published.y], [key.jwk.kid, key.jwk.x, key.jwk.y]);
    const metadata = await http(`${url()}/.well-known/oauth-authorization-server`);
    assert.equal(metadata.status, 200);
    assert.equal(metadata.body.issuer, 'banca-dossier');
    assert.equal(metadata.body.token_endpoint, `${url()}/oauth/token`);
    assert.equal(metadata.body.jwks_uri, `${url()}/.well-known/jwks.json`);
    assert.deepEqual(metadata.body.grant_types_supported, ['client_credentials']);
    assert.deepEqual(metadata.body.scopes_supported, ['dossier:read', 'registry:read', 'registry:write']);
  });

  test('openapi - the token, admin and dossier routes are documented', async () => {
    const paths = Object.keys((await http(`${url()}/openapi.json`)).body.paths);
    for (const path of ['/oauth/token', '/.well-known/jwks.json', '/.well-known/oauth-authorization-server', '/v1/admin/sessions', '/v1/dossiers/{document}']) {
      assert.ok(paths.includes(path), `${path} in ${paths.join(', ')}`);
    }
  });
});

describe('administrator', () => {
  test('admin - log-in gives a dossier:read token whose subject is the administrator; it reads dossiers', async () => {
    const answer = await http(`${url()}/v1/admin/sessions`, { method: 'POST', json: { username: 'admin', password: 'dev-insecure-admin' } });
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    assert.equal(answer.body.token_type, 'Bearer');
    assert.equal(answer.body.scope, 'dossier:read');
    issuedTokens.push(answer.body.access_token);
    const { payload } = await verified(answer.body.access_token);
    assert.equal(payload.sub, 'admin');
    const dossier = await http(`${url()}/v1/dossiers/${ana}`, { headers: bearer(answer.body.access_token) });
    assert.equal(dossier.status, 200);
    assert.equal(dossier.body.complete, false, 'the registry of this test is down');
  });

  test('admin - a wrong password is 401 INVALID_CREDENTIALS; past the limit, 429 with Retry-After even with the right one', async () => {
    const logIn = (password: string, username = 'admin') => http(`${url()}/v1/admin/sessions`, { method: 'POST', json: { username, password } });
    const wrong = await logIn('dev-insecure-wrong');
    assert.equal(wrong.status, 401);
    assert.equal(wrong.body.error.code, 'INVALID_CREDENTIALS');
    assert.equal((await logIn('dev-insecure-wrong')).status, 401);
    assert.equal((await logIn('dev-insecure-wrong')).status, 401);
    const limited = await logIn('dev-insecure-admin');
    assert.equal(limited.status, 429);
    assert.equal(limited.body.error.code, 'TOO_MANY_REQUESTS');
    assert.match(String(limited.headers['retry-after']), /^\d+$/);
    assert.match(limited.body.error.message, /user name/);
    assert.equal((await logIn('x', 'someone-else')).status, 401, 'another name is counted on its own');
  });
});

describe('dossier route authorization', () => {
  test('dossier auth - no token is 401 UNAUTHENTICATED with a Bearer challenge', async () => {
    const answer = await http(`${url()}/v1/dossiers/${ana}`);
    assert.equal(answer.status, 401);
    assert.equal(answer.body.error.code, 'UNAUTHENTICATED');
    assert.match(String(answer.headers['www-authenticate']), /^Bearer realm="banca-dossier", error="invalid_token"/);
  });

  test('dossier auth - an expired token is 401 TOKEN_EXPIRED', async () => {
    const now = Math.floor(Date.now() / 1000);
    const expired = await key.sign({ client_id: 'dossier-reader', scope: 'dossier:read', iatSeconds: now - 600, expSeconds: now - 60 });
    const answer = await http(`${url()}/v1/dossiers/${ana}`, { headers: bearer(expired) });
    assert.equal(answer.status, 401);
    assert.equal(answer.body.error.code, 'TOKEN_EXPIRED');
  });

  test('dossier auth - a registry-writer token is 403 INSUFFICIENT_SCOPE; a dossier-reader token is let in', async () => {
    const writer = await tokenFor(url(), DEV_WRITER);
    const refused = await http(`${url()}/v1/dossiers/${ana}`, { headers: bearer(writer) });
    assert.equal(refused.status, 403);
    assert.equal(refused.body.error.code, 'INSUFFICIENT_SCOPE');
    assert.match(String(refused.headers['www-authenticate']), /error="insufficient_scope", scope="dossier:read"/);
    const reader = await tokenFor(url(), DEV_READER);
    issuedTokens.push(writer, reader);
    assert.equal((await http(`${url()}/v1/dossiers/${ana}`, { headers: bearer(reader) })).status, 200);
  });

  test('dossier auth - a token signed by another key, for another audience, or tampered is 401 UNAUTHENTICATED', async () => {
    const foreign = await (await testSigningKey('oauth-test-key')).sign({ client_id: 'dossier-reader', scope: 'dossier:read' });
    const elsewhere = await key.sign({ client_id: 'dossier-reader', scope: 'dossier:read', aud: 'another-consortium' });
    const reader = await tokenFor(url(), DEV_READER);
    const tampered = `${reader.slice(0, -3)}${reader.endsWith('AAA') ? 'BBB' : 'AAA'}`;
    for (const token of [foreign, elsewhere, tampered, 'not-a-jwt']) {
      const answer = await http(`${url()}/v1/dossiers/${ana}`, { headers: bearer(token) });
      assert.equal(answer.status, 401, token);
      assert.equal(answer.body.error.code, 'UNAUTHENTICATED');
    }
  });

  test('dossier - an invalid document is 400 INVALID_DOCUMENT', async () => {
    const reader = await tokenFor(url(), DEV_READER);
    const answer = await http(`${url()}/v1/dossiers/111.444.777-36`, { headers: bearer(reader) });
    assert.equal(answer.status, 400);
    assert.equal(answer.body.error.code, 'INVALID_DOCUMENT');
  });
});

describe('logs', () => {
  test('logs - no client secret, password or token reaches the logs; dossier reads are logged with who read', () => {
    assert.ok(logLines.length > 0, 'the dossier logs at debug');
    const text = logLines.join('\n');
    for (const secret of [DEV_WRITER.secret, DEV_READER.secret, 'dev-insecure-admin', 'dev-insecure-wrong', key.jwk.d ?? 'unreachable', ...issuedTokens]) {
      assert.equal(text.includes(secret), false, `a secret in the logs: ${secret.slice(0, 12)}...`);
    }
    assert.match(text, /"msg":"dossier read"/);
    assert.match(text, /"subject":"admin"/);
    assert.match(text, /\*\*\*\.444\.777-\*\*/);
  });
});
