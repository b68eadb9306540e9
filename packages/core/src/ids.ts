// Identifiers: accounts, business servers, clients and caller-chosen operation ids. Ids chosen
// by callers are reused on retry, which is what makes every mutation idempotent.
import { randomUUID } from 'node:crypto';
import { BancaError } from './errors.js';

const ACCOUNT_ID = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
const BUSINESS_ID = /^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$/;
const OPERATION_ID = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$/;

/** Accounts outside the customers' reach that hold the other side of deposits and adjustments. */
export const SYSTEM_ACCOUNTS = { cash: '@cash', adjustments: '@adjustments', holds: '@holds' } as const;

/** What this bank owes another bank of the consortium (or is owed by it, when negative). */
const BANK_ACCOUNT = /^@bank:[1-9][0-9]?$/;

export function isSystemAccount(accountId: string): boolean {
  return accountId.startsWith('@');
}

/** The system accounts a transfer may name: @cash, @adjustments, @holds and @bank:<id>. */
export function isKnownSystemAccount(accountId: string): boolean {
  return Object.values<string>(SYSTEM_ACCOUNTS).includes(accountId) || BANK_ACCOUNT.test(accountId);
}

export function parseAccountId(value: unknown, field = 'accountId'): string {
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return String(value);
  if (typeof value !== 'string' || !ACCOUNT_ID.test(value)) {
    throw new BancaError(
      'INVALID_ACCOUNT_ID',
      `The ${field} ${JSON.stringify(value)?.slice(0, 80)} is not valid: use 1 to 64 letters, digits, '.', '_' or '-'.`,
    );
  }
  return value;
}

export function parseBusinessId(value: unknown, field = 'businessId'): string {
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return String(value);
  if (typeof value !== 'string' || !BUSINESS_ID.test(value)) {
    throw new BancaError('INVALID_BUSINESS_ID', `The ${field} ${JSON.stringify(value)?.slice(0, 40)} is not valid.`);
  }
  return value;
}

export function isOperationId(value: unknown): value is string {
  return typeof value === 'string' && OPERATION_ID.test(value);
}

export function parseOperationId(value: unknown, field = 'idempotency key'): string {
  if (!isOperationId(value)) {
    throw new BancaError(
      'INVALID_IDEMPOTENCY_KEY',
      `The ${field} must be 1 to 128 letters, digits, '.', '_', ':' or '-' (a UUID is a good choice).`,
    );
  }
  return value;
}

export function newId(): string {
  return randomUUID();
}
