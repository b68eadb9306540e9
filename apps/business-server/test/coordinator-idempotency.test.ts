// The coordinator's idempotency by the customer's key, in this process: a packet retried with the
// same legs is the packet first recorded, whatever order the legs' keys are listed in, and a
// packet recorded before the hash was canonical (JSON.stringify) is still its retry's packet.
// Queued (token-ring) mode, so submit records the packet and runs nothing.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, test } from 'node:test';
import type { FastifyBaseLogger } from 'fastify';
import { BancaError } from '@banca/core/errors';
import type { BankStore, Change, Versioned } from '../src/application/consortium/bank-store.js';
import { Coordinator, type PacketOrder } from '../src/application/consortium/coordinator.js';
import type { LegInput, PacketRecord } from '../src/domain/packet.js';

/** The records a coordinator writes, kept in memory with their versions; counts the writes that landed. */
function recordsInMemory() {
  const records = new Map<string, Versioned<unknown>>();
  let written = 0;
  const store = {
    async read<T>(collection: string, key: string): Promise<Versioned<T> | null> {
      return (records.get(`${collection}/${key}`) as Versioned<T> | undefined) ?? null;
    },
    async write(changes: Change<unknown>[]): Promise<boolean> {
      if (changes.some((change) => (records.get(`${change.collection}/${change.key}`)?.version ?? 0) !== change.expectVersion)) return false;
      for (const change of changes) records.set(`${change.collection}/${change.key}`, { version: change.expectVersion + 1, value: structuredClone(change.value) });
      written += 1;
      return true;
    },
  };
  return { store: store as unknown as BankStore, records, writes: () => written };
}

function coordinatorOn(store: BankStore): Coordinator {
  const noLink = () => {
    throw new Error('a queued packet calls no bank');
  };
  const noLocal = { holdHere: noLink, holdWrites: noLink, postWrites: noLink };
  return new Coordinator({ bankId: 1, queued: true, prepareTimeoutMs: 1000, retryDelayMs: 10 }, store, noLink, {} as FastifyBaseLogger, noLocal);
}

const legs: LegInput[] = [
  { fromBank: 1, fromAccountId: '10000001', toBank: 2, toKey: '52998224725', amountCents: 1050 },
  { fromBank: 3, fromAccountId: '30000001', toBank: 2, toKey: 'ana@example.com', amountCents: 99 },
];
/** The same legs, each listing its keys in another order. */
const reordered: LegInput[] = legs.map(({ fromBank, fromAccountId, toBank, toKey, amountCents }) => ({ amountCents, toKey, toBank, fromAccountId, fromBank }));

const order = (overrides: Partial<PacketOrder> = {}): PacketOrder => ({
  kind: 'packet', accountId: '10000001', document: '11144477735', payerName: 'Ana Souza', idempotencyKey: 'pk-1', legs, consents: {}, ...overrides,
});

describe('coordinator - idempotency by the customer key', () => {
  test('a packet retried with its legs\' keys in another order is the packet first recorded, not IDEMPOTENCY_CONFLICT', async () => {
    const memory = recordsInMemory();
    const coordinator = coordinatorOn(memory.store);
    const first = await coordinator.submit(order());
    const retry = await coordinator.submit(order({ legs: reordered }));
    assert.deepEqual(retry, first);
    assert.equal(memory.writes(), 1, 'the packet was recorded once');
    await assert.rejects(coordinator.submit(order({ legs: [{ ...legs[0]!, amountCents: 1051 }, legs[1]!] })),
      (error: unknown) => error instanceof BancaError && error.code === 'IDEMPOTENCY_CONFLICT');
  });

  test('a packet recorded with the JSON.stringify hash of before is still the packet of its retry', async () => {
    const memory = recordsInMemory();
    const coordinator = coordinatorOn(memory.store);
    const first = await coordinator.submit(order());
    const key = `packets/${first.packetId}`;
    const legacyHash = createHash('sha256').update(JSON.stringify(['packet', legs])).digest('hex');
    const stored = memory.records.get(key)!;
    memory.records.set(key, { ...stored, value: { ...(stored.value as PacketRecord), requestHash: legacyHash } });
    const retry = await coordinator.submit(order());
    assert.equal(retry.requestHash, legacyHash, 'answered with the packet as stored');
    assert.equal(memory.writes(), 1);
    await assert.rejects(coordinator.submit(order({ kind: 'pix' })), (error: unknown) => error instanceof BancaError && error.code === 'IDEMPOTENCY_CONFLICT');
  });
});

describe('coordinator - recovery sweeper wake', () => {
  test('a packet recorded here calls onWork once; its retry records nothing and calls nothing', async () => {
    const coordinator = coordinatorOn(recordsInMemory().store);
    let woken = 0;
    coordinator.onWork = () => woken++;
    await coordinator.submit(order());
    assert.equal(woken, 1);
    await coordinator.submit(order());
    assert.equal(woken, 1);
  });
});
