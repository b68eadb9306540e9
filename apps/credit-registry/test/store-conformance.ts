// One conformance suite for every registry store adapter; store-conformance.test.ts runs it once
// per adapter. Each test works on people of its own, since a store lives across the suite.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import type { ItemFacts, RecordRequest, RegistryItem, RegistryStore } from '../src/infra/registry-store.js';

export interface StoreFixture {
  store: RegistryStore;
  /** Closes the store and opens it again on the same data: a restart. */
  reopen(): Promise<RegistryStore>;
  cleanup(): Promise<void>;
}

let people = 0;
/** A document of its own per test (the store does not check digits; the routes do). */
const person = () => `9${String(++people).padStart(4, '0')}${randomUUID().replace(/\D/g, '').padEnd(6, '0').slice(0, 6)}`;

function item(document: string, facts: ItemFacts, amountCents = 1000): RegistryItem {
  return { ...facts, id: randomUUID(), document, amountCents, createdAtMs: Date.now() };
}

function request(entry: RegistryItem, overrides: Partial<Omit<RecordRequest, 'item'>> = {}): RecordRequest {
  return { item: entry, clientId: 'bank-1', idempotencyKey: randomUUID(), requestHash: `hash-${entry.id}`, itemsPerPersonMax: 100, ...overrides };
}

const debt = (document: string, amountCents = 1000) => item(document, { kind: 'debt', date: '2024-07-07', creditor: 'Financeira' }, amountCents);
const asset = (document: string, amountCents = 1000) => item(document, { kind: 'asset', description: 'Carro' }, amountCents);

export function storeConformance(name: string, open: () => Promise<StoreFixture>): void {
  describe(`store conformance - ${name}`, () => {
    let fixture: StoreFixture;
    let store: RegistryStore;
    before(async () => {
      fixture = await open();
      store = fixture.store;
    });
    after(async () => fixture.cleanup());

    test('store - a person never recorded has no items', async () => {
      assert.deepEqual(await store.itemsOf(person()), []);
    });

    test('store - items of every kind come back whole, in the order recorded, for their person only', async () => {
      const [a, b] = [person(), person()];
      const written = [
        debt(a, 100_000),
        asset(a, 4_200_000),
        item(a, { kind: 'income', description: 'Salário' }, 520_000),
        item(a, { kind: 'debt', date: '2024-02-29', creditor: 'Cartão "Aurora" — 10%' }, 1),
      ];
      for (const entry of written) assert.deepEqual(await store.record(request(entry)), { outcome: 'created', item: entry });
      await store.record(request(asset(b)));
      assert.deepEqual(await store.itemsOf(a), written);
      assert.equal((await store.itemsOf(b)).length, 1);
    });

    test('store - the largest amount and a far-future timestamp round-trip as exact integers', async () => {
      const a = person();
      const big = { ...asset(a, 100_000_000_000), createdAtMs: 8_000_000_000_000 };
      await store.record(request(big));
      const [back] = await store.itemsOf(a);
      assert.equal(back?.amountCents, 100_000_000_000);
      assert.equal(back?.createdAtMs, 8_000_000_000_000);
    });

    test('store - the same key and hash again is a replay of the first item; nothing is added', async () => {
      const a = person();
      const first = request(debt(a));
      await store.record(first);
      const again = await store.record({ ...first, item: { ...debt(a), id: randomUUID(), createdAtMs: first.item.createdAtMs + 5000 } });
      assert.deepEqual(again, { outcome: 'replayed', item: first.item });
      assert.equal((await store.itemsOf(a)).length, 1);
    });

    test('store - the same key with another hash is a conflict; nothing is added', async () => {
      const a = person();
      const first = request(debt(a));
      await store.record(first);
      assert.deepEqual(await store.record({ ...first, item: debt(a, 999), requestHash: 'other' }), { outcome: 'conflict' });
      const b = person();
      assert.deepEqual(await store.record({ ...first, item: debt(b), requestHash: 'other' }), { outcome: 'conflict' });
      assert.equal((await store.itemsOf(a)).length, 1);
      assert.deepEqual(await store.itemsOf(b), []);
    });

    test('store - keys are scoped to the client that chose them', async () => {
      const a = person();
      const key = randomUUID();
      const one = await store.record(request(debt(a), { idempotencyKey: key, clientId: 'bank-1' }));
      const two = await store.record(request(debt(a), { idempotencyKey: key, clientId: 'bank-2' }));
      assert.deepEqual([one.outcome, two.outcome], ['created', 'created']);
      assert.equal((await store.itemsOf(a)).length, 2);
    });

    test('store - a person at the limit gets no more items, but a replay is still answered', async () => {
      const a = person();
      const first = request(debt(a), { itemsPerPersonMax: 2 });
      await store.record(first);
      await store.record(request(asset(a), { itemsPerPersonMax: 2 }));
      assert.deepEqual(await store.record(request(asset(a), { itemsPerPersonMax: 2 })), { outcome: 'full', itemsPerPersonMax: 2 });
      assert.equal((await store.record(first)).outcome, 'replayed');
      assert.equal((await store.itemsOf(a)).length, 2);
    });

    test('store - concurrent writes of one key record one item; the others are replays of it', async () => {
      const a = person();
      const key = randomUUID();
      const outcomes = await Promise.all(Array.from({ length: 12 }, () => {
        const entry = debt(a);
        return store.record(request(entry, { idempotencyKey: key, requestHash: 'same' }));
      }));
      assert.equal(outcomes.filter((o) => o.outcome === 'created').length, 1);
      assert.equal(outcomes.filter((o) => o.outcome === 'replayed').length, 11);
      const items = await store.itemsOf(a);
      assert.equal(items.length, 1);
      for (const outcome of outcomes) assert.deepEqual('item' in outcome ? outcome.item : undefined, items[0]);
    });

    test('store - concurrent writes of one key for different people record one item; the others are conflicts', async () => {
      const key = randomUUID();
      const documents = Array.from({ length: 8 }, person);
      const outcomes = await Promise.all(documents.map((document) => store.record(request(debt(document), { idempotencyKey: key, requestHash: document }))));
      assert.equal(outcomes.filter((o) => o.outcome === 'created').length, 1);
      assert.equal(outcomes.filter((o) => o.outcome === 'conflict').length, 7);
      const counts = await Promise.all(documents.map(async (document) => (await store.itemsOf(document)).length));
      assert.equal(counts.reduce((sum, count) => sum + count, 0), 1);
    });

    test('store - concurrent writes for one person never pass the limit', async () => {
      const a = person();
      const outcomes = await Promise.all(Array.from({ length: 15 }, () => store.record(request(asset(a), { itemsPerPersonMax: 5 }))));
      assert.equal(outcomes.filter((o) => o.outcome === 'created').length, 5);
      assert.equal(outcomes.filter((o) => o.outcome === 'full').length, 10);
      assert.equal((await store.itemsOf(a)).length, 5);
    });

    test('store - items and keys survive a restart of the store', async () => {
      const a = person();
      const first = request(debt(a, 4242));
      await store.record(first);
      store = await fixture.reopen();
      assert.deepEqual(await store.itemsOf(a), [first.item]);
      assert.equal((await store.record(first)).outcome, 'replayed');
      assert.equal((await store.record({ ...first, requestHash: 'other' })).outcome, 'conflict');
    });
  });
}
