// The consortium's view of the bank's data store: versioned records (compare-and-set) and
// commits that move money under account locks, both through the data server's v1 protocol.
import { BancaError } from '@banca/core/errors';
import type { RecordWrite, StoredRecord, TransferInput, TransferRecord } from '@banca/core/protocol';
import type { DataClient } from '../../infra/data-client.js';
import type { AccountGate } from '../account-gate.js';
import { commitWithRetry, lockWithRetry, newCommitId, type LockPolicy } from '../lock-batch.js';

export interface Versioned<T> {
  version: number;
  value: T;
}

export interface Change<T> {
  collection: string;
  key: string;
  expectVersion: number;
  value: T;
  tags?: string[];
}

/** A record of a page oldest first: its key and when it was last written, for the pager. */
export interface PagedRecord<T> extends Versioned<T> {
  key: string;
  updatedAtMs: number;
}

export interface LockedBalances {
  balance(accountId: string): number;
  exists(accountId: string): boolean;
}

export class BankStore {
  constructor(private readonly data: DataClient, private readonly policy: LockPolicy, private readonly gate: AccountGate) {}

  async read<T>(collection: string, key: string): Promise<Versioned<T> | null> {
    const [record] = await this.data.readRecords(collection, [key]);
    return record ? { version: record.version, value: record.value as T } : null;
  }

  async list<T>(collection: string, tag: string, limit = 1000): Promise<Versioned<T>[]> {
    const records = await this.data.listRecords(collection, tag, limit);
    return records.map((record: StoredRecord) => ({ version: record.version, value: record.value as T }));
  }

  /** The records of these keys that exist (at most 1000 keys), by key. */
  async readMany<T>(collection: string, keys: readonly string[]): Promise<Map<string, Versioned<T>>> {
    if (keys.length === 0) return new Map();
    const records = await this.data.readRecords(collection, [...new Set(keys)]);
    return new Map(records.map((record) => [record.key, { version: record.version, value: record.value as T }]));
  }

  /** A page of the records carrying a tag, oldest first, after the `next` of the previous one. */
  async page<T>(collection: string, tag: string, limit: number, after: string | null): Promise<{ records: PagedRecord<T>[]; next: string | null }> {
    const page = await this.data.pageRecords(collection, tag, limit, after);
    return {
      records: page.records.map((record) => ({ key: record.key, version: record.version, value: record.value as T, updatedAtMs: record.updatedAtMs })),
      next: page.next,
    };
  }

  /** The committed balance; an account never credited has 0. */
  async balance(accountId: string): Promise<number> {
    try {
      return (await this.data.account(accountId)).balanceCents;
    } catch (error) {
      if (error instanceof BancaError && error.code === 'ACCOUNT_NOT_FOUND') return 0;
      throw error;
    }
  }

  /** The account's latest ledger movements, newest first, whoever made them. */
  async history(accountId: string, limit: number): Promise<TransferRecord[]> {
    return (await this.data.history(accountId, limit)).transfers;
  }

  /** Writes records (and system-account transfers) atomically; false when a version moved. */
  async write(changes: Change<unknown>[], transfers: TransferInput[] = []): Promise<boolean> {
    try {
      await commitWithRetry(this.data, { commitId: newCommitId(), locks: [], transfers, release: false, records: changes.map(toWrite) });
      return true;
    } catch (error) {
      if (isLost(error)) return false;
      throw error;
    }
  }

  /**
   * Locks customer accounts, lets `plan` decide on their balances, and commits its transfers and
   * records while releasing the locks. `plan` returning null commits nothing. False when a record
   * version moved or a transfer id was already used (someone else did it first): re-read.
   */
  async withLocks(
    accountIds: string[],
    plan: (balances: LockedBalances) => { transfers: TransferInput[]; changes: Change<unknown>[] } | null,
  ): Promise<boolean> {
    const accounts = [...new Set(accountIds)].sort();
    await this.gate.enter(accounts);
    let committed = false;
    try {
      const locked = await lockWithRetry(this.data, this.policy, accounts, []);
      const grants = new Map(locked.locks.map((grant) => [grant.accountId, grant]));
      const decided = plan({
        balance: (accountId) => grants.get(accountId)?.balanceCents ?? 0,
        exists: (accountId) => grants.get(accountId)?.exists ?? false,
      });
      if (decided === null) return true;
      await commitWithRetry(this.data, {
        commitId: newCommitId(),
        locks: locked.locks.map((grant) => ({ accountId: grant.accountId, fence: grant.fence })),
        transfers: decided.transfers,
        release: true,
        records: decided.changes.map(toWrite),
      });
      committed = true;
      return true;
    } catch (error) {
      if (isLost(error)) return false;
      throw error;
    } finally {
      if (!committed) await this.data.release(accounts).catch(() => undefined);
      this.gate.leave(accounts);
    }
  }
}

function toWrite(change: Change<unknown>): RecordWrite {
  return {
    collection: change.collection,
    key: change.key,
    expectVersion: change.expectVersion,
    value: change.value as Record<string, unknown>,
    ...(change.tags ? { tags: change.tags } : {}),
  };
}

/**
 * Another writer got there first, or the lease ran out before the commit (a slow moment): nothing
 * was written, so the caller re-reads and decides again.
 */
function isLost(error: unknown): boolean {
  return error instanceof BancaError && LOST.has(error.code);
}

const LOST = new Set(['VERSION_CONFLICT', 'IDEMPOTENCY_CONFLICT', 'LOCK_NOT_HELD', 'STALE_FENCING_TOKEN']);
