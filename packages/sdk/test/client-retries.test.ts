// The SDK's retries against a fake gateway: a retryable answer is sent again with the same
// idempotency key, retriesMax more times at most; a refusal is not retried; no answer at all
// ends in UNAVAILABLE.
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { BancaError } from '@banca/core/errors';
import { BancaClient } from '../src/client.js';

type Answer = { status: number; body: unknown };

/** A gateway answering `answers` in turn (the last one again once they run out); records every key it got. */
async function fakeGateway(answers: Answer[]) {
  const keys: Array<string | undefined> = [];
  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    request.resume().on('end', () => {
      keys.push(request.headers['idempotency-key'] as string | undefined);
      const answer = answers[Math.min(keys.length, answers.length) - 1]!;
      response.writeHead(answer.status, { 'content-type': 'application/json' }).end(JSON.stringify(answer.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, keys, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

const locked: Answer = { status: 423, body: new BancaError('ACCOUNT_LOCKED').toBody() };
const completed: Answer = { status: 200, body: { operationId: 'k', kind: 'deposit', accountId: '1', amount: '1.00', amountCents: 100, balance: '1.00', balanceCents: 100, replayed: false } };

test('sdk - a retryable answer is sent again with the same idempotency key until it succeeds', async (t) => {
  const gateway = await fakeGateway([locked, locked, completed]);
  const client = new BancaClient({ url: gateway.url, clientId: 'clientA', key: 'k', retriesMax: 4 });
  t.after(async () => {
    await client.close();
    await gateway.close();
  });
  const done = await client.deposit('1', '1.00');
  assert.equal(done.status, 'completed');
  assert.equal(gateway.keys.length, 3);
  assert.ok(gateway.keys[0]);
  assert.deepEqual(new Set(gateway.keys).size, 1, 'every attempt carries the first attempt\'s key');
});

test('sdk - retriesMax more attempts at most, then the last retryable answer is the error', async (t) => {
  const gateway = await fakeGateway([locked]);
  const client = new BancaClient({ url: gateway.url, clientId: 'clientA', key: 'k', retriesMax: 2 });
  t.after(async () => {
    await client.close();
    await gateway.close();
  });
  await assert.rejects(client.deposit('1', '1.00', { idempotencyKey: 'mine' }), (error) => error instanceof BancaError && error.code === 'ACCOUNT_LOCKED');
  assert.deepEqual(gateway.keys, ['mine', 'mine', 'mine']);
});

test('sdk - a refusal is not retried', async (t) => {
  const gateway = await fakeGateway([{ status: 422, body: new BancaError('INSUFFICIENT_FUNDS').toBody() }, completed]);
  const client = new BancaClient({ url: gateway.url, clientId: 'clientA', key: 'k', retriesMax: 4 });
  t.after(async () => {
    await client.close();
    await gateway.close();
  });
  await assert.rejects(client.withdraw('1', '5.00'), (error) => error instanceof BancaError && error.code === 'INSUFFICIENT_FUNDS');
  assert.equal(gateway.keys.length, 1);
});

test('sdk - no gateway at all ends in UNAVAILABLE after the retries', async () => {
  const gateway = await fakeGateway([completed]);
  await gateway.close();
  const client = new BancaClient({ url: gateway.url, clientId: 'clientA', key: 'k', retriesMax: 1 });
  try {
    await assert.rejects(client.balance('1'), (error) => error instanceof BancaError && error.code === 'UNAVAILABLE' && error.message.startsWith(`Cannot reach ${gateway.url}`));
  } finally {
    await client.close();
  }
});
