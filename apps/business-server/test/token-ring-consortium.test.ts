// The token ring (seed 003) in a real consortium: interbank Pix runs only at the bank holding the
// token; a whole bank killed drops out of the ring (skipped, or the token regenerated if it died
// holding it) and comes back after a restart.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { deposit, DOCUMENTS, auditConsortium, me, pix, signUp, type TestCustomer } from '@banca/testkit/consortium';
import { consortiumBankKey, signedInterbankHeaders } from '@banca/testkit/interbank';
import { http, startTestConsortium, waitFor, type TestConsortium } from '@banca/testkit/testkit';

let consortium: TestConsortium;
const customers: TestCustomer[] = [];
const url = (bankId: number) => consortium.url(bankId);
/** A bank's ring status, asked by the next bank (only other members may call interbank routes). */
const ringOf = async (bankId: number) => {
  const caller = (bankId % 3) + 1;
  const headers = await signedInterbankHeaders({ key: consortiumBankKey(consortium.dataDir, caller), sender: caller, receiver: bankId, method: 'GET', path: '/interbank/v1/ring' });
  return (await http(`${url(bankId)}/interbank/v1/ring`, { headers })).body;
};

before(async () => {
  consortium = await startTestConsortium(3, 'token-ring', {
    businessServer: {
      transferWaitMs: 8000,
      prepareTimeoutMs: 1000,
      ring: { opsPerPass: 4, timeoutMs: 3000, timeoutStepMs: 100, checkAttempts: 2, checkIntervalMs: 100, holdLeaseMs: 1000, tickMs: 20 },
    },
  });
  for (const bankId of [1, 2, 3]) {
    const customer = await signUp(url(bankId), bankId, `Ring Customer ${bankId}`, DOCUMENTS.cpf[bankId]!);
    await deposit(url(bankId), customer, '100.00');
    customers.push(customer);
  }
});
after(async () => consortium.cleanup());

describe('token ring - in a consortium', () => {
  test('the token goes round every bank, and Pix between banks complete in their turn', async () => {
    const first = await Promise.all([1, 2, 3].map(ringOf));
    await waitFor(async () => {
      const now = await Promise.all([1, 2, 3].map(ringOf));
      return now.every((status, index) => status.passes > first[index]!.passes) && now;
    }, 5000, 'every bank to get the token again');
    const sent = await pix(url(1), customers[0]!, 2, DOCUMENTS.cpf[2]!, '10.00');
    assert.equal(sent.status, 200, JSON.stringify(sent.body));
    assert.equal(sent.body.status, 'completed');
    const back = await pix(url(2), customers[1]!, 3, DOCUMENTS.cpf[3]!, '5.00');
    assert.equal(back.status, 200, JSON.stringify(back.body));
    assert.equal((await me(url(3), customers[2]!)).balanceCents, 10_500);
    const held = (await Promise.all([1, 2, 3].map(ringOf))).filter((status) => status.holding && !status.passing);
    assert.ok(held.length <= 1, 'at most one bank holds the token');
  });

  test('a whole bank killed: the others keep passing the token and paying each other; after a restart it rejoins', async () => {
    const bank = consortium.bank(2);
    await bank.kill();
    const sent = await waitFor(async () => {
      const response = await pix(url(1), customers[0]!, 3, DOCUMENTS.cpf[3]!, '1.00');
      return response.status === 200 && response;
    }, 15_000, 'a Pix from bank 1 to bank 3 with bank 2 down');
    assert.equal(sent.body.status, 'completed');
    await bank.restartStopped();
    const before = (await ringOf(2)).passes;
    await waitFor(async () => (await ringOf(2)).passes > before, 15_000, 'bank 2 to get the token again');
    const again = await pix(url(3), customers[2]!, 2, DOCUMENTS.cpf[2]!, '2.00');
    assert.equal(again.status, 200, JSON.stringify(again.body));
    const audit = await waitFor(async () => {
      const current = await auditConsortium(consortium);
      return current.holdsCents === 0 && current.interbankCents === 0 && current;
    }, 10_000, 'the consortium to settle');
    assert.equal(audit.customersCents, 30_000);
    const statuses = await Promise.all([1, 2, 3].map(ringOf));
    const regenerations = statuses.reduce((sum, status) => sum + status.regenerations, 0);
    assert.ok(regenerations <= 1, `at most one regeneration for one lost token (got ${regenerations}: ${JSON.stringify(statuses)})`);
  });
});
