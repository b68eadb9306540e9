// The postgres store on a primary and a synchronous standby (Debian's PostgreSQL, installed when
// missing), whose primary is lost under load: SIGKILL of the postmaster and all its processes,
// then pg_ctl promote of the standby. The store's pool finds the new primary by itself (the
// multi-host URL, target_session_attrs=read-write); every commit acknowledged before the kill is
// on the new primary, and repeating it answers `replayed`.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, test } from 'node:test';
import type { CommitRequest } from '@banca/core/protocol';
import { startTestReplicatedPostgres, type TestReplicatedPostgres } from '@banca/testkit/postgres';
import { PostgresStore } from '../src/infra/postgres/postgres-store.js';

describe('postgres store - failover to the synchronous standby', () => {
  let postgres: TestReplicatedPostgres;
  let store: PostgresStore;

  before(async () => {
    postgres = await startTestReplicatedPostgres();
    store = await PostgresStore.open(postgres.url);
  });
  after(async () => {
    await store?.close();
    await postgres?.stop();
  });

  test('commits go on through a kill of the primary and a promotion; none acknowledged is lost, each replays', async () => {
    const accounts = Array.from({ length: 4 }, () => `f-${randomUUID().slice(0, 8)}`);
    const acknowledged: CommitRequest[] = [];
    const errors = new Map<string, number>();
    let stop = false;
    const deposit = (): CommitRequest => ({
      commitId: `c-${randomUUID()}`, locks: [], release: false,
      transfers: [{ transferId: `t-${randomUUID()}`, kind: 'deposit', debitAccountId: '@cash', creditAccountId: accounts[Math.floor(Math.random() * accounts.length)]!, amountCents: 1 + Math.floor(Math.random() * 900) }],
    });
    const worker = async () => {
      while (!stop) {
        const request = deposit();
        // An error is an unknown outcome: the same commit again until it has an answer.
        for (;;) {
          try {
            await store.commit(request, { businessId: '1', requireLocks: false });
            acknowledged.push(request);
            break;
          } catch (error) {
            const code = (error as { code?: string }).code ?? 'unknown';
            errors.set(code, (errors.get(code) ?? 0) + 1);
            await sleep(20);
          }
        }
      }
    };
    const workers = Array.from({ length: 4 }, worker);
    while (acknowledged.length < 50) await sleep(10);
    const beforeKill = acknowledged.length;
    const killed = await postgres.cluster.killPrimary();
    const promoted = await postgres.cluster.promoteStandby();
    assert.notEqual(killed.name, promoted.name);
    const afterPromotion = acknowledged.length;
    while (acknowledged.length < afterPromotion + 50) await sleep(10);
    stop = true;
    await Promise.all(workers);

    assert.deepEqual([...errors.keys()].filter((code) => code !== 'UNAVAILABLE'), [], `only UNAVAILABLE while the primary was lost (${JSON.stringify([...errors])})`);
    assert.ok(beforeKill >= 50 && acknowledged.length >= beforeKill + 50, 'commits were acknowledged on both sides of the failover');
    for (const request of acknowledged) {
      const again = await store.commit(request, { businessId: '1', requireLocks: false });
      assert.equal(again.replayed, true, `acknowledged commit ${request.commitId} is on the new primary`);
      assert.equal(again.transfers[0]?.transferId, request.transfers[0]!.transferId);
    }
    const audit = await store.audit();
    assert.equal(audit.balanceSumCents, 0);
    assert.deepEqual(audit.mismatchedAccounts, []);
    const held = (await store.readAccounts(accounts)).reduce((sum, account) => sum + account.balanceCents, 0);
    assert.equal(held, acknowledged.reduce((sum, request) => sum + request.transfers[0]!.amountCents, 0), 'the accounts hold exactly the acknowledged deposits');
  });

  test('the lost node is rebuilt as the synchronous standby of the new primary, and a second failover loses nothing either', async () => {
    const rebuilt = await postgres.cluster.rebuildStandby();
    assert.equal(rebuilt.role, 'standby');
    const account = `g-${randomUUID().slice(0, 8)}`;
    const request: CommitRequest = {
      commitId: `c-${randomUUID()}`, locks: [], release: false,
      transfers: [{ transferId: `t-${randomUUID()}`, kind: 'deposit', debitAccountId: '@cash', creditAccountId: account, amountCents: 4200 }],
    };
    await store.commit(request, { businessId: '1', requireLocks: false });
    await postgres.cluster.killPrimary();
    await postgres.cluster.promoteStandby();
    const deadline = Date.now() + 30_000;
    for (;;) {
      try {
        const again = await store.commit(request, { businessId: '1', requireLocks: false });
        assert.equal(again.replayed, true);
        break;
      } catch (error) {
        if ((error as { code?: string }).code !== 'UNAVAILABLE' || Date.now() > deadline) throw error;
        await sleep(50);
      }
    }
    assert.equal((await store.readAccounts([account]))[0]?.balanceCents, 4200);
  });
});
