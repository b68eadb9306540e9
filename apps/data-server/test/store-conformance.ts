// One conformance suite for every ledger store adapter. Each adapter file (or the loop in
// store-conformance.test.ts) calls it with a factory; a later adapter runs it unchanged.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, test } from 'node:test';
import { BancaError } from '@banca/core/errors';
import type { CommitRequest, RecordWrite, StoredRecord, TransferInput } from '@banca/core/protocol';
import type { LedgerStore } from '../src/infra/ledger-store.js';

export interface StoreFixture {
  store: LedgerStore;
  cleanup(): Promise<void>;
}

const uid = () => randomUUID().slice(0, 8);

function deposit(accountId: string, amountCents: number, transferId = `t-${randomUUID()}`): TransferInput {
  return { transferId, kind: 'deposit', debitAccountId: '@cash', creditAccountId: accountId, amountCents };
}

function move(from: string, to: string, amountCents: number, transferId = `t-${randomUUID()}`): TransferInput {
  return { transferId, kind: 'transfer', debitAccountId: from, creditAccountId: to, amountCents };
}

async function rejectsWith(promise: Promise<unknown>, code: string, details?: unknown): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof BancaError, `expected a BancaError, got ${String(error)}`);
    assert.equal(error.code, code);
    if (details !== undefined) assert.deepEqual(error.details, details);
    return true;
  });
}

/** A collection of its own for each test: the stores live across the suite. */
const collectionName = () => `c${uid()}`;

const versionsOf = (records: readonly StoredRecord[] | undefined) => (records ?? []).map((r) => [r.key, r.version]);

export function storeConformance(name: string, open: () => Promise<StoreFixture>): void {
  describe(`store conformance - ${name}`, () => {
    let fixture: StoreFixture;
    let store: LedgerStore;
    before(async () => {
      fixture = await open();
      store = fixture.store;
    });
    after(async () => fixture.cleanup());

    /** Locks, commits and releases: the business servers' cycle. */
    async function commitLocked(businessId: string, transfers: TransferInput[], extra: Partial<CommitRequest> = {}) {
      const accounts = [...new Set(transfers.flatMap((t) => [t.debitAccountId, t.creditAccountId]).filter((a) => !a.startsWith('@')))];
      const locked = await store.lock(businessId, accounts, 5000);
      assert.ok(locked.ok, 'lock granted');
      return store.commit(
        { commitId: `c-${uid()}`, locks: locked.grants.map((g) => ({ accountId: g.accountId, fence: g.fence })), transfers, release: true, ...extra },
        { businessId, requireLocks: true },
      );
    }

    async function balance(accountId: string): Promise<number | undefined> {
      const [view] = await store.readAccounts([accountId]);
      return view?.exists ? view.balanceCents : undefined;
    }

    test('locks - a grant carries a fencing token, the balance and whether the account exists', async () => {
      const a = `a-${uid()}`;
      await commitLocked('1', [deposit(a, 500)]);
      const locked = await store.lock('1', [a, `new-${uid()}`], 5000);
      assert.ok(locked.ok);
      assert.equal(locked.grants[0]?.balanceCents, 500);
      assert.equal(locked.grants[0]?.exists, true);
      assert.equal(locked.grants[1]?.exists, false);
      assert.ok(Number.isSafeInteger(locked.grants[0]?.fence) && locked.grants[0].fence > 0);
      await store.unlock('1', locked.grants.map((g) => g.accountId));
    });

    test('locks - a second business is refused while the lease lives; the owner renews with the same token', async () => {
      const a = `a-${uid()}`;
      const first = await store.lock('1', [a], 5000);
      assert.ok(first.ok);
      const other = await store.lock('2', [a], 5000);
      assert.equal(other.ok, false);
      assert.deepEqual(other.ok ? [] : other.conflicts.map((c) => [c.accountId, c.ownerBusinessId]), [[a, '1']]);
      const again = await store.lock('1', [a], 5000);
      assert.ok(again.ok);
      assert.equal(again.grants[0]?.fence, first.grants[0]?.fence);
      assert.equal((await store.lockInfo(a))?.ownerBusinessId, '1');
      await store.unlock('1', [a]);
      assert.equal(await store.lockInfo(a), null);
    });

    test('locks - several accounts are locked all or nothing', async () => {
      const [a, b, c] = [`a-${uid()}`, `b-${uid()}`, `c-${uid()}`];
      assert.ok((await store.lock('2', [b], 5000)).ok);
      const attempt = await store.lock('1', [a, b, c], 5000);
      assert.equal(attempt.ok, false);
      assert.equal(await store.lockInfo(a), null, 'no account of a refused request stays locked');
      assert.equal(await store.lockInfo(c), null);
      await store.unlock('2', [b]);
    });

    test('locks - an expired lease frees the account and the new token is larger', async () => {
      const a = `a-${uid()}`;
      const first = await store.lock('1', [a], 40);
      assert.ok(first.ok);
      await sleep(80);
      const second = await store.lock('2', [a], 5000);
      assert.ok(second.ok, 'another business takes the account after the lease expired');
      assert.ok(second.grants[0]!.fence > first.grants[0]!.fence);
      await rejectsWith(
        store.commit({ commitId: `c-${uid()}`, locks: [{ accountId: a, fence: first.grants[0]!.fence }], transfers: [deposit(a, 1)], release: true }, { businessId: '1', requireLocks: true }),
        'ACCOUNT_LOCKED',
      );
      await store.unlock('2', [a]);
    });

    test('locks - only the owner may unlock, and a stale token unlocks nothing', async () => {
      const a = `a-${uid()}`;
      const held = await store.lock('1', [a], 5000);
      assert.ok(held.ok);
      const foreign = await store.unlock('2', [a]);
      assert.equal(foreign.ok, false);
      const stale = await store.unlock('1', [a], held.grants[0]!.fence - 1);
      assert.deepEqual(stale.ok ? null : stale.code, 'STALE_FENCING_TOKEN');
      assert.equal((await store.lockInfo(a))?.ownerBusinessId, '1');
      const released = await store.unlock('1', [a], held.grants[0]!.fence);
      assert.deepEqual(released.ok ? released.released : null, [a]);
    });

    test('commit - writes double-entry transfers, balances after each, and releases its locks', async () => {
      const [a, b] = [`a-${uid()}`, `b-${uid()}`];
      await commitLocked('1', [deposit(a, 1000)]);
      const response = await commitLocked('1', [move(a, b, 300), move(b, a, 100)]);
      assert.equal(response.replayed, false);
      assert.deepEqual(response.transfers.map((t) => [t.debitBalanceAfterCents, t.creditBalanceAfterCents]), [[700, 300], [200, 800]]);
      assert.equal(await balance(a), 800);
      assert.equal(await balance(b), 200);
      assert.equal(await store.lockInfo(a), null);
      const history = await store.history(a, 10);
      assert.deepEqual(history.map((t) => t.amountCents), [100, 300, 1000], 'history is newest first');
    });

    test('commit - refused without the locks, with a stale token, or locked by another; nothing changes', async () => {
      const [a, b] = [`a-${uid()}`, `b-${uid()}`];
      await commitLocked('1', [deposit(a, 1000)]);
      await rejectsWith(store.commit({ commitId: `c-${uid()}`, locks: [], transfers: [move(a, b, 1)], release: true }, { businessId: '1', requireLocks: true }), 'LOCK_NOT_HELD');
      const held = await store.lock('1', [a, b], 5000);
      assert.ok(held.ok);
      const stale = held.grants.map((g) => ({ accountId: g.accountId, fence: g.fence - 1 }));
      await rejectsWith(store.commit({ commitId: `c-${uid()}`, locks: stale, transfers: [move(a, b, 1)], release: true }, { businessId: '1', requireLocks: true }), 'STALE_FENCING_TOKEN');
      const fences = held.grants.map((g) => ({ accountId: g.accountId, fence: g.fence }));
      await rejectsWith(store.commit({ commitId: `c-${uid()}`, locks: fences, transfers: [move(a, b, 1)], release: true }, { businessId: '2', requireLocks: true }), 'ACCOUNT_LOCKED');
      assert.equal(await balance(a), 1000);
      assert.equal(await balance(b), undefined);
      await store.unlock('1', [a, b]);
    });

    test('commit - idempotent by commit id: a retry is answered, not applied again', async () => {
      const a = `a-${uid()}`;
      const held = await store.lock('1', [a], 5000);
      assert.ok(held.ok);
      const request: CommitRequest = { commitId: `c-${uid()}`, locks: [{ accountId: a, fence: held.grants[0]!.fence }], transfers: [deposit(a, 250)], release: true };
      const first = await store.commit(request, { businessId: '1', requireLocks: true });
      const retry = await store.commit(request, { businessId: '1', requireLocks: true });
      assert.equal(retry.replayed, true);
      assert.deepEqual(retry.transfers, first.transfers);
      assert.equal(await balance(a), 250);
      await rejectsWith(store.commit({ ...request, transfers: [deposit(a, 999)] }, { businessId: '1', requireLocks: true }), 'IDEMPOTENCY_CONFLICT');
      assert.equal(await balance(a), 250);
    });

    test('commit - a retry whose objects list their keys in another order is a replay, not IDEMPOTENCY_CONFLICT', async () => {
      const col = collectionName();
      const a = `a-${uid()}`;
      const held = await store.lock('1', [a], 5000);
      assert.ok(held.ok);
      const transferId = `t-${uid()}`;
      const request: CommitRequest = {
        commitId: `c-${uid()}`, locks: [{ accountId: a, fence: held.grants[0]!.fence }], release: true,
        transfers: [{ transferId, kind: 'deposit', debitAccountId: '@cash', creditAccountId: a, amountCents: 250 }],
        records: [{ collection: col, key: 'r', expectVersion: 0, value: { state: 'open', legs: [{ to: 'b', cents: 250 }] }, tags: ['t'] }],
      };
      // What a retry may look like after a round trip through storage that orders keys its own way (PostgreSQL's jsonb does).
      const reordered = JSON.parse(JSON.stringify(request), (_key, value: unknown) => (
        value !== null && typeof value === 'object' && !Array.isArray(value) ? Object.fromEntries(Object.entries(value).reverse()) : value)) as CommitRequest;
      assert.notEqual(JSON.stringify(reordered), JSON.stringify(request), 'the retry really lists its keys in another order');
      const first = await store.commit(request, { businessId: '1', requireLocks: true });
      const retry = await store.commit(reordered, { businessId: '1', requireLocks: true });
      assert.equal(retry.replayed, true);
      assert.deepEqual(retry.transfers, first.transfers);
      assert.equal(await balance(a), 250, 'the deposit was applied once');
      assert.deepEqual(versionsOf(await store.readRecords(col, ['r'])), [['r', 1]], 'the record was written once');
    });

    test('commit - a transfer id is used once; reusing it refuses the whole commit', async () => {
      const [a, b] = [`a-${uid()}`, `b-${uid()}`];
      const id = `t-${uid()}`;
      await commitLocked('1', [deposit(a, 100, id)]);
      await assert.rejects(commitLocked('1', [deposit(b, 5), deposit(a, 100, id)]), (error: unknown) => error instanceof BancaError && error.code === 'IDEMPOTENCY_CONFLICT');
      assert.equal(await balance(a), 100);
      assert.equal(await balance(b), undefined, 'the other transfer of the refused commit was not written');
      const [found] = await store.findTransfers([id]);
      assert.equal(found?.amountCents, 100);
      await store.unlock('1', [a, b]);
    });

    test('commit - never takes a customer account below zero (the store refuses it, behind the rules); system accounts may', async () => {
      const [a, b] = [`a-${uid()}`, `b-${uid()}`];
      await commitLocked('1', [deposit(a, 100)]);
      await rejectsWith(commitLocked('1', [deposit(b, 5), move(a, b, 101)]), 'INSUFFICIENT_FUNDS');
      assert.equal(await balance(a), 100);
      assert.equal(await balance(b), undefined, 'the other transfer of the refused commit was not written');
      await store.unlock('1', [a, b]);
      await commitLocked('1', [move(a, b, 100)]);
      assert.deepEqual([await balance(a), await balance(b)], [0, 100], 'down to exactly zero is fine');
    });

    test('refusals - recorded in a commit, returned by a lock; an id names one transfer or one refusal, once', async () => {
      const [a, b] = [`a-${uid()}`, `b-${uid()}`];
      const [refusedId, doneId] = [`r-${uid()}`, `t-${uid()}`];
      const refusal = { operationId: refusedId, operation: { kind: 'withdrawal' as const, accountId: a, amountCents: 900 }, code: 'INSUFFICIENT_FUNDS', message: 'a has 1.00' };
      await commitLocked('1', [deposit(a, 100, doneId)], { refusals: [refusal] });
      const locked = await store.lock('2', [a], 5000, [refusedId, doneId, `none-${uid()}`]);
      assert.ok(locked.ok);
      assert.deepEqual(locked.knownTransfers.map((t) => t.transferId), [doneId]);
      assert.deepEqual(locked.knownRefusals.map(({ operationId, operation, code, message, businessId }) => ({ operationId, operation, code, message, businessId })),
        [{ ...refusal, businessId: '1' }]);
      await store.unlock('2', [a]);
      // The refused id cannot become a transfer, nor a committed id a refusal, nor a refusal be recorded twice.
      await rejectsWith(commitLocked('1', [deposit(b, 5), deposit(a, 900, refusedId)]), 'IDEMPOTENCY_CONFLICT');
      await store.unlock('1', [a, b]);
      await rejectsWith(commitLocked('1', [deposit(b, 5)], { refusals: [{ ...refusal, operationId: doneId }] }), 'IDEMPOTENCY_CONFLICT');
      await store.unlock('1', [b]);
      await rejectsWith(commitLocked('1', [deposit(b, 5)], { refusals: [refusal] }), 'IDEMPOTENCY_CONFLICT');
      await store.unlock('1', [b]);
      await rejectsWith(commitLocked('1', [deposit(b, 5, refusedId)], { refusals: [{ ...refusal, operationId: refusedId }] }), 'INVALID_REQUEST');
      await store.unlock('1', [b]);
      assert.deepEqual([await balance(a), await balance(b)], [100, undefined], 'none of the refused commits wrote anything');
    });

    test('commit - all or nothing when a transfer would break the balance limit', async () => {
      const [a, b] = [`a-${uid()}`, `b-${uid()}`];
      await commitLocked('1', [deposit(a, 100)]);
      const huge = 100_000_000_000;
      const transfers = [move(a, b, 50), ...Array.from({ length: 10_001 }, () => deposit(b, huge))];
      await assert.rejects(commitLocked('1', transfers), (error: unknown) => error instanceof BancaError && error.code === 'BALANCE_LIMIT_EXCEEDED');
      assert.equal(await balance(a), 100);
      assert.equal(await balance(b), undefined);
      await store.unlock('1', [a, b]);
    });

    test('commit - setBalances writes the difference as an adjustment, and nothing when equal', async () => {
      const a = `a-${uid()}`;
      await commitLocked('1', [deposit(a, 100)]);
      const held = await store.lock('1', [a], 5000);
      assert.ok(held.ok);
      const fence = held.grants[0]!.fence;
      const set = await store.commit({ commitId: `c-${uid()}`, locks: [{ accountId: a, fence }], transfers: [], release: false, setBalances: [{ accountId: a, balanceCents: 40, transferId: `s-${uid()}` }] }, { businessId: '1', requireLocks: true });
      assert.equal(set.transfers[0]?.kind, 'adjustment');
      assert.equal(set.transfers[0]?.amountCents, 60);
      const same = await store.commit({ commitId: `c-${uid()}`, locks: [{ accountId: a, fence }], transfers: [], release: true, setBalances: [{ accountId: a, balanceCents: 40, transferId: `s-${uid()}` }] }, { businessId: '1', requireLocks: true });
      assert.equal(same.transfers.length, 0);
      assert.equal(await balance(a), 40);
    });

    test('commit - the seeds\' one-shot writes need only that no other business holds the account', async () => {
      const a = `a-${uid()}`;
      await store.commit({ commitId: `c-${uid()}`, locks: [], transfers: [deposit(a, 70)], release: false }, { businessId: '1', requireLocks: false });
      assert.equal(await balance(a), 70);
      assert.ok((await store.lock('2', [a], 5000)).ok);
      await rejectsWith(store.commit({ commitId: `c-${uid()}`, locks: [], transfers: [deposit(a, 1)], release: false }, { businessId: '1', requireLocks: false }), 'ACCOUNT_LOCKED');
      await store.unlock('2', [a]);
      assert.equal(await balance(a), 70);
    });

    test('commit - many concurrent commits all land and the ledger sums to zero', async () => {
      const accounts = Array.from({ length: 40 }, () => `p-${uid()}`);
      const results = await Promise.all(accounts.map((account, i) => commitLocked(String((i % 3) + 1), [deposit(account, 100 + i)])));
      assert.equal(results.length, 40);
      for (const [i, account] of accounts.entries()) assert.equal(await balance(account), 100 + i);
      const audit = await store.audit();
      assert.equal(audit.balanceSumCents, 0);
      assert.deepEqual(audit.mismatchedAccounts, []);
    });

    /** A records-only commit: no locks, no transfers. */
    function writeRecords(records: RecordWrite[], commitId = `c-${uid()}`) {
      return store.commit({ commitId, locks: [], transfers: [], release: false, records }, { businessId: '1', requireLocks: true });
    }

    test('records - created at version 1, read back in the order asked, listed by tag', async () => {
      const col = collectionName();
      const written = await writeRecords([
        { collection: col, key: 'b', expectVersion: 0, value: { name: 'B', nested: { n: [1, 2] } }, tags: ['all', 'odd'] },
        { collection: col, key: 'a', expectVersion: 0, value: { name: 'A' }, tags: ['all', 'all'] },
      ]);
      assert.equal(written.replayed, false);
      assert.deepEqual(versionsOf(written.records), [['b', 1], ['a', 1]]);
      const [b] = written.records ?? [];
      assert.deepEqual(b?.value, { name: 'B', nested: { n: [1, 2] } });
      assert.deepEqual(b?.tags, ['all', 'odd']);
      assert.ok(Number.isSafeInteger(b?.updatedAtMs) && b.updatedAtMs > 0);
      assert.deepEqual(written.records?.[1]?.tags, ['all'], 'a tag is kept once');

      const read = await store.readRecords(col, ['a', 'missing', 'b']);
      assert.deepEqual(read.map((r) => r.key), ['a', 'b'], 'only existing records, in the order of the keys');
      assert.deepEqual(read[1], b);
      assert.deepEqual(await store.readRecords(collectionName(), ['a']), [], 'collections are separate');
      assert.deepEqual((await store.listRecords(col, 'all', 10)).map((r) => r.key), ['a', 'b'], 'same time: by key');
      assert.deepEqual((await store.listRecords(col, 'all', 1)).map((r) => r.key), ['a']);
      assert.deepEqual((await store.listRecords(col, 'odd', 10)).map((r) => r.key), ['b']);
      assert.deepEqual(await store.listRecords(col, 'none', 10), []);
    });

    test('records - an update at the read version bumps it and replaces the tags; listing is newest first', async () => {
      const col = collectionName();
      await writeRecords([{ collection: col, key: 'k1', expectVersion: 0, value: { step: 1 }, tags: ['old', 'both'] }]);
      await sleep(5);
      await writeRecords([{ collection: col, key: 'k2', expectVersion: 0, value: { step: 1 }, tags: ['both'] }]);
      assert.deepEqual((await store.listRecords(col, 'both', 10)).map((r) => r.key), ['k2', 'k1']);
      await sleep(5);
      const updated = await writeRecords([{ collection: col, key: 'k1', expectVersion: 1, value: { step: 2 }, tags: ['new', 'both'] }]);
      assert.deepEqual(versionsOf(updated.records), [['k1', 2]]);
      const [k1] = await store.readRecords(col, ['k1']);
      assert.deepEqual([k1?.version, k1?.value, k1?.tags], [2, { step: 2 }, ['new', 'both']]);
      assert.deepEqual(await store.listRecords(col, 'old', 10), [], 'the old tag no longer lists it');
      assert.deepEqual((await store.listRecords(col, 'new', 10)).map((r) => r.key), ['k1']);
      assert.deepEqual((await store.listRecords(col, 'both', 10)).map((r) => r.key), ['k1', 'k2'], 'the update made k1 the newest');
      await writeRecords([{ collection: col, key: 'k1', expectVersion: 2, value: { step: 3 } }]);
      assert.deepEqual(await store.listRecords(col, 'both', 10).then((rs) => rs.map((r) => r.key)), ['k2'], 'no tags: listed under none');
      assert.deepEqual((await store.readRecords(col, ['k1']))[0]?.tags, []);
    });

    /** Every page oldest first, each after the last record of the one before, until a short page. */
    async function pageAll(col: string, tag: string, limit: number, between: (pages: number) => Promise<void> = async () => undefined) {
      const pages: string[][] = [];
      let after: { updatedAtMs: number; key: string } | null = null;
      for (;;) {
        const page: StoredRecord[] = await store.pageRecords(col, tag, limit, after);
        if (page.length > 0) pages.push(page.map((r) => r.key));
        const last = page.at(-1);
        if (page.length < limit || !last) return pages;
        after = { updatedAtMs: last.updatedAtMs, key: last.key };
        await between(pages.length);
      }
    }

    test('records - paged oldest first: more records than a page, each once, oldest updatedAtMs first (then key from the last)', async () => {
      const col = collectionName();
      const keys = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => `k${String(from + i).padStart(2, '0')}`);
      const write = (batch: string[]) => writeRecords(batch.map((key) => ({ collection: col, key, expectVersion: 0, value: { key }, tags: ['open'] })));
      await write(keys(10, 20));
      await sleep(5);
      await write(keys(0, 10));
      await sleep(5);
      await write(keys(20, 25));
      await writeRecords([{ collection: col, key: 'other', expectVersion: 0, value: {}, tags: ['closed'] }]);
      const pages = await pageAll(col, 'open', 10);
      const expected = [...keys(10, 20).reverse(), ...keys(0, 10).reverse(), ...keys(20, 25).reverse()];
      assert.deepEqual(pages, [expected.slice(0, 10), expected.slice(10, 20), expected.slice(20)], 'the reverse of the newest-first listing, in pages');
      assert.deepEqual((await store.listRecords(col, 'open', 100)).map((r) => r.key), [...expected].reverse());
      const [first] = await store.pageRecords(col, 'open', 1, null);
      assert.equal(first?.key, 'k19');
      assert.deepEqual(await store.pageRecords(col, 'none', 10, null), []);
      const last = (await store.readRecords(col, ['k20']))[0];
      assert.deepEqual(await store.pageRecords(col, 'open', 10, { updatedAtMs: last!.updatedAtMs, key: 'k20' }), [], 'nothing after the last');
    });

    test('records - paging oldest first is stable under concurrent updates: a record written meanwhile moves to the end, never lost', async () => {
      const col = collectionName();
      for (const key of ['a', 'b', 'c', 'd', 'e', 'f']) {
        await writeRecords([{ collection: col, key, expectVersion: 0, value: { step: 1 }, tags: ['open'] }]);
        await sleep(3);
      }
      const pages = await pageAll(col, 'open', 2, async (done) => {
        if (done !== 1) return;
        await sleep(3);
        // One record already seen (a), one not yet (d), both written after the first page.
        await writeRecords([
          { collection: col, key: 'a', expectVersion: 1, value: { step: 2 }, tags: ['open'] },
          { collection: col, key: 'd', expectVersion: 1, value: { step: 2 }, tags: ['open'] },
        ]);
        await writeRecords([{ collection: col, key: 'b', expectVersion: 1, value: { step: 2 }, tags: [] }]);
      });
      assert.deepEqual(pages, [['a', 'b'], ['c', 'e'], ['f', 'd'], ['a']], 'the written ones come again at the end; untagged b is not listed again');
    });

    test('records - a wrong expected version refuses the whole commit, its transfers included', async () => {
      const col = collectionName();
      const a = `a-${uid()}`;
      await commitLocked('1', [deposit(a, 100)]);
      await writeRecords([{ collection: col, key: 'doc', expectVersion: 0, value: { v: 1 }, tags: ['t'] }]);
      for (const expectVersion of [0, 2]) {
        const held = await store.lock('1', [a], 5000);
        assert.ok(held.ok);
        const request: CommitRequest = {
          commitId: `c-${uid()}`, locks: [{ accountId: a, fence: held.grants[0]!.fence }], transfers: [deposit(a, 50)], release: true,
          records: [
            { collection: col, key: 'fresh', expectVersion: 0, value: { v: 1 } },
            { collection: col, key: 'doc', expectVersion, value: { v: 2 }, tags: ['other'] },
          ],
        };
        await rejectsWith(store.commit(request, { businessId: '1', requireLocks: true }), 'VERSION_CONFLICT', { collection: col, key: 'doc', expectVersion, version: 1 });
        assert.equal((await store.lockInfo(a))?.ownerBusinessId, '1', 'a refused commit releases no lock');
        await store.unlock('1', [a]);
      }
      assert.equal(await balance(a), 100);
      assert.deepEqual(await store.readRecords(col, ['fresh']), [], 'no record of the refused commit was written');
      const [doc] = await store.readRecords(col, ['doc']);
      assert.deepEqual([doc?.version, doc?.value, doc?.tags], [1, { v: 1 }, ['t']]);
      await rejectsWith(writeRecords([{ collection: col, key: 'never', expectVersion: 3, value: {} }]), 'VERSION_CONFLICT', { collection: col, key: 'never', expectVersion: 3, version: 0 });
    });

    test('records - creating the same record twice: the second create is refused', async () => {
      const col = collectionName();
      await writeRecords([{ collection: col, key: 'once', expectVersion: 0, value: { by: 'first' } }]);
      await rejectsWith(writeRecords([{ collection: col, key: 'once', expectVersion: 0, value: { by: 'second' } }]), 'VERSION_CONFLICT');
      const [once] = await store.readRecords(col, ['once']);
      assert.deepEqual([once?.version, once?.value], [1, { by: 'first' }]);
    });

    test('records - the same record twice in one commit is refused, nothing written', async () => {
      const col = collectionName();
      const twice: RecordWrite[] = [
        { collection: col, key: 'x', expectVersion: 0, value: { n: 1 } },
        { collection: col, key: 'x', expectVersion: 1, value: { n: 2 } },
      ];
      await rejectsWith(writeRecords(twice), 'INVALID_REQUEST');
      assert.deepEqual(await store.readRecords(col, ['x']), []);
    });

    test('records - of many concurrent writers from the same read version, exactly one wins', async () => {
      const col = collectionName();
      await writeRecords([{ collection: col, key: 'hot', expectVersion: 0, value: { winner: 'none' }, tags: ['hot'] }]);
      const racers = Array.from({ length: 24 }, (_, i) => `w${i}`);
      const updates = await Promise.allSettled(racers.map((who) => writeRecords([{ collection: col, key: 'hot', expectVersion: 1, value: { winner: who }, tags: [who] }])));
      const won = updates.flatMap((outcome, i) => (outcome.status === 'fulfilled' ? [racers[i]] : []));
      assert.equal(won.length, 1, 'exactly one update wins');
      for (const outcome of updates) {
        if (outcome.status === 'rejected') assert.equal((outcome.reason as BancaError).code, 'VERSION_CONFLICT');
      }
      const [hot] = await store.readRecords(col, ['hot']);
      assert.deepEqual([hot?.version, hot?.value, hot?.tags], [2, { winner: won[0] }, [won[0]]]);

      const creates = await Promise.allSettled(racers.map((who) => writeRecords([{ collection: col, key: 'new', expectVersion: 0, value: { winner: who } }])));
      assert.equal(creates.filter((outcome) => outcome.status === 'fulfilled').length, 1, 'exactly one create wins');
      assert.ok(creates.every((outcome) => outcome.status === 'fulfilled' || (outcome.reason as BancaError).code === 'VERSION_CONFLICT'));
      assert.equal((await store.readRecords(col, ['new']))[0]?.version, 1);
    });

    test('records - a replayed commit is answered with the records as they are now and writes nothing', async () => {
      const col = collectionName();
      const a = `a-${uid()}`;
      const held = await store.lock('1', [a], 5000);
      assert.ok(held.ok);
      const request: CommitRequest = {
        commitId: `c-${uid()}`, locks: [{ accountId: a, fence: held.grants[0]!.fence }], transfers: [deposit(a, 40)], release: true,
        records: [{ collection: col, key: 'r', expectVersion: 0, value: { n: 1 }, tags: ['t'] }],
      };
      const first = await store.commit(request, { businessId: '1', requireLocks: true });
      const retry = await store.commit(request, { businessId: '1', requireLocks: true });
      assert.equal(retry.replayed, true);
      assert.deepEqual(retry.records, first.records);
      assert.deepEqual(retry.transfers, first.transfers);
      await writeRecords([{ collection: col, key: 'r', expectVersion: 1, value: { n: 2 }, tags: ['t2'] }]);
      const later = await store.commit(request, { businessId: '1', requireLocks: true });
      assert.equal(later.replayed, true);
      assert.deepEqual(later.records?.map((r) => [r.version, r.value, r.tags]), [[2, { n: 2 }, ['t2']]], 'a replay shows the current state');
      assert.equal(await balance(a), 40);
      assert.equal((await store.readRecords(col, ['r']))[0]?.version, 2);
      const changed = { ...request, records: [{ collection: col, key: 'r', expectVersion: 0, value: { n: 9 } }] };
      await rejectsWith(store.commit(changed, { businessId: '1', requireLocks: true }), 'IDEMPOTENCY_CONFLICT');
      const recordsOnly: CommitRequest = { commitId: `c-${uid()}`, locks: [], transfers: [], release: false, records: [{ collection: col, key: 'solo', expectVersion: 0, value: {} }] };
      await store.commit(recordsOnly, { businessId: '1', requireLocks: true });
      assert.deepEqual(versionsOf((await store.commit(recordsOnly, { businessId: '1', requireLocks: true })).records), [['solo', 1]]);
      assert.deepEqual(versionsOf(await store.readRecords(col, ['solo'])), [['solo', 1]]);
    });

    test('records - a transfer and a record write commit together or not at all', async () => {
      const col = collectionName();
      const [a, b] = [`a-${uid()}`, `b-${uid()}`];
      const both = await commitLocked('1', [deposit(a, 70)], { records: [{ collection: col, key: a, expectVersion: 0, value: { balance: 70 }, tags: ['accounts'] }] });
      assert.deepEqual(versionsOf(both.records), [[a, 1]]);
      assert.equal(await balance(a), 70);
      // The transfer fails: the record is not written.
      const huge = Array.from({ length: 10_001 }, () => deposit(b, 100_000_000_000));
      await assert.rejects(
        commitLocked('1', huge, { records: [{ collection: col, key: b, expectVersion: 0, value: {} }] }),
        (error: unknown) => error instanceof BancaError && error.code === 'BALANCE_LIMIT_EXCEEDED',
      );
      await store.unlock('1', [b]);
      // The lock is missing: neither is written.
      await rejectsWith(store.commit({
        commitId: `c-${uid()}`, locks: [], transfers: [deposit(b, 5)], release: true,
        records: [{ collection: col, key: b, expectVersion: 0, value: {} }],
      }, { businessId: '1', requireLocks: true }), 'LOCK_NOT_HELD');
      assert.equal(await balance(b), undefined);
      assert.deepEqual(await store.readRecords(col, [b]), []);
      assert.deepEqual((await store.listRecords(col, 'accounts', 10)).map((r) => r.key), [a]);
    });

    // Windowed counters: the clock is the caller's (an injected one here). A window of 64 s makes
    // buckets of exactly one second; T is a whole second.
    const T = 1_800_000_000_000;
    const WINDOW = 64_000;
    const limitName = () => `l${uid()}`;
    const hitOne = (limit: string, keyHash: string, max: number, nowMs: number, windowMs = WINDOW) =>
      store.hitLimits([{ limit, keyHash, windowMs, max }], nowMs);

    test('limits - max hits in the window, then refused with the wait; the window slides', async () => {
      const limit = limitName();
      const counts = [];
      for (const at of [T, T + 10_000, T + 20_000]) counts.push((await hitOne(limit, 'k', 3, at)).counts[0]);
      assert.deepEqual(counts.map((c) => [c?.count, c?.allowed]), [[1, true], [2, true], [3, true]]);
      const refused = await hitOne(limit, 'k', 3, T + 30_000);
      assert.equal(refused.allowed, false);
      assert.deepEqual(refused.counts, [{ limit, count: 3, allowed: false, retryAfterMs: 35_000 }], 'until the first hit\'s second leaves the window');
      assert.equal((await hitOne(limit, 'k', 3, T + 64_999)).allowed, false, 'refused hits are not counted, and the first is still inside');
      const slid = await hitOne(limit, 'k', 3, T + 65_000);
      assert.deepEqual([slid.allowed, slid.counts[0]?.count], [true, 3]);
      assert.deepEqual((await hitOne(limit, 'other', 3, T + 65_000)).counts[0]?.count, 1, 'each key counts on its own');
    });

    test('limits - several counters: a hit on all of them or on none', async () => {
      const full = limitName();
      const free = limitName();
      await hitOne(full, 'k', 1, T);
      const both = await store.hitLimits([{ limit: free, keyHash: 'a', windowMs: WINDOW, max: 5 }, { limit: full, keyHash: 'k', windowMs: WINDOW, max: 1 }], T + 1000);
      assert.equal(both.allowed, false);
      assert.deepEqual(both.counts.map((c) => [c.count, c.allowed]), [[0, true], [1, false]]);
      assert.equal(await store.countLimitRows(free), 0, 'the free counter was not touched');
      assert.equal((await hitOne(free, 'a', 5, T + 1000)).counts[0]?.count, 1);
      await rejectsWith(store.hitLimits([{ limit: free, keyHash: 'a', windowMs: WINDOW, max: 5 }, { limit: free, keyHash: 'a', windowMs: WINDOW, max: 5 }], T), 'INVALID_REQUEST');
    });

    test('limits - many hits at once count exactly: max of them pass, on a shared counter and their own', async () => {
      const address = limitName();
      const email = limitName();
      const answers = await Promise.all(Array.from({ length: 40 }, (_, i) => store.hitLimits([
        { limit: email, keyHash: `e${i}`, windowMs: WINDOW, max: 5 },
        { limit: address, keyHash: 'shared', windowMs: WINDOW, max: 10 },
      ], T + i)));
      assert.equal(answers.filter((answer) => answer.allowed).length, 10);
      assert.equal(await store.countLimitRows(email), 10, 'refused requests left no row behind');
      const same = limitName();
      const racing = await Promise.all(Array.from({ length: 30 }, () => hitOne(same, 'k', 7, T)));
      assert.equal(racing.filter((answer) => answer.allowed).length, 7);
      assert.deepEqual([...new Set(racing.filter((answer) => answer.allowed).map((answer) => answer.counts[0]?.count))].sort((a, b) => a! - b!), [1, 2, 3, 4, 5, 6, 7]);
    });

    test('limits - forget takes back one hit; without atMs it resets the key', async () => {
      const limit = limitName();
      for (const at of [T, T + 1, T + 2000]) await hitOne(limit, 'k', 3, at);
      assert.equal((await hitOne(limit, 'k', 3, T + 3000)).allowed, false);
      await store.forgetLimits([{ limit, keyHash: 'k', atMs: T + 1 }]);
      const after = await hitOne(limit, 'k', 3, T + 3000);
      assert.deepEqual([after.allowed, after.counts[0]?.count], [true, 3]);
      await store.forgetLimits([{ limit, keyHash: 'k' }, { limit, keyHash: 'never-hit' }, { limit: limitName(), keyHash: 'k', atMs: T }]);
      assert.equal(await store.countLimitRows(limit), 0);
      assert.equal((await hitOne(limit, 'k', 3, T + 3000)).counts[0]?.count, 1);
    });

    test('limits - expired rows are deleted by later hits, a bounded page at a time', async () => {
      const limit = limitName();
      const later = T + 1_000_000_000;
      for (let i = 0; i < 150; i++) await hitOne(limit, `k${i}`, 3, later, 1000);
      assert.equal(await store.countLimitRows(limit), 150);
      const other = limitName();
      assert.equal(await store.countLimitRows(limit), 150, 'nothing expired yet');
      for (let i = 0; i < 3; i++) await hitOne(other, `k${i}`, 3, later + 1016 + 1000);
      assert.equal(await store.countLimitRows(limit), 0, 'swept');
      assert.equal(await store.countLimitRows(other), 3);
    });

    test('queue - an operation enqueued again with its keys in another order is a replay, not IDEMPOTENCY_CONFLICT', async () => {
      const id = `q-${uid()}`;
      const first = await store.enqueue('1', id, { kind: 'transfer', fromAccountId: 'qa', toAccountId: 'qb', amountCents: 5 });
      const again = await store.enqueue('1', id, { amountCents: 5, toAccountId: 'qb', fromAccountId: 'qa', kind: 'transfer' });
      assert.equal(again.replayed, true);
      assert.equal(again.pendingCount, first.pendingCount, 'queued once');
      await rejectsWith(store.enqueue('1', id, { amountCents: 5, toAccountId: 'qa', fromAccountId: 'qb', kind: 'transfer' }), 'IDEMPOTENCY_CONFLICT');
    });

    test('queue - enqueue is idempotent; a claim takes the oldest when enough wait, one claim at a time', async () => {
      const claimAll = async () => {
        for (;;) {
          const claim = await store.claimQueue('9', 1, 1000, 5000);
          if (!claim.claimId) return;
          const results = claim.entries.map((e) => ({ operationId: e.operationId, status: 'rejected' as const, errorCode: 'TEST' }));
          await store.commit({ commitId: `c-${uid()}`, locks: [], transfers: [], release: false, queue: { claimId: claim.claimId, results } }, { businessId: '9', requireLocks: true });
        }
      };
      await claimAll();
      const ids = Array.from({ length: 3 }, () => `q-${uid()}`);
      for (const id of ids) await store.enqueue('1', id, { kind: 'deposit', accountId: 'qa', amountCents: 5 });
      const again = await store.enqueue('1', ids[0]!, { kind: 'deposit', accountId: 'qa', amountCents: 5 });
      assert.equal(again.replayed, true);
      assert.equal(again.pendingCount, 3);
      await rejectsWith(store.enqueue('1', ids[0]!, { kind: 'deposit', accountId: 'qa', amountCents: 6 }), 'IDEMPOTENCY_CONFLICT');
      assert.equal((await store.claimQueue('1', 5, 5, 5000)).claimId, null, 'fewer than minCount: no claim');
      const claim = await store.claimQueue('1', 2, 2, 5000);
      assert.deepEqual(claim.entries.map((e) => e.operationId), ids.slice(0, 2));
      assert.equal((await store.claimQueue('2', 1, 5, 5000)).claimId, null, 'one claim at a time');
      await rejectsWith(store.commit({ commitId: `c-${uid()}`, locks: [], transfers: [], release: false, queue: { claimId: 'not-the-claim', results: [] } }, { businessId: '1', requireLocks: true }), 'STALE_QUEUE_CLAIM');
      await store.commit({
        commitId: `c-${uid()}`, locks: [], transfers: [], release: false,
        queue: { claimId: claim.claimId!, results: claim.entries.map((e) => ({ operationId: e.operationId, status: 'applied' as const })) },
      }, { businessId: '1', requireLocks: true });
      assert.equal((await store.queueEntry(ids[0]!))?.status, 'applied');
      assert.equal((await store.queueEntry(ids[2]!))?.status, 'pending');
      await claimAll();
    });
  });
}
