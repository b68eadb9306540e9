// Property-based tests (fast-check, through inject()) of the gateway against bad input, in front of a
// real business server and data server running in this process on random ports (memory store).
// Whatever the gateway forwards, a refusal reaches the client as the business server gave it: the
// same catalogued 4xx, code and message, with the gateway's request id; what the gateway refuses
// itself (a body above its limit, a method it has no route for) is catalogued too and never reaches
// a business server. Nothing changes: a spy on the data server's store counts every write, and the
// ledger's audit and the fixture's balance are compared before and after.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance, InjectOptions } from 'fastify';
import fc from 'fast-check';
import type { ErrorCode } from '@banca/core/errors';
import { buildApp as buildBusinessServer } from '@banca/business-server/app';
import { loadBusinessServerConfig } from '@banca/business-server/config';
import { buildApp as buildDataServer } from '@banca/data-server/app';
import { loadDataServerConfig } from '@banca/data-server/config';
import type { LedgerStore } from '@banca/data-server/infra/ledger-store';
import { openStore } from '@banca/data-server/infra/open-store';
import {
  answerOf, assertNoServerError, assertRefused, badAccountIdInPath, badAmountInPath, badAmountJson, corrupt, describeRequest, fuzzRuns, headerText,
  isValidAmountText, isValidOperationId, jsonJunk, nonJsonContentType, pathText, segment, type Answer,
} from '@banca/testkit/fuzz';
import { devKeys } from '@banca/testkit/testkit';
import { buildApp } from '../src/app.js';
import { loadGatewayConfig } from '../src/config.js';

/** The gateway reads at most this much; the business server behind it less, so both limits are crossed. */
const GATEWAY_BODY_LIMIT = 4096;
const BUSINESS_BODY_LIMIT = 2048;
const X = 'fz-gw-x';
const CLIENT = { 'client-id': 'clientA', 'auth-token': devKeys.client.clientA! };
const BUSINESS1 = { 'business-id': '1', 'auth-token': devKeys.business['1']! };

let data: FastifyInstance;
let business: FastifyInstance;
let gateway: FastifyInstance;
const writes: string[] = [];
/** Requests that reached the business server (health checks aside). */
let upstreamRequests = 0;

function spyOn(inner: LedgerStore): LedgerStore {
  return new Proxy(inner, {
    get(target, name, receiver) {
      if (name === 'commit') {
        return async (...args: Parameters<LedgerStore['commit']>) => {
          const response = await target.commit(...args);
          const [request] = args;
          if (!response.replayed && (request.transfers.length > 0 || (request.records?.length ?? 0) > 0 || (request.setBalances?.length ?? 0) > 0 || request.queue)) writes.push(`commit ${request.commitId}`);
          return response;
        };
      }
      if (name === 'enqueue') {
        return async (...args: Parameters<LedgerStore['enqueue']>) => {
          const response = await target.enqueue(...args);
          if (!response.replayed) writes.push(`enqueue ${args[1]}`);
          return response;
        };
      }
      const value: unknown = Reflect.get(target, name, receiver);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

const json = (method: InjectOptions['method'], url: string, body: unknown, headers: Record<string, string> = CLIENT): InjectOptions =>
  ({ method, url, headers: { ...headers, 'content-type': 'application/json' }, payload: JSON.stringify(body) ?? 'null' });
const keyed = (request: InjectOptions, key: string = randomUUID()): InjectOptions => ({ ...request, headers: { ...(request.headers as Record<string, string>), 'idempotency-key': key } });

async function snapshot() {
  const audit = await data.inject({ method: 'GET', url: '/v1/audit', headers: BUSINESS1 });
  const balance = answerOf(await gateway.inject({ method: 'GET', url: `/v1/accounts/${X}`, headers: CLIENT }));
  return { writes: writes.length, audit: audit.json(), balance: balance.body?.balanceCents };
}

/** The fields of a refusal that must not depend on the hop that answered it. */
const refusal = (answer: Answer) => ({ status: answer.status, code: answer.body?.error?.code, message: answer.body?.error?.message, retryable: answer.body?.error?.retryable });

before(async () => {
  data = await buildDataServer(loadDataServerConfig({ store: 'memory', logLevel: 'silent' }, {}), { store: spyOn(await openStore('memory', { sqliteFile: ':memory:' })) });
  const dataUrl = await data.listen({ port: 0, host: '127.0.0.1' });
  // Many fuzzed log-ins and sign-ups from 127.0.0.1: past the product's limits, raised here.
  business = await buildBusinessServer(loadBusinessServerConfig({
    dataServerUrls: [dataUrl], logLevel: 'silent', bodyLimitBytes: BUSINESS_BODY_LIMIT, lockRetryMsMax: 100,
    loginAttemptsMax: 1000, loginAttemptsPerIpMax: 100_000, signUpsPerIpMax: 100_000,
  }, {}));
  // Counted at the HTTP server: every request that arrives, whatever route or hook answers it.
  business.server.prependListener('request', (request) => {
    if (request.url !== '/health') upstreamRequests += 1;
  });
  const businessUrl = await business.listen({ port: 0, host: '127.0.0.1' });
  gateway = await buildApp(loadGatewayConfig({ upstreams: [businessUrl], logLevel: 'silent', bodyLimitBytes: GATEWAY_BODY_LIMIT, retriesMax: 1 }, {}));
  const deposit = answerOf(await gateway.inject(keyed(json('POST', '/v1/deposits', { accountId: X, amount: '10.00' }), 'fz-gw-dep')));
  assert.equal(deposit.status, 200, deposit.text);
});
after(async () => {
  await gateway?.close();
  await business?.close();
  await data?.close();
});

type Case = { request: InjectOptions; codes: readonly ErrorCode[] | undefined };
const amountFieldCodes = (value: unknown): readonly ErrorCode[] => (typeof value === 'string' ? ['INVALID_AMOUNT', 'AMOUNT_TOO_LARGE', 'INVALID_REQUEST'] : ['INVALID_AMOUNT']);
const dotSegment = (text: string) => text === '.' || text === '..';

/** Bad requests for the business server's routes, as a client sends them to the gateway. */
function badRequests(): fc.Arbitrary<Case> {
  const badCredentials = fc.oneof(
    fc.constant<Record<string, string>>({}),
    headerText().filter((key) => key !== CLIENT['auth-token']).map((key) => ({ 'client-id': 'clientA', 'auth-token': key })),
    fc.constantFrom<Record<string, string>>({ 'client-id': 'clientB', 'auth-token': CLIENT['auth-token'] }, { 'client-id': 'clientA', 'auth-token': devKeys.client.clientB! }, BUSINESS1),
  );
  return fc.oneof(
    badAmountInPath().filter((amount) => amount !== '' && !dotSegment(amount)).chain((amount) => fc.constantFrom('deposit', 'withdrawal')
      .map((route): Case => ({ request: { method: 'POST', url: `/${route}/${X}/${segment(amount)}`, headers: CLIENT }, codes: ['INVALID_AMOUNT', 'AMOUNT_TOO_LARGE'] }))),
    badAccountIdInPath().filter((id) => id !== '' && !dotSegment(id)).map((id): Case => ({ request: { method: 'GET', url: `/balance/${segment(id)}`, headers: CLIENT }, codes: ['INVALID_ACCOUNT_ID'] })),
    badAmountJson().filter((amount) => !(typeof amount === 'string' && isValidAmountText(amount)))
      .map((amount): Case => ({ request: keyed(json('POST', '/v1/deposits', { accountId: X, amount })), codes: amountFieldCodes(amount) })),
    corrupt({ fromAccountId: X, toAccountId: 'fz-gw-y', amount: '1.00' }, { toAccountId: fc.constant(X) }, { required: ['fromAccountId', 'toAccountId', 'amount'] })
      .map((body): Case => ({ request: keyed(json('POST', '/v1/transfers', body)), codes: ['INVALID_REQUEST', 'SAME_ACCOUNT'] })),
    fc.constant<Case>({ request: json('POST', '/v1/withdrawals', { accountId: X, amount: '1.00' }), codes: ['MISSING_IDEMPOTENCY_KEY'] }),
    headerText().filter((key) => !isValidOperationId(key)).map((key): Case => ({ request: keyed(json('POST', '/v1/withdrawals', { accountId: X, amount: '1.00' }), key), codes: ['INVALID_IDEMPOTENCY_KEY'] })),
    fc.constant<Case>({ request: keyed(json('POST', '/v1/withdrawals', { accountId: X, amount: '10.01' })), codes: ['INSUFFICIENT_FUNDS'] }),
    fc.constantFrom('10.01', '1.00').map((amount): Case => ({ request: keyed(json('POST', '/v1/deposits', { accountId: X, amount }), 'fz-gw-dep'), codes: ['IDEMPOTENCY_CONFLICT'] })),
    badCredentials.map((credentials): Case => ({ request: keyed({ ...json('POST', '/v1/deposits', { accountId: X, amount: '1.00' }, credentials) }), codes: ['UNAUTHENTICATED'] })),
    badCredentials.map((credentials): Case => ({ request: { method: 'POST', url: `/deposit/${X}/1.00`, headers: credentials }, codes: ['UNAUTHENTICATED'] })),
    fc.constantFrom('Bearer x.y.z', 'Bearer ', 'Basic Y2xpZW50QTp4', '').map((authorization): Case => ({ request: { method: 'GET', url: '/v1/me', headers: { authorization } }, codes: ['UNAUTHENTICATED'] })),
    fc.constantFrom<Record<string, string>>({}, { 'bank-id': '2', 'auth-token': 'dev-insecure-interbank-2' }).map((headers): Case => ({ request: json('POST', '/interbank/v1/credits/leg-1/commit', {}, headers), codes: ['INTERBANK_SIGNATURE_MISSING'] })),
    nonJsonContentType().map((type): Case => ({ request: keyed({ method: 'POST', url: '/v1/deposits', headers: { ...CLIENT, 'content-type': type }, payload: JSON.stringify({ accountId: X, amount: '1.00' }) }), codes: ['UNSUPPORTED_MEDIA_TYPE'] })),
    fc.tuple(fc.constantFrom('PUT', 'DELETE', 'PATCH') as fc.Arbitrary<InjectOptions['method']>, fc.constantFrom('/v1/deposits', `/deposit/${X}/1.00`, `/v1/accounts/${X}`))
      .map(([method, url]): Case => ({ request: keyed(json(method, url, { accountId: X, amount: '1.00' })), codes: ['ROUTE_NOT_FOUND'] })),
    corrupt({ type: 'individual', holders: [{ name: 'Fuzz Gateway', document: '11144477735' }], email: 'fuzz.gateway@fuzz.example.com', password: 'correct horse' },
      { holders: fc.constant([{ name: 'Fuzz Gateway', document: '11144477736' }]), email: fc.constantFrom('no at sign', ''), password: fc.constantFrom('short', '') }, { required: ['type', 'holders', 'email', 'password'] })
      .map((body): Case => ({ request: json('POST', '/v1/customers', body, {}), codes: ['INVALID_REQUEST', 'INVALID_DOCUMENT'] })),
    pathText(10).filter((limit) => !/^[1-9][0-9]{0,2}$/.test(limit)).map((limit): Case => ({ request: { method: 'GET', url: `/v1/accounts/${X}/history?limit=${encodeURIComponent(limit)}`, headers: CLIENT }, codes: ['INVALID_REQUEST'] })),
  );
}

/** A client's own x-request-id (visible ASCII, no surrounding spaces: HTTP trims them on the way to the business server). */
const clientRequestId = fc.option(fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 80 }).map((text) => text.replace(/[^\x21-\x7e]/g, '')).filter((text) => text.length > 0), { nil: undefined });

describe('gateway - bad input (property-based)', () => {
  test('forwarded refusals reach the client as the business server gave them (catalogued 4xx, same code and message, the gateway\'s request id) and change nothing', async () => {
    await fc.assert(fc.asyncProperty(badRequests(), clientRequestId, async ({ request, codes }, requestId) => {
      const viaGateway: InjectOptions = requestId === undefined ? request : { ...request, headers: { ...(request.headers as Record<string, string>), 'x-request-id': requestId } };
      const before = await snapshot();
      const hits = upstreamRequests;
      const answer = answerOf(await gateway.inject(viaGateway));
      assertRefused(answer, `via the gateway: ${describeRequest(viaGateway)}`, codes);
      if (requestId !== undefined) assert.equal(answer.body.requestId, requestId, 'the client\'s x-request-id is the request id end to end');
      assert.ok(upstreamRequests > hits, `the gateway answered itself: ${describeRequest(viaGateway)} -> ${answer.status}`);
      const direct = answerOf(await business.inject(request));
      assertRefused(direct, `direct: ${describeRequest(request)}`, codes);
      assert.deepEqual(refusal(answer), refusal(direct), `the gateway changed the refusal of ${describeRequest(request)}`);
      assert.deepEqual(await snapshot(), before, `a refused request changed something: ${describeRequest(request)} -> ${answer.status}`);
    }), fuzzRuns(120));
  });

  test('bodies above a limit get 413 PAYLOAD_TOO_LARGE: above the gateway\'s, from the gateway without reaching a business server; between the two, from the business server', async () => {
    const posts = [
      keyed(json('POST', '/v1/deposits', { accountId: X, amount: '1.00' })),
      keyed(json('POST', '/v1/transfers', { fromAccountId: X, toAccountId: 'fz-gw-y', amount: '1.00' })),
      keyed(json('POST', `/deposit/${X}/1.00`, null)),
      json('POST', '/v1/customers', { type: 'individual', holders: [{ name: 'Fuzz Gateway', document: '52998224725' }], email: 'fuzz.big@fuzz.example.com', password: 'correct horse' }, {}),
    ];
    await fc.assert(fc.asyncProperty(fc.constantFrom(...posts), fc.integer({ min: BUSINESS_BODY_LIMIT + 1, max: 4 * GATEWAY_BODY_LIMIT }), async (request, size) => {
      const text = request.payload as string;
      const payload = text + ' '.repeat(size - Buffer.byteLength(text));
      const before = await snapshot();
      const hits = upstreamRequests;
      const answer = answerOf(await gateway.inject({ ...request, payload }));
      assertRefused(answer, `${describeRequest(request)} padded to ${size} bytes`, ['PAYLOAD_TOO_LARGE']);
      if (size > GATEWAY_BODY_LIMIT) assert.equal(upstreamRequests, hits, `a ${size}-byte body reached a business server`);
      assert.deepEqual(await snapshot(), before, `a refused request changed something: ${describeRequest(request)} (${size} bytes)`);
    }), fuzzRuns(60));
  });

  test('junk on any path through the gateway (any method, segments, query, body, headers) never gets a 5xx; refusals are catalogued and change nothing', async () => {
    const part = fc.oneof(fc.constantFrom(X, '1.00', 'v1', 'deposits', 'accounts', 'interbank', 'gateway', 'upstreams', 'health'), pathText(20))
      .filter((text) => text !== '' && encodeURIComponent(text).length <= 100);
    const body = fc.option(fc.oneof(jsonJunk().map((value) => ({ payload: JSON.stringify(value), type: 'application/json' })), fc.tuple(fc.string({ maxLength: 40 }), nonJsonContentType())
      .map(([payload, type]) => ({ payload, type }))), { nil: undefined });
    const headers = fc.dictionary(fc.constantFrom('client-id', 'auth-token', 'idempotency-key', 'authorization', 'bank-id', 'x-forwarded-for', 'connection', 'x-request-id', 'accept'), headerText(30)
      .map((text) => text.trim()).filter((text) => text.length > 0), { maxKeys: 4 });
    await fc.assert(fc.asyncProperty(fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS') as fc.Arbitrary<InjectOptions['method']>, fc.array(part, { minLength: 1, maxLength: 4 }),
      fc.option(fc.dictionary(fc.constantFrom('limit', 'key', 'bankId', 'x'), pathText(8), { maxKeys: 2 }), { nil: undefined }), body, headers, fc.boolean(),
      async (method, parts, params, content, extra, authenticated) => {
        const search = params ? `?${new URLSearchParams(params).toString()}` : '';
        const request: InjectOptions = {
          method, url: `/${parts.map(segment).join('/')}${search}`,
          headers: { ...(authenticated ? CLIENT : {}), ...extra, ...(content ? { 'content-type': content.type } : {}) }, ...(content ? { payload: content.payload } : {}),
        };
        const before = await snapshot();
        const answer = answerOf(await gateway.inject(request));
        if (assertNoServerError(answer, describeRequest(request))) {
          assert.deepEqual(await snapshot(), before, `a refused request changed something: ${describeRequest(request)} -> ${answer.status}`);
        }
      }), fuzzRuns(120));
  });

  // Found by this file (fixed): a malformed percent-escape in the path is answered by fastify's default handler at the
  // gateway: 400 {"error":"Bad Request","code":"FST_ERR_BAD_URL",...} with no requestId and no
  // x-request-id header, outside the catalogue. E.g. GET /balance/%ZZ. Expected: 400 INVALID_REQUEST.
  test('malformed percent-escapes in a path get a catalogued 400 at the gateway', async () => {
    await fc.assert(fc.asyncProperty(fc.constantFrom('/balance/', '/v1/accounts/', '/deposit/x/', '/'), fc.constantFrom('%', '%ZZ', '%C0%AF', '%E0%A4%A'), async (prefix, escape) => {
      const before = await snapshot();
      const request: InjectOptions = { method: 'GET', url: `${prefix}${escape}`, headers: CLIENT };
      assertRefused(answerOf(await gateway.inject(request)), describeRequest(request), ['INVALID_REQUEST', 'INVALID_ACCOUNT_ID', 'INVALID_AMOUNT']);
      assert.deepEqual(await snapshot(), before);
    }), { ...fuzzRuns(5), endOnFailure: true });
  });
});
