// Money is an integer number of cents behind a branded type. Parsing and formatting happen
// only at the edges ("10.50" <-> 1050); inside, amounts never touch floating point.
import { BancaError } from './errors.js';

export type Cents = number & { readonly __brand: 'Cents' };

/** Largest amount one operation may move: 1,000,000,000.00. */
export const AMOUNT_CENTS_MAX = 100_000_000_000;
/** Largest balance an account may reach; keeps every sum far inside Number.MAX_SAFE_INTEGER. */
export const BALANCE_CENTS_MAX = 1_000_000_000_000_000;

const DECIMAL = /^(\d{1,15})(?:\.(\d{1,2}))?$/;

/**
 * Parses a positive decimal amount ("10", "10.5", "10.50") into cents.
 * @example parseAmount('10.50') === 1050
 */
export function parseAmount(text: unknown, field = 'amount'): Cents {
  // Amounts come from outside as strings; a JSON number (10.5, 0.1 + 0.2) may already be rounded.
  if (typeof text !== 'string') throw new BancaError('INVALID_AMOUNT', amountNotStringMessage(field, text));
  // No trimming: " 1" or "1\n" is not an amount a person meant to send (and not what was signed).
  const match = DECIMAL.exec(text);
  if (!match) throw invalidAmount(field, text);
  const units = Number(match[1]);
  const fraction = (match[2] ?? '').padEnd(2, '0');
  const cents = units * 100 + Number(fraction);
  if (cents <= 0) {
    throw new BancaError('INVALID_AMOUNT', `The ${field} must be greater than zero (got "${text}").`);
  }
  if (cents > AMOUNT_CENTS_MAX) {
    throw new BancaError(
      'AMOUNT_TOO_LARGE',
      `The ${field} "${text}" is above the limit of ${formatCents(AMOUNT_CENTS_MAX)} per operation.`,
    );
  }
  return cents as Cents;
}

/** Parses a signed decimal ("-3.25") into cents, for the seed's setBalance. */
export function parseSignedAmount(text: unknown, field = 'value'): number {
  if (typeof text === 'string' && text.trim().startsWith('-')) {
    const cents: number = parseAmount(text.trim().slice(1), field);
    return -cents;
  }
  return parseAmount(text, field);
}

/**
 * Why a value that is not a string is no amount, for parsers and for schema errors alike.
 * @example amountNotStringMessage('amount', 10.5) === 'The amount must be a string of a decimal like "10.50" (got the number 10.5).'
 */
export function amountNotStringMessage(field: string, value: unknown): string {
  return `The ${field} must be a string of a decimal like "10.50" (got ${describeValue(value)}).`;
}

function describeValue(value: unknown): string {
  if (typeof value === 'number') return `the number ${String(value)}`;
  if (value === null || typeof value === 'boolean') return String(value);
  if (value === undefined) return 'nothing';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

/** Checks an integer cents value coming from JSON. */
export function asCents(value: unknown, field = 'amountCents', { allowZero = false } = {}): Cents {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0 || (!allowZero && value === 0)) {
    throw new BancaError('INVALID_AMOUNT', `The ${field} must be a positive whole number of cents (got ${JSON.stringify(value)}).`);
  }
  if (value > AMOUNT_CENTS_MAX) {
    throw new BancaError('AMOUNT_TOO_LARGE', `The ${field} ${value} is above the limit of ${AMOUNT_CENTS_MAX} cents per operation.`);
  }
  return value as Cents;
}

/** @example formatCents(1050) === '10.50'; formatCents(-5) === '-0.05' */
export function formatCents(cents: number): string {
  const sign = cents < 0 ? '-' : '';
  const abs = Math.abs(cents);
  return `${sign}${Math.trunc(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
}

function invalidAmount(field: string, raw: string): BancaError {
  return new BancaError(
    'INVALID_AMOUNT',
    `The ${field} "${raw.slice(0, 40)}" is not a valid amount: use a positive decimal with at most two decimal places, like "10.50".`,
  );
}
