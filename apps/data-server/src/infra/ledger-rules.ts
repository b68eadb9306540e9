// Rules every ledger store applies the same way, so they answer alike: the request hash behind
// commit idempotency, the adjustment transfers of the seeds' setAmount, the lock errors, and the
// compare-and-set of versioned records.
import { createHash } from 'node:crypto';
import { canonicalJson } from '@banca/core/canonical-json';
import { BancaError } from '@banca/core/errors';
import { isSystemAccount, SYSTEM_ACCOUNTS } from '@banca/core/ids';
import type { CommitRequest, RecordWrite, RefusalRecord, StoredRecord, TransferInput } from '@banca/core/protocol';

/** What a replayed commit id must match: its transfers, absolute sets, queue results and record
 *  writes, as canonical JSON so the order of any object's keys does not count. Records join the
 *  hash only when present (refusals too), so commits stored before them still match. */
export function hashCommit(request: CommitRequest): string {
  return sha256(canonicalJson(hashedParts(request)));
}

/** Whether a retry asks for what its commit id was stored with. Commits stored before the hash
 *  was canonical hold sha256(JSON.stringify(...)); a retry sent as the first was still matches. */
export function sameCommitRequest(storedHash: string, request: CommitRequest, requestHash = hashCommit(request)): boolean {
  return storedHash === requestHash || storedHash === sha256(JSON.stringify(hashedParts(request)));
}

function hashedParts(request: CommitRequest): unknown[] {
  const parts: unknown[] = [request.transfers, request.setBalances ?? null, request.queue?.results ?? null];
  if (request.records !== undefined && request.records.length > 0) parts.push(request.records);
  if (request.refusals !== undefined && request.refusals.length > 0) parts.push({ refusals: request.refusals });
  return parts;
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('base64url');

/** Where refusals are kept: a record collection no client can name (collections start with a letter). */
export const REFUSALS = '@refusals';

/** The ids a commit uses: each names one transfer or one refusal, once in the ledger's life. */
export function operationIds(request: CommitRequest): string[] {
  return [...request.transfers, ...(request.setBalances ?? [])].map((transfer) => transfer.transferId)
    .concat((request.refusals ?? []).map((refusal) => refusal.operationId));
}

/** An id given twice in one commit; undefined when every id is used once. */
export function repeatedId(ids: readonly string[]): BancaError | undefined {
  const seen = new Set<string>();
  for (const id of ids) {
    if (seen.has(id)) return new BancaError('INVALID_REQUEST', `Operation id ${id} appears twice in one commit (as transfers or refusals).`);
    seen.add(id);
  }
  return undefined;
}

/** Ids of the commit that already name a committed transfer or a recorded refusal. */
export function idsTaken(taken: readonly string[]): BancaError {
  return new BancaError('IDEMPOTENCY_CONFLICT', `Operation ids already used by a committed transfer or a recorded refusal: ${taken.join(', ')}.`, {
    details: { transferIds: [...taken] },
  });
}

/** The record writes that keep a commit's refusals (each created once: expectVersion 0). */
export function refusalWrites(request: CommitRequest, businessId: string, now: number): RecordWrite[] {
  return (request.refusals ?? []).map((refusal) => ({
    collection: REFUSALS,
    key: refusal.operationId,
    expectVersion: 0,
    value: { operation: refusal.operation, code: refusal.code, message: refusal.message, commitId: request.commitId, businessId, refusedAtMs: now },
  }));
}

export function toRefusal(record: StoredRecord): RefusalRecord {
  const value = record.value as Omit<RefusalRecord, 'operationId'>;
  return { operationId: record.key, operation: value.operation, code: value.code, message: value.message, commitId: value.commitId, businessId: value.businessId, refusedAtMs: value.refusedAtMs };
}

/** A commit writes each record at most once: two writes of one key would both expect one version. */
export function duplicateRecord(records: readonly RecordWrite[] | undefined): BancaError | undefined {
  const seen = new Set<string>();
  for (const { collection, key } of records ?? []) {
    const id = JSON.stringify([collection, key]);
    if (seen.has(id)) return new BancaError('INVALID_REQUEST', `Record ${collection}/${key} is written twice in one commit.`, { details: { collection, key } });
    seen.add(id);
  }
  return undefined;
}

/** The record's version is not the one its writer read (0: it already exists). */
export function versionConflict(write: RecordWrite, version: number): BancaError {
  const { collection, key, expectVersion } = write;
  const found = version === 0 ? 'does not exist (version 0)' : expectVersion === 0 ? `already exists (version ${version})` : `is at version ${version}`;
  return new BancaError('VERSION_CONFLICT', `Record ${collection}/${key} ${found} but the commit expected version ${expectVersion}; read it again.`, {
    details: { collection, key, expectVersion, version },
  });
}

/** The tags a write stores: each once, in the order given. */
export function recordTags(write: RecordWrite): string[] {
  return [...new Set(write.tags ?? [])];
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

/** A customer account (not a system '@' account) never goes below zero: the store's own check,
 *  behind the business rules and in front of the database's constraint. */
export function belowZero(transferId: string, accountId: string, balanceCents: number): BancaError | undefined {
  if (balanceCents >= 0 || isSystemAccount(accountId)) return undefined;
  return new BancaError('INSUFFICIENT_FUNDS', `Transfer ${transferId} would take account ${accountId} below zero; the ledger never lets a customer balance go negative, and nothing of this commit was written.`, {
    details: { transferId, accountId },
  });
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
