// The data server's v1 protocol, shared by the data server and its clients (business servers).
// A business server locks the accounts of a batch (getting their balances and fencing tokens),
// applies its rules, then commits the batch's transfers and releases the locks in one request.

export type TransferKind = 'deposit' | 'withdrawal' | 'transfer' | 'adjustment';

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
  /** Transfers already committed under these ids come back with the grant. */
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
  /** Locks the caller holds; every customer account a transfer touches must be among them. */
  locks: FenceRef[];
  transfers: TransferInput[];
  /** Release the locks in the same atomic step. */
  release: boolean;
  /** Seed mode: marks a claimed part of the durable queue as done in the same atomic step. */
  queue?: { claimId: string; results: QueueResult[] };
  /** The seeds' setAmount: set a locked account to an absolute balance; the store writes the
   *  difference as an adjustment transfer with this id (none when the balance is already right). */
  setBalances?: { accountId: string; balanceCents: number; transferId: string }[];
}

export interface CommitResponse {
  commitId: string;
  replayed: boolean;
  transfers: TransferRecord[];
}

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
