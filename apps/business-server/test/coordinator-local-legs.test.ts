// A packet whose leg this bank pays itself: the hold's post is written by the decision commit,
// atomically with the packet's 'committed' (no read, no commit of its own). In this process, with
// the coordinator's records in memory and fake banks, so each write can be seen.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { FastifyBaseLogger } from 'fastify';
import type { TransferInput } from '@banca/core/protocol';
import type { BankStore, Change, Versioned } from '../src/application/consortium/bank-store.js';
import { Coordinator, type LocalLegs } from '../src/application/consortium/coordinator.js';
import type { PacketRecord } from '../src/domain/packet.js';
import type { BankLink } from '../src/application/consortium/participant.js';
import type { CreditRecord } from '../src/domain/credit.js';
import type { HoldRecord, HoldRequest } from '../src/domain/hold.js';

interface Write { changes: Change<unknown>[]; transfers: TransferInput[] }

function world(postable: boolean) {
  const records = new Map<string, Versioned<unknown>>();
  const writes: Write[] = [];
  const calls: string[] = [];
  const store = {
    async read<T>(collection: string, key: string): Promise<Versioned<T> | null> {
      return (records.get(`${collection}/${key}`) as Versioned<T> | undefined) ?? null;
    },
    async write(changes: Change<unknown>[], transfers: TransferInput[] = []): Promise<boolean> {
      if (changes.some((change) => (records.get(`${change.collection}/${change.key}`)?.version ?? 0) !== change.expectVersion)) return false;
      for (const change of changes) records.set(`${change.collection}/${change.key}`, { version: change.expectVersion + 1, value: structuredClone(change.value) });
      writes.push({ changes, transfers });
      return true;
    },
  } as unknown as BankStore;
  const holdOf = (request: HoldRequest): HoldRecord => ({
    ...request, payerName: 'Ana', state: 'held', reason: null, createdAtMs: 0, expiresAtMs: Number.MAX_SAFE_INTEGER, updatedAtMs: 0,
  });
  const local: LocalLegs = {
    async holdHere(request, payerName) {
      calls.push(`holdHere ${request.legId} by ${payerName}`);
      const value = holdOf(request);
      records.set(`holds/${request.legId}`, { version: 1, value });
      return { version: 1, value };
    },
    postWrites(hold, receiverName) {
      if (!postable) return null;
      const next = { ...hold.value, state: 'posted' as const, receiverName: receiverName ?? '' };
      return {
        change: { collection: 'holds', key: hold.value.legId, expectVersion: hold.version, value: next },
        transfer: { transferId: `${hold.value.legId}:post`, kind: 'post', debitAccountId: '@holds', creditAccountId: '@bank:2', amountCents: hold.value.amountCents },
      };
    },
  };
  const credit = (legId: string, state: CreditRecord['state']): CreditRecord => ({
    legId, packetId: legId.split('.')[0]!, coordinatorBank: 1, fromBank: 1, receiverAccountId: '20000001', receiverName: 'Bruno', receiverDocumentMasked: '',
    payerName: 'Ana', payerDocumentMasked: '', amountCents: 100, state, createdAtMs: 0, updatedAtMs: 0,
  });
  const remote = {
    async hold() { throw new Error('no leg is paid at bank 2'); },
    async post(legId: string) { calls.push(`post ${legId}`); throw new Error('a leg paid here is never posted through the link'); },
    async cancel(legId: string) { calls.push(`cancel ${legId}`); return { legId, state: 'voided' } as HoldRecord; },
    async prepareCredit(request: { legId: string }) { calls.push(`prepare ${request.legId}`); return credit(request.legId, 'pending'); },
    async commitCredit(legId: string) { calls.push(`commit ${legId}`); return credit(legId, 'completed'); },
    async voidCredit(legId: string) { calls.push(`void ${legId}`); return credit(legId, 'failed'); },
  } as unknown as BankLink;
  const coordinator = new Coordinator({ bankId: 1, queued: false, prepareTimeoutMs: 1000, retryDelayMs: 1 }, store, () => remote, { warn() {}, error() {} } as unknown as FastifyBaseLogger, local);
  return { coordinator, writes, calls, records };
}

const order = { kind: 'pix' as const, accountId: '10000001', document: '52998224725', payerName: 'Ana Souza', idempotencyKey: 'k-1', consents: {},
  legs: [{ fromBank: 1, fromAccountId: '10000001', toBank: 2, toKey: 'bruno@example.com', amountCents: 100 }] };

describe('coordinator - a leg this bank pays', () => {
  test('its post is written with the decision, in one commit; then the credit, then completed', async () => {
    const { coordinator, writes, calls } = world(true);
    const packet = await coordinator.submit(order);
    assert.equal(packet.state, 'completed');
    const legId = packet.legs[0]!.legId;
    assert.deepEqual(calls, [`holdHere ${legId} by Ana Souza`, `prepare ${legId}`, `commit ${legId}`], 'no post through the link, no read of the payer');
    const states = writes.map((write) => (write.changes[0]!.value as PacketRecord).state);
    assert.deepEqual(states, ['preparing', 'committed', 'completed']);
    const decision = writes[1]!;
    assert.deepEqual(decision.changes.map((change) => [change.collection, (change.value as { state: string }).state]), [['packets', 'committed'], ['holds', 'posted']]);
    assert.deepEqual(decision.transfers.map((transfer) => transfer.transferId), [`${legId}:post`]);
    assert.equal((decision.changes[1]!.value as HoldRecord).receiverName, 'Bruno', "the receiver learnt in phase one is on the payer's hold");
  });

  test('a hold of its own that can no longer be posted (expired) makes the decision abort, and nothing is posted', async () => {
    const { coordinator, writes, calls } = world(false);
    const packet = await coordinator.submit(order);
    assert.equal(packet.state, 'failed');
    assert.equal(packet.error?.code, 'HOLD_EXPIRED');
    assert.ok(writes.every((write) => write.transfers.length === 0), 'no post was written');
    const legId = packet.legs[0]!.legId;
    assert.ok(calls.includes(`cancel ${legId}`) && calls.includes(`void ${legId}`), 'the hold and the credit were undone');
  });
});
