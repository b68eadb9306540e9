// Interbank signatures: the verifier against an injected clock (window, replays, bounded memory),
// the interbank routes of a member bank against forged, stale, replayed and malformed signatures
// (each a clear 401 code, nothing run behind it), keys fetched from a peer's JWKS route and
// rotated, and the config that holds them. The business servers are built in this process; their
// data server is an address nothing answers, so a request that got past the signature check could
// only answer with a data error, never with an INTERBANK_ code.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import fc from 'fast-check';
import { SignJWT, UnsecuredJWT } from 'jose';
import { ConfigError } from '@banca/core/config';
import { generateInterbankKeyPair, publicJwkOf, type InterbankPrivateJwk } from '@banca/core/interbank-keys';
import { InterbankVerifier, ReplayCache, type PeerKeys } from '@banca/server-kit/interbank-signature';
import { fuzzRuns, headerText } from '@banca/testkit/fuzz';
import { interbankConfigFor, SIGNATURE_HEADER, signedInterbankHeaders, testContentDigest, testInterbankKeys, type SignOptions } from '@banca/testkit/interbank';
import { tempDir } from '@banca/testkit/testkit';
import { buildApp } from '../src/app.js';
import { loadBusinessServerConfig } from '../src/config.js';

const NOWHERE = 'http://127.0.0.1:9';
const keys = testInterbankKeys([1, 2, 3]);
const key = (bankId: number) => keys.get(bankId)!;
const nowSeconds = () => Math.floor(Date.now() / 1000);
const CONSORTIUM = [1, 2].map((bankId) => ({ bankId, name: `Banca ${bankId}`, url: NOWHERE }));

/** Bank 1, member of a consortium with bank 2 (bank 3 has a key pair but is no member). */
let bank1: FastifyInstance;

before(async () => {
  bank1 = await buildApp(loadBusinessServerConfig({
    dataServerUrls: [NOWHERE], dataServerTimeoutMs: 200, logLevel: 'silent', consortium: CONSORTIUM,
    ...interbankConfigFor(1, new Map([[1, key(1)], [2, key(2)]])),
  }, {}));
});
after(async () => bank1?.close());

const HOLD = { legId: 'sig-1.1', packetId: 'sig-1', coordinatorBank: 2, payerAccountId: '12345', payerDocument: '11144477735', toBank: 2, amountCents: 100, receiverName: 'R' };

async function send(headers: Record<string, string>, body: string | undefined = JSON.stringify(HOLD), url = '/interbank/v1/holds', method: 'GET' | 'POST' = 'POST') {
  const response = await bank1.inject({ method, url, headers: body === undefined ? headers : { ...headers, 'content-type': 'application/json' }, ...(body === undefined ? {} : { payload: body }) });
  return { status: response.statusCode, code: response.json<{ error?: { code: string } }>().error?.code };
}

const signHold = (options: Partial<SignOptions> = {}) => signedInterbankHeaders({
  key: key(2), sender: 2, receiver: 1, method: 'POST', path: '/interbank/v1/holds', body: JSON.stringify(HOLD), ...options,
});

async function expectRefused(headers: Record<string, string>, code: string, body?: string, why = code) {
  const answer = await send(headers, body);
  assert.deepEqual([answer.status, answer.code], [401, code], why);
}

describe('interbank signatures - routes', () => {
  test('signatures - a request signed by bank 2 for bank 1 gets past the check (here to the unreachable data server)', async () => {
    const answer = await send(await signHold());
    assert.notEqual(answer.status, 401, JSON.stringify(answer));
    assert.ok(!answer.code?.startsWith('INTERBANK_'), String(answer.code));
  });

  test('signatures - unsigned, another bank\'s key, a non-member, a wrong receiver and a bank-id that is not the signer are refused', async () => {
    await expectRefused({}, 'INTERBANK_SIGNATURE_MISSING');
    await expectRefused({ 'bank-id': '2', 'auth-token': 'dev-insecure-interbank-2' }, 'INTERBANK_SIGNATURE_MISSING');
    await expectRefused(await signHold({ key: key(3) }), 'INTERBANK_KEY_UNKNOWN', undefined, "bank 3's key claiming bank 2");
    await expectRefused(await signHold({ key: { ...key(3), kid: key(2).kid } }), 'INTERBANK_SIGNATURE_INVALID', undefined, "bank 3's key under bank 2's kid");
    await expectRefused(await signHold({ key: key(3), sender: 3 }), 'INTERBANK_KEY_UNKNOWN', undefined, 'a bank outside the consortium');
    await expectRefused(await signHold({ key: key(1), sender: 1 }), 'INTERBANK_KEY_UNKNOWN', undefined, 'bank 1 calling itself');
    await expectRefused(await signHold({ receiver: 3 }), 'INTERBANK_SIGNATURE_INVALID', undefined, 'addressed to bank 3');
    await expectRefused(await signHold({ bankIdHeader: '3' }), 'INTERBANK_SIGNATURE_INVALID', undefined, 'bank-id names another bank');
  });

  test('signatures - the signature binds the body, the method and the path with its query', async () => {
    await expectRefused(await signHold(), 'INTERBANK_SIGNATURE_INVALID', JSON.stringify({ ...HOLD, amountCents: 100_000 }), 'another body');
    await expectRefused(await signHold(), 'INTERBANK_SIGNATURE_INVALID', `${JSON.stringify(HOLD)} `, 'one more byte');
    await expectRefused(await signHold({ method: 'GET' }), 'INTERBANK_SIGNATURE_INVALID', undefined, 'another method');
    await expectRefused(await signHold({ path: '/interbank/v1/credits' }), 'INTERBANK_SIGNATURE_INVALID', undefined, 'another path');
    const withQuery = await send(await signHold({ path: '/interbank/v1/holds?x=1' }), JSON.stringify(HOLD), '/interbank/v1/holds?x=2');
    assert.deepEqual([withQuery.status, withQuery.code], [401, 'INTERBANK_SIGNATURE_INVALID'], 'another query');
  });

  test('signatures - a timestamp outside the window is refused, either side; a signature is accepted once', async () => {
    await expectRefused(await signHold({ iatSeconds: nowSeconds() - 35 }), 'INTERBANK_SIGNATURE_EXPIRED', undefined, 'stale');
    await expectRefused(await signHold({ iatSeconds: nowSeconds() + 35 }), 'INTERBANK_SIGNATURE_EXPIRED', undefined, 'from the future');
    const headers = await signHold();
    assert.notEqual((await send(headers)).status, 401);
    await expectRefused(headers, 'INTERBANK_SIGNATURE_REPLAYED', undefined, 'the same signature again');
    const ping = await signedInterbankHeaders({ key: key(2), sender: 2, receiver: 1, method: 'GET', path: '/interbank/v1/ping' });
    assert.equal((await send(ping, undefined, '/interbank/v1/ping', 'GET')).status, 200);
    assert.deepEqual(await send(ping, undefined, '/interbank/v1/ping', 'GET'), { status: 401, code: 'INTERBANK_SIGNATURE_REPLAYED' });
  });

  test('signatures - alg none, HS256 with the public key as secret, other algorithms, unknown kid, crit and missing claims are refused', async () => {
    const claims = { iss: '2', aud: '1', htm: 'POST', htu: '/interbank/v1/holds', cd: testContentDigest(JSON.stringify(HOLD)), iat: nowSeconds(), jti: 'a-jti-of-sixteen-chars' };
    const none = new UnsecuredJWT(claims).encode();
    await expectRefused({ [SIGNATURE_HEADER]: none }, 'INTERBANK_SIGNATURE_INVALID', undefined, 'alg none');
    const noneWithKid = `${Buffer.from(JSON.stringify({ alg: 'none', kid: key(2).kid, typ: 'banca-interbank+jwt' })).toString('base64url')}.${none.split('.')[1]}.`;
    await expectRefused({ [SIGNATURE_HEADER]: noneWithKid }, 'INTERBANK_SIGNATURE_INVALID', undefined, 'alg none with a kid');
    for (const secret of [key(2).x, JSON.stringify(publicJwkOf(key(2)))]) {
      const hs = await new SignJWT(claims).setProtectedHeader({ alg: 'HS256', kid: key(2).kid, typ: 'banca-interbank+jwt' }).sign(new TextEncoder().encode(secret));
      await expectRefused({ [SIGNATURE_HEADER]: hs }, 'INTERBANK_SIGNATURE_INVALID', undefined, 'HS256 keyed with the public key');
    }
    // An ES256 signature relabelled as another algorithm.
    const real = (await signHold())[SIGNATURE_HEADER]!;
    for (const alg of ['ES384', 'RS256', 'EdDSA', 'ES256K']) {
      const relabelled = `${Buffer.from(JSON.stringify({ alg, kid: key(2).kid, typ: 'banca-interbank+jwt' })).toString('base64url')}.${real.split('.').slice(1).join('.')}`;
      await expectRefused({ [SIGNATURE_HEADER]: relabelled }, 'INTERBANK_SIGNATURE_INVALID', undefined, alg);
    }
    await expectRefused(await signHold({ key: { ...key(2), kid: 'dev-bank-2-unknown' } }), 'INTERBANK_KEY_UNKNOWN', undefined, 'unknown kid');
    const crit = `${Buffer.from(JSON.stringify({ alg: 'ES256', kid: key(2).kid, typ: 'banca-interbank+jwt', crit: ['exp'] })).toString('base64url')}.${real.split('.').slice(1).join('.')}`;
    await expectRefused({ [SIGNATURE_HEADER]: crit }, 'INTERBANK_SIGNATURE_INVALID', undefined, 'crit');
    await expectRefused(await signHold({ header: { typ: 'JWT' } }), 'INTERBANK_SIGNATURE_INVALID', undefined, 'typ');
    for (const claim of ['aud', 'htm', 'htu', 'cd', 'jti', 'iat']) {
      await expectRefused(await signHold({ claims: { [claim]: undefined } }), 'INTERBANK_SIGNATURE_INVALID', undefined, `no ${claim}`);
    }
    await expectRefused(await signHold({ claims: { iat: 'now' } }), 'INTERBANK_SIGNATURE_INVALID', undefined, 'iat not a number');
    await expectRefused(await signHold({ jti: 'short' }), 'INTERBANK_SIGNATURE_INVALID', undefined, 'short jti');
  });

  test('signatures - huge and malformed headers (property-based) get a catalogued 401 and run nothing', async () => {
    const real = (await signHold())[SIGNATURE_HEADER]!;
    const junk = fc.oneof(
      headerText(),
      fc.constantFrom('x'.repeat(5000), `${real}${'A'.repeat(10_000)}`, `${real}.`, real.split('.').slice(0, 2).join('.'), `..`, `a.b.c`, ' '.repeat(100)),
      // A changed character that only touches a segment's unused low bits (its last base64url
      // character) decodes to the same token, which is then rightly accepted: not junk.
      fc.tuple(fc.integer({ min: 0, max: real.length - 1 }), fc.constantFrom('A', '_', '-', '.', '=')).map(([index, char]) => `${real.slice(0, index)}${char}${real.slice(index + 1)}`)
        .filter((text) => decoded(text) !== decoded(real)),
      fc.json().map((text) => `${Buffer.from(text).toString('base64url')}.${Buffer.from(text).toString('base64url')}.${real.split('.')[2]}`),
    );
    await fc.assert(fc.asyncProperty(junk, async (value) => {
      const answer = await send({ [SIGNATURE_HEADER]: value, 'bank-id': '2' });
      assert.equal(answer.status, 401, `${value.slice(0, 80)} -> ${JSON.stringify(answer)}`);
      assert.ok(['INTERBANK_SIGNATURE_MISSING', 'INTERBANK_SIGNATURE_INVALID', 'INTERBANK_KEY_UNKNOWN'].includes(answer.code ?? ''), String(answer.code));
    }), fuzzRuns(150));
  });
});

/** A compact JWS as the bytes its segments decode to. */
function decoded(token: string): string {
  return token.split('.').map((segment) => Buffer.from(segment, 'base64url').toString('hex')).join('.');
}

describe('interbank signatures - verifier', () => {
  const peers = new Map<number, PeerKeys>([[2, { kind: 'listed', keys: [publicJwkOf(key(2))] }]]);
  const options = (now: () => number, replayCacheMax = 1000) => ({
    bankId: 1, peers, windowMs: 30_000, replayCacheMax, jwks: { cacheMaxAgeMs: 60_000, cooldownMs: 0, timeoutMs: 1000 }, now,
  });
  const signAt = (seconds: number) => signedInterbankHeaders({ key: key(2), sender: 2, receiver: 1, method: 'GET', path: '/p', iatSeconds: seconds });

  test('verifier - the window is exact on both sides of the receiver\'s clock', async () => {
    const nowMs = 1_800_000_000_000;
    const verifier = await InterbankVerifier.create(options(() => nowMs));
    const at = nowMs / 1000;
    for (const [seconds, ok] of [[at - 30, true], [at - 31, false], [at + 30, true], [at + 31, false]] as const) {
      const header = (await signAt(seconds))[SIGNATURE_HEADER];
      const outcome = await verifier.verifyHeader(header, 'GET', '/p', '2').then(() => 'ok', (error: { code: string }) => error.code);
      assert.equal(outcome, ok ? 'ok' : 'INTERBANK_SIGNATURE_EXPIRED', `iat ${seconds - at} s`);
    }
  });

  test('verifier - a replay is refused while the signature is live, and forgotten once its window has passed', async () => {
    let nowMs = 1_800_000_000_000;
    const verifier = await InterbankVerifier.create(options(() => nowMs));
    const header = (await signAt(nowMs / 1000))[SIGNATURE_HEADER];
    const verified = await verifier.verifyHeader(header, 'GET', '/p', undefined);
    verifier.verifyBody(verified, undefined);
    nowMs += 29_000;
    assert.throws(() => verifier.verifyBody(verified, undefined), { code: 'INTERBANK_SIGNATURE_REPLAYED' });
    nowMs += 2_000;
    await assert.rejects(verifier.verifyHeader(header, 'GET', '/p', undefined), { code: 'INTERBANK_SIGNATURE_EXPIRED' });
  });

  test('replay cache - bounded: full of live signatures it refuses new ones (503), and admits again as they expire', () => {
    const cache = new ReplayCache(3);
    for (const id of ['a', 'b', 'c']) assert.equal(cache.admit(id, 1000 + id.charCodeAt(0), 0), 'admitted');
    assert.equal(cache.admit('a', 2000, 10), 'replayed');
    assert.equal(cache.admit('d', 2000, 10), 'full');
    assert.equal(cache.size, 3);
    assert.equal(cache.admit('d', 3000, 1098), 'admitted', "'a' (expiry 1097) is gone");
    assert.equal(cache.admit('e', 3000, 5000), 'admitted');
    assert.equal(cache.size, 1, 'every expired id is dropped');
  });
});

describe('interbank signatures - JWKS and rotation', () => {
  let server: Server;
  let bank2: FastifyInstance;
  let jwksUrl = '';
  const newKey = generateInterbankKeyPair(2, { dev: true });
  const bank2Config = (own: InterbankPrivateJwk[]) => loadBusinessServerConfig({
    dataServerUrls: [NOWHERE], logLevel: 'silent', bankId: 2, consortium: CONSORTIUM.map((bank) => ({ ...bank })),
    interbankPrivateKeys: own, interbankPeerKeys: { 1: [publicJwkOf(key(1))] },
  }, {});

  before(async () => {
    bank2 = await buildApp(bank2Config([key(2)]));
    // Bank 2's real route, behind a server whose app a test can swap (a restart with new keys).
    server = createServer((request, response) => {
      void bank2.inject({ method: 'GET', url: request.url ?? '/' }).then((answer) => {
        response.writeHead(answer.statusCode, { 'content-type': 'application/json' }).end(answer.body);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    jwksUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  });
  after(async () => {
    await bank2?.close();
    await new Promise((resolve) => server?.close(resolve));
  });

  test("jwks - a bank with no listed keys for a peer fetches the peer's JWKS, and follows its rotation", async () => {
    const receiver = await buildApp(loadBusinessServerConfig({
      dataServerUrls: [NOWHERE], logLevel: 'silent', consortium: [{ bankId: 1, name: 'Banca 1', url: NOWHERE }, { bankId: 2, name: 'Banca 2', url: jwksUrl }],
      interbankPrivateKeys: [key(1)], interbankJwks: { cacheMaxAgeMs: 600_000, cooldownMs: 0, timeoutMs: 2000 },
    }, {}));
    const ping = async (signer: InterbankPrivateJwk) => {
      const headers = await signedInterbankHeaders({ key: signer, sender: 2, receiver: 1, method: 'GET', path: '/interbank/v1/ping' });
      const response = await receiver.inject({ method: 'GET', url: '/interbank/v1/ping', headers });
      return [response.statusCode, response.json<{ error?: { code: string } }>().error?.code];
    };
    try {
      assert.deepEqual(await ping(key(2)), [200, undefined]);
      assert.deepEqual(await ping(newKey), [401, 'INTERBANK_KEY_UNKNOWN'], 'not yet published');
      assert.deepEqual(await ping(key(3)), [401, 'INTERBANK_KEY_UNKNOWN'], "bank 3's key is not bank 2's");
      // Rotation: bank 2 signs with its new key and still publishes the old one.
      const rotated = await buildApp(bank2Config([newKey, key(2)]));
      const old = bank2;
      bank2 = rotated;
      await old.close();
      assert.deepEqual(await ping(newKey), [200, undefined], 'an unknown kid makes the receiver fetch the set again');
      assert.deepEqual(await ping(key(2)), [200, undefined], 'the old key still passes during the rotation');
    } finally {
      await receiver.close();
    }
  });

  test('rotation - a peer listed with two keys is accepted with either, and the bank signs with its first key', async () => {
    const receiver = await buildApp(loadBusinessServerConfig({
      dataServerUrls: [NOWHERE], logLevel: 'silent', consortium: CONSORTIUM, interbankPrivateKeys: [key(1)],
      interbankPeerKeys: { 2: [publicJwkOf(newKey), publicJwkOf(key(2))] },
    }, {}));
    try {
      for (const signer of [newKey, key(2)]) {
        const headers = await signedInterbankHeaders({ key: signer, sender: 2, receiver: 1, method: 'GET', path: '/interbank/v1/ping' });
        assert.equal((await receiver.inject({ method: 'GET', url: '/interbank/v1/ping', headers })).statusCode, 200, signer.kid);
      }
      const published = (await bank2.inject({ method: 'GET', url: '/.well-known/banca-interbank-jwks.json' })).json<{ keys: { kid: string }[] }>();
      assert.deepEqual(published.keys.map((jwk) => jwk.kid), [newKey.kid, key(2).kid]);
    } finally {
      await receiver.close();
    }
  });
});

describe('interbank signatures - config', () => {
  const member = { dataServerUrls: [NOWHERE], consortium: CONSORTIUM };

  test('config - a member needs its own private key; shared interbankKeys and a private key offered as a peer key are refused', () => {
    assert.throws(() => loadBusinessServerConfig(member, {}), (error: Error) => error instanceof ConfigError && /private key/.test(error.message));
    assert.throws(() => loadBusinessServerConfig({ ...member, interbankPrivateKeys: [key(1)], interbankKeys: { 1: 'dev-insecure-interbank-1' } }, {}), ConfigError);
    assert.throws(() => loadBusinessServerConfig({ ...member, interbankPrivateKeys: [key(1)], interbankPeerKeys: { 2: [key(2)] } }, {}), ConfigError);
    assert.throws(() => loadBusinessServerConfig({ ...member, interbankPrivateKeys: [key(1)], interbankPeerKeys: { 3: [publicJwkOf(key(3))] } }, {}), ConfigError);
    assert.throws(() => loadBusinessServerConfig({ ...member, interbankPrivateKeys: [key(1)], interbankPeerKeys: { 2: [{ ...publicJwkOf(key(2)), alg: 'HS256' }] } }, {}), ConfigError);
  });

  test('config - the private key comes from BANCA_INTERBANK_PRIVATE_KEY or a file; development kids are refused in production', () => {
    const dir = tempDir();
    try {
      const file = join(dir.path, 'key.json');
      writeFileSync(file, JSON.stringify({ keys: [key(1)] }));
      assert.equal(loadBusinessServerConfig(member, { BANCA_INTERBANK_PRIVATE_KEY_FILE: file }).interbankPrivateKeys[0]?.kid, key(1).kid);
      assert.equal(loadBusinessServerConfig(member, { BANCA_INTERBANK_PRIVATE_KEY: JSON.stringify(key(1)) }).interbankPrivateKeys[0]?.kid, key(1).kid);
      assert.throws(() => loadBusinessServerConfig(member, { BANCA_INTERBANK_PRIVATE_KEY_FILE: join(dir.path, 'none.json') }), ConfigError);
      const production = { NODE_ENV: 'production', BANCA_CLIENT_KEYS: 'clientA:a-real-client-key-0123456789,clientB:another-real-client-key-0123456789', BANCA_BUSINESS_KEY: 'a-real-business-key-0123456789', BANCA_CUSTOMER_TOKEN_SECRET: 'a-real-customer-token-secret-0123456789' };
      assert.throws(() => loadBusinessServerConfig({ ...member, interbankPrivateKeys: [key(1)], interbankPeerKeys: { 2: [publicJwkOf(key(2))] } }, production), /development interbank keys/);
      const real1 = generateInterbankKeyPair(1, { dev: false });
      const real2 = generateInterbankKeyPair(2, { dev: false });
      assert.throws(() => loadBusinessServerConfig({ ...member, interbankPrivateKeys: [real1], interbankPeerKeys: { 2: [publicJwkOf(key(2))] } }, production), /development interbank keys/);
      assert.equal(loadBusinessServerConfig({ ...member, interbankPrivateKeys: [real1], interbankPeerKeys: { 2: [publicJwkOf(real2)] } }, production).interbankPrivateKeys.length, 1);
    } finally {
      dir.remove();
    }
  });
});
