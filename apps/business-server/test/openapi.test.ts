// The business server's OpenAPI document names how each route group authenticates: the client
// API with client-id + auth-token, the interbank API with a banca-interbank-signature, the customer API
// with a bearer token (login and sign-up open). Built in-process against a data server address
// nothing answers: only the document is read.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../src/app.js';
import { loadBusinessServerConfig } from '../src/config.js';

interface Operation { tags?: string[]; security?: Array<Record<string, string[]>> }
interface Document {
  components: { securitySchemes: Record<string, { type: string; in?: string; name?: string }> };
  paths: Record<string, Record<string, Operation>>;
}

const CLIENT = [{ clientId: [], authToken: [] }];
const BANK = [{ interbankSignature: [] }];

let app: FastifyInstance;
let document: Document;

before(async () => {
  // The discard port: a connection there is refused at once.
  app = await buildApp(loadBusinessServerConfig({ dataServerUrls: ['http://127.0.0.1:9'], logLevel: 'silent' }, {}));
  document = (await app.inject({ method: 'GET', url: '/openapi.json' })).json<Document>();
});
after(async () => app?.close());

function operations(): Array<{ route: string; path: string; operation: Operation }> {
  return Object.entries(document.paths).flatMap(([path, item]) => Object.entries(item).map(([method, operation]) => ({ route: `${method.toUpperCase()} ${path}`, path, operation })));
}

describe('business server OpenAPI security', () => {
  test('openapi - client-id, auth-token and banca-interbank-signature are apiKey header schemes', () => {
    const { clientId, authToken, interbankSignature } = document.components.securitySchemes;
    assert.deepEqual([clientId, authToken, interbankSignature].map((scheme) => `${scheme?.type} ${scheme?.in} ${scheme?.name}`), [
      'apiKey header client-id', 'apiKey header auth-token', 'apiKey header banca-interbank-signature',
    ]);
  });

  test('openapi - the seed and /v1 client routes need client-id + auth-token', () => {
    assert.deepEqual(document.paths['/deposit/{accountId}/{amount}']?.post?.security, CLIENT);
    assert.deepEqual(document.paths['/v1/deposits']?.post?.security, CLIENT);
    const client = operations().filter(({ operation }) => operation.tags?.includes('seed') || operation.tags?.includes('v1'));
    assert.equal(client.length, 10);
    for (const { route, operation } of client) assert.deepEqual(operation.security, CLIENT, route);
  });

  test('openapi - the interbank routes need a banca-interbank-signature', () => {
    const interbank = operations().filter(({ path }) => path.startsWith('/interbank/'));
    assert.ok(interbank.length >= 10);
    for (const { route, operation } of interbank) assert.deepEqual(operation.security, BANK, route);
  });

  test('openapi - the customer routes keep their bearer token; sign-up and log-in name no key', () => {
    assert.deepEqual(document.paths['/v1/me']?.get?.security, [{ bearer: [] }]);
    for (const [path, method] of [['/v1/customers', 'post'], ['/v1/sessions', 'post'], ['/v1/bank', 'get']] as const) {
      assert.equal(document.paths[path]?.[method]?.security, undefined, `${method} ${path}`);
    }
    for (const hidden of ['/health', '/ready', '/metrics', '/openapi.json']) assert.equal(document.paths[hidden], undefined, hidden);
  });
});
