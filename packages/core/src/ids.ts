// Identifiers: accounts, business servers, clients and caller-chosen operation ids. Ids chosen
// by callers are reused on retry, which is what makes every mutation idempotent.
import { randomUUID } from 'node:crypto';
import { BancaError } from './errors.js';

const ACCOUNT_ID = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
const BUSINESS_ID = /^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$/;
const OPERATION_ID = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$/;
/** A client key's ledger space, as in `clientA:savings` (see clientLedgerId). */
const SPACE = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,31}$/;
/** The ledger's own ids: an account id, or `<space>:<account id>` for a client key's account. */
const LEDGER_ACCOUNT_ID = /^(?:[A-Za-z0-9][A-Za-z0-9_.-]{0,31}:)?[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
/** Customer accounts opened through /v1/customers: 8 digits, never a colon, so never a client's ledger id. */
const CUSTOMER_ACCOUNT_NUMBER = /^[1-9][0-9]{7}$/;
export const CUSTOMER_ACCOUNT_NUMBER_MIN = 10_000_000;
export const CUSTOMER_ACCOUNT_NUMBER_END = 100_000_000;
/** The longest ledger account id (a space, a colon, an account id). */
export const LEDGER_ACCOUNT_ID_CHARS_MAX = 32 + 1 + 64;

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

/**
 * An account id as the ledger (the data server) knows it: a client's or customer's account id,
 * or `<space>:<account id>` for the accounts of a client key's ledger space.
 */
export function parseLedgerAccountId(value: unknown, field = 'accountId'): string {
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return String(value);
  if (typeof value !== 'string' || !LEDGER_ACCOUNT_ID.test(value)) {
    throw new BancaError(
      'INVALID_ACCOUNT_ID',
      `The ${field} ${JSON.stringify(value)?.slice(0, 100)} is not valid: use 1 to 64 letters, digits, '.', '_' or '-', optionally after a space name and ':'.`,
    );
  }
  return value;
}

export function isSpaceName(value: unknown): value is string {
  return typeof value === 'string' && SPACE.test(value);
}

/** Whether an id has the shape of a customer account number (8 digits). */
export function isCustomerAccountNumber(accountId: string): boolean {
  return CUSTOMER_ACCOUNT_NUMBER.test(accountId);
}

/** The ledger id of a client key's account: `<space>:<accountId>`. */
export function clientLedgerId(space: string, accountId: string): string {
  return `${space}:${accountId}`;
}

/** The account id as its client named it: the ledger id without its space. */
export function withoutSpace(ledgerId: string): string {
  if (isSystemAccount(ledgerId)) return ledgerId;
  const colon = ledgerId.indexOf(':');
  return colon < 0 ? ledgerId : ledgerId.slice(colon + 1);
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
