// Client operations and the business rules that decide them: positive amounts, no overdraft,
// existing paying accounts (an account opens with its first credit, as in the seeds), balance
// limits. Applied in order on a snapshot of locked balances. Messages name accounts as their
// client does (without its ledger space): only that client reads them.
import { BancaError, type ErrorCode } from '@banca/core/errors';
import { SYSTEM_ACCOUNTS, withoutSpace as shown } from '@banca/core/ids';
import { BALANCE_CENTS_MAX, formatCents } from '@banca/core/money';
import type { QueuedOperation, TransferInput, TransferRecord } from '@banca/core/protocol';

export interface Operation {
  operationId: string;
  body: QueuedOperation;
  /** The client request that carried it, for logs across hops. */
  requestId?: string;
}

export interface OperationResult {
  operationId: string;
  status: 'completed';
  kind: QueuedOperation['kind'];
  accountId: string;
  amount: string;
  amountCents: number;
  /** Balance of the paying account (or the deposit's account) right after the operation. */
  balance: string;
  balanceCents: number;
  toAccountId?: string;
  replayed: boolean;
}

export interface AccountSnapshot {
  exists: boolean;
  balanceCents: number;
}

export type Decision = { ok: true; transfer: TransferInput } | { ok: false; error: BancaError };

/** The movement an operation makes when it is accepted. */
export function transferOf(operation: Operation): TransferInput {
  const { body, operationId: transferId } = operation;
  switch (body.kind) {
    case 'deposit':
      return { transferId, kind: 'deposit', debitAccountId: SYSTEM_ACCOUNTS.cash, creditAccountId: body.accountId, amountCents: body.amountCents };
    case 'withdrawal':
      return { transferId, kind: 'withdrawal', debitAccountId: body.accountId, creditAccountId: SYSTEM_ACCOUNTS.cash, amountCents: body.amountCents };
    case 'transfer':
      return { transferId, kind: 'transfer', debitAccountId: body.fromAccountId, creditAccountId: body.toAccountId, amountCents: body.amountCents };
  }
}

/** Decides one operation against the balances so far, updating them when it is accepted. */
export function decide(operation: Operation, balances: Map<string, AccountSnapshot>): Decision {
  const { body } = operation;
  const account = (id: string) => balances.get(id) ?? { exists: false, balanceCents: 0 };
  const reject = (code: ErrorCode, message: string): Decision => ({ ok: false, error: new BancaError(code, message) });
  switch (body.kind) {
    case 'deposit': {
      const target = account(body.accountId);
      if (target.balanceCents + body.amountCents > BALANCE_CENTS_MAX) return reject('BALANCE_LIMIT_EXCEEDED', `Account ${shown(body.accountId)} would pass the balance limit.`);
      balances.set(body.accountId, { exists: true, balanceCents: target.balanceCents + body.amountCents });
      return { ok: true, transfer: transferOf(operation) };
    }
    case 'withdrawal': {
      const source = account(body.accountId);
      if (!source.exists) return reject('ACCOUNT_NOT_FOUND', `Account ${shown(body.accountId)} does not exist.`);
      if (source.balanceCents < body.amountCents) {
        return reject('INSUFFICIENT_FUNDS', `Account ${shown(body.accountId)} has ${formatCents(source.balanceCents)}, less than the ${formatCents(body.amountCents)} asked; nothing was withdrawn.`);
      }
      balances.set(body.accountId, { exists: true, balanceCents: source.balanceCents - body.amountCents });
      return { ok: true, transfer: transferOf(operation) };
    }
    case 'transfer': {
      const source = account(body.fromAccountId);
      const target = account(body.toAccountId);
      if (!source.exists) return reject('ACCOUNT_NOT_FOUND', `Origin account ${shown(body.fromAccountId)} does not exist.`);
      if (source.balanceCents < body.amountCents) {
        return reject('INSUFFICIENT_FUNDS', `Account ${shown(body.fromAccountId)} has ${formatCents(source.balanceCents)}, less than the ${formatCents(body.amountCents)} to transfer; nothing was moved.`);
      }
      if (target.balanceCents + body.amountCents > BALANCE_CENTS_MAX) return reject('BALANCE_LIMIT_EXCEEDED', `Account ${shown(body.toAccountId)} would pass the balance limit.`);
      balances.set(body.fromAccountId, { exists: true, balanceCents: source.balanceCents - body.amountCents });
      balances.set(body.toAccountId, { exists: true, balanceCents: target.balanceCents + body.amountCents });
      return { ok: true, transfer: transferOf(operation) };
    }
  }
}

/** The answer for a committed operation, the same on the first try and on every retry. */
export function resultOf(operation: Operation, record: TransferRecord, replayed: boolean): OperationResult {
  const { body } = operation;
  const paying = body.kind === 'deposit' ? record.creditBalanceAfterCents : record.debitBalanceAfterCents;
  const result: OperationResult = {
    operationId: operation.operationId,
    status: 'completed',
    kind: body.kind,
    accountId: body.kind === 'transfer' ? body.fromAccountId : body.accountId,
    amount: formatCents(body.amountCents),
    amountCents: body.amountCents,
    balance: formatCents(paying),
    balanceCents: paying,
    replayed,
  };
  if (body.kind === 'transfer') result.toAccountId = body.toAccountId;
  return result;
}

/** Whether two operations are the same request (a refusal recorded for one answers the other). */
export function sameBody(a: QueuedOperation, b: QueuedOperation): boolean {
  if (a.kind !== b.kind || a.amountCents !== b.amountCents) return false;
  if (a.kind === 'transfer' && b.kind === 'transfer') return a.fromAccountId === b.fromAccountId && a.toAccountId === b.toAccountId;
  return a.kind !== 'transfer' && b.kind !== 'transfer' && a.accountId === b.accountId;
}

/** Whether a committed transfer is what this operation would have written. */
export function sameOperation(operation: Operation, record: TransferRecord): boolean {
  const { body } = operation;
  if (record.kind !== body.kind || record.amountCents !== body.amountCents) return false;
  switch (body.kind) {
    case 'deposit':
      return record.creditAccountId === body.accountId;
    case 'withdrawal':
      return record.debitAccountId === body.accountId;
    case 'transfer':
      return record.debitAccountId === body.fromAccountId && record.creditAccountId === body.toAccountId;
  }
}
