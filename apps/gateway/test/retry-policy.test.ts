// Which requests the gateway repeats on another business server, against fake upstreams that
// count requests and break the connection after reading one (the request may have been applied).
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../src/app.js';
import { loadGatewayConfig } from '../src/config.js';

let hits = 0;
const servers: Server[] = [];
let gateway: FastifyInstance;

function breakingUpstream(): Promise<string> {
  const server = createServer((request, response) => {
    if (request.url === '/health') {
      response.end('{"status":"ok"}');
      return;
    }
    hits += 1;
    request.resume();
    request.on('end', () => response.socket?.destroy());
  });
  servers.push(server);
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`)));
}

before(async () => {
  const upstreams = [await breakingUpstream(), await breakingUpstream()];
  gateway = await buildApp(loadGatewayConfig({ upstreams, logLevel: 'silent', retriesMax: 2 }, {}));
});
after(async () => {
  await gateway.close();
  for (const server of servers) server.close();
});

describe('gateway - retry policy', () => {
  test('a POST without an idempotency key is sent once, then reported as 502', async () => {
    hits = 0;
    const response = await gateway.inject({ method: 'POST', url: '/deposit/1/10', headers: { 'client-id': 'a', 'auth-token': 'b' } });
    assert.equal(hits, 1);
    assert.deepEqual([response.statusCode, response.json().error.code], [502, 'BAD_GATEWAY']);
    assert.match(response.json().error.message, /Idempotency-Key/);
  });

  test('a POST with an idempotency key and a GET are retried on another server, within the bound', async () => {
    hits = 0;
    const keyed = await gateway.inject({ method: 'POST', url: '/v1/deposits', headers: { 'idempotency-key': 'k-1', 'content-type': 'application/json' }, payload: '{"accountId":"1","amount":"1"}' });
    assert.equal(hits, 3, 'first attempt plus retriesMax');
    assert.equal(keyed.statusCode, 502);
    hits = 0;
    await gateway.inject({ method: 'GET', url: '/balance/1' });
    assert.equal(hits, 3);
  });

  test('the gateway answers its own health and lists its upstreams', async () => {
    const upstreams = (await gateway.inject({ method: 'GET', url: '/gateway/upstreams' })).json().upstreams;
    assert.equal(upstreams.length, 2);
    assert.ok(upstreams.every((upstream: { healthy: boolean }) => upstream.healthy));
    assert.equal((await gateway.inject({ method: 'GET', url: '/ready' })).statusCode, 200);
  });
});
