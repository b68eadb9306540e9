// The converter on small hand-written OpenAPI documents: folders per tag, path variables, query
// parameters, declared headers, bearer auth, key headers from apiKey schemes, example bodies and
// stable output.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { openApiToPostman, type OpenApiDocument, type OpenApiParameter } from '../src/openapi-to-postman.js';
import { POSTMAN_SCHEMA_URL, isFolder, requestsOf, type PostmanCollection, type PostmanItem } from '../src/postman-collection.js';

const document: OpenApiDocument = {
  openapi: '3.0.3',
  info: { title: 'banca sample', description: 'A sample service.', version: '1.2.3' },
  tags: [{ name: 'accounts', description: 'Accounts and their movements' }],
  components: {
    schemas: { Amount: { type: 'string', description: 'A decimal', example: '10.50' } },
    parameters: { AccountId: { in: 'path', name: 'accountId', required: true, description: 'The account', schema: { type: 'string' } } },
    securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } },
  },
  paths: {
    '/v1/me': { get: { summary: 'The account', tags: ['accounts'], security: [{ bearer: [] }] } },
    '/v1/deposits': {
      post: {
        summary: 'Deposit',
        tags: ['money'],
        security: [{ bearer: [] }],
        parameters: [{ in: 'header', name: 'Idempotency-Key', description: 'A UUID, reused on retry', schema: { type: 'string' } }],
        requestBody: {
          content: {
            'application/json': {
              schema: {
                type: 'object',
                properties: {
                  accountId: { type: 'string' },
                  amount: { $ref: '#/components/schemas/Amount' },
                  kind: { anyOf: [{ type: 'string', enum: ['cash'] }, { type: 'string', enum: ['pix'] }] },
                  count: { type: 'integer', minimum: 1 },
                  urgent: { type: 'boolean' },
                  currency: { type: 'string', default: 'BRL' },
                  day: { type: 'string', format: 'date' },
                  tags: { type: 'array', items: { type: 'string' } },
                  note: { type: ['string', 'null'] },
                },
              },
            },
          },
        },
      },
    },
    '/v1/accounts/{accountId}/history': {
      // Shared by the path's operations, and by reference.
      parameters: [{ $ref: '#/components/parameters/AccountId' } as OpenApiParameter],
      get: {
        summary: 'Latest movements',
        tags: ['accounts'],
        parameters: [
          { in: 'query', name: 'limit', description: 'How many, newest first', schema: { type: 'integer', default: 10 } },
          { in: 'query', name: 'kind', required: true, schema: { type: 'string', enum: ['deposit', 'pix'] } },
        ],
      },
    },
    '/oauth/token': {
      post: {
        summary: 'A token',
        tags: ['oauth'],
        security: [],
        requestBody: { content: { 'application/x-www-form-urlencoded': { schema: { type: 'object', properties: { grant_type: { type: 'string', const: 'client_credentials' } } } } } },
      },
    },
    '/status': { get: { summary: 'Untagged status' } },
  },
};

const collection = openApiToPostman(document, { baseUrl: 'http://127.0.0.1:8111' });

function requestNamed(from: PostmanCollection, name: string): PostmanItem {
  const item = requestsOf(from).find((candidate) => candidate.name === name);
  assert.ok(item, `no request named ${name}`);
  return item;
}

describe('openapi-to-postman', () => {
  test('collection - info names the v2.1 schema and the variables are baseUrl and token', () => {
    assert.equal(collection.info.schema, POSTMAN_SCHEMA_URL);
    assert.equal(collection.info.name, 'banca sample');
    assert.match(collection.info.description ?? '', /A sample service/);
    assert.deepEqual(collection.variable.map(({ key, value }) => ({ key, value })), [
      { key: 'baseUrl', value: 'http://127.0.0.1:8111' },
      { key: 'token', value: '' },
    ]);
  });

  test('folders - one per tag, sorted, requests sorted by path; untagged operations at the root', () => {
    const folders = collection.item.filter(isFolder);
    assert.deepEqual(folders.map((folder) => folder.name), ['accounts', 'money', 'oauth']);
    assert.equal(folders[0]?.description, 'Accounts and their movements');
    assert.deepEqual(folders[0]?.item.map((item) => item.name), ['Latest movements', 'The account']);
    const loose = collection.item.filter((entry) => !isFolder(entry));
    assert.deepEqual(loose.map((entry) => entry.name), ['Untagged status']);
    assert.equal(requestsOf(collection).length, 5);
  });

  test('urls - path parameters (shared by the path, by $ref) become :variables declared in url.variable', () => {
    const { url, method } = requestNamed(collection, 'Latest movements').request;
    assert.equal(method, 'GET');
    assert.deepEqual(url.host, ['{{baseUrl}}']);
    assert.deepEqual(url.path, ['v1', 'accounts', ':accountId', 'history']);
    assert.deepEqual(url.variable, [{ key: 'accountId', value: '<string>', description: '(required) The account' }]);
    assert.equal(url.raw, '{{baseUrl}}/v1/accounts/:accountId/history?kind=deposit');
  });

  test('urls - query parameters are listed with descriptions, optional ones disabled', () => {
    const { url } = requestNamed(collection, 'Latest movements').request;
    assert.deepEqual(url.query, [
      { key: 'limit', value: '10', description: 'How many, newest first', disabled: true },
      { key: 'kind', value: 'deposit', description: '(required)' },
    ]);
  });

  test('auth - bearer {{token}} exactly where the operation needs a security scheme', () => {
    for (const name of ['Deposit', 'The account']) {
      assert.deepEqual(requestNamed(collection, name).request.auth, { type: 'bearer', bearer: [{ key: 'token', value: '{{token}}', type: 'string' }] });
    }
    for (const name of ['Latest movements', 'A token', 'Untagged status']) assert.equal(requestNamed(collection, name).request.auth, undefined);
    // A document-wide requirement applies to every operation that does not say otherwise.
    const guarded = openApiToPostman({ ...document, security: [{ bearer: [] }] }, { baseUrl: 'http://x' });
    assert.ok(requestNamed(guarded, 'Untagged status').request.auth);
    assert.equal(requestNamed(guarded, 'A token').request.auth, undefined);
  });

  test('bodies - a JSON example from the schema: examples, $ref, defaults, enums, then typed placeholders', () => {
    const { body, header } = requestNamed(collection, 'Deposit').request;
    assert.equal(body?.mode, 'raw');
    assert.deepEqual(JSON.parse(body?.mode === 'raw' ? body.raw : 'null'), {
      accountId: '<string>', amount: '10.50', kind: 'cash', count: 1, urgent: true, currency: 'BRL', day: '<date>', tags: ['<string>'], note: '<string>',
    });
    assert.deepEqual(header, [
      { key: 'Idempotency-Key', value: '{{$guid}}', description: 'A UUID, reused on retry', type: 'text' },
      { key: 'Content-Type', value: 'application/json', type: 'text' },
    ]);
  });

  test('bodies - a form-only body is sent urlencoded', () => {
    const { body, header } = requestNamed(collection, 'A token').request;
    assert.deepEqual(body, { mode: 'urlencoded', urlencoded: [{ key: 'grant_type', value: 'client_credentials', type: 'text' }] });
    assert.deepEqual(header, [{ key: 'Content-Type', value: 'application/x-www-form-urlencoded', type: 'text' }]);
  });

  test('ids - stable across runs, distinct per method and path, and independent of the order of paths', () => {
    const ids = requestsOf(collection).map((item) => item.id);
    assert.equal(new Set(ids).size, ids.length);
    const reversed = { ...document, paths: Object.fromEntries(Object.entries(document.paths ?? {}).reverse()) };
    assert.equal(JSON.stringify(openApiToPostman(reversed, { baseUrl: 'http://127.0.0.1:8111' })), JSON.stringify(collection));
  });
});

// Key headers: apiKey schemes in a header, as the data and business servers declare them.
const keyed: OpenApiDocument = {
  openapi: '3.0.3',
  info: { title: 'banca keyed', version: '1.0.0' },
  components: {
    // Declared in this order: the variables follow it, not the order of first use.
    securitySchemes: {
      bearer: { type: 'http', scheme: 'bearer' },
      clientId: { type: 'apiKey', in: 'header', name: 'client-id', description: "A client's id" },
      bankId: { type: 'apiKey', in: 'header', name: 'bank-id', description: "The calling bank's id" },
      authToken: { type: 'apiKey', in: 'header', name: 'auth-token', description: 'The key of the id' },
      queryKey: { type: 'apiKey', in: 'query', name: 'key' },
      unused: { type: 'apiKey', in: 'header', name: 'x-unused' },
    },
  },
  paths: {
    '/interbank/ping': { get: { summary: 'Ping', security: [{ bankId: [], authToken: [] }] } },
    '/deposit/{accountId}': {
      post: {
        summary: 'Deposit',
        security: [{ clientId: [], authToken: [] }],
        parameters: [
          { in: 'path', name: 'accountId', required: true, schema: { type: 'string' } },
          // Also listed as a parameter: sent once, from the variable.
          { in: 'header', name: 'client-id', schema: { type: 'string' } },
          { in: 'header', name: 'Idempotency-Key', schema: { type: 'string' } },
        ],
      },
    },
    '/balance/{client_id}/{accountId}': {
      get: {
        summary: 'Balance',
        security: [{ clientId: [], authToken: [] }],
        parameters: [
          { in: 'path', name: 'client_id', required: true, schema: { type: 'string' } },
          { in: 'path', name: 'accountId', required: true, schema: { type: 'string' } },
        ],
      },
    },
    '/v1/me': { get: { summary: 'Either way in', security: [{ bearer: [] }, { clientId: [], authToken: [] }] } },
    '/v1/open': { get: { summary: 'Optional keys', security: [{ clientId: [], authToken: [] }, {}] } },
    '/v1/query': { get: { summary: 'Query key', security: [{ queryKey: [] }] } },
  },
};
const keys = {
  clientId: { value: 'clientA', note: 'Development: clientA.' },
  authToken: { value: 'dev-key', note: 'Interbank routes need the bank key.' },
};
const keyedCollection = openApiToPostman(keyed, { baseUrl: 'http://x', keys });

describe('openapi-to-postman - apiKey header schemes', () => {
  test('key headers - the requirement\'s headers, valued by a variable named after each scheme, before the others', () => {
    const deposit = requestNamed(keyedCollection, 'Deposit').request;
    assert.deepEqual(deposit.header, [
      { key: 'client-id', value: '{{clientId}}', description: "A client's id", type: 'text' },
      { key: 'auth-token', value: '{{authToken}}', description: 'The key of the id', type: 'text' },
      { key: 'Idempotency-Key', value: '{{$guid}}', type: 'text' },
    ]);
    assert.equal(deposit.auth, undefined, 'no bearer token for key schemes');
    assert.deepEqual(requestNamed(keyedCollection, 'Ping').request.header.map(({ key, value }) => `${key}: ${value}`), ['bank-id: {{bankId}}', 'auth-token: {{authToken}}']);
  });

  test('key headers - a path id named like a key variable (any case, - or _) takes that variable', () => {
    assert.deepEqual(requestNamed(keyedCollection, 'Balance').request.url.variable?.map(({ key, value }) => ({ key, value })), [
      { key: 'client_id', value: '{{clientId}}' },
      { key: 'accountId', value: '<string>' },
    ]);
    assert.deepEqual(requestNamed(keyedCollection, 'Deposit').request.url.variable?.map(({ value }) => value), ['<string>']);
  });

  test('key headers - the first alternative is the one sent; an optional `{}` or a non-header key sends nothing', () => {
    const either = requestNamed(keyedCollection, 'Either way in').request;
    assert.deepEqual(either.header, []);
    assert.equal(either.auth?.type, 'bearer');
    for (const name of ['Optional keys', 'Query key']) {
      assert.deepEqual(requestNamed(keyedCollection, name).request.header, [], name);
      assert.equal(requestNamed(keyedCollection, name).request.auth, undefined, name);
    }
  });

  test('variables - one per key scheme in use, in the order declared, with the given value and note; none given means empty', () => {
    assert.deepEqual(keyedCollection.variable.map(({ key, value, description }) => ({ key, value, description })), [
      { key: 'baseUrl', value: 'http://x', description: "The service's address" },
      { key: 'token', value: '', description: 'A bearer token, for the requests that need one' },
      { key: 'clientId', value: 'clientA', description: "A client's id Development: clientA." },
      { key: 'bankId', value: '', description: "The calling bank's id" },
      { key: 'authToken', value: 'dev-key', description: 'The key of the id Interbank routes need the bank key.' },
    ]);
    const description = keyedCollection.info.description ?? '';
    assert.match(description, /client-id: \{\{clientId\}\}, bank-id: \{\{bankId\}\}, auth-token: \{\{authToken\}\}/);
    assert.match(description, /\{\{authToken\}\}: Interbank routes need the bank key\./);
    // A collection whose routes use no key scheme declares none (the first document above).
    assert.deepEqual(collection.variable.map(({ key }) => key), ['baseUrl', 'token']);
  });

  test('key headers - the output is the same whatever the order of the paths', () => {
    const reversed = { ...keyed, paths: Object.fromEntries(Object.entries(keyed.paths ?? {}).reverse()) };
    assert.equal(JSON.stringify(openApiToPostman(reversed, { baseUrl: 'http://x', keys })), JSON.stringify(keyedCollection));
  });
});
