// The repositories of the consortium's records: each owns its collection, its tags, its key and
// transfer-id scheme and how its changes are written, so no other file spells a collection or a
// tag. Holds and credits are keyed by leg id, packets by packet id, deposits by their transfer id;
// every write is a compare-and-set on the record's version.
import { createHash } from 'node:crypto';
import { creditTags, type CreditRecord } from '../../domain/credit.js';
import { holdTags, type HoldRecord } from '../../domain/hold.js';
import { packetTags, type PacketRecord } from '../../domain/packet.js';
import type { BankStore, Change, Versioned } from './bank-store.js';
import type { DepositMethod } from './deposit-method.js';
import { PagedScan, type ScanBudget } from './paged-scan.js';

/** Tag every interbank record carries while it is not final: what the recovery sweeps walk. */
const OPEN = 'open';
const byAccount = (accountId: string) => `acct:${accountId}`;

abstract class Records<T> {
  constructor(
    protected readonly store: BankStore,
    readonly collection: string,
    private readonly tagsOf: (value: T) => string[],
  ) {}

  read(key: string): Promise<Versioned<T> | null> {
    return this.store.read<T>(this.collection, key);
  }

  readMany(keys: readonly string[]): Promise<Map<string, Versioned<T>>> {
    return this.store.readMany<T>(this.collection, keys);
  }

  /** A write of `value` over the version read (0: a new record). */
  change(key: string, expectVersion: number, value: T): Change<T> {
    return { collection: this.collection, key, expectVersion, value, tags: this.tagsOf(value) };
  }

  /** A record that marks an id as used and is never listed (a tombstone). */
  tombstone(key: string, value: T): Change<T> {
    return { collection: this.collection, key, expectVersion: 0, value, tags: [] };
  }

  /** The walk of the recovery sweep over the open records, oldest first. */
  openScan(budget: ScanBudget): PagedScan<T> {
    return new PagedScan<T>(this.store, this.collection, OPEN, budget);
  }

  async ofAccount(accountId: string, limit?: number): Promise<T[]> {
    return (await this.store.list<T>(this.collection, byAccount(accountId), limit)).map((record) => record.value);
  }
}

export class HoldRecords extends Records<HoldRecord> {
  constructor(store: BankStore) {
    super(store, 'holds', holdTags);
  }

  /** The holds still held on an account (its blocked balance). */
  async heldOn(accountId: string): Promise<HoldRecord[]> {
    return (await this.store.list<HoldRecord>(this.collection, `held:${accountId}`)).map((record) => record.value).filter((hold) => hold.state === 'held');
  }
}

export class CreditRecords extends Records<CreditRecord> {
  constructor(store: BankStore) {
    super(store, 'credits', creditTags);
  }

  /** The credits still pending for an account (its incoming money). */
  async pendingFor(accountId: string): Promise<CreditRecord[]> {
    return (await this.store.list<CreditRecord>(this.collection, `pending:${accountId}`)).map((record) => record.value).filter((credit) => credit.state === 'pending');
  }
}

export class PacketRecords extends Records<PacketRecord> {
  constructor(store: BankStore) {
    super(store, 'packets', packetTags);
  }

  /** The packets queued for the token (token-ring mode), oldest first. */
  async queued(limit: number): Promise<Versioned<PacketRecord>[]> {
    return (await this.store.page<PacketRecord>(this.collection, 'queued', limit, null)).records;
  }
}

/** A customer's deposit at this bank, written with its ledger movement from @cash. */
export interface DepositRecord {
  transferId: string;
  accountId: string;
  amountCents: number;
  method: DepositMethod;
  createdAtMs: number;
}

const DEPOSIT_ID = /^dep-[0-9a-f]{32}$/;

export class DepositRecords extends Records<DepositRecord> {
  constructor(store: BankStore) {
    super(store, 'deposits', (deposit) => [byAccount(deposit.accountId)]);
  }

  /** The deposit's transfer id (and record key), from the customer's idempotency key. */
  static transferIdOf(accountId: string, idempotencyKey: string): string {
    return `dep-${createHash('sha256').update(`${accountId}\n${idempotencyKey}`).digest('hex').slice(0, 32)}`;
  }

  /** Whether a ledger deposit is one of these records (the statement shows the record instead). */
  static isDepositTransfer(transferId: string): boolean {
    return DEPOSIT_ID.test(transferId);
  }
}
