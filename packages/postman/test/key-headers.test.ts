// The key headers of the data server's and the business server's collections against the apps:
// each route group sends the headers its onRequest hook checks, from collection variables that
// default to the development keys of @banca/core; without them a request is refused, and the data
// server's requests, sent as the collection has them, are all let in.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance, InjectOptions } from 'fastify';
import { DEV_CLIENT_KEYS, devBusinessKeys } from '@banca/core/auth';
import { isFolder, type PostmanCollection, type PostmanItem } from '../src/postman-collection.js';
import { collectionOf } from '../src/service-collection.js';
import { SERVICES, type Service, type ServiceName } from '../src/services.js';

/** Each key header and the collection variable it is sent from. */
const VARIABLE_OF: Readonly<Record<string, string>> = {
  'client-id': 'clientId', 'business-id': 'businessId', 'auth-token': 'authToken', 'banca-interbank-signature': 'interbankSignature',
};

/** The headers each group of routes authenticates with, as the routes' onRequest hooks check them. */
const EXPECTED: Partial<Record<ServiceName, { headers(url: string, folder: string | undefined): string[]; variables: Record<string, string> }>> = {
  'data-server': {
    headers: () => ['business-id', 'auth-token'],
    variables: { businessId: '1', authToken: devBusinessKeys(1)['1'] ?? '' },
  },
  'business-server': {
    headers: (url, folder) => {
      if (url.startsWith('/interbank/')) return ['banca-interbank-signature'];
      return folder === 'seed' || folder === 'v1' ? ['client-id', 'auth-token'] : [];
    },
    variables: { clientId: 'clientA', authToken: DEV_CLIENT_KEYS.clientA ?? '', interbankSignature: '' },
  },
};

interface Entry { folder: string | undefined; item: PostmanItem }

function entriesOf(collection: PostmanCollection): Entry[] {
  return collection.item.flatMap((entry): Entry[] => (isFolder(entry) ? entry.item.map((item) => ({ folder: entry.name, item })) : [{ folder: undefined, item: entry }]));
}

function urlOf(item: PostmanItem): string {
  return `/${item.request.url.path.join('/')}`;
}

function keyHeadersOf(item: PostmanItem): string[] {
  return item.request.header.filter((header) => Object.hasOwn(VARIABLE_OF, header.key)).map((header) => `${header.key}: ${header.value}`);
}

/** The request as Postman would send it: variables replaced, placeholders (`<string>`) made plain. */
function injectionOf(item: PostmanItem, collection: PostmanCollection, options: { withoutKeys: boolean }): InjectOptions {
  const variables = new Map(collection.variable.map((variable) => [variable.key, variable.value]));
  const resolve = (text: string) => text.replace(/\{\{(\$?\w+)\}\}/g, (_all, name: string) => (name === '$guid' ? randomUUID() : variables.get(name) ?? ''));
  const pathValues = new Map((item.request.url.variable ?? []).map((variable) => [variable.key, resolve(variable.value)]));
  const path = item.request.url.path.map((segment) => {
    const value = segment.startsWith(':') ? pathValues.get(segment.slice(1)) ?? '' : segment;
    return encodeURIComponent(/^<.*>$/.test(value) ? 'x' : value);
  });
  const query = (item.request.url.query ?? []).filter((entry) => entry.disabled !== true).map((entry) => `${entry.key}=${encodeURIComponent(resolve(entry.value))}`);
  const headers = Object.fromEntries(item.request.header
    .filter((header) => !(options.withoutKeys && Object.hasOwn(VARIABLE_OF, header.key)))
    .map((header) => [header.key, resolve(header.value)]));
  const body = item.request.body;
  return {
    method: item.request.method,
    url: `/${path.join('/')}${query.length > 0 ? `?${query.join('&')}` : ''}`,
    headers,
    ...(body?.mode === 'raw' ? { payload: resolve(body.raw) } : {}),
  };
}

for (const service of SERVICES.filter((candidate): candidate is Service => EXPECTED[candidate.name] !== undefined)) {
  const expected = EXPECTED[service.name];
  describe(`postman - ${service.name} key headers`, () => {
    let app: FastifyInstance;
    let collection: PostmanCollection;

    before(async () => {
      app = await service.build();
      collection = await collectionOf(service, app);
    });
    after(async () => {
      await app?.close();
    });

    test(`${service.name} - every route that needs keys sends its key headers, each from its variable`, () => {
      let keyed = 0;
      for (const { folder, item } of entriesOf(collection)) {
        const headers = expected?.headers(urlOf(item), folder) ?? [];
        assert.deepEqual(keyHeadersOf(item), headers.map((header) => `${header}: {{${VARIABLE_OF[header]}}}`), `${item.request.method} ${urlOf(item)}`);
        if (headers.length > 0) keyed += 1;
      }
      assert.ok(keyed > 0, 'some requests need keys');
    });

    test(`${service.name} - the key variables hold the development keys of @banca/core`, () => {
      const values = Object.fromEntries(collection.variable.filter((variable) => !['baseUrl', 'token'].includes(variable.key)).map((variable) => [variable.key, variable.value]));
      assert.deepEqual(values, expected?.variables);
    });

    test(`${service.name} - a request that needs keys is refused 401 without them`, async () => {
      for (const { item } of entriesOf(collection).filter((entry) => keyHeadersOf(entry.item).length > 0)) {
        const response = await app.inject(injectionOf(item, collection, { withoutKeys: true }));
        assert.equal(response.statusCode, 401, `${item.request.method} ${urlOf(item)}: ${response.body.slice(0, 200)}`);
        const expectedCode = urlOf(item).startsWith('/interbank/') ? 'INTERBANK_SIGNATURE_MISSING' : 'UNAUTHENTICATED';
        assert.equal(response.json<{ error: { code: string } }>().error.code, expectedCode);
      }
    });
  });
}

describe('postman - keys out of the box', () => {
  test('business-server - the interbankSignature variable says how to sign, and that no fixed value works', async () => {
    const service = SERVICES.find((candidate) => candidate.name === 'business-server');
    assert.ok(service);
    const app = await service.build();
    try {
      const collection = await collectionOf(service, app);
      const description = collection.variable.find((variable) => variable.key === 'interbankSignature')?.description ?? '';
      assert.match(description, /ES256/);
      assert.match(description, /No fixed value works/);
      assert.match(description, /data\/interbank-keys\/bank-N\.private\.jwk\.json/);
      assert.match(collection.info.description ?? '', /banca-interbank-signature: \{\{interbankSignature\}\}/);
    } finally {
      await app.close();
    }
  });

  test('data-server - every request, sent as the collection has it, is authenticated and names the authenticated business in its path', async () => {
    const service = SERVICES.find((candidate) => candidate.name === 'data-server');
    assert.ok(service);
    const app = await service.build();
    try {
      const collection = await collectionOf(service, app);
      for (const { item } of entriesOf(collection)) {
        for (const variable of (item.request.url.variable ?? []).filter((candidate) => /^business_?id$/i.test(candidate.key))) {
          assert.equal(variable.value, '{{businessId}}', `${item.request.method} ${urlOf(item)}`);
        }
        const response = await app.inject(injectionOf(item, collection, { withoutKeys: false }));
        const code = response.statusCode >= 400 ? response.json<{ error: { code: string } }>().error.code : 'none';
        assert.ok(response.statusCode !== 401 && code !== 'BUSINESS_ID_MISMATCH', `${item.request.method} ${urlOf(item)}: ${response.statusCode} ${response.body.slice(0, 200)}`);
      }
    } finally {
      await app.close();
    }
  });
});
