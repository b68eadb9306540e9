// The consortium's view of the bank's data store: versioned records (compare-and-set) and
// commits that move money under account locks, both through the data server's v1 protocol.
import { BancaError } from '@banca/core/errors';
import { RECORD_LIMITS, type RecordWrite, type StoredRecord, type TransferInput, type TransferRecord } from '@banca/core/protocol';
import type { DataClient } from '../../infra/data-client.js';
import type { AccountGate } from '../account-gate.js';
import { GatherTimer } from '../gather-timer.js';
import { commitWithRetry, lockWithRetry, newCommitId, whileLocked, type LockPolicy } from '../lock-batch.js';

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

/**
 * How the store gathers the commits and reads of concurrent callers (the shell's batching):
 * commits asked while others fly go together in one data-server commit (their locks in one lock
 * request), each caller still answered on its own. With nothing in flight a commit goes at the
 * end of the current turn of the event loop; otherwise it waits at most lingerMs for batch-mates.
 */
export interface StoreBatching {
  /** Callers' commits in one data-server commit at most. */
  sizeMax: number;
  lingerMs: number;
  /** Gathered commits in flight at once; the next ones wait and gather. */
  inFlightMax: number;
  /** Commits waiting at most; beyond, TOO_MANY_REQUESTS. */
  pendingMax: number;
}

export const STORE_BATCHING_DEFAULTS: StoreBatching = { sizeMax: 64, lingerMs: 2, inFlightMax: 4, pendingMax: 20_000 };

/** Record writes of one gathered commit at most (the data server takes RECORD_LIMITS.writesPerCommitMax). */
const WRITES_PER_BATCH_MAX = Math.min(512, RECORD_LIMITS.writesPerCommitMax);
/** What a locked plan is counted for when a batch is made (the plans here write one or two records). */
const LOCKED_WRITES_GUESS = 2;

type Plan = (balances: LockedBalances) => { transfers: TransferInput[]; changes: Change<unknown>[] } | null;

interface Waiting {
  /** Customer accounts it touches, sorted; none for a plain write. */
  accounts: string[];
  /** Committed without their locks (the data server's `unlocked`): the plan reads no balance. */
  unlocked: boolean;
  plan: Plan;
  writes: number;
  /** true: written (or nothing to write); false: a version moved or an id was taken, re-read. */
  resolve: (won: boolean) => void;
  reject: (error: unknown) => void;
}

interface ReadWaiter {
  resolve: (record: Versioned<unknown> | null) => void;
  reject: (error: unknown) => void;
}

export class BankStore {
  private pending: Waiting[] = [];
  private inFlight = 0;
  private readonly timer: GatherTimer;
  /** Reads asked in this turn of the event loop, by collection then key: one request per collection. */
  private reads = new Map<string, Map<string, ReadWaiter[]>>();
  private readsSoon: NodeJS.Immediate | null = null;

  constructor(
    private readonly data: DataClient,
    private readonly policy: LockPolicy,
    private readonly gate: AccountGate,
    private readonly batching: StoreBatching = STORE_BATCHING_DEFAULTS,
  ) {
    this.timer = new GatherTimer(batching.lingerMs, () => this.flush());
    // Accounts freed by other work of this server (the batcher's) may unblock waiting commits.
    gate.onLeave(() => {
      if (this.pending.length > 0 && !this.timer.armed) this.schedule();
    });
  }

  /** One record, or null; reads of the same turn go to the data server together. */
  read<T>(collection: string, key: string): Promise<Versioned<T> | null> {
    return new Promise((resolve, reject) => {
      let keys = this.reads.get(collection);
      if (!keys) this.reads.set(collection, (keys = new Map<string, ReadWaiter[]>()));
      const waiters = keys.get(key) ?? [];
      waiters.push({ resolve: resolve as ReadWaiter['resolve'], reject });
      keys.set(key, waiters);
      this.readsSoon ??= setImmediate(() => this.flushReads());
    });
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
  write(changes: Change<unknown>[], transfers: TransferInput[] = []): Promise<boolean> {
    return this.enqueue([], () => ({ transfers, changes }), changes.length);
  }

  /**
   * Writes records and transfers that touch customer accounts, without taking their locks (one
   * request, not a lock and a commit): for moves that read no balance first. The data server
   * refuses them while another business holds one of the accounts (retried here for a bounded
   * time, then ACCOUNT_LOCKED) and when a customer balance would go below zero
   * (INSUFFICIENT_FUNDS, that caller alone). False when a record version moved or a transfer id
   * was already used.
   */
  move(accountIds: string[], changes: Change<unknown>[], transfers: TransferInput[]): Promise<boolean> {
    return this.enqueue([...new Set(accountIds)].sort(), () => ({ transfers, changes }), changes.length, true);
  }

  /**
   * Locks customer accounts, lets `plan` decide on their balances, and commits its transfers and
   * records while releasing the locks. `plan` returning null commits nothing. False when a record
   * version moved or a transfer id was already used (someone else did it first): re-read.
   * `plan` may throw to refuse: that caller alone gets the error, nothing of it is written. It may be
   * called again (when its batch is saved again caller by caller), so it must only decide.
   */
  withLocks(accountIds: string[], plan: Plan): Promise<boolean> {
    return this.enqueue([...new Set(accountIds)].sort(), plan, LOCKED_WRITES_GUESS);
  }

  private enqueue(accounts: string[], plan: Plan, writes: number, unlocked = false): Promise<boolean> {
    if (this.pending.length >= this.batching.pendingMax) {
      return Promise.reject(new BancaError('TOO_MANY_REQUESTS', `More than ${this.batching.pendingMax} writes to the bank's store are waiting at this business server; retry shortly.`));
    }
    return new Promise((resolve, reject) => {
      this.pending.push({ accounts, plan, writes, unlocked, resolve, reject });
      this.schedule();
    });
  }

  private schedule(): void {
    this.timer.queued(this.pending.length >= this.batching.sizeMax, this.inFlight === 0);
  }

  private flush(): void {
    this.timer.clear();
    while (this.inFlight < this.batching.inFlightMax) {
      const batch = this.takeBatch();
      if (batch.length === 0) break;
      const accounts = [...new Set(batch.flatMap((item) => item.accounts))].sort();
      this.inFlight += 1;
      this.gate.take(accounts);
      void this.run(batch).finally(() => {
        this.inFlight -= 1;
        this.gate.leave(accounts);
        if (this.pending.length > 0) this.schedule();
      });
    }
  }

  /** Oldest first; a commit on an account waits while an earlier one on it waits, or other work of this server holds it. */
  private takeBatch(): Waiting[] {
    const taken: Waiting[] = [];
    const rest: Waiting[] = [];
    const blocked = new Set<string>();
    let writes = 0;
    for (const item of this.pending) {
      const free = item.accounts.every((accountId) => !blocked.has(accountId) && !this.gate.isBusy(accountId));
      if (free && taken.length < this.batching.sizeMax && (taken.length === 0 || writes + item.writes <= WRITES_PER_BATCH_MAX)) {
        taken.push(item);
        writes += item.writes;
      } else {
        rest.push(item);
        for (const accountId of item.accounts) blocked.add(accountId);
      }
    }
    this.pending = rest;
    return taken;
  }

  /**
   * Saves a batch in one lock request and one commit. When that fails because one of them lost a
   * race (a version moved, an id was taken) or an account is locked elsewhere, each is saved again
   * on its own, so one caller's conflict is only its own.
   */
  private async run(batch: Waiting[]): Promise<void> {
    try {
      const results = await this.commitTogether(batch);
      const again = batch.filter((_, index) => results[index] === NEXT_BATCH);
      batch.forEach((item, index) => {
        if (results[index] !== NEXT_BATCH) settle(item, results[index]);
      });
      this.pending.unshift(...again);
      return;
    } catch (error) {
      if (batch.length === 1 || !(isLost(error) || isLocked(error) || isBroke(error))) {
        for (const item of batch) settle(item, error);
        return;
      }
    }
    for (const item of batch) {
      try {
        settle(item, (await this.commitTogether([item]))[0]);
      } catch (error) {
        settle(item, error);
      }
    }
  }

  /** Locks, runs each plan in order on the balances the earlier ones leave, commits all; per caller: true, or the error its plan threw. */
  private async commitTogether(batch: readonly Waiting[]): Promise<unknown[]> {
    const unlocked = batch.some((item) => item.unlocked);
    // The accounts of the locked plans; an unlocked move's are only checked by the data server.
    const accounts = [...new Set(batch.filter((item) => !item.unlocked).flatMap((item) => item.accounts))].sort();
    const locked = accounts.length > 0 ? await lockWithRetry(this.data, this.policy, accounts, []) : null;
    let settled = accounts.length === 0;
    try {
      const balances = new Map((locked?.locks ?? []).map((grant) => [grant.accountId, { exists: grant.exists, balanceCents: grant.balanceCents }]));
      const view: LockedBalances = {
        balance: (accountId) => balances.get(accountId)?.balanceCents ?? 0,
        exists: (accountId) => balances.get(accountId)?.exists ?? false,
      };
      const transfers: TransferInput[] = [];
      const records: RecordWrite[] = [];
      const written = new Set<string>();
      const results = batch.map((item): unknown => {
        let decided: ReturnType<Plan>;
        try {
          decided = item.plan(view);
        } catch (error) {
          return error;
        }
        if (decided === null) return true;
        // The data server takes a record or a transfer id once per commit: a caller writing one that
        // a batch-mate writes waits for the next batch (where it then sees that write).
        const ids = [...decided.changes.map((change) => `${change.collection}/${change.key}`), ...decided.transfers.map((transfer) => `@${transfer.transferId}`)];
        if (ids.some((id) => written.has(id))) return NEXT_BATCH;
        for (const id of ids) written.add(id);
        for (const transfer of decided.transfers) {
          const debit = balances.get(transfer.debitAccountId);
          if (debit) debit.balanceCents -= transfer.amountCents;
          const credit = balances.get(transfer.creditAccountId);
          if (credit) {
            credit.balanceCents += transfer.amountCents;
            credit.exists = true;
          }
        }
        transfers.push(...decided.transfers);
        records.push(...decided.changes.map(toWrite));
        return true;
      });
      if (transfers.length > 0 || records.length > 0) {
        const request = {
          commitId: newCommitId(),
          locks: (locked?.locks ?? []).map((grant) => ({ accountId: grant.accountId, fence: grant.fence })),
          transfers,
          release: accounts.length > 0,
          records,
          ...(unlocked ? { unlocked: true } : {}),
        };
        // Unlocked and holding no lock, a commit refused because another business holds an account waits for it, as a lock would.
        if (unlocked && accounts.length === 0) await whileLocked(this.policy, () => commitWithRetry(this.data, request));
        else await commitWithRetry(this.data, request);
        settled = true;
      }
      return results;
    } finally {
      if (!settled) await this.data.release(accounts).catch(() => undefined);
    }
  }

  private flushReads(): void {
    this.readsSoon = null;
    const reads = this.reads;
    this.reads = new Map();
    for (const [collection, keys] of reads) {
      const all = [...keys.keys()];
      for (let start = 0; start < all.length; start += RECORD_LIMITS.listLimitMax) {
        const chunk = all.slice(start, start + RECORD_LIMITS.listLimitMax);
        this.data.readRecords(collection, chunk).then((records) => {
          const found = new Map(records.map((record) => [record.key, record]));
          for (const key of chunk) {
            const record = found.get(key);
            for (const waiter of keys.get(key) ?? []) waiter.resolve(record ? { version: record.version, value: record.value } : null);
          }
        }, (error: unknown) => {
          for (const key of chunk) for (const waiter of keys.get(key) ?? []) waiter.reject(error);
        });
      }
    }
  }
}

/** A caller left out of a commit (it writes what a batch-mate writes): it goes in the next one. */
const NEXT_BATCH = Symbol('next batch');

/** A caller's answer: won, lost (re-read), or its error. */
function settle(item: Waiting, result: unknown): void {
  if (result === true) item.resolve(true);
  else if (isLost(result)) item.resolve(false);
  else item.reject(result);
}

/** A customer balance would go below zero (an unlocked move): refused for that caller alone. */
function isBroke(error: unknown): boolean {
  return error instanceof BancaError && error.code === 'INSUFFICIENT_FUNDS';
}

function isLocked(error: unknown): boolean {
  return error instanceof BancaError && error.code === 'ACCOUNT_LOCKED';
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
