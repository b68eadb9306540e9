// Rules every ledger store applies the same way, so they answer alike: the request hash behind
// commit idempotency, the adjustment transfers of the seeds' setAmount, and the lock errors.
import { createHash } from 'node:crypto';
import { BancaError } from '@banca/core/errors';
import { SYSTEM_ACCOUNTS } from '@banca/core/ids';
import type { CommitRequest, TransferInput } from '@banca/core/protocol';

/** What a replayed commit id must match: its transfers, absolute sets and queue results. */
export function hashCommit(request: CommitRequest): string {
  return createHash('sha256').update(JSON.stringify([request.transfers, request.setBalances ?? null, request.queue?.results ?? null])).digest('base64url');
}

/** Turns the seeds' absolute setAmount into the adjustment transfer that reaches it. */
export function adjustments(targets: CommitRequest['setBalances'], balanceOf: (accountId: string) => number): TransferInput[] {
  const made: TransferInput[] = [];
  for (const target of targets ?? []) {
    const delta = target.balanceCents - balanceOf(target.accountId);
    if (delta === 0) continue;
    const toAccount = delta > 0;
    made.push({
      transferId: target.transferId,
      kind: 'adjustment',
      debitAccountId: toAccount ? SYSTEM_ACCOUNTS.adjustments : target.accountId,
      creditAccountId: toAccount ? target.accountId : SYSTEM_ACCOUNTS.adjustments,
      amountCents: Math.abs(delta),
    });
  }
  return made;
}

export function lockError(code: 'ACCOUNT_LOCKED' | 'LOCK_NOT_HELD' | 'STALE_FENCING_TOKEN', accountId: string, owner?: string): BancaError {
  switch (code) {
    case 'ACCOUNT_LOCKED':
      return new BancaError('ACCOUNT_LOCKED', `Account ${accountId} is locked by business server ${owner ?? 'another'}; retry shortly.`, { details: { accountId, ownerBusinessId: owner } });
    case 'LOCK_NOT_HELD':
      return new BancaError('LOCK_NOT_HELD', `You do not hold the lock on account ${accountId} (never taken, released or its lease expired); take it with getLock first.`, { details: { accountId } });
    case 'STALE_FENCING_TOKEN':
      return new BancaError('STALE_FENCING_TOKEN', `The fencing token for account ${accountId} is stale: the lock was taken again since; take it again.`, { details: { accountId } });
  }
}
