// Graceful shutdown: SIGTERM while operations wait in a batch saves them before the process ends.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import { clientHeaders, http, startTestBank, type TestBank } from '@banca/testkit/testkit';

let bank: TestBank;

before(async () => {
  // A long linger keeps the operations waiting in the batcher when the signal comes.
  bank = await startTestBank({ businessServers: 1, businessServer: { batchLingerMs: 600, batchSizeMax: 100 } });
});
after(async () => bank.cleanup());

test('shutdown - SIGTERM saves the waiting batch, answers every client, then exits 0', async () => {
  const server = bank.businessServers[0]!;
  const account = `gs-${randomUUID().slice(0, 8)}`;
  const answers = Promise.all(Array.from({ length: 30 }, () =>
    http(`${server.url}/deposit/${account}/1.00`, { method: 'POST', headers: { ...clientHeaders(), 'idempotency-key': randomUUID() } })));
  await new Promise((resolve) => setTimeout(resolve, 200));
  const exited = server.stop();
  const statuses = (await answers).map((answer) => answer.status);
  assert.equal(await exited, 0);
  assert.deepEqual([...new Set(statuses)], [200], 'every waiting operation was saved and answered');
  const restarted = await bank.restartBusinessServer(0);
  const balance = await http(`${restarted.url}/balance/${account}`, { headers: clientHeaders() });
  assert.equal(balance.body.balanceCents, 3000);
});
