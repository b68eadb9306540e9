// The windowed counters' routes through inject(), with an injected clock: all-or-nothing hits,
// forget and reset, keys hashed before storage, bad input refused, documented in OpenAPI.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { businessHeaders } from '@banca/testkit/testkit';
import { buildApp } from '../src/app.js';
import { loadDataServerConfig } from '../src/config.js';
import { EmbeddedStore } from '../src/infra/embedded/embedded-store.js';
import { MemoryTables } from '../src/infra/embedded/memory-tables.js';
import type { LedgerStore } from '../src/infra/ledger-store.js';

let app: FastifyInstance;
let now = 1_800_000_000_000;
const storedKeys: string[] = [];

before(async () => {
  const inner = new EmbeddedStore('memory', new MemoryTables());
  // What reaches storage: the keys are kept to check they are hashes.
  const store: LedgerStore = Object.assign(Object.create(inner) as LedgerStore, {
    hitLimits: (...args: Parameters<LedgerStore['hitLimits']>) => {
      storedKeys.push(...args[0].map((hit) => hit.keyHash));
      return inner.hitLimits(...args);
    },
  });
  app = await buildApp(loadDataServerConfig({ store: 'memory', logLevel: 'silent' }, {}), { store, now: () => now });
});
after(async () => app.close());

async function post(url: string, body: unknown, headers = businessHeaders('1')) {
  const response = await app.inject({ method: 'POST', url, headers, payload: body as object });
  return { status: response.statusCode, body: response.json() };
}

const hit = (key: string, max = 2, limit = 'login-email') => ({ limit, key, windowMs: 60_000, max });

describe('data server limit routes', () => {
  test('limits - hits are counted up to max, then refused with the wait, across business ids', async () => {
    const first = await post('/v1/limits/hits', { hits: [hit('ana@example.com')] });
    assert.deepEqual([first.status, first.body.allowed, first.body.atMs, first.body.counts], [200, true, now, [{ limit: 'login-email', count: 1, allowed: true, retryAfterMs: 0 }]]);
    now += 10_000;
    // Another business server of the bank sees the same counter.
    assert.equal((await post('/v1/limits/hits', { hits: [hit('ana@example.com')] }, businessHeaders('2'))).body.counts[0].count, 2);
    const refused = await post('/v1/limits/hits', { hits: [hit('ana@example.com')] });
    assert.equal(refused.status, 200);
    assert.equal(refused.body.allowed, false);
    assert.ok(refused.body.counts[0].retryAfterMs > 49_000 && refused.body.counts[0].retryAfterMs <= 51_000, String(refused.body.counts[0].retryAfterMs));
  });

  test('limits - forget takes back one hit by its atMs; without it the key is reset', async () => {
    const key = 'bruno@example.com';
    const a = await post('/v1/limits/hits', { hits: [hit(key)] });
    await post('/v1/limits/hits', { hits: [hit(key)] });
    assert.equal((await post('/v1/limits/hits', { hits: [hit(key)] })).body.allowed, false);
    assert.deepEqual((await post('/v1/limits/forget', { forget: [{ limit: 'login-email', key, atMs: a.body.atMs }] })).body, { forgotten: 1 });
    assert.equal((await post('/v1/limits/hits', { hits: [hit(key)] })).body.allowed, true);
    await post('/v1/limits/forget', { forget: [{ limit: 'login-email', key }] });
    assert.equal((await post('/v1/limits/hits', { hits: [hit(key)] })).body.counts[0].count, 1);
  });

  test('limits - keys are stored as hashes, never as the e-mail or address sent', async () => {
    await post('/v1/limits/hits', { hits: [hit('carla@example.com'), hit('203.0.113.9', 20, 'login-address')] });
    const recent = storedKeys.slice(-2);
    for (const stored of recent) assert.match(stored, /^[A-Za-z0-9_-]{43}$/);
    assert.ok(!recent.some((stored) => stored.includes('carla') || stored.includes('203.0')));
  });

  test('limits - bad names, keys, windows, counts and callers are refused', async () => {
    const refusals: [unknown, number][] = [
      [{ hits: [hit('x', 2, 'Login Email')] }, 400],
      [{ hits: [hit('x'.repeat(257))] }, 400],
      [{ hits: [{ ...hit('x'), windowMs: 999 }] }, 400],
      [{ hits: [{ ...hit('x'), windowMs: 86_400_001 }] }, 400],
      [{ hits: [{ ...hit('x'), max: 0 }] }, 400],
      [{ hits: [] }, 400],
      [{ hits: Array.from({ length: 9 }, (_, i) => hit(`k${i}`)) }, 400],
      [{ hits: [hit('same'), hit('same')] }, 400],
      [{ hits: [{ ...hit('x'), extra: 1 }] }, 400],
    ];
    for (const [body, status] of refusals) {
      const answer = await post('/v1/limits/hits', body);
      assert.deepEqual([answer.status, answer.body.error?.code], [status, 'INVALID_REQUEST'], JSON.stringify(body).slice(0, 80));
    }
    assert.equal((await post('/v1/limits/forget', { forget: [{ limit: 'login-email', key: 'x', atMs: -1 }] })).status, 400);
    assert.equal((await post('/v1/limits/hits', { hits: [hit('x')] }, { 'business-id': '1', 'auth-token': 'wrong-key-wrong-key' })).status, 401);
    assert.equal((await post('/v1/limits/hits', { hits: [hit('x')] }, {})).status, 401);
  });

  test('openapi - the limit routes are documented, with the business key', async () => {
    const openapi = (await app.inject({ method: 'GET', url: '/openapi.json' })).json();
    for (const path of ['/v1/limits/hits', '/v1/limits/forget']) {
      assert.ok(openapi.paths[path]?.post, path);
      assert.deepEqual(openapi.paths[path].post.security, [{ businessId: [], authToken: [] }]);
      assert.ok(openapi.paths[path].post.summary);
    }
  });
});
