// Security of the business server: log-ins are rate limited (per e-mail, per client address,
// before the password hash), secrets never reach any service's logs, a customer reaches only
// their own accounts and packets, forged or stale tokens are refused, and interbank routes admit
// only the consortium's members, each by its own signature. One real bank (logs at trace, captured) and
// business servers built in this process against its data server, called through inject().
// consortium.test.ts already covers: a missing or truncated token, a token of another bank, paying
// from another customer's account at another bank, and anonymous, outsider and self interbank callers.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import Fastify, { type FastifyInstance, type InjectOptions } from 'fastify';
import { SignJWT, UnsecuredJWT } from 'jose';
import { DEV_KEY_PREFIX } from '@banca/core/auth';
import { ConfigError } from '@banca/core/config';
import { REDACTED_LOG_PATHS } from '@banca/server-kit/create-server';
import { deposit, DOCUMENTS, pix, signUp, type TestCustomer } from '@banca/testkit/consortium';
import { interbankConfigFor, signedInterbankHeaders, testInterbankKeys } from '@banca/testkit/interbank';
import { clientHeaders, devKeys, http, startTestBank, waitFor, type TestBank } from '@banca/testkit/testkit';
import { buildApp } from '../src/app.js';
import { LoginLimiter } from '../src/application/consortium/login-limiter.js';
import { loadBusinessServerConfig } from '../src/config.js';

const DEV_TOKEN_SECRET = new TextEncoder().encode(`${DEV_KEY_PREFIX}customer-token-secret-change-me`);

let bank: TestBank;
/** Every line the bank's processes (data server, business server, gateway) wrote. */
const logLines: string[] = [];
/** A lone bank (bank 1, no consortium) and a member of a consortium of banks 1 and 2, in this process. */
let lone: FastifyInstance;
let member: FastifyInstance;
let ana: TestCustomer;
let bruno: TestCustomer;
/** Banks 1 and 2 are the member's consortium; bank 3 has a key pair but is no member. */
const keys = testInterbankKeys([1, 2, 3]);

interface Call {
  headers?: Record<string, string>;
  json?: unknown;
  payload?: string;
  remoteAddress?: string;
}

async function call(app: FastifyInstance, method: InjectOptions['method'], url: string, options: Call = {}) {
  const response = await app.inject({
    method, url, headers: options.headers ?? {}, remoteAddress: options.remoteAddress ?? '127.0.0.1',
    ...(options.json !== undefined ? { payload: options.json as object } : {}), ...(options.payload !== undefined ? { payload: options.payload } : {}),
  });
  return { status: response.statusCode, body: response.json(), headers: response.headers };
}

const logIn = (email: string, password: string, options: Omit<Call, 'json'> = {}) => call(lone, 'POST', '/v1/sessions', { ...options, json: { email, password } });
const unknownEmail = () => `nobody.${randomUUID().slice(0, 8)}@example.com`;
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

async function balanceOf(customer: TestCustomer): Promise<number> {
  return (await call(lone, 'GET', '/v1/me', { headers: customer.auth })).body.balanceCents;
}

before(async () => {
  bank = await startTestBank({
    store: 'memory', businessServers: 1, logLevel: 'trace', onLine: (line) => logLines.push(line),
    // The data server also knows the keys of the business servers this process builds.
    dataServer: { businessKeys: devKeys.business },
  });
  const base = { dataServerUrls: [bank.dataServer.url], logLevel: 'silent' };
  lone = await buildApp(loadBusinessServerConfig({ ...base, businessId: '2', businessKey: devKeys.business['2'] }, {}));
  member = await buildApp(loadBusinessServerConfig({
    ...base, businessId: '3', businessKey: devKeys.business['3'],
    ...interbankConfigFor(1, new Map([...keys].filter(([bankId]) => bankId !== 3))),
    consortium: [{ bankId: 1, name: 'Banca 1', url: 'http://127.0.0.1:9' }, { bankId: 2, name: 'Banca 2', url: 'http://127.0.0.1:9' }],
  }, {}));
  ana = await signUp(bank.gateway.url, 1, 'Ana Souza', DOCUMENTS.cpf[0]!);
  bruno = await signUp(bank.gateway.url, 1, 'Bruno Lima', DOCUMENTS.cpf[1]!);
  await deposit(bank.gateway.url, ana, '100.00');
  await deposit(bank.gateway.url, bruno, '50.00');
});
after(async () => {
  await lone?.close();
  await member?.close();
  await bank?.cleanup();
});

describe('security - log-in rate limiting', () => {
  test('five failures for an e-mail, then 429 with Retry-After even with the right password; other e-mails go on', async () => {
    const victim = await signUp(bank.gateway.url, 1, 'Vera Alves', DOCUMENTS.cpf[2]!);
    // From five addresses and in any letter case: the e-mail's own count.
    for (let i = 1; i <= 5; i++) {
      const wrong = await logIn(i % 2 ? victim.email.toUpperCase() : victim.email, 'wrong horse', { remoteAddress: `198.51.100.${i}` });
      assert.deepEqual([wrong.status, wrong.body.error.code], [401, 'INVALID_CREDENTIALS'], `attempt ${i}`);
    }
    const refused = await logIn(victim.email, 'correct horse', { remoteAddress: '198.51.100.9' });
    assert.deepEqual([refused.status, refused.body.error.code, refused.body.error.retryable], [429, 'TOO_MANY_REQUESTS', true]);
    const retryAfter = Number(refused.headers['retry-after']);
    // The window is counted in 1/64ths (limit-rules.ts): a wait of at most one more of them (14 s).
    assert.ok(Number.isInteger(retryAfter) && retryAfter > 840 && retryAfter <= 915, `retry-after ${refused.headers['retry-after']}`);
    assert.equal(refused.body.error.details.retryAfterSeconds, retryAfter);
    assert.match(refused.body.error.message, /failed log-ins for this e-mail; wait 1[56] minutes/);
    assert.equal((await logIn(ana.email, 'correct horse', { remoteAddress: '198.51.100.9' })).status, 200, 'another e-mail from the same address');
  });

  test('through the gateway too: the business server behind it answers 429 with Retry-After', async () => {
    const email = unknownEmail();
    for (let i = 0; i < 5; i++) assert.equal((await http(`${bank.gateway.url}/v1/sessions`, { method: 'POST', json: { email, password: 'wrong horse' } })).status, 401);
    const refused = await http(`${bank.gateway.url}/v1/sessions`, { method: 'POST', json: { email, password: 'wrong horse' } });
    assert.deepEqual([refused.status, refused.body.error.code], [429, 'TOO_MANY_REQUESTS']);
    assert.match(String(refused.headers['retry-after']), /^[1-9][0-9]*$/);
  });

  test('a refused log-in computes no password hash', async () => {
    const locked = unknownEmail();
    // An address of its own: the per-address count is the bank's, shared with the other tests.
    const from = { remoteAddress: '198.51.100.201' };
    for (let i = 0; i < 5; i++) await logIn(locked, 'wrong horse', from);
    // One failure costs a scrypt hash (tens of ms); twenty refusals together must cost far less.
    let hashMs = Infinity;
    for (let i = 0; i < 3; i++) {
      const start = performance.now();
      assert.equal((await logIn(unknownEmail(), 'wrong horse', from)).status, 401);
      hashMs = Math.min(hashMs, performance.now() - start);
    }
    const start = performance.now();
    for (let i = 0; i < 20; i++) assert.equal((await logIn(locked, 'wrong horse', from)).status, 429);
    const refusedMs = performance.now() - start;
    assert.ok(refusedMs < 5 * hashMs, `20 refusals took ${refusedMs.toFixed(1)} ms, one hashed failure ${hashMs.toFixed(1)} ms`);
  });

  test('concurrent guesses cannot all pass the check while their hashes are computed', async () => {
    const email = unknownEmail();
    const answers = await Promise.all(Array.from({ length: 12 }, () => logIn(email, 'wrong horse', { remoteAddress: '198.51.100.202' })));
    const statuses = answers.map((answer) => answer.status).sort();
    assert.deepEqual(statuses, [...Array(5).fill(401), ...Array(7).fill(429)]);
  });

  test("a successful log-in does not count, and clears the e-mail's failures", async () => {
    const dora = await signUp(bank.gateway.url, 1, 'Dora Melo', DOCUMENTS.cpf[3]!);
    for (let round = 0; round < 2; round++) {
      for (let i = 0; i < 4; i++) assert.equal((await logIn(dora.email, 'wrong horse')).status, 401);
      assert.equal((await logIn(dora.email, 'correct horse')).status, 200, `round ${round}`);
    }
    for (let i = 0; i < 6; i++) assert.equal((await logIn(dora.email, 'correct horse')).status, 200, 'successes alone never hit the limit');
  });

  test('twenty failures from one address refuse it for any e-mail; X-Forwarded-For counts only from a trusted proxy', async () => {
    const attacker = '203.0.113.7';
    // Spraying one password over many e-mails, each with a forged X-Forwarded-For the server ignores.
    const spray = await Promise.all(Array.from({ length: 20 }, (_, i) =>
      logIn(unknownEmail(), 'Summer2024!', { remoteAddress: attacker, headers: { 'x-forwarded-for': `192.0.2.${i + 1}` } })));
    assert.deepEqual([...new Set(spray.map((answer) => answer.status))], [401]);
    const refused = await logIn(ana.email, 'correct horse', { remoteAddress: attacker });
    assert.deepEqual([refused.status, refused.body.error.code], [429, 'TOO_MANY_REQUESTS']);
    assert.match(refused.body.error.message, /from your network address/);
    assert.ok(Number(refused.headers['retry-after']) > 0);
    assert.equal((await logIn(ana.email, 'correct horse', { remoteAddress: '203.0.113.8' })).status, 200, 'another address');
    // Behind a proxy on loopback, the client is the last hop the proxy appended.
    const viaProxy = (forwardedFor: string) => logIn(ana.email, 'correct horse', { headers: { 'x-forwarded-for': forwardedFor } });
    assert.equal((await viaProxy(attacker)).status, 429);
    assert.equal((await viaProxy(`${attacker}, 203.0.113.9`)).status, 200, 'a forged first hop is not the client');
    assert.equal((await viaProxy(`203.0.113.9, ${attacker}`)).status, 429, 'nor does one hide the client');
  });

  test('the limiter: sliding window, Retry-After, cancelled attempts, IPv6 /64, proxies and their own address', () => {
    let now = 1_000_000;
    const limiter = new LoginLimiter({ attemptsMax: 2, attemptsPerIpMax: 3, windowMs: 60_000, signUpsPerIpMax: 2, trustedProxies: ['127.0.0.0/8', '10.0.0.0/8'] }, () => now);
    const retryAfter = (email: string, address: string) => {
      try {
        limiter.begin(email, address);
        return 0;
      } catch (error) {
        return (error as { details: { retryAfterSeconds: number } }).details.retryAfterSeconds;
      }
    };
    limiter.begin('a@x.io', '192.0.2.1');
    now += 20_000;
    limiter.begin('a@x.io', '192.0.2.2');
    assert.equal(retryAfter('A@x.io ', '192.0.2.3'), 40, 'until the first failure leaves the window');
    now += 40_000;
    assert.equal(retryAfter('a@x.io', '192.0.2.3'), 0, 'the window slid past the first failure');
    limiter.begin('b@x.io', '192.0.2.3').cancelled();
    limiter.begin('b@x.io', '192.0.2.3').cancelled();
    assert.equal(retryAfter('b@x.io', '192.0.2.3'), 0, 'attempts that failed for another reason do not count');
    for (const host of ['1', 'a', 'ffff']) limiter.begin(`v6-${host}@x.io`, `2001:db8:1:2::${host}`);
    assert.ok(retryAfter('c@x.io', '2001:db8:1:2:aaaa:bbbb:cccc:dddd') > 0, 'an IPv6 /64 is one address');
    assert.equal(retryAfter('d@x.io', '2001:db8:1:3::1'), 0);
    for (let i = 0; i < 5; i++) limiter.begin(`q${i}@x.io`, '10.1.2.3');
    assert.equal(retryAfter('r@x.io', '10.1.2.3'), 0, "a trusted proxy's own address is not limited (it stands for all its clients)");
    assert.equal(limiter.clientAddress('::ffff:127.0.0.1', '198.51.100.1, 10.0.0.5'), '198.51.100.1', 'trusted hops are skipped');
    assert.equal(limiter.clientAddress('198.51.100.2', '10.0.0.5'), '198.51.100.2', 'an untrusted peer cannot name another client');
    assert.equal(limiter.clientAddress('127.0.0.1', 'not-an-address'), '127.0.0.1');
  });

  test('config: the limits have defaults, can be changed, and bad proxy ranges are refused at start-up', () => {
    const config = loadBusinessServerConfig({}, {});
    assert.deepEqual([config.loginAttemptsMax, config.loginAttemptsPerIpMax, config.loginWindowMs], [5, 20, 900_000]);
    assert.ok(config.loginTrustedProxies.includes('127.0.0.0/8'));
    assert.equal(loadBusinessServerConfig({ loginAttemptsMax: 3, loginWindowMs: 60_000 }, {}).loginAttemptsMax, 3);
    assert.throws(() => loadBusinessServerConfig({ loginTrustedProxies: ['10.0.0.0/33'] }, {}), ConfigError);
    assert.throws(() => loadBusinessServerConfig({ loginAttemptsMax: 0 }, {}), ConfigError);
  });
});

describe('security - a customer reaches only their own accounts', () => {
  test("another customer's packet is not found, answered exactly as a packet that does not exist", async () => {
    const sent = await pix(bank.gateway.url, ana, 1, DOCUMENTS.cpf[1]!, '10.00');
    assert.equal(sent.status, 200, JSON.stringify(sent.body));
    const packetId: string = sent.body.packetId;
    assert.equal((await call(lone, 'GET', `/v1/me/packets/${packetId}`, { headers: ana.auth })).status, 200);
    const theirs = await call(lone, 'GET', `/v1/me/packets/${packetId}`, { headers: bruno.auth });
    assert.deepEqual([theirs.status, theirs.body.error.code], [404, 'TRANSFER_NOT_FOUND']);
    const missingId = `${packetId.slice(0, -4)}0000`;
    const missing = await call(lone, 'GET', `/v1/me/packets/${missingId}`, { headers: bruno.auth });
    assert.deepEqual([missing.status, missing.body.error.message.replace(missingId, packetId)], [404, theirs.body.error.message]);
  });

  test("a packet leg paid from another customer's account at this bank is refused and moves nothing", async () => {
    const [anaBefore, brunoBefore] = [await balanceOf(ana), await balanceOf(bruno)];
    const response = await call(lone, 'POST', '/v1/me/packets', {
      headers: { ...bruno.auth, 'idempotency-key': randomUUID() },
      json: { transfers: [{ fromBankId: 1, fromAccountId: ana.accountId, toBankId: 1, key: DOCUMENTS.cpf[1], amount: '50.00' }] },
    });
    assert.deepEqual([response.status, response.body.error.code], [403, 'FORBIDDEN']);
    assert.deepEqual([await balanceOf(ana), await balanceOf(bruno)], [anaBefore, brunoBefore]);
  });

  test("reusing another customer's Idempotency-Key gets one's own new Pix, never theirs", async () => {
    const key = randomUUID();
    const anas = await pix(bank.gateway.url, ana, 1, DOCUMENTS.cpf[1]!, '1.00', key);
    const brunos = await pix(bank.gateway.url, bruno, 1, DOCUMENTS.cpf[0]!, '2.00', key);
    assert.equal(brunos.status, 200, JSON.stringify(brunos.body));
    assert.notEqual(brunos.body.packetId, anas.body.packetId);
    assert.equal(brunos.body.transfers[0].fromAccountId, bruno.accountId);
  });
});

describe('security - customer tokens', () => {
  const nowSeconds = () => Math.floor(Date.now() / 1000);
  const sign = (claims: { sub?: string; doc?: string; aud?: string; iss?: string; exp?: number; iat?: number }, alg = 'HS256', secret = DEV_TOKEN_SECRET) => {
    const jwt = new SignJWT(claims.doc === undefined ? {} : { doc: claims.doc }).setProtectedHeader({ alg, typ: 'JWT' })
      .setIssuer(claims.iss ?? 'banca:bank-1').setAudience(claims.aud ?? 'banca:bank-1')
      .setIssuedAt(claims.iat ?? nowSeconds()).setExpirationTime(claims.exp ?? nowSeconds() + 300);
    return (claims.sub === undefined ? jwt : jwt.setSubject(claims.sub)).sign(secret);
  };
  const anaClaims = () => ({ sub: ana.accountId, doc: ana.document });

  test('a token signed like the bank signs is accepted (so each refusal below is for its one flaw)', async () => {
    const me = await call(lone, 'GET', '/v1/me', { headers: bearer(await sign(anaClaims())) });
    assert.deepEqual([me.status, me.body.accountId], [200, ana.accountId]);
  });

  test('expired, wrong audience or issuer, wrong key, alg none or another algorithm, payload swapped, no account: 401', async () => {
    const [header, , signature] = ana.token.split('.');
    const brunoPayload = Buffer.from(JSON.stringify({ doc: bruno.document, sub: bruno.accountId, iss: 'banca:bank-1', aud: 'banca:bank-1', iat: nowSeconds(), exp: nowSeconds() + 300 })).toString('base64url');
    const cases: [string, string, RegExp][] = [
      ['expired', await sign({ ...anaClaims(), iat: nowSeconds() - 3600, exp: nowSeconds() - 60 }), /expired; log in again/],
      ['another bank as audience', await sign({ ...anaClaims(), aud: 'banca:bank-2', iss: 'banca:bank-2' }), /not issued for this bank/],
      ['another bank as issuer', await sign({ ...anaClaims(), iss: 'banca:bank-2' }), /not issued for this bank/],
      ['signed with another key', await sign(anaClaims(), 'HS256', new TextEncoder().encode('x'.repeat(44))), /bad signature/],
      ['alg none', new UnsecuredJWT({ ...anaClaims(), iss: 'banca:bank-1', aud: 'banca:bank-1' }).setIssuedAt().setExpirationTime('5m').encode(), /not valid/],
      ['HS512 with the right key', await sign(anaClaims(), 'HS512'), /not valid/],
      ["Ana's signature on Bruno's claims", `${header}.${brunoPayload}.${signature}`, /bad signature/],
      ['no account in it', await sign({ doc: ana.document }), /no account/],
      ['not a JWT', 'abc.def', /not valid/],
    ];
    for (const [what, token, message] of cases) {
      const response = await call(lone, 'GET', '/v1/me', { headers: bearer(token) });
      assert.deepEqual([response.status, response.body.error?.code], [401, 'UNAUTHENTICATED'], what);
      assert.match(response.body.error.message, message, what);
    }
    const basic = await call(lone, 'GET', '/v1/me', { headers: { authorization: `Basic ${Buffer.from(`${ana.email}:correct horse`).toString('base64')}` } });
    assert.equal(basic.status, 401);
  });

  test('an expired token moves no money', async () => {
    const before = await balanceOf(ana);
    const expired = await sign({ ...anaClaims(), iat: nowSeconds() - 3600, exp: nowSeconds() - 1 });
    for (const [url, json] of [['/v1/me/deposits', { amount: '5.00', method: 'cash' }], ['/v1/me/pix', { toBankId: 1, key: DOCUMENTS.cpf[1], amount: '5.00' }]] as const) {
      const response = await call(lone, 'POST', url, { headers: { ...bearer(expired), 'idempotency-key': randomUUID() }, json });
      assert.deepEqual([response.status, response.body.error.code], [401, 'UNAUTHENTICATED'], url);
    }
    assert.equal(await balanceOf(ana), before);
  });
});

describe('security - interbank routes', () => {
  const holdBody = () => ({
    legId: `x${randomUUID().slice(0, 8)}.1`, packetId: 'x', coordinatorBank: 2, payerAccountId: ana.accountId, payerDocument: ana.document,
    toBank: 2, amountCents: 100, receiverName: '',
  });

  const signed = (sender: number, method: string, url: string, body?: unknown, signer = sender, receiver = 1) => signedInterbankHeaders({
    key: keys.get(signer)!, sender, receiver, method, path: url, ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const send = async (app: FastifyInstance, method: 'GET' | 'POST', url: string, headers: Record<string, string>, body?: unknown) => call(app, method, url, {
    headers: body === undefined ? headers : { ...headers, 'content-type': 'application/json' }, ...(body !== undefined ? { payload: JSON.stringify(body) } : {}),
  });

  test('a lone bank admits no bank at all, even with a signature by a real key pair', async () => {
    for (const [method, url, json] of [['GET', '/interbank/v1/ping', undefined], ['POST', '/interbank/v1/holds', holdBody()]] as const) {
      const response = await send(lone, method, url, await signed(2, method, url, json), json);
      assert.deepEqual([response.status, response.body.error.code], [401, 'INTERBANK_KEY_UNKNOWN'], url);
    }
  });

  test("a member is refused without a signature, with the old shared-key headers, or with another bank's key, and holds nothing", async () => {
    const before = await balanceOf(ana);
    const body = holdBody();
    const cases: [Record<string, string>, string][] = [
      [{}, 'INTERBANK_SIGNATURE_MISSING'],
      [{ 'bank-id': '2', 'auth-token': `${DEV_KEY_PREFIX}interbank-2` }, 'INTERBANK_SIGNATURE_MISSING'],
      // Bank 3 (not a member) signs as itself, then claims to be bank 2 with its own key.
      [await signed(3, 'POST', '/interbank/v1/holds', body), 'INTERBANK_KEY_UNKNOWN'],
      [await signed(2, 'POST', '/interbank/v1/holds', body, 3), 'INTERBANK_KEY_UNKNOWN'],
      // Bank 2's own signature, addressed to bank 3, or with a bank-id header naming bank 1.
      [await signed(2, 'POST', '/interbank/v1/holds', body, 2, 3), 'INTERBANK_SIGNATURE_INVALID'],
      [{ ...(await signed(2, 'POST', '/interbank/v1/holds', body)), 'bank-id': '1' }, 'INTERBANK_SIGNATURE_INVALID'],
    ];
    for (const [headers, code] of cases) {
      const response = await send(member, 'POST', '/interbank/v1/holds', headers, body);
      assert.deepEqual([response.status, response.body.error.code], [401, code], JSON.stringify(headers).slice(0, 120));
    }
    assert.equal(await balanceOf(ana), before);
    const own = await send(member, 'GET', '/interbank/v1/ping', await signed(2, 'GET', '/interbank/v1/ping'));
    assert.equal(own.status, 200, 'the member with its own signature is admitted');
  });
});

describe('security - secrets never reach the logs', () => {
  test("the services' redaction hides secret headers and body fields, should a service ever log whole requests", async () => {
    const lines: string[] = [];
    const app = Fastify({
      logger: {
        level: 'trace', redact: { paths: REDACTED_LOG_PATHS, censor: '[redacted]' }, stream: { write: (line: string) => void lines.push(line) },
        serializers: { req: (request: { method: string; url: string; headers: unknown }) => ({ method: request.method, url: request.url, headers: request.headers }) },
      },
    });
    app.addHook('preHandler', async (request) => request.log.info({ body: request.body, headers: request.headers }, 'received'));
    app.post('/echo', async (request) => {
      request.log.info({ req: { body: request.body } }, 'again');
      return { ok: true };
    });
    const secrets = Array.from({ length: 7 }, () => randomUUID());
    const response = await app.inject({
      method: 'POST', url: '/echo',
      headers: { authorization: `Bearer ${secrets[0]}`, 'auth-token': secrets[1]!, auth: secrets[2]!, cookie: `session=${secrets[3]}`, 'proxy-authorization': `Basic ${secrets[4]}`, 'x-visible': 'visible-header' },
      payload: { email: 'visible@example.com', password: secrets[5], token: secrets[6] },
    });
    assert.equal(response.statusCode, 200);
    await app.close();
    const text = lines.join('');
    assert.ok(text.includes('visible-header') && text.includes('visible@example.com') && text.includes('[redacted]'), 'headers and bodies were logged, redacted');
    for (const secret of secrets) assert.equal(text.includes(secret), false, `secret ${secrets.indexOf(secret)} leaked: ${text}`);
  });

  test('keys, passwords and tokens sent to the gateway, business server and data server, failing or not, are not logged', async () => {
    const password = `pw-${randomUUID()}`;
    const wrongPassword = `wrong-${randomUUID()}`;
    const wrongKey = `key-${randomUUID()}`;
    const email = `logs.${randomUUID().slice(0, 6)}@example.com`;
    const gateway = bank.gateway.url;
    const created = await http(`${gateway}/v1/customers`, { method: 'POST', json: { type: 'company', holders: [{ name: 'Logs Ltda', document: DOCUMENTS.cnpj[0] }], email, password } });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const session = await http(`${gateway}/v1/sessions`, { method: 'POST', json: { email, password } });
    assert.equal(session.status, 200);
    const token: string = session.body.token;
    const requests: [string, Parameters<typeof http>[1], number][] = [
      ['/v1/me', { headers: bearer(token) }, 200],
      ['/v1/me', { headers: bearer(`${token.slice(0, -3)}abc`) }, 401],
      ['/v1/nope', { headers: bearer(token) }, 404],
      ['/v1/sessions', { method: 'POST', json: { email, password: wrongPassword } }, 401],
      ['/v1/sessions', { method: 'POST', json: { email, password, extra: wrongPassword } }, 400],
      ['/v1/sessions', { method: 'POST', body: `{"email":"${email}","password":"${wrongPassword}"`, headers: { 'content-type': 'application/json' } }, 400],
      ['/v1/sessions', { method: 'POST', body: `email=${email}&password=${wrongPassword}`, headers: { 'content-type': 'text/plain' } }, 415],
      ['/v1/customers', { method: 'POST', json: { type: 'individual', holders: [{ name: 'X Y', document: '1' }], email, password: wrongPassword } }, 400],
      ['/balance/nobody-at-all', { headers: clientHeaders() }, 404],
      ['/balance/nobody-at-all', { headers: { 'client-id': 'clientA', 'auth-token': wrongKey } }, 401],
      ['/balance/nobody-at-all', { headers: { 'client-id': 'clientA', auth: wrongKey } }, 401],
    ];
    for (const [path, options, status] of requests) {
      const response = await http(`${gateway}${path}`, options);
      assert.equal(response.status, status, `${path} ${JSON.stringify(response.body)}`);
    }
    const data = bank.dataServer.url;
    for (const [headers, status] of [
      [{ 'business-id': '1', 'auth-token': wrongKey }, 401],
      [{ 'business-id': '1', auth: wrongKey }, 401],
      [{ 'business-id': '1', 'auth-token': devKeys.business['1']! }, 404],
    ] as const) {
      assert.equal((await http(`${data}/v1/accounts/nobody-${randomUUID().slice(0, 6)}`, { headers })).status, status);
    }
    // Every service logs each request at trace: wait until each logged a last marker request.
    const marker = `/log-marker-${randomUUID()}`;
    await http(`${gateway}${marker}`);
    await http(`${data}${marker}`);
    for (const service of ['gateway', 'business-server', 'data-server']) {
      await waitFor(async () => logLines.some((line) => line.includes(marker) && line.includes(`"service":"${service}`)), 5000, `the ${service}'s log of ${marker}`);
    }
    assert.ok(logLines.some((line) => line.includes('"url":"/v1/sessions"')), 'requests are logged at all');
    const secrets = {
      password, wrongPassword, wrongKey, token, signature: token.split('.')[2]!,
      clientKey: devKeys.client.clientA!, businessKey: devKeys.business['1']!, passwordHashPrefix: 'scrypt$',
    };
    for (const [what, secret] of Object.entries(secrets)) {
      const leak = logLines.find((line) => line.includes(secret));
      assert.equal(leak, undefined, `the ${what} is in the logs: ${leak?.slice(0, 300)}`);
    }
  });
});
