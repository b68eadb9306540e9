// Sign-ups are bounded per client address: each one hashes a password (scrypt), so an
// unbounded sign-up route would let anyone burn the bank's CPU. The count lives at the bank's data
// server (shared-limits.test.ts runs three servers against it); nothing is exempt by default.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { devKeys, startTestBank, type TestBank } from '@banca/testkit/testkit';
import { DOCUMENTS } from '@banca/testkit/consortium';
import { buildApp } from '../src/app.js';
import { loadBusinessServerConfig } from '../src/config.js';

let bank: TestBank;
let app: FastifyInstance;
before(async () => {
  bank = await startTestBank({ store: 'memory', businessServers: 1, dataServer: { businessKeys: devKeys.business } });
  app = await buildApp(loadBusinessServerConfig({
    dataServerUrls: [bank.dataServer.url], businessId: '2', businessKey: devKeys.business['2'], signUpsPerIpMax: 2, logLevel: 'silent',
  }, {}));
});
after(async () => {
  await app?.close();
  await bank?.cleanup();
});

test('sign-up limit through the route: the third sign-up from one address (behind the gateway) gets 429 and opens nothing', async () => {
  const signUp = (index: number) => app.inject({
    method: 'POST', url: '/v1/customers', remoteAddress: '127.0.0.1',
    headers: { 'content-type': 'application/json', 'x-forwarded-for': '198.51.100.7' },
    payload: { type: 'individual', holders: [{ name: `Person ${index}`, document: DOCUMENTS.cpf[index] }], email: `limit.${index}@example.com`, password: 'correct horse' },
  });
  assert.equal((await signUp(0)).statusCode, 201);
  assert.equal((await signUp(1)).statusCode, 201);
  const third = await signUp(2);
  assert.equal(third.statusCode, 429);
  assert.equal(third.json().error.code, 'TOO_MANY_REQUESTS');
  assert.ok(Number(third.headers['retry-after']) > 0);
  const login = await app.inject({ method: 'POST', url: '/v1/sessions', headers: { 'content-type': 'application/json' }, payload: { email: 'limit.2@example.com', password: 'correct horse' } });
  assert.equal(login.statusCode, 401, 'the refused sign-up opened no account');
});

test("sign-up limit: a proxy's own address (loopback, no X-Forwarded-For) is counted like any other", async () => {
  const signUp = (index: number) => app.inject({
    method: 'POST', url: '/v1/customers', remoteAddress: '127.0.0.1', headers: { 'content-type': 'application/json' },
    payload: { type: 'individual', holders: [{ name: `Local ${index}`, document: DOCUMENTS.cpf[index] }], email: `local.${index}@example.com`, password: 'correct horse' },
  });
  assert.equal((await signUp(3)).statusCode, 201);
  assert.equal((await signUp(4)).statusCode, 201);
  const third = await signUp(5);
  assert.deepEqual([third.statusCode, third.json().error.code], [429, 'TOO_MANY_REQUESTS']);
});
