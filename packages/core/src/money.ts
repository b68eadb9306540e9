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
  const raw = typeof text === 'number' && Number.isFinite(text) ? String(text) : text;
  if (typeof raw !== 'string') throw invalidAmount(field, String(text));
  // No trimming: " 1" or "1\n" is not an amount a person meant to send (and not what was signed).
  const match = DECIMAL.exec(raw);
  if (!match) throw invalidAmount(field, raw);
  const units = Number(match[1]);
  const fraction = (match[2] ?? '').padEnd(2, '0');
  const cents = units * 100 + Number(fraction);
  if (cents <= 0) {
    throw new BancaError('INVALID_AMOUNT', `The ${field} must be greater than zero (got "${raw}").`);
  }
  if (cents > AMOUNT_CENTS_MAX) {
    throw new BancaError(
      'AMOUNT_TOO_LARGE',
      `The ${field} "${raw}" is above the limit of ${formatCents(AMOUNT_CENTS_MAX)} per operation.`,
    );
  }
  return cents as Cents;
}

/** Parses a signed decimal ("-3.25") into cents, for the seed's setBalance. */
export function parseSignedAmount(text: unknown, field = 'value'): number {
  const raw = typeof text === 'number' && Number.isFinite(text) ? String(text) : text;
  if (typeof raw === 'string' && raw.trim().startsWith('-')) {
    return -parseAmount(raw.trim().slice(1), field);
  }
  return parseAmount(raw, field);
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
