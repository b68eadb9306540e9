// Interbank Pix under crashes: SIGKILL of the paying bank's business server, of the receiving
// bank's data server, and of a whole bank, each in the middle of a stream of transfers, then a
// restart. Afterwards every transfer has ended completed or failed, no hold or pending credit is
// left, and the money across the consortium is what was deposited.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, test } from 'node:test';
import { auditConsortium, deposit, DOCUMENTS, me, pix, signUp, type TestCustomer } from '@banca/testkit/consortium';
import type { RunningBank } from '@banca/launcher/bank';
import { http, startTestConsortium, waitFor, type TestConsortium } from '@banca/testkit/testkit';

let consortium: TestConsortium;
const payers: TestCustomer[] = [];
const receivers: TestCustomer[] = [];
let deposited = 0;
const url = (bankId: number) => consortium.url(bankId);

before(async () => {
  consortium = await startTestConsortium(3, 'holds', {
    businessServer: { holdTimeoutMs: 2500, prepareTimeoutMs: 1500, recoveryIntervalMs: 200, interbankTimeoutMs: 1000, transferWaitMs: 3000 },
  });
  for (const [index, document] of DOCUMENTS.cpf.slice(0, 3).entries()) {
    const payer = await signUp(url(1), 1, `Payer ${index}`, document);
    await deposit(url(1), payer, '1000.00');
    deposited += 100_000;
    payers.push(payer);
  }
  receivers.push(await signUp(url(2), 2, 'Receiver Two', DOCUMENTS.cpf[3]!));
  receivers.push(await signUp(url(3), 3, 'Receiver Three', DOCUMENTS.cpf[4]!));
});
after(async () => consortium.cleanup());

interface Sent {
  payer: TestCustomer;
  toBankId: number;
  key: string;
  idempotencyKey: string;
}

/** Pix from bank 1 to banks 2 and 3 from several clients for durationMs; the fault runs meanwhile. */
async function streamWithFault(durationMs: number, fault: () => Promise<void>): Promise<Sent[]> {
  const sent: Sent[] = [];
  const deadline = Date.now() + durationMs;
  const worker = async (payer: TestCustomer, index: number) => {
    while (Date.now() < deadline) {
      const receiver = receivers[(sent.length + index) % receivers.length]!;
      const order = { payer, toBankId: receiver.bankId, key: receiver.document, idempotencyKey: randomUUID() };
      sent.push(order);
      const response = await pix(url(1), payer, order.toBankId, order.key, '0.01', order.idempotencyKey).catch(() => undefined);
      // A bank that is down is not hammered: the client backs off like a real one.
      if (!response || response.status >= 500) await sleep(100);
    }
  };
  await Promise.all([...payers.map(worker), (async () => {
    await sleep(durationMs / 3);
    await fault();
  })()]);
  return sent;
}

/** Retries every transfer with its own key until the bank gives a final answer. */
async function settle(sent: Sent[]): Promise<{ completed: number; failed: number }> {
  const started = Date.now();
  let completed = 0;
  let failed = 0;
  for (const order of sent) {
    let last: unknown;
    const final = await waitFor(async () => {
      const response = await pix(url(1), order.payer, order.toBankId, order.key, '0.01', order.idempotencyKey);
      last = response.body;
      if (response.status === 200) return 'completed';
      if (response.status >= 400 && response.status < 500) return 'failed';
      return undefined;
    }, 20_000, `transfer ${order.idempotencyKey} to end`).catch((error: Error) => {
      throw new Error(`${error.message}; last answer: ${JSON.stringify(last)}`);
    });
    if (final === 'completed') completed++;
    else failed++;
  }
  console.log(`# ${sent.length} transfers answered for good in ${Date.now() - started} ms`);
  return { completed, failed };
}

async function checkConsortium(label: string, outcome: { completed: number; failed: number }) {
  const started = Date.now();
  // Everything held has been posted or voided; every credit applied; the money is all there.
  const audit = await waitFor(async () => {
    const current = await auditConsortium(consortium);
    return current.holdsCents === 0 && current.interbankCents === 0 && current;
  }, 15_000, `${label}: holds and interbank balances to settle`);
  assert.equal(audit.ledgersSound, true, `${label}: every ledger sums to zero`);
  assert.equal(audit.customersCents, deposited, `${label}: no money created or lost`);
  let paid = 0;
  for (const payer of payers) {
    const account = await me(url(1), payer);
    assert.equal(account.blockedCents, 0, `${label}: no hold left on ${payer.accountId}`);
    paid += 100_000 - account.balanceCents;
  }
  let received = 0;
  for (const receiver of receivers) {
    const account = await me(url(receiver.bankId), receiver);
    assert.equal(account.pendingIncomingCents, 0, `${label}: no pending credit left`);
    received += account.balanceCents;
  }
  assert.equal(paid, received, `${label}: what payers lost is what receivers got`);
  assert.ok(received >= outcome.completed, `${label}: every completed transfer was credited`);
  assert.ok(outcome.completed > 0, `${label}: transfers went through around the fault`);
  console.log(`# ${label}: ${outcome.completed} completed, ${outcome.failed} failed; settled in ${Date.now() - started} ms`);
}

/** SIGKILL of every process of a bank, then a restart, until its gateway is ready again. */
async function killAndRestart(bank: RunningBank, name: string): Promise<void> {
  await bank.kill();
  await sleep(500);
  await bank.restartStopped();
  await waitFor(async () => (await http(`${bank.gateway.url}/ready`)).status === 200, 5000, `${name} to be ready`);
}

describe('consortium - crashes mid-transfer', () => {
  test("SIGKILL of the paying bank's business server, then restart", async () => {
    const sent = await streamWithFault(1500, async () => {
      await consortium.bank(1).businessServers[0]!.kill();
      await sleep(200);
      await consortium.bank(1).restartBusinessServer(0);
    });
    await checkConsortium('paying business server', await settle(sent));
  });

  test("SIGKILL of the receiving bank's data server, then restart", async () => {
    const sent = await streamWithFault(1500, async () => {
      await consortium.bank(2).dataServer.kill();
      await sleep(300);
      await consortium.bank(2).restartDataServer(0);
    });
    await checkConsortium('receiving data server', await settle(sent));
  });

  test('SIGKILL of a whole receiving bank, then restart', async () => {
    const bank = consortium.bank(3);
    const sent = await streamWithFault(1500, async () => {
      await killAndRestart(bank, 'bank 3');
    });
    await checkConsortium('whole bank', await settle(sent));
  });

  test('SIGKILL of the whole paying bank (the coordinator), then restart: its packets are finished or undone', async () => {
    const bank = consortium.bank(1);
    const sent = await streamWithFault(1500, async () => {
      await killAndRestart(bank, 'bank 1');
    });
    await checkConsortium('whole paying bank', await settle(sent));
  });
});
