// The data server's use cases: the seeds' lock protocol (lock, read, set, unlock), batched locks
// and atomic commits for business servers, versioned records, the durable queue of seed mode,
// audits. Input is checked here, so a refused request never reaches storage.
import { BancaError, isErrorCode } from '@banca/core/errors';
import { isKnownSystemAccount, isSystemAccount, newId, parseLedgerAccountId, parseOperationId, SYSTEM_ACCOUNTS } from '@banca/core/ids';
import { asCents, BALANCE_CENTS_MAX } from '@banca/core/money';
import { SEED000_ACCOUNT_IDS, SEED000_OPENING_CENTS } from '@banca/core/seed000';
import {
  operationAccounts, RECORD_COLLECTION, RECORD_KEY, RECORD_LIMITS, TRANSFER_KINDS, type CommitRequest, type CommitResponse,
  type LockGrant, type LockResponse, type QueuedOperation, type RecordWrite, type RefusalInput, type RefusalRecord, type StoredRecord, type TransferInput,
} from '@banca/core/protocol';
import type { LedgerStore, LockInfo } from '../infra/ledger-store.js';
import { REFUSALS, toRefusal } from '../infra/ledger-rules.js';
import { decodeRecordCursor, encodeRecordCursor } from './record-cursor.js';

export interface LedgerLimits {
  leaseMsDefault: number;
  leaseMsMax: number;
  accountsPerRequestMax: number;
  transfersPerCommitMax: number;
  historyLimitMax: number;
}

/** Who opens seed 000's accounts, as the opening commit records it (no business has this id). */
const SEED000_OPENER = '@data-server';
const KNOWN_KINDS: ReadonlySet<string> = new Set(TRANSFER_KINDS);
const TAG_CHARS_MAX = 128;
const RECORDS_LIST_DEFAULT = 100;

export class LedgerService {
  constructor(readonly store: LedgerStore, private readonly limits: LedgerLimits) {}

  leaseMs(requested: number | undefined): number {
    if (requested === undefined) return this.limits.leaseMsDefault;
    if (!Number.isSafeInteger(requested) || requested < 10 || requested > this.limits.leaseMsMax) {
      throw new BancaError('INVALID_REQUEST', `leaseMs must be a whole number from 10 to ${this.limits.leaseMsMax}.`);
    }
    return requested;
  }

  /** Locks every account or none; 423 names the accounts held by others. */
  async lock(businessId: string, accountIds: readonly unknown[], leaseMs?: number, lookupTransferIds: readonly unknown[] = []): Promise<LockResponse> {
    const ids = this.accountList(accountIds);
    const lookups = lookupTransferIds.map((id) => parseOperationId(id, 'transfer id'));
    const outcome = await this.store.lock(businessId, ids, this.leaseMs(leaseMs), lookups);
    if (!outcome.ok) {
      const names = outcome.conflicts.map((c) => `${c.accountId} (business ${c.ownerBusinessId})`).join(', ');
      throw new BancaError('ACCOUNT_LOCKED', `Locked by another business server: ${names}. Nothing was locked; retry shortly.`, {
        details: { conflicts: outcome.conflicts },
      });
    }
    return { locks: outcome.grants, knownTransfers: outcome.knownTransfers, knownRefusals: outcome.knownRefusals };
  }

  async lockOne(businessId: string, accountId: unknown, leaseMs?: number): Promise<LockGrant> {
    const { locks } = await this.lock(businessId, [accountId], leaseMs);
    const [grant] = locks;
    if (!grant) throw new Error('a granted lock request returns its grant');
    return grant;
  }

  async unlock(businessId: string, accountIds: readonly unknown[], fence?: number) {
    const ids = this.accountList(accountIds);
    const outcome = await this.store.unlock(businessId, ids, fence);
    if (!outcome.ok) {
      throw outcome.code === 'ACCOUNT_LOCKED'
        ? new BancaError('ACCOUNT_LOCKED', `Account ${outcome.accountId} is locked by business ${outcome.ownerBusinessId}; only the owner may unlock it.`)
        : new BancaError('STALE_FENCING_TOKEN', `The fencing token for account ${outcome.accountId} is stale; nothing was unlocked.`);
    }
    return outcome;
  }

  /** The seeds' read: refused with 423 while another business holds the account. */
  /** The seeds' read: refused while another business holds the account. With `unopenedReadsZero`
   *  (compat seed000) an account never written reads 0, as seed 000's accounts open on first touch. */
  async readAsSeed(businessId: string, accountIdInput: unknown, unopenedReadsZero = false) {
    const accountId = parseLedgerAccountId(accountIdInput);
    const lock = await this.store.lockInfo(accountId);
    if (lock && lock.ownerBusinessId !== businessId) throw lockedBy(lock);
    if (!unopenedReadsZero) return this.readCommitted(accountId);
    const [view] = await this.store.readAccounts([accountId]);
    return { accountId, balanceCents: view?.exists ? view.balanceCents : 0, lockedBy: lock?.ownerBusinessId ?? null };
  }

  /** Seed 000's data server starts with accounts 1 to 10 holding 1000.00 each: one commit of
   *  deposits with fixed ids, so every later start replays it instead of depositing again. */
  openSeed000Accounts(): Promise<CommitResponse> {
    const transfers: TransferInput[] = SEED000_ACCOUNT_IDS.map((accountId) => ({
      transferId: `seed000-open-${accountId}`, kind: 'deposit', debitAccountId: SYSTEM_ACCOUNTS.cash, creditAccountId: accountId, amountCents: SEED000_OPENING_CENTS,
    }));
    return this.store.commit({ commitId: 'seed000-open-accounts', locks: [], transfers, release: false, unlocked: true }, { businessId: SEED000_OPENER, requireLocks: false });
  }

  /** The last committed balance; commits are atomic, so it never shows half a batch. */
  /** A committed balance; system accounts (@cash, @holds, @bank:<id>, ...) can be read too. */
  async readCommitted(accountIdInput: unknown) {
    const accountId = typeof accountIdInput === 'string' && isKnownSystemAccount(accountIdInput) ? accountIdInput : parseLedgerAccountId(accountIdInput);
    const [view] = await this.store.readAccounts([accountId]);
    if (!view?.exists) throw new BancaError('ACCOUNT_NOT_FOUND', `Account ${accountId} does not exist.`);
    const lock = await this.store.lockInfo(accountId);
    return { accountId, balanceCents: view.balanceCents, lockedBy: lock?.ownerBusinessId ?? null };
  }

  async lockStatus(businessId: string, accountIdInput: unknown) {
    const accountId = parseLedgerAccountId(accountIdInput);
    const lock = await this.store.lockInfo(accountId);
    if (lock && lock.ownerBusinessId !== businessId) throw lockedBy(lock);
    return lock
      ? { accountId, locked: true, businessId, fence: lock.fence, expiresAtMs: lock.expiresAtMs }
      : { accountId, locked: false };
  }

  /** seed 000 setAmount: an absolute balance, on an account the caller has locked. */
  async setAmount(businessId: string, accountIdInput: unknown, balanceCents: number, operationId = newId(), fence?: number): Promise<CommitResponse> {
    const accountId = parseLedgerAccountId(accountIdInput);
    if (balanceCents > BALANCE_CENTS_MAX) throw new BancaError('AMOUNT_TOO_LARGE', 'The amount is above the balance limit.');
    const lock = await this.store.lockInfo(accountId);
    if (lock && lock.ownerBusinessId !== businessId) throw lockedBy(lock);
    if (!lock && fence === undefined) {
      // A retry after a successful set-and-unlock must still be answered as the same operation.
      const [done] = await this.store.findTransfers([operationId]);
      if (done) {
        const balanceAfter = done.debitAccountId === accountId ? done.debitBalanceAfterCents : done.creditBalanceAfterCents;
        const same = done.businessId === businessId && (done.debitAccountId === accountId || done.creditAccountId === accountId) && balanceAfter === balanceCents;
        if (!same) throw new BancaError('IDEMPOTENCY_CONFLICT', `Operation ${operationId} was already used for a different setAmount.`);
        return { commitId: done.commitId, replayed: true, transfers: [done] };
      }
    }
    return this.store.commit(
      { commitId: operationId, locks: [{ accountId, fence: fence ?? lock?.fence ?? 0 }], transfers: [], release: false, setBalances: [{ accountId, balanceCents, transferId: operationId }] },
      { businessId, requireLocks: true },
    );
  }

  /** seed 001 setBalance: adds a signed value; the account must not be locked by someone else. */
  async addToBalance(businessId: string, accountIdInput: unknown, deltaCents: number, operationId = newId()): Promise<CommitResponse> {
    const accountId = parseLedgerAccountId(accountIdInput);
    const lock = await this.store.lockInfo(accountId);
    const transfer: TransferInput = deltaCents > 0
      ? { transferId: operationId, kind: 'deposit', debitAccountId: SYSTEM_ACCOUNTS.cash, creditAccountId: accountId, amountCents: deltaCents }
      : { transferId: operationId, kind: 'withdrawal', debitAccountId: accountId, creditAccountId: SYSTEM_ACCOUNTS.cash, amountCents: -deltaCents };
    const locks = lock && lock.ownerBusinessId === businessId ? [{ accountId, fence: lock.fence }] : [];
    return this.store.commit({ commitId: operationId, locks, transfers: [transfer], release: false }, { businessId, requireLocks: false });
  }

  async commit(businessId: string, request: CommitRequest): Promise<CommitResponse> {
    parseOperationId(request.commitId, 'commitId');
    if (request.transfers.length > this.limits.transfersPerCommitMax) {
      throw new BancaError('TOO_MANY_ACCOUNTS', `At most ${this.limits.transfersPerCommitMax} transfers per commit.`);
    }
    // A commit may come without locks when it touches no customer account (records, queue
    // results, moves between system accounts); the store refuses any customer account not locked,
    // unless the commit is `unlocked`: then only an account another business holds is refused.
    if (request.locks.length > 0) this.accountList(request.locks.map((ref) => ref.accountId));
    for (const transfer of request.transfers) checkTransfer(transfer);
    checkRecordWrites(request.records ?? []);
    for (const refusal of request.refusals ?? []) checkRefusal(refusal);
    if ((request.refusals?.length ?? 0) > this.limits.transfersPerCommitMax) {
      throw new BancaError('TOO_MANY_ACCOUNTS', `At most ${this.limits.transfersPerCommitMax} refusals per commit.`);
    }
    return this.store.commit(request, { businessId, requireLocks: request.unlocked !== true });
  }

  async readRecords(collectionInput: unknown, keys: readonly unknown[]): Promise<{ records: StoredRecord[] }> {
    const collection = parseCollection(collectionInput);
    if (keys.length === 0 || keys.length > RECORD_LIMITS.listLimitMax) {
      throw new BancaError('INVALID_REQUEST', `Give 1 to ${RECORD_LIMITS.listLimitMax} record keys.`);
    }
    const unique = [...new Set(keys.map((key) => parseRecordKey(key)))];
    return { records: await this.store.readRecords(collection, unique) };
  }

  async listRecords(collectionInput: unknown, tag: unknown, limit: number | undefined): Promise<{ records: StoredRecord[] }> {
    const collection = parseCollection(collectionInput);
    checkTag(tag, `the listing of ${collection}`);
    const capped = Math.min(limit ?? RECORDS_LIST_DEFAULT, RECORD_LIMITS.listLimitMax);
    return { records: await this.store.listRecords(collection, tag, capped) };
  }

  /**
   * A page of the records carrying a tag, oldest first (the recovery sweeps' order), after the
   * cursor of the previous page; `next` is null on the last page. A record written while a client
   * pages moves to the end, so it is given again later, never skipped.
   */
  async pageRecords(collectionInput: unknown, tag: unknown, limit: number | undefined, after: unknown): Promise<{ records: StoredRecord[]; next: string | null }> {
    const collection = parseCollection(collectionInput);
    checkTag(tag, `the listing of ${collection}`);
    const capped = Math.min(limit ?? RECORDS_LIST_DEFAULT, RECORD_LIMITS.listLimitMax);
    const position = after === undefined ? null : decodeRecordCursor(after);
    // One more than asked tells whether another page follows.
    const found = await this.store.pageRecords(collection, tag, capped + 1, position);
    const records = found.slice(0, capped);
    const last = records.at(-1);
    return { records, next: found.length > capped && last ? encodeRecordCursor(last) : null };
  }

  async enqueue(businessId: string, operationId: unknown, operation: QueuedOperation) {
    const id = parseOperationId(operationId, 'operationId');
    for (const accountId of operationAccounts(operation)) parseLedgerAccountId(accountId);
    asCents(operation.amountCents);
    if (operation.kind === 'transfer' && operation.fromAccountId === operation.toAccountId) {
      throw new BancaError('SAME_ACCOUNT', 'A transfer needs two different accounts.');
    }
    return this.store.enqueue(businessId, id, operation);
  }

  async queueEntry(operationIdInput: unknown) {
    const operationId = parseOperationId(operationIdInput, 'operationId');
    const entry = await this.store.queueEntry(operationId);
    if (!entry) throw new BancaError('OPERATION_NOT_FOUND', `No queued operation ${operationId}.`);
    return entry;
  }

  claimQueue(businessId: string, minCount: number, maxCount: number, leaseMs?: number) {
    return this.store.claimQueue(businessId, minCount, maxCount, this.leaseMs(leaseMs));
  }

  async history(accountIdInput: unknown, limit: number | undefined) {
    const accountId = parseLedgerAccountId(accountIdInput);
    const capped = Math.min(limit ?? 50, this.limits.historyLimitMax);
    return { accountId, transfers: await this.store.history(accountId, capped) };
  }

  /** The refusal recorded under this operation id (batch mode's answer for it, forever). */
  async refusal(operationIdInput: unknown): Promise<RefusalRecord> {
    const operationId = parseOperationId(operationIdInput, 'operationId');
    const [record] = await this.store.readRecords(REFUSALS, [operationId]);
    if (!record) throw new BancaError('OPERATION_NOT_FOUND', `No refusal is recorded for operation ${operationId}.`);
    return toRefusal(record);
  }

  async transfer(transferIdInput: unknown) {
    const transferId = parseOperationId(transferIdInput, 'transferId');
    const [record] = await this.store.findTransfers([transferId]);
    if (!record) throw new BancaError('OPERATION_NOT_FOUND', `No committed transfer ${transferId}.`);
    return record;
  }

  audit() {
    return this.store.audit();
  }

  private accountList(accountIds: readonly unknown[]): string[] {
    if (accountIds.length === 0) throw new BancaError('INVALID_REQUEST', 'Give at least one account id.');
    if (accountIds.length > this.limits.accountsPerRequestMax) {
      throw new BancaError('TOO_MANY_ACCOUNTS', `At most ${this.limits.accountsPerRequestMax} accounts per request.`);
    }
    const ids = accountIds.map((id) => parseLedgerAccountId(id));
    if (new Set(ids).size !== ids.length) throw new BancaError('INVALID_REQUEST', 'An account id appears twice.');
    return ids;
  }
}

function checkTransfer(transfer: TransferInput): void {
  parseOperationId(transfer.transferId, 'transferId');
  if (!KNOWN_KINDS.has(transfer.kind)) throw new BancaError('INVALID_REQUEST', `Unknown transfer kind ${JSON.stringify(transfer.kind)}.`);
  for (const accountId of [transfer.debitAccountId, transfer.creditAccountId]) {
    if (isSystemAccount(accountId)) {
      if (!isKnownSystemAccount(accountId)) throw new BancaError('INVALID_ACCOUNT_ID', `Unknown system account ${accountId}.`);
    } else {
      parseLedgerAccountId(accountId);
    }
  }
  if (transfer.debitAccountId === transfer.creditAccountId) throw new BancaError('SAME_ACCOUNT', `Transfer ${transfer.transferId} debits and credits the same account.`);
  asCents(transfer.amountCents, `amountCents of ${transfer.transferId}`);
}

/** Everything a store needs to hold of a record write; the versions are the store's to check. */
/** A refusal names a well-formed operation on valid accounts, and a stable error code. */
function checkRefusal(refusal: RefusalInput): void {
  parseOperationId(refusal.operationId, 'refusal operationId');
  for (const accountId of operationAccounts(refusal.operation)) parseLedgerAccountId(accountId);
  asCents(refusal.operation.amountCents);
  if (!isErrorCode(refusal.code)) throw new BancaError('INVALID_REQUEST', `The refusal of ${refusal.operationId} names an unknown error code ${JSON.stringify(refusal.code).slice(0, 70)}.`);
}

function checkRecordWrites(writes: readonly RecordWrite[]): void {
  if (writes.length > RECORD_LIMITS.writesPerCommitMax) {
    throw new BancaError('INVALID_REQUEST', `At most ${RECORD_LIMITS.writesPerCommitMax} record writes per commit.`);
  }
  const seen = new Set<string>();
  for (const write of writes) {
    const collection = parseCollection(write.collection);
    const key = parseRecordKey(write.key);
    const name = `record ${collection}/${key}`;
    const id = JSON.stringify([collection, key]);
    if (seen.has(id)) throw new BancaError('INVALID_REQUEST', `The ${name} is written twice in one commit.`);
    seen.add(id);
    if (!Number.isSafeInteger(write.expectVersion) || write.expectVersion < 0) {
      throw new BancaError('INVALID_REQUEST', `expectVersion of ${name} must be a whole number from 0 (0: the record must not exist yet).`);
    }
    checkRecordValue(write.value, name);
    const tags: unknown = write.tags ?? [];
    if (!Array.isArray(tags) || tags.length > RECORD_LIMITS.tagsMax) {
      throw new BancaError('INVALID_REQUEST', `The tags of ${name} must be a list of at most ${RECORD_LIMITS.tagsMax}.`);
    }
    for (const tag of tags) checkTag(tag, name);
  }
}

function checkRecordValue(value: unknown, name: string): void {
  const prototype: unknown = typeof value === 'object' && value !== null ? Object.getPrototypeOf(value) : undefined;
  if (prototype !== Object.prototype && prototype !== null) {
    throw new BancaError('INVALID_REQUEST', `The value of ${name} must be a JSON object.`);
  }
  let text: string;
  try {
    text = JSON.stringify(value);
  } catch {
    throw new BancaError('INVALID_REQUEST', `The value of ${name} cannot be written as JSON.`);
  }
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > RECORD_LIMITS.valueBytesMax) {
    throw new BancaError('INVALID_REQUEST', `The value of ${name} is ${bytes} bytes as JSON; at most ${RECORD_LIMITS.valueBytesMax} are allowed.`);
  }
}

function checkTag(tag: unknown, where: string): asserts tag is string {
  // PostgreSQL text cannot hold NUL, so no store accepts it.
  if (typeof tag !== 'string' || tag.length === 0 || tag.length > TAG_CHARS_MAX || tag.includes('\u0000')) {
    throw new BancaError('INVALID_REQUEST', `A tag of ${where} must be 1 to ${TAG_CHARS_MAX} characters (no NUL): got ${JSON.stringify(tag)?.slice(0, 40)}.`);
  }
}

function parseCollection(value: unknown): string {
  if (typeof value !== 'string' || !RECORD_COLLECTION.test(value)) {
    throw new BancaError('INVALID_REQUEST', `The record collection ${JSON.stringify(value)?.slice(0, 40)} is not valid: use 1 to 32 lowercase letters, digits or '-', starting with a letter.`);
  }
  return value;
}

function parseRecordKey(value: unknown): string {
  if (typeof value !== 'string' || !RECORD_KEY.test(value)) {
    throw new BancaError('INVALID_REQUEST', `The record key ${JSON.stringify(value)?.slice(0, 40)} is not valid: use 1 to 128 letters, digits, '.', '_', ':', '@' or '-'.`);
  }
  return value;
}

function lockedBy(lock: LockInfo): BancaError {
  return new BancaError('ACCOUNT_LOCKED', `Account ${lock.accountId} is locked by business server ${lock.ownerBusinessId}; retry shortly.`, {
    details: { accountId: lock.accountId, ownerBusinessId: lock.ownerBusinessId, expiresAtMs: lock.expiresAtMs },
  });
}
