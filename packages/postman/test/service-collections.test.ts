// Every service's generated collection against the service itself: each request names a route
// the app really has (method and path, via fastify's hasRoute), every documented operation has
// its request, hidden routes stay out, and generating twice writes the same bytes.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance, HTTPMethods } from 'fastify';
import { HTTP_METHODS, type OpenApiDocument } from '../src/openapi-to-postman.js';
import { requestsOf, type PostmanCollection, type PostmanItem } from '../src/postman-collection.js';
import { collectionOf, openApiOf } from '../src/service-collection.js';
import { SERVICES } from '../src/services.js';
import { writeCollections } from '../src/write-collections.js';

/** The fastify route a Postman request names: Postman's :name path variables are fastify's. */
function routeOf(item: PostmanItem): { method: HTTPMethods; url: string } {
  return { method: item.request.method, url: `/${item.request.url.path.join('/')}` };
}

function documentedOperations(document: OpenApiDocument): string[] {
  return Object.entries(document.paths ?? {}).flatMap(([path, pathItem]) =>
    HTTP_METHODS.filter((method) => pathItem[method] !== undefined).map((method) => `${method.toUpperCase()} ${path.replace(/\{([^}]+)\}/g, ':$1')}`));
}

for (const service of SERVICES) {
  describe(`postman - ${service.name}`, () => {
    let app: FastifyInstance;
    let document: OpenApiDocument;
    let collection: PostmanCollection;

    before(async () => {
      app = await service.build();
      document = await openApiOf(app);
      collection = await collectionOf(service, app);
    });
    after(async () => {
      await app?.close();
    });

    test(`${service.name} - every request names a route the app has, by method and path`, () => {
      const requests = requestsOf(collection);
      assert.ok(requests.length > 0, 'the collection has requests');
      const missing = requests.map(routeOf).filter((route) => !app.hasRoute(route));
      assert.deepEqual(missing, [], 'requests naming no route of the app');
      // The check itself can fail: hasRoute matches route patterns, not URLs a catch-all would take.
      assert.equal(app.hasRoute({ method: 'GET', url: '/v1/no-such-route/:id' }), false);
    });

    test(`${service.name} - every documented operation has exactly one request`, () => {
      const operations = documentedOperations(document).sort();
      const requests = requestsOf(collection).map((item) => { const route = routeOf(item); return `${route.method} ${route.url}`; }).sort();
      assert.equal(requests.length, operations.length);
      assert.deepEqual(requests, operations);
    });

    test(`${service.name} - path variables are declared, and the base URL is the service's default address`, () => {
      for (const item of requestsOf(collection)) {
        const names = item.request.url.path.filter((segment) => segment.startsWith(':')).map((segment) => segment.slice(1));
        assert.deepEqual((item.request.url.variable ?? []).map((variable) => variable.key).sort(), [...names].sort(), item.name);
        assert.ok(item.request.url.raw.startsWith(`{{baseUrl}}/${item.request.url.path.join('/')}`), item.name);
      }
      assert.deepEqual(collection.variable.find((variable) => variable.key === 'baseUrl')?.value, service.baseUrl);
      assert.match(service.baseUrl, /^http:\/\/127\.0\.0\.1:\d+$/);
    });

    test(`${service.name} - hidden routes (health, metrics, the OpenAPI document) stay out`, () => {
      const urls = new Set(requestsOf(collection).map((item) => routeOf(item).url));
      for (const hidden of ['/health', '/ready', '/metrics', '/openapi.json']) {
        assert.equal(app.hasRoute({ method: 'GET', url: hidden }), true, `${hidden} exists`);
        assert.equal(urls.has(hidden), false, `${hidden} is not in the collection`);
      }
    });
  });
}

describe('postman - generated files', () => {
  const directories = [mkdtempSync(join(tmpdir(), 'banca-postman-')), mkdtempSync(join(tmpdir(), 'banca-postman-'))];
  after(() => {
    for (const directory of directories) rmSync(directory, { recursive: true, force: true });
  });

  test('generate - one file per service, and a second run writes byte-identical files', async () => {
    const [first, second] = [await writeCollections(directories[0] as string), await writeCollections(directories[1] as string)];
    const names = SERVICES.map((service) => `${service.name}.postman_collection.json`).sort();
    assert.deepEqual(readdirSync(directories[0] as string).sort(), names);
    assert.deepEqual(readdirSync(directories[1] as string).sort(), names);
    for (const name of names) {
      const [a, b] = directories.map((directory) => readFileSync(join(directory, name)));
      assert.ok(a && b && a.equals(b), `${name} differs between runs`);
    }
    assert.deepEqual(first.map(({ service, requests }) => ({ service, requests })), second.map(({ service, requests }) => ({ service, requests })));
    for (const { file, requests } of first) {
      assert.equal(requestsOf(JSON.parse(readFileSync(file, 'utf8')) as PostmanCollection).length, requests);
    }
  });
});
