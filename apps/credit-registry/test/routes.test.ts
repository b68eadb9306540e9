// The credit registry's routes through inject(), with tokens signed by a local ES256 key whose
// JWKS a node:http server serves: recording and reading, idempotency, every bad input (answered
// with its code, nothing written), tokens refused, the demo seed, OpenAPI and the config.
import assert from 'node:assert/strict';
import { createHash, randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance, InjectOptions } from 'fastify';
import { defaultPorts } from '@banca/core/config';
import { tempDir } from '@banca/testkit/testkit';
import { buildApp } from '../src/app.js';
import { requestHash } from '../src/application/entry-rules.js';
import { loadCreditRegistryConfig } from '../src/config.js';
import { DEMO_PEOPLE } from '../src/infra/demo-data.js';
import { startTokenIssuer, type TokenIssuer, type TokenOptions } from './token-issuer.js';

let issuer: TokenIssuer;
let app: FastifyInstance;

/** Valid CPFs and CNPJs not used by other tests of this file. */
const CPFS = ['11144477735', '52998224725', '39053344705', '15350946056', '98765432100', '12345678909', '71428793860'];
const CNPJS = ['11222333000181', '45723174000110', '06990590000123'];

function configFor(overrides: Record<string, unknown> = {}) {
  return loadCreditRegistryConfig({ databasePath: ':memory:', logLevel: 'silent', oauth: { jwksUrl: issuer.jwksUrl }, ...overrides }, {});
}

interface CallOptions {
  json?: unknown;
  payload?: string;
  headers?: Record<string, string>;
  /** Token options, or null for no Authorization header. */
  token?: TokenOptions | null;
  key?: string | null;
}

async function call(method: InjectOptions['method'], url: string, options: CallOptions = {}, target: FastifyInstance = app) {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token !== null) Object.assign(headers, await issuer.auth(options.token ?? {}));
  if (method === 'POST' && options.key !== null) headers['idempotency-key'] = options.key ?? randomUUID();
  const payload = options.json !== undefined ? { payload: options.json as object } : options.payload !== undefined ? { payload: options.payload } : {};
  const response = await target.inject({ method, url, headers, ...payload });
  return { status: response.statusCode, body: response.json(), headers: response.headers };
}

const person = (document: string, target?: FastifyInstance) => call('GET', `/v1/people/${document}`, {}, target);

before(async () => {
  issuer = await startTokenIssuer();
  app = await buildApp(configFor());
});
after(async () => {
  await app?.close();
  await issuer?.close();
});

describe('credit registry routes', () => {
  test('registry - a person with nothing recorded answers 200 with empty lists and zero totals', async () => {
    const read = await person('153.509.460-56');
    assert.equal(read.status, 200);
    assert.deepEqual(read.body, {
      document: '15350946056', documentMasked: '***.509.460-**', debts: [], assets: [], incomes: [],
      totals: { debtCents: 0, debt: '0.00', assetCents: 0, assets: '0.00', monthlyIncomeCents: 0, monthlyIncome: '0.00' },
    });
  });

  test('registry - debts, assets and incomes are recorded (201) and listed with their totals', async () => {
    const cpf = CPFS[4]!;
    const first = await call('POST', `/v1/people/${cpf}/debts`, { json: { amount: '1000.00', date: '2024-07-07', creditor: 'Financeira Horizonte' } });
    assert.equal(first.status, 201);
    assert.equal(first.body.kind, 'debt');
    assert.equal(first.body.amountCents, 100_000);
    assert.equal(first.body.amount, '1000.00');
    assert.equal(first.body.date, '2024-07-07');
    assert.equal(first.body.creditor, 'Financeira Horizonte');
    assert.equal(first.body.description, undefined);
    assert.ok(first.body.id && Number.isSafeInteger(first.body.createdAtMs));
    await call('POST', `/v1/people/${cpf}/debts`, { json: { amount: '0.5', date: '2024-02-29', creditor: '  Cartão Aurora  ' } });
    const car = await call('POST', `/v1/people/987.654.321-00/assets`, { json: { amount: '42000', description: 'Carro' } });
    assert.deepEqual([car.status, car.body.kind, car.body.description, car.body.date], [201, 'asset', 'Carro', undefined]);
    const salary = await call('POST', `/v1/people/${cpf}/incomes`, { json: { amount: '5200.10', description: 'Salário' } });
    assert.deepEqual([salary.status, salary.body.kind, salary.body.amount], [201, 'income', '5200.10']);

    const read = await person(cpf);
    assert.equal(read.status, 200);
    assert.equal(read.body.documentMasked, '***.654.321-**');
    assert.deepEqual(read.body.debts.map((d: any) => [d.amount, d.date, d.creditor]), [['1000.00', '2024-07-07', 'Financeira Horizonte'], ['0.50', '2024-02-29', 'Cartão Aurora']]);
    assert.deepEqual(read.body.debts[0], first.body);
    assert.deepEqual(read.body.assets, [car.body]);
    assert.deepEqual(read.body.incomes, [salary.body]);
    assert.deepEqual(read.body.totals, {
      debtCents: 100_050, debt: '1000.50', assetCents: 4_200_000, assets: '42000.00', monthlyIncomeCents: 520_010, monthlyIncome: '5200.10',
    });
  });

  test('registry - a CNPJ is accepted with its punctuation (the slash escaped) and stored as digits', async () => {
    const recorded = await call('POST', `/v1/people/${encodeURIComponent('45.723.174/0001-10')}/assets`, { json: { amount: '95000.00', description: 'Maquinário' } });
    assert.equal(recorded.status, 201);
    const read = await person(CNPJS[1]!);
    assert.equal(read.body.document, '45723174000110');
    assert.equal(read.body.documentMasked, '**.723.174/0001-**');
    assert.deepEqual(read.body.assets, [recorded.body]);
  });

  test('idempotency - a replay with the same key and body answers 200 with the same item; nothing is added', async () => {
    const cpf = CPFS[5]!;
    const key = randomUUID();
    const first = await call('POST', `/v1/people/${cpf}/debts`, { key, json: { amount: '10.50', date: '2024-01-02', creditor: 'Loja' } });
    assert.equal(first.status, 201);
    // The same request in another spelling: "10.5" is 10.50, the CPF with punctuation is the same person.
    const again = await call('POST', `/v1/people/123.456.789-09/debts`, { key, json: { amount: '10.5', date: '2024-01-02', creditor: 'Loja' } });
    assert.equal(again.status, 200);
    assert.equal(again.headers['idempotent-replayed'], 'true');
    assert.deepEqual(again.body, first.body);
    assert.equal((await person(cpf)).body.debts.length, 1);
  });

  test('idempotency - a retry listing its body keys in another order is a replay, not IDEMPOTENCY_CONFLICT', async () => {
    const cpf = CPFS[2]!;
    const key = randomUUID();
    const first = await call('POST', `/v1/people/${cpf}/debts`, { key, payload: '{"amount":"20.00","date":"2024-03-04","creditor":"Loja"}', headers: { 'content-type': 'application/json' } });
    assert.equal(first.status, 201);
    const again = await call('POST', `/v1/people/${cpf}/debts`, { key, payload: '{"creditor":"Loja","date":"2024-03-04","amount":"20.00"}', headers: { 'content-type': 'application/json' } });
    assert.deepEqual([again.status, again.headers['idempotent-replayed']], [200, 'true'], JSON.stringify(again.body));
    assert.deepEqual(again.body, first.body);
    assert.equal((await person(cpf)).body.debts.length, 1, 'recorded once');
  });

  test('idempotency - the request hash is the one stored before it was canonical JSON, so recorded keys still replay', () => {
    // Items recorded before hold sha256(JSON.stringify([...])) of the canonical values; canonical JSON of a flat array is the same text.
    const facts = { kind: 'debt', date: '2024-01-02', creditor: 'Loja "Centro"' } as const;
    const legacy = createHash('sha256').update(JSON.stringify(['12345678909', 'debt', 1050, '2024-01-02', 'Loja "Centro"'])).digest('hex');
    assert.equal(requestHash('12345678909', 1050, facts), legacy);
    assert.equal(requestHash('12345678909', 5000, { kind: 'income', description: 'Salário' }), createHash('sha256').update(JSON.stringify(['12345678909', 'income', 5000, 'Salário'])).digest('hex'));
  });

  test('idempotency - a key reused with a different body is 409 IDEMPOTENCY_CONFLICT; nothing is added', async () => {
    const cpf = CPFS[6]!;
    const key = randomUUID();
    await call('POST', `/v1/people/${cpf}/incomes`, { key, json: { amount: '100.00', description: 'Aluguel' } });
    for (const [url, json] of [
      [`/v1/people/${cpf}/incomes`, { amount: '100.01', description: 'Aluguel' }],
      [`/v1/people/${cpf}/incomes`, { amount: '100.00', description: 'Outro' }],
      [`/v1/people/${cpf}/assets`, { amount: '100.00', description: 'Aluguel' }],
      [`/v1/people/${CNPJS[2]}/incomes`, { amount: '100.00', description: 'Aluguel' }],
    ] as const) {
      const conflict = await call('POST', url, { key, json });
      assert.equal(conflict.status, 409, url);
      assert.equal(conflict.body.error.code, 'IDEMPOTENCY_CONFLICT');
      assert.deepEqual(conflict.body.error.details, { idempotencyKey: key });
    }
    assert.equal((await person(cpf)).body.incomes.length, 1);
    assert.equal((await person(cpf)).body.assets.length, 0);
    assert.equal((await person(CNPJS[2]!)).body.incomes.length, 0);
  });

  test('validation - every kind of bad input is answered with its code and nothing is written', async () => {
    const cpf = '52998224725';
    const debts = `/v1/people/${cpf}/debts`;
    const good = { amount: '10.00', date: '2024-01-31', creditor: 'Loja' };
    const tomorrow = new Date(Date.now() + 36 * 3600_000).toISOString().slice(0, 10);
    const cases: [string, string, CallOptions, number, string][] = [
      ['bad check digits', '/v1/people/52998224724/debts', { json: good }, 400, 'INVALID_DOCUMENT'],
      ['wrong length', '/v1/people/5299822472/debts', { json: good }, 400, 'INVALID_DOCUMENT'],
      ['letters', '/v1/people/abc/debts', { json: good }, 400, 'INVALID_DOCUMENT'],
      ['repeated digits', '/v1/people/11111111111/debts', { json: good }, 400, 'INVALID_DOCUMENT'],
      ['no idempotency key', debts, { json: good, key: null }, 400, 'MISSING_IDEMPOTENCY_KEY'],
      ['bad idempotency key', debts, { json: good, key: 'has spaces' }, 400, 'INVALID_IDEMPOTENCY_KEY'],
      ['amount not a decimal', debts, { json: { ...good, amount: 'ten' } }, 400, 'INVALID_AMOUNT'],
      ['amount zero', debts, { json: { ...good, amount: '0.00' } }, 400, 'INVALID_AMOUNT'],
      ['amount negative', debts, { json: { ...good, amount: '-5.00' } }, 400, 'INVALID_AMOUNT'],
      ['three decimals', debts, { json: { ...good, amount: '1.005' } }, 400, 'INVALID_AMOUNT'],
      ['amount with spaces', debts, { json: { ...good, amount: ' 10.00' } }, 400, 'INVALID_AMOUNT'],
      ['amount too large', debts, { json: { ...good, amount: '1000000000.01' } }, 400, 'AMOUNT_TOO_LARGE'],
      ['amount a JSON number', debts, { json: { ...good, amount: 10.5 } }, 400, 'INVALID_AMOUNT'],
      ['not a date', debts, { json: { ...good, date: '31/01/2025' } }, 400, 'INVALID_REQUEST'],
      ['not a calendar date', debts, { json: { ...good, date: '2025-02-29' } }, 400, 'INVALID_REQUEST'],
      ['month 13', debts, { json: { ...good, date: '2025-13-01' } }, 400, 'INVALID_REQUEST'],
      ['a date and time', debts, { json: { ...good, date: '2024-01-31T10:00:00Z' } }, 400, 'INVALID_REQUEST'],
      ['a future date', debts, { json: { ...good, date: tomorrow } }, 400, 'INVALID_REQUEST'],
      ['before 1900', debts, { json: { ...good, date: '1899-12-31' } }, 400, 'INVALID_REQUEST'],
      ['empty creditor', debts, { json: { ...good, creditor: '' } }, 400, 'INVALID_REQUEST'],
      ['blank creditor', debts, { json: { ...good, creditor: '   ' } }, 400, 'INVALID_REQUEST'],
      ['creditor with a line break', debts, { json: { ...good, creditor: 'Loja\nFalsa' } }, 400, 'INVALID_REQUEST'],
      ['creditor too long', debts, { json: { ...good, creditor: 'x'.repeat(201) } }, 400, 'INVALID_REQUEST'],
      ['missing creditor', debts, { json: { amount: '10.00', date: '2024-01-31' } }, 400, 'INVALID_REQUEST'],
      ['unknown field', debts, { json: { ...good, interest: '2%' } }, 400, 'INVALID_REQUEST'],
      ['description on a debt', debts, { json: { ...good, description: 'x' } }, 400, 'INVALID_REQUEST'],
      ['creditor on an asset', `/v1/people/${cpf}/assets`, { json: { amount: '1.00', description: 'Carro', creditor: 'x' } }, 400, 'INVALID_REQUEST'],
      ['date on an income', `/v1/people/${cpf}/incomes`, { json: { amount: '1.00', description: 'Salário', date: '2024-01-01' } }, 400, 'INVALID_REQUEST'],
      ['missing description', `/v1/people/${cpf}/assets`, { json: { amount: '1.00' } }, 400, 'INVALID_REQUEST'],
      ['description too long', `/v1/people/${cpf}/incomes`, { json: { amount: '1.00', description: 'y'.repeat(201) } }, 400, 'INVALID_REQUEST'],
      ['a JSON array', debts, { json: [good] }, 400, 'INVALID_REQUEST'],
      ['broken JSON', debts, { payload: '{"amount":', headers: { 'content-type': 'application/json' } }, 400, 'INVALID_REQUEST'],
      ['text body', debts, { payload: 'amount=10', headers: { 'content-type': 'text/plain' } }, 415, 'UNSUPPORTED_MEDIA_TYPE'],
      ['body too large', debts, { json: { ...good, creditor: 'z'.repeat(20_000) } }, 413, 'PAYLOAD_TOO_LARGE'],
      ['unknown kind', `/v1/people/${cpf}/loans`, { json: good }, 404, 'ROUTE_NOT_FOUND'],
      ['bad document on read', '/v1/people/123', { }, 400, 'INVALID_DOCUMENT'],
    ];
    for (const [what, url, options, status, code] of cases) {
      const method = what === 'bad document on read' ? 'GET' : 'POST';
      const response = await call(method, url, options);
      assert.equal(response.status, status, `${what}: ${JSON.stringify(response.body)}`);
      assert.equal(response.body.error.code, code, what);
      assert.ok(response.body.error.message.length > 10, what);
    }
    const unknown = await call('POST', debts, { json: { ...good, interest: '2%' } });
    assert.match(unknown.body.error.message, /'interest'/);
    const read = await person(cpf);
    assert.deepEqual([read.body.debts, read.body.assets, read.body.incomes], [[], [], []]);
  });

  test('auth - no token is 401 UNAUTHENTICATED, an expired one 401 TOKEN_EXPIRED, a missing scope 403 INSUFFICIENT_SCOPE', async () => {
    const url = `/v1/people/${CPFS[0]}/debts`;
    const body = { amount: '1.00', date: '2024-01-01', creditor: 'Loja' };
    const none = await call('POST', url, { json: body, token: null });
    assert.deepEqual([none.status, none.body.error.code], [401, 'UNAUTHENTICATED']);
    assert.match(none.body.error.message, /POST \/oauth\/token/);
    const garbage = await call('GET', `/v1/people/${CPFS[0]}`, { token: null, headers: { authorization: 'Bearer nonsense' } });
    assert.deepEqual([garbage.status, garbage.body.error.code], [401, 'UNAUTHENTICATED']);
    const expired = await call('POST', url, { json: body, token: { expiresInSeconds: -120 } });
    assert.deepEqual([expired.status, expired.body.error.code, expired.body.error.retryable], [401, 'TOKEN_EXPIRED', false]);
    const readOnly = await call('POST', url, { json: body, token: { scope: 'registry:read dossier:read' } });
    assert.deepEqual([readOnly.status, readOnly.body.error.code], [403, 'INSUFFICIENT_SCOPE']);
    assert.match(readOnly.body.error.message, /registry:write/);
    const writeOnly = await call('GET', `/v1/people/${CPFS[0]}`, { token: { scope: 'registry:write' } });
    assert.deepEqual([writeOnly.status, writeOnly.body.error.code], [403, 'INSUFFICIENT_SCOPE']);
    // The token is checked before the body: a bad body without a token is still a 401.
    const badBody = await call('POST', url, { json: { nonsense: true }, token: null });
    assert.equal(badBody.status, 401);
    assert.deepEqual((await person(CPFS[0]!)).body.debts, []);
  });

  test('idempotency - keys are per client: the same key from another client records another item', async () => {
    const cnpj = CNPJS[0]!;
    const key = randomUUID();
    const json = { amount: '7.00', description: 'Caixa' };
    const one = await call('POST', `/v1/people/${cnpj}/assets`, { key, json, token: { clientId: 'bank-1' } });
    const two = await call('POST', `/v1/people/${cnpj}/assets`, { key, json, token: { clientId: 'bank-2' } });
    assert.deepEqual([one.status, two.status], [201, 201]);
    assert.notEqual(one.body.id, two.body.id);
    assert.equal((await person(cnpj)).body.assets.length, 2);
  });

  test('limits - a person at itemsPerPersonMax gets 400 INVALID_REQUEST and nothing more is written', async () => {
    const small = await buildApp(configFor({ itemsPerPersonMax: 2 }));
    try {
      const url = `/v1/people/${CPFS[1]}/assets`;
      const key = randomUUID();
      assert.equal((await call('POST', url, { key, json: { amount: '1.00', description: 'a' } }, small)).status, 201);
      assert.equal((await call('POST', url, { json: { amount: '2.00', description: 'b' } }, small)).status, 201);
      const full = await call('POST', url, { json: { amount: '3.00', description: 'c' } }, small);
      assert.deepEqual([full.status, full.body.error.code, full.body.error.details], [400, 'INVALID_REQUEST', { itemsPerPersonMax: 2 }]);
      assert.equal((await call('POST', url, { key, json: { amount: '1.00', description: 'a' } }, small)).status, 200);
      assert.equal((await person(CPFS[1]!, small)).body.assets.length, 2);
    } finally {
      await small.close();
    }
  });

  test('demo seed - seedDemo records the demo people once; starting again on the same file adds nothing', async () => {
    const dir = tempDir();
    const databasePath = join(dir.path, 'registry.sqlite');
    try {
      const expected = (list: readonly { amount: string }[]) => list.map((entry) => entry.amount);
      let seeded = await buildApp(configFor({ databasePath, seedDemo: true }));
      await seeded.close();
      seeded = await buildApp(configFor({ databasePath, seedDemo: true }));
      try {
        for (const demo of DEMO_PEOPLE) {
          const read = await person(demo.document, seeded);
          assert.equal(read.status, 200);
          assert.deepEqual(read.body.debts.map((d: any) => d.amount), expected(demo.debts), demo.document);
          assert.deepEqual(read.body.debts.map((d: any) => [d.date, d.creditor]), demo.debts.map((d) => [d.date, d.creditor]));
          assert.deepEqual(read.body.assets.map((a: any) => a.description), demo.assets.map((a) => a.description));
          assert.deepEqual(read.body.incomes.map((i: any) => i.amount), expected(demo.incomes));
        }
        assert.ok(DEMO_PEOPLE.some((demo) => demo.document.length === 14), 'a company among the demo people');
        assert.equal(DEMO_PEOPLE.filter((demo) => demo.document.length === 11).length, 3);
      } finally {
        await seeded.close();
      }
    } finally {
      dir.remove();
    }
  });

  test('openapi - the document lists every route with a summary, schemas and the bearer scope; health, ready and metrics answer', async () => {
    const spec = (await app.inject({ method: 'GET', url: '/openapi.json' })).json();
    for (const [path, method, scope] of [
      ['/v1/people/{document}', 'get', 'registry:read'],
      ['/v1/people/{document}/debts', 'post', 'registry:write'],
      ['/v1/people/{document}/assets', 'post', 'registry:write'],
      ['/v1/people/{document}/incomes', 'post', 'registry:write'],
    ] as const) {
      const operation = spec.paths[path]?.[method];
      assert.ok(operation, `${method} ${path}`);
      assert.ok(operation.summary.length > 10);
      assert.deepEqual(operation.security, [{ bearer: [] }]);
      assert.ok(operation.description.includes(scope), `${path} names its scope`);
      assert.ok(operation.responses['200'], `${path} documents its answer`);
      if (method === 'post') {
        assert.ok(operation.requestBody.content['application/json'].schema.properties.amount);
        assert.ok(operation.parameters.some((p: any) => p.in === 'header' && p.name === 'idempotency-key'));
      }
    }
    assert.equal((await app.inject({ method: 'GET', url: '/health' })).statusCode, 200);
    assert.equal((await app.inject({ method: 'GET', url: '/ready' })).statusCode, 200);
    assert.match((await app.inject({ method: 'GET', url: '/metrics' })).body, /banca_http_request_duration_seconds/);
  });
});

describe('credit registry config', () => {
  test('config - defaults: port 9010 on 127.0.0.1, SQLite under data/, the dossier as issuer, no demo', () => {
    const config = loadCreditRegistryConfig({}, {});
    assert.equal(config.port, defaultPorts.creditRegistry);
    assert.equal(config.host, '127.0.0.1');
    assert.match(config.databasePath, /^data\//);
    assert.equal(config.databaseUrl, undefined);
    assert.deepEqual(config.oauth, { jwksUrl: 'http://127.0.0.1:9000/.well-known/jwks.json', issuer: 'banca-dossier', audience: 'banca' });
    assert.equal(config.seedDemo, false);
    assert.ok(Object.isFrozen(config));
  });

  test('config - DATABASE_URL and BANCA_OAUTH_JWKS_URL override the file; unknown keys are refused', () => {
    const config = loadCreditRegistryConfig({ oauth: { issuer: 'x' } }, { DATABASE_URL: 'postgres://u:p@127.0.0.1:5432/r', BANCA_OAUTH_JWKS_URL: 'http://10.0.0.2:9000/.well-known/jwks.json' });
    assert.equal(config.databaseUrl, 'postgres://u:p@127.0.0.1:5432/r');
    assert.deepEqual(config.oauth, { jwksUrl: 'http://10.0.0.2:9000/.well-known/jwks.json', issuer: 'x', audience: 'banca' });
    assert.throws(() => loadCreditRegistryConfig({ prot: 1 }, {}), /Invalid credit-registry config/);
    assert.throws(() => loadCreditRegistryConfig({ oauth: { jwksUrl: 'ftp://x' } }, {}), /jwksUrl/);
  });
});
