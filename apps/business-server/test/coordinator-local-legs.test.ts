// A packet whose leg this bank pays itself: the hold's post is written by the decision commit,
// atomically with the packet's 'committed' (no read, no commit of its own); a lone Pix paid here
// goes direct: its hold is written with the packet's first record, the receiving bank applies the
// credit at once, and the post is written with the completion. In this process, with the
// coordinator's records in memory and fake banks, so each write can be seen.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { FastifyBaseLogger } from 'fastify';
import { BancaError } from '@banca/core/errors';
import type { TransferInput } from '@banca/core/protocol';
import type { BankStore, Change, Versioned } from '../src/application/consortium/bank-store.js';
import { Coordinator, type LocalLegs } from '../src/application/consortium/coordinator.js';
import type { PacketRecord } from '../src/domain/packet.js';
import type { BankLink } from '../src/application/consortium/participant.js';
import type { CreditRecord } from '../src/domain/credit.js';
import type { HoldRecord, HoldRequest } from '../src/domain/hold.js';

interface Write { changes: Change<unknown>[]; transfers: TransferInput[] }

function world(postable: boolean, receiving: { apply?: 'completed' | 'failed' | 'down' | 'refused'; void?: 'completed' | 'failed' | 'down'; answering?: boolean } = {}) {
  const records = new Map<string, Versioned<unknown>>();
  const writes: Write[] = [];
  const calls: string[] = [];
  const write = async (changes: Change<unknown>[], transfers: TransferInput[] = []): Promise<boolean> => {
    if (changes.some((change) => (records.get(`${change.collection}/${change.key}`)?.version ?? 0) !== change.expectVersion)) return false;
    for (const change of changes) records.set(`${change.collection}/${change.key}`, { version: change.expectVersion + 1, value: structuredClone(change.value) });
    writes.push({ changes, transfers });
    return true;
  };
  const store = {
    async read<T>(collection: string, key: string): Promise<Versioned<T> | null> {
      return (records.get(`${collection}/${key}`) as Versioned<T> | undefined) ?? null;
    },
    write,
    move: (_accounts: string[], changes: Change<unknown>[], transfers: TransferInput[] = []) => write(changes, transfers),
  } as unknown as BankStore;
  const holdOf = (request: HoldRequest): HoldRecord => ({
    ...request, payerName: 'Ana', state: 'held', reason: null, createdAtMs: 0, expiresAtMs: Number.MAX_SAFE_INTEGER, updatedAtMs: 0,
  });
  const local: LocalLegs = {
    async holdHere(request, payerName) {
      calls.push(`holdHere ${request.legId} by ${payerName}`);
      const existing = records.get(`holds/${request.legId}`) as Versioned<HoldRecord> | undefined;
      if (existing) return existing;
      const value = holdOf(request);
      records.set(`holds/${request.legId}`, { version: 1, value });
      return { version: 1, value };
    },
    holdWrites(request, payerName) {
      calls.push(`holdWrites ${request.legId} by ${payerName}`);
      const value = { ...holdOf(request), expiresAtMs: null };
      return {
        hold: { version: 1, value }, account: request.payerAccountId,
        change: { collection: 'holds', key: request.legId, expectVersion: 0, value },
        transfer: { transferId: `${request.legId}:hold`, kind: 'hold', debitAccountId: request.payerAccountId, creditAccountId: '@holds', amountCents: request.amountCents },
      };
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
    answering: receiving.answering ?? true,
    async hold() { throw new Error('no leg is paid at bank 2'); },
    async post(legId: string) { calls.push(`post ${legId}`); throw new Error('a leg paid here is never posted through the link'); },
    async cancel(legId: string) { calls.push(`cancel ${legId}`); return { legId, state: 'voided' } as HoldRecord; },
    async prepareCredit(request: { legId: string }) { calls.push(`prepare ${request.legId}`); return credit(request.legId, 'pending'); },
    async commitCredit(legId: string) { calls.push(`commit ${legId}`); return credit(legId, 'completed'); },
    async voidCredit(legId: string) {
      calls.push(`void ${legId}`);
      if (receiving.void === 'down') throw new BancaError('BANK_UNAVAILABLE', 'bank 2 is down');
      return credit(legId, receiving.void ?? 'failed');
    },
    async applyCredit(request: { legId: string }) {
      calls.push(`apply ${request.legId}`);
      if (receiving.apply === 'down') throw new BancaError('BANK_UNAVAILABLE', 'bank 2 is down');
      if (receiving.apply === 'refused') throw new BancaError('PIX_KEY_NOT_FOUND', 'no such key at bank 2');
      return credit(request.legId, receiving.apply ?? 'completed');
    },
  } as unknown as BankLink;
  const coordinator = new Coordinator({ bankId: 1, queued: false, prepareTimeoutMs: 1000, retryDelayMs: 1 }, store, () => remote, { warn() {}, error() {} } as unknown as FastifyBaseLogger, local);
  return { coordinator, writes, calls, records };
}

const leg = { fromBank: 1, fromAccountId: '10000001', toBank: 2, toKey: 'bruno@example.com', amountCents: 100 };
const pix = { kind: 'pix' as const, accountId: '10000001', document: '52998224725', payerName: 'Ana Souza', idempotencyKey: 'k-1', consents: {}, legs: [leg] };
/** Two legs paid here: two phases (a packet of more than one leg is never direct). */
const packetOfTwo = { ...pix, kind: 'packet' as const, legs: [leg, { ...leg, amountCents: 200 }] };
const stateOf = (write: Write) => (write.changes[0]!.value as PacketRecord).state;
const collections = (write: Write) => write.changes.map((change) => [change.collection, (change.value as { state: string }).state]);

describe('coordinator - legs this bank pays, two phases', () => {
  test('their posts are written with the decision, in one commit; then the credits, then completed', async () => {
    const { coordinator, writes, calls } = world(true);
    const packet = await coordinator.submit(packetOfTwo);
    assert.equal(packet.state, 'completed');
    assert.equal(packet.direct, undefined);
    const [one, two] = packet.legs.map((each) => each.legId);
    assert.deepEqual(calls.filter((call) => call.startsWith('holdHere')), [`holdHere ${one} by Ana Souza`, `holdHere ${two} by Ana Souza`]);
    assert.ok(!calls.some((call) => call.startsWith('post')), 'no post through the link, no read of the payer');
    assert.deepEqual(writes.map(stateOf), ['preparing', 'committed', 'completed']);
    const decision = writes[1]!;
    assert.deepEqual(collections(decision), [['packets', 'committed'], ['holds', 'posted'], ['holds', 'posted']]);
    assert.deepEqual(decision.transfers.map((transfer) => transfer.transferId), [`${one}:post`, `${two}:post`]);
    assert.equal((decision.changes[1]!.value as HoldRecord).receiverName, 'Bruno', "the receiver learnt in phase one is on the payer's hold");
  });

  test('a hold of its own that can no longer be posted (expired) makes the decision abort, and nothing is posted', async () => {
    const { coordinator, writes, calls } = world(false);
    const packet = await coordinator.submit(packetOfTwo);
    assert.equal(packet.state, 'failed');
    assert.equal(packet.error?.code, 'HOLD_EXPIRED');
    assert.ok(writes.every((write) => write.transfers.length === 0), 'no post was written');
    const legId = packet.legs[0]!.legId;
    assert.ok(calls.includes(`cancel ${legId}`) && calls.includes(`void ${legId}`), 'the hold and the credit were undone');
  });
});

describe('coordinator - a lone Pix paid here goes direct', () => {
  test('the hold is written with the packet, the receiving bank applies the credit at once, the post is written with the completion: two commits, one call', async () => {
    const { coordinator, writes, calls } = world(true);
    const packet = await coordinator.submit(pix);
    assert.equal(packet.state, 'completed');
    assert.equal(packet.direct, true);
    const legId = packet.legs[0]!.legId;
    assert.deepEqual(calls, [`holdWrites ${legId} by Ana Souza`, `apply ${legId}`], 'no pending credit, no commit call, no post call');
    assert.equal(writes.length, 2);
    assert.deepEqual(collections(writes[0]!), [['packets', 'preparing'], ['holds', 'held']]);
    assert.equal((writes[0]!.changes[1]!.value as HoldRecord).expiresAtMs, null, 'a direct hold never expires: only the receiving bank decides');
    assert.deepEqual(writes[0]!.transfers.map((transfer) => transfer.transferId), [`${legId}:hold`]);
    assert.deepEqual(collections(writes[1]!), [['packets', 'completed'], ['holds', 'posted']]);
    assert.deepEqual(writes[1]!.transfers.map((transfer) => transfer.transferId), [`${legId}:post`]);
    assert.equal(packet.legs[0]!.receiverName, 'Bruno');
  });

  test('refused there (no such key): the leg is voided there first, then the hold here; the Pix fails with the refusal\'s code', async () => {
    const { coordinator, writes, calls } = world(true, { apply: 'refused' });
    const packet = await coordinator.submit(pix);
    assert.equal(packet.state, 'failed');
    assert.equal(packet.error?.code, 'PIX_KEY_NOT_FOUND');
    const legId = packet.legs[0]!.legId;
    assert.deepEqual(calls, [`holdWrites ${legId} by Ana Souza`, `apply ${legId}`, `void ${legId}`, `cancel ${legId}`], 'the void there comes before anything is given back here');
    assert.deepEqual(writes.map(stateOf), ['preparing', 'aborting', 'failed']);
  });

  test('silent there past the prepare timeout, but the void finds the credit applied: the Pix completes', async () => {
    const { coordinator, calls } = world(true, { apply: 'down', void: 'completed' });
    const packet = await coordinator.submit(pix);
    assert.equal(packet.state, 'completed', 'the receiving bank\'s record decides, not the timeout');
    assert.ok(calls.filter((call) => call.startsWith('apply')).length > 1, 'the credit was asked again until the timeout');
    assert.ok(!calls.some((call) => call.startsWith('cancel')), 'the hold was never given back');
  });

  test('to a bank whose last call did not reach it, a lone Pix keeps two phases (it would abort at the timeout and give the money back)', async () => {
    const { coordinator, calls } = world(true, { answering: false });
    const packet = await coordinator.submit(pix);
    assert.equal(packet.state, 'completed');
    assert.equal(packet.direct, undefined);
    const legId = packet.legs[0]!.legId;
    assert.deepEqual(calls, [`holdHere ${legId} by Ana Souza`, `prepare ${legId}`, `commit ${legId}`]);
  });

  test('silent there through the void too: the Pix stays preparing with its money held, for the recovery sweep', async () => {
    const { coordinator, calls, records } = world(true, { apply: 'down', void: 'down' });
    const packet = await coordinator.submit(pix);
    assert.equal(packet.state, 'preparing');
    assert.ok(!calls.some((call) => call.startsWith('cancel')), 'nothing given back while the receiving bank may have applied it');
    assert.equal((records.get(`holds/${packet.legs[0]!.legId}`)!.value as HoldRecord).state, 'held');
  });
});
