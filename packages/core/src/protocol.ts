// The data server's v1 protocol, shared by the data server and its clients (business servers).
// A business server locks the accounts of a batch (getting their balances and fencing tokens),
// applies its rules, then commits the batch's transfers and releases the locks in one request.

export type TransferKind = 'deposit' | 'withdrawal' | 'transfer' | 'adjustment' | InterbankTransferKind;

/**
 * The movements of a Pix leg between banks (two phases with holds). At the paying bank: hold
 * (payer -> @holds), then post (@holds -> @bank:<receiving bank>) or void (@holds -> payer), and
 * reverse (@bank:<receiving bank> -> payer) when a posted leg of an aborted packet is undone. At
 * the receiving bank: credit (@bank:<paying bank> -> receiver).
 */
export type InterbankTransferKind = 'hold' | 'post' | 'void' | 'reverse' | 'credit';

export const TRANSFER_KINDS: readonly TransferKind[] = ['deposit', 'withdrawal', 'transfer', 'adjustment', 'hold', 'post', 'void', 'reverse', 'credit'];

/** One double-entry movement: debits one account and credits another by the same amount. */
export interface TransferInput {
  transferId: string;
  kind: TransferKind;
  debitAccountId: string;
  creditAccountId: string;
  amountCents: number;
}

export interface TransferRecord extends TransferInput {
  commitId: string;
  businessId: string;
  debitBalanceAfterCents: number;
  creditBalanceAfterCents: number;
  committedAtMs: number;
}

export interface LockRequest {
  accountIds: string[];
  leaseMs?: number;
  /** Transfers already committed, and refusals already recorded, under these ids come back with the grant. */
  lookupTransferIds?: string[];
}

export interface LockGrant {
  accountId: string;
  fence: number;
  expiresAtMs: number;
  exists: boolean;
  balanceCents: number;
}

export interface LockResponse {
  locks: LockGrant[];
  knownTransfers: TransferRecord[];
  knownRefusals: RefusalRecord[];
}

/**
 * An operation the business rules refused (no overdraft, unknown account, balance limit), kept
 * so that its id's first answer is its answer forever: a retry gets the same refusal, and the id
 * cannot be used again for another operation. Operation ids name one transfer or one refusal.
 */
export interface RefusalInput {
  operationId: string;
  operation: QueuedOperation;
  code: string;
  message: string;
}

export interface RefusalRecord extends RefusalInput {
  commitId: string;
  businessId: string;
  refusedAtMs: number;
}

export interface LockConflict {
  accountId: string;
  ownerBusinessId: string;
  expiresAtMs: number;
}

export interface FenceRef {
  accountId: string;
  fence: number;
}

export interface QueueResult {
  operationId: string;
  status: 'applied' | 'rejected';
  /** The transfer it produced, or the error code it was rejected with. */
  transferId?: string;
  errorCode?: string;
  message?: string;
}

export interface CommitRequest {
  commitId: string;
  /** Locks the caller holds; every customer account a transfer touches must be among them, unless `unlocked`. */
  locks: FenceRef[];
  /**
   * Touch customer accounts without holding their locks, for writes that need no read of a
   * balance first (a credit, a hold whose only rule is "never below zero"): refused with
   * ACCOUNT_LOCKED while another business holds one of them, and with INSUFFICIENT_FUNDS when a
   * customer balance would go below zero; one round trip instead of a lock and a commit.
   */
  unlocked?: boolean;
  transfers: TransferInput[];
  /** Release the locks in the same atomic step. */
  release: boolean;
  /** Seed mode: marks a claimed part of the durable queue as done in the same atomic step. */
  queue?: { claimId: string; results: QueueResult[] };
  /** The seeds' setAmount: set a locked account to an absolute balance; the store writes the
   *  difference as an adjustment transfer with this id (none when the balance is already right). */
  setBalances?: { accountId: string; balanceCents: number; transferId: string }[];
  /** Versioned documents written in the same atomic step, each compare-and-set on its version. */
  records?: RecordWrite[];
  /** Batch mode: operations refused by the rules, recorded in the same atomic step. */
  refusals?: RefusalInput[];
}

export interface CommitResponse {
  commitId: string;
  replayed: boolean;
  transfers: TransferRecord[];
  /** The records the commit wrote, as stored now (on a replay: their current state). */
  records?: StoredRecord[];
}

/**
 * A versioned JSON document kept by the bank's data store next to its ledger: customers, Pix
 * keys, interbank transfers, the token ring's state. Written only inside a commit, atomically with
 * its transfers, and only when the version the writer read is still the current one, so two
 * business servers racing on one record cannot both win.
 */
export interface RecordWrite {
  /** 1 to 32 lowercase letters, digits or '-', starting with a letter. */
  collection: string;
  /** 1 to 128 letters, digits, '.', '_', ':', '@' or '-'. */
  key: string;
  /** The version the writer read; 0 when the record must not exist yet. */
  expectVersion: number;
  /** A JSON object, at most 16 KiB serialised. */
  value: Record<string, unknown>;
  /** Secondary index: the record is listed under each tag (at most 8, each 1 to 128 characters).
   *  A write replaces the record's tags. */
  tags?: string[];
}

export interface StoredRecord {
  collection: string;
  key: string;
  /** 1 after the first write, +1 on each write. */
  version: number;
  value: Record<string, unknown>;
  tags: string[];
  updatedAtMs: number;
}

export const RECORD_LIMITS = { tagsMax: 8, valueBytesMax: 16 * 1024, writesPerCommitMax: 1024, listLimitMax: 1000 } as const;
export const RECORD_COLLECTION = /^[a-z][a-z0-9-]{0,31}$/;
export const RECORD_KEY = /^[A-Za-z0-9@][A-Za-z0-9_.:@-]{0,127}$/;

export type QueuedOperation =
  | { kind: 'deposit'; accountId: string; amountCents: number }
  | { kind: 'withdrawal'; accountId: string; amountCents: number }
  | { kind: 'transfer'; fromAccountId: string; toAccountId: string; amountCents: number };

export interface QueueEntry {
  operationId: string;
  seq: number;
  businessId: string;
  operation: QueuedOperation;
  status: 'pending' | 'applied' | 'rejected';
  result: QueueResult | null;
  enqueuedAtMs: number;
}

export interface EnqueueResponse {
  entry: QueueEntry;
  pendingCount: number;
  replayed: boolean;
}

export interface ClaimResponse {
  claimId: string | null;
  entries: QueueEntry[];
  pendingCount: number;
}

export interface AuditReport {
  accounts: number;
  transfers: number;
  /** Sum of every balance, system accounts included: always zero in a sound ledger. */
  balanceSumCents: number;
  /** Accounts whose balance differs from credits minus debits in the journal. */
  mismatchedAccounts: string[];
  customerBalanceSumCents: number;
}

export function operationAccounts(operation: QueuedOperation): string[] {
  return operation.kind === 'transfer' ? [operation.fromAccountId, operation.toAccountId] : [operation.accountId];
}

// Windowed counters at the data server, shared by every business server of a bank (log-in and
// sign-up limits). A key is hashed before it is stored (e-mails and addresses are personal data).

/** One counter to add a hit to: `limit` names the counter ("login-email"), `key` what it counts. */
export interface LimitHit {
  limit: string;
  key: string;
  windowMs: number;
  /** Hits allowed within the sliding window; the next one is refused until the oldest leaves it. */
  max: number;
}

export interface LimitCount {
  limit: string;
  /** Hits inside the window after this request (the new one included when it was allowed). */
  count: number;
  allowed: boolean;
  /** 0 when allowed, else how long until a hit would be allowed. */
  retryAfterMs: number;
}

/** All or nothing: the hits are recorded (each at atMs) only when every counter allows one. */
export interface LimitHitsResponse {
  allowed: boolean;
  atMs: number;
  counts: LimitCount[];
}

/** Takes back the hit recorded at atMs, or (no atMs) every hit of the key: a reset. */
export interface LimitForget {
  limit: string;
  key: string;
  atMs?: number;
}

export const LIMIT_BOUNDS = { hitsPerRequestMax: 8, keyCharsMax: 256, windowMsMax: 86_400_000, maxMax: 100_000 } as const;
