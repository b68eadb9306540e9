// The interbank client gathers the legs' steps bound for one bank into one signed request and
// gives each caller its own answer; against a peer that records what it is sent.
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, beforeEach, describe, test } from 'node:test';
import { BancaError } from '@banca/core/errors';
import { createInterbankSigner } from '@banca/server-kit/interbank-signature';
import { testInterbankKeys } from '@banca/testkit/interbank';
import { RemoteBank, type InterbankBatching } from '../src/infra/interbank-client.js';

interface Seen {
  path: string;
  body: { steps?: { op: string; legId?: string }[] };
}

let server: Server;
let port = 0;
let seen: Seen[] = [];
/** How the peer answers: 'steps' per step, 'down' as a gateway with no server, 'old' as a bank without the batch route. */
let mode: 'steps' | 'down' | 'old' = 'steps';

const read = async (request: IncomingMessage) => {
  let text = '';
  for await (const chunk of request) text += chunk;
  return text === '' ? {} : JSON.parse(text);
};

before(async () => {
  server = createServer((request, response) => {
    void read(request).then((body: Seen['body']) => {
      seen.push({ path: request.url ?? '', body });
      const reply = (status: number, answer: unknown) => {
        response.writeHead(status, { 'content-type': 'application/json' });
        response.end(JSON.stringify(answer));
      };
      if (mode === 'down') return reply(502, { error: { code: 'BAD_GATEWAY', message: 'no business server answered' } });
      if (request.url === '/interbank/v1/batch') {
        if (mode === 'old') return reply(404, { error: { code: 'ROUTE_NOT_FOUND', message: 'no such route' } });
        return reply(200, {
          results: (body.steps ?? []).map((step) => (step.legId?.startsWith('bad')
            ? { ok: false, error: { code: 'INSUFFICIENT_FUNDS', message: `no money for ${step.legId}` } }
            : { ok: true, record: { legId: step.legId, state: step.op } })),
        });
      }
      return reply(200, { legId: decodeURIComponent(request.url?.split('/')[4] ?? ''), state: 'single' });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});
after(async () => new Promise<void>((resolve) => server.close(() => resolve())));
beforeEach(() => {
  seen = [];
  mode = 'steps';
});

/** Runs `use` with a client of the recording peer, as bank 2, and closes it. */
async function withRemote(batch: Partial<InterbankBatching>, use: (bank: RemoteBank) => Promise<void>): Promise<void> {
  const signer = await createInterbankSigner(2, testInterbankKeys([2]).get(2)!);
  const options = { sizeMax: 64, bytesMax: 48 * 1024, lingerMs: 2, inFlightMax: 8, pendingMax: 1000, ...batch };
  const bank = new RemoteBank({ bankId: 1, name: 'Banca 1', url: `http://127.0.0.1:${port}` }, { signer, timeoutMs: 2000, batch: options });
  try {
    await use(bank);
  } finally {
    await bank.close();
  }
}

describe('interbank client - steps bound for one bank travel together', () => {
  test('steps asked in one turn go in one request, in order, each caller given its own answer', async () => {
    await withRemote({}, async (bank) => {
      const legs = Array.from({ length: 10 }, (_, index) => `p2-a.${index + 1}`);
      const answers = await Promise.all(legs.map((legId, index) => (index % 2 === 0 ? bank.commitCredit(legId) : bank.post(legId, 2, 'Bruno'))));
      assert.deepEqual(answers.map((record) => [record.legId, record.state]), legs.map((legId, index) => [legId, index % 2 === 0 ? 'commit' : 'post']));
      assert.equal(seen.length, 1);
      assert.equal(seen[0]!.path, '/interbank/v1/batch');
      assert.deepEqual(seen[0]!.body.steps?.map((step) => step.legId), legs);
      assert.deepEqual(bank.sent, { batches: 1, steps: 10 });
    });
  });

  test('a step refused by the peer fails only its own caller, with the peer\'s code', async () => {
    await withRemote({}, async (bank) => {
      const [good, bad] = await Promise.allSettled([bank.cancel('p2-b.1'), bank.cancel('bad-p2-b.2')]);
      assert.equal(good.status, 'fulfilled');
      assert.equal(bad.status, 'rejected');
      assert.ok(bad.reason instanceof BancaError);
      assert.deepEqual([bad.reason.code, bad.reason.status], ['INSUFFICIENT_FUNDS', 422]);
      assert.equal(seen.length, 1);
    });
  });

  test('a batch that fails whole (the bank is down) fails every step as BANK_UNAVAILABLE, retryable; the bank is not answering until a call reaches it', async () => {
    mode = 'down';
    await withRemote({}, async (bank) => {
      assert.equal(bank.answering, true, 'answering before the first call');
      const results = await Promise.allSettled([bank.voidCredit('p2-c.1'), bank.voidCredit('p2-c.2')]);
      for (const result of results) {
        assert.equal(result.status, 'rejected');
        assert.deepEqual([(result.reason as BancaError).code, (result.reason as BancaError).retryable], ['BANK_UNAVAILABLE', true]);
      }
      assert.equal(bank.answering, false, 'a Pix to it keeps two phases now');
      mode = 'steps';
      await bank.voidCredit('p2-c.3');
      assert.equal(bank.answering, true, 'answering again after a call reached it');
      await assert.rejects(bank.cancel('bad-p2-c.4'), /no money/);
      assert.equal(bank.answering, true, 'a refusal is an answer');
    });
  });

  test('a bank without the batch route is asked step by step on its own routes, from then on', async () => {
    mode = 'old';
    await withRemote({}, async (bank) => {
      const answers = await Promise.all([bank.commitCredit('p2-d.1'), bank.cancel('p2-d.2')]);
      assert.deepEqual(answers.map((record) => record.state), ['single', 'single']);
      assert.deepEqual(seen.map((request) => request.path), ['/interbank/v1/batch', '/interbank/v1/credits/p2-d.1/commit', '/interbank/v1/holds/p2-d.2/cancel']);
      seen = [];
      await bank.commitCredit('p2-d.3');
      assert.deepEqual(seen.map((request) => request.path), ['/interbank/v1/credits/p2-d.3/commit']);
    });
  });

  test('batches are bounded by steps and by bytes; beyond the waiting bound a step is refused TOO_MANY_REQUESTS', async () => {
    await withRemote({ sizeMax: 3 }, async (bySize) => {
      await Promise.all(Array.from({ length: 7 }, (_, index) => bySize.commitCredit(`p2-e.${index + 1}`)));
      assert.deepEqual(seen.map((request) => request.body.steps?.length), [3, 3, 1]);
    });
    seen = [];
    await withRemote({ bytesMax: 1024 }, async (byBytes) => {
      const long = 'x'.repeat(300);
      await Promise.all(Array.from({ length: 6 }, (_, index) => byBytes.commitCredit(`p2-${long}.${index + 1}`)));
      assert.ok(seen.length >= 2, `${seen.length} requests`);
      for (const request of seen) assert.ok(JSON.stringify(request.body).length <= 1024 + 64);
    });
    await withRemote({ pendingMax: 2, inFlightMax: 1, sizeMax: 1 }, async (bounded) => {
      const results = await Promise.allSettled(Array.from({ length: 5 }, (_, index) => bounded.commitCredit(`p2-f.${index + 1}`)));
      const refused = results.filter((result) => result.status === 'rejected');
      assert.ok(refused.length > 0);
      for (const result of refused) assert.equal((result.reason as BancaError).code, 'TOO_MANY_REQUESTS');
    });
  });
});
