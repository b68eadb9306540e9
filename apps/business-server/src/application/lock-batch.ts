// Locks the accounts of a batch and applies the rules to it: the part of the lock-read-compute-
// commit cycle that batch mode and seed mode share. A lock conflict is retried with jittered
// backoff for a bounded time, then reported as ACCOUNT_LOCKED (retryable) to the callers.
import { BancaError, isErrorCode } from '@banca/core/errors';
import { newId } from '@banca/core/ids';
import { retry } from '@banca/core/retry';
import { operationAccounts, type CommitRequest, type LockResponse, type TransferInput, type TransferRecord } from '@banca/core/protocol';
import type { DataClient } from '../infra/data-client.js';
import { decide, sameBody, sameOperation, type AccountSnapshot, type Operation } from './operations.js';

export interface LockPolicy {
  leaseMs: number;
  lockRetryMsMax: number;
}

/** commit: write its transfer; replay: already committed; refuse: the rules refuse it (a new
 *  answer, to record); rejected: answered without writing (a reused key, a recorded refusal). */
export type Outcome =
  | { operation: Operation; kind: 'commit'; transfer: TransferInput }
  | { operation: Operation; kind: 'replay'; record: TransferRecord }
  | { operation: Operation; kind: 'refuse'; error: BancaError }
  | { operation: Operation; kind: 'rejected'; error: BancaError };

export function lockWithRetry(data: DataClient, policy: LockPolicy, accountIds: string[], lookupIds: string[], requestId?: string): Promise<LockResponse> {
  return whileLocked(policy, () => data.lock(accountIds, policy.leaseMs, lookupIds, requestId));
}

/**
 * Runs `attempt` again while it fails with ACCOUNT_LOCKED, for up to lockRetryMsMax: backoff
 * 1, 2, 4 … 50 ms, each ±50 % jitter; no retry that would end past the deadline.
 */
export function whileLocked<T>(policy: LockPolicy, attempt: () => Promise<T>): Promise<T> {
  return retry(attempt, {
    deadlineMs: policy.lockRetryMsMax,
    baseDelayMs: 1,
    maxDelayMs: 50,
    jitter: 0.5,
    shouldRetry: (error) => error instanceof BancaError && error.code === 'ACCOUNT_LOCKED',
  });
}

/** Decides every operation of a batch in order, on the balances its locks returned. */
export function planBatch(operations: readonly Operation[], locked: LockResponse): Outcome[] {
  const known = new Map(locked.knownTransfers.map((record) => [record.transferId, record]));
  const refusals = new Map((locked.knownRefusals ?? []).map((refusal) => [refusal.operationId, refusal]));
  const balances = new Map<string, AccountSnapshot>(locked.locks.map((grant) => [grant.accountId, { exists: grant.exists, balanceCents: grant.balanceCents }]));
  return operations.map((operation): Outcome => {
    const record = known.get(operation.operationId);
    if (record) {
      return sameOperation(operation, record)
        ? { operation, kind: 'replay', record }
        : { operation, kind: 'rejected', error: conflict(operation) };
    }
    const refusal = refusals.get(operation.operationId);
    if (refusal) {
      const error = sameBody(operation.body, refusal.operation) && isErrorCode(refusal.code)
        ? new BancaError(refusal.code, refusal.message)
        : conflict(operation);
      return { operation, kind: 'rejected', error };
    }
    const decision = decide(operation, balances);
    return decision.ok ? { operation, kind: 'commit', transfer: decision.transfer } : { operation, kind: 'refuse', error: decision.error };
  });
}

function conflict(operation: Operation): BancaError {
  return new BancaError('IDEMPOTENCY_CONFLICT', `Idempotency key ${operation.operationId} was already used for a different operation.`);
}

export function accountsOf(operations: readonly Operation[]): string[] {
  return [...new Set(operations.flatMap((operation) => operationAccounts(operation.body)))].sort();
}

/** Commits with the same commit id until it is known to be durable or refused (bounded: 10, 20 … ms apart). */
export function commitWithRetry(data: DataClient, request: CommitRequest, attempts = 3, requestId?: string) {
  return retry(() => data.commit(request, requestId), {
    attempts,
    baseDelayMs: 10,
    growth: 'linear',
    jitter: 0,
    // A lock lost meanwhile is for the caller to take again (whileLocked), not for this loop.
    shouldRetry: (error) => error instanceof BancaError && error.retryable && error.code !== 'ACCOUNT_LOCKED',
  });
}

export function newCommitId(): string {
  return `c-${newId()}`;
}
