// The security schemes of every OpenAPI document and documentSecurity: the scope's routes carry
// the requirement, a route naming its own keeps it, other scopes and hidden routes are untouched,
// and nothing changes in how requests are answered (documentation only).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { createServer } from '../src/create-server.js';
import { documentSecurity } from '../src/openapi-security.js';

interface Operation { security?: Array<Record<string, string[]>> }
interface Document {
  components: { securitySchemes: Record<string, { type: string; in?: string; name?: string; description?: string }> };
  paths: Record<string, Record<string, Operation>>;
}

let app: FastifyInstance;
let document: Document;

before(async () => {
  app = await createServer({ service: 'sample', description: 'A sample service.', logLevel: 'silent', bodyLimitBytes: 1024 });
  await app.register(async (scope) => {
    documentSecurity(scope, { clientId: [], authToken: [] });
    scope.get('/keyed', { schema: { summary: 'Keyed' } }, async () => ({ ok: true }));
    scope.post('/keyed/:id', { schema: { summary: 'Keyed too', params: { type: 'object', properties: { id: { type: 'string' } } } } }, async () => ({ ok: true }));
    scope.get('/own', { schema: { summary: 'Its own', security: [{ bearer: [] }] } }, async () => ({ ok: true }));
    scope.get('/open', { schema: { summary: 'Open on purpose', security: [] } }, async () => ({ ok: true }));
    scope.get('/hidden', { schema: { hide: true } }, async () => ({ ok: true }));
  });
  await app.register(async (scope) => {
    scope.get('/sibling', { schema: { summary: 'Another scope' } }, async () => ({ ok: true }));
  });
  await app.ready();
  document = (await app.inject({ method: 'GET', url: '/openapi.json' })).json<Document>();
});
after(async () => app.close());

describe('openapi-security', () => {
  test('schemes - bearer and the four key headers, each with a description', () => {
    const schemes = document.components.securitySchemes;
    assert.deepEqual(Object.keys(schemes), ['bearer', 'clientId', 'businessId', 'interbankSignature', 'authToken']);
    assert.equal(schemes.bearer?.type, 'http');
    const headers = Object.fromEntries(Object.entries(schemes).filter(([, scheme]) => scheme.type === 'apiKey').map(([name, scheme]) => [name, `${scheme.in}:${scheme.name}`]));
    assert.deepEqual(headers, { clientId: 'header:client-id', businessId: 'header:business-id', interbankSignature: 'header:banca-interbank-signature', authToken: 'header:auth-token' });
    for (const [name, scheme] of Object.entries(schemes)) {
      if (scheme.type === 'apiKey') assert.ok((scheme.description ?? '').length > 20, `${name} is described`);
    }
  });

  test('documentSecurity - every route of the scope needs both headers, unless its schema says otherwise', () => {
    assert.deepEqual(document.paths['/keyed']?.get?.security, [{ clientId: [], authToken: [] }]);
    assert.deepEqual(document.paths['/keyed/{id}']?.post?.security, [{ clientId: [], authToken: [] }]);
    assert.deepEqual(document.paths['/own']?.get?.security, [{ bearer: [] }]);
    assert.deepEqual(document.paths['/open']?.get?.security, []);
  });

  test('documentSecurity - other scopes are untouched and hidden routes stay hidden', () => {
    assert.ok(document.paths['/sibling']?.get);
    assert.equal(document.paths['/sibling']?.get?.security, undefined);
    for (const hidden of ['/hidden', '/health', '/ready', '/metrics', '/openapi.json']) assert.equal(document.paths[hidden], undefined, hidden);
  });

  test('documentSecurity - documentation only: a request without the headers is answered as before', async () => {
    const response = await app.inject({ method: 'GET', url: '/keyed' });
    assert.equal(response.statusCode, 200);
    assert.deepEqual(response.json(), { ok: true });
  });
});
