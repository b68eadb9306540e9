// Seed 000's wire, for `--compat seed000`: its programs (a Python client and business server)
// send amounts as Python prints numbers ("10", "10.0", "10.5", "0.30000000000000004"), read
// balances as bare JSON numbers in reais, and find accounts 1 to 10 open with 1000.00 each.
import { BancaError } from './errors.js';
import { AMOUNT_CENTS_MAX, BALANCE_CENTS_MAX, formatCents } from './money.js';

/** `none`: banca's own wire. `seed000`: seed 000's, exactly (see the README, "Seed 000's programs"). */
export const COMPAT_MODES = ['none', 'seed000'] as const;
export type Compat = (typeof COMPAT_MODES)[number];

/** The accounts seed 000's data server starts with, and their balance. */
export const SEED000_ACCOUNT_IDS: readonly string[] = Object.freeze(Array.from({ length: 10 }, (_, index) => String(index + 1)));
export const SEED000_OPENING_CENTS = 100_000;

// Python's str() of an int or a float: digits, an optional fraction, an optional exponent.
const PYTHON_NUMBER = /^(\d{1,17})(?:\.(\d{1,20}))?(?:[eE]([+-]?\d{1,3}))?$/;
/** A float that is a whole number of cents up to its rounding error (0.1 + 0.2 is 30 cents). */
const CENT_TOLERANCE = 1e-6;

/**
 * Parses a number as Python prints it into cents. A float's rounding error is forgiven
 * ("1099.9999999999998" is 1100.00); a real third decimal ("10.005") is refused.
 * @example parsePythonAmount('10.5') === 1050
 */
export function parsePythonAmount(text: unknown, field = 'amount', options: { allowZero?: boolean; maxCents?: number } = {}): number {
  const raw = typeof text === 'string' ? text : String(text);
  const match = PYTHON_NUMBER.exec(raw);
  if (!match) {
    throw new BancaError('INVALID_AMOUNT', `The ${field} "${raw.slice(0, 40)}" is not a number: send it as Python prints one, like 10, 10.0 or 10.5.`);
  }
  const exact = Number(raw) * 100;
  const cents = Math.round(exact);
  if (!Number.isFinite(exact) || Math.abs(exact - cents) > CENT_TOLERANCE * Math.max(1, Math.abs(exact))) {
    throw new BancaError('INVALID_AMOUNT', `The ${field} "${raw.slice(0, 40)}" is not a whole number of cents: use at most two decimal places.`);
  }
  const max = options.maxCents ?? AMOUNT_CENTS_MAX;
  if (cents > max) throw new BancaError('AMOUNT_TOO_LARGE', `The ${field} "${raw.slice(0, 40)}" is above the limit of ${formatCents(max)}.`);
  if (cents === 0 && !options.allowZero) throw new BancaError('INVALID_AMOUNT', `The ${field} must be greater than zero (got "${raw.slice(0, 40)}").`);
  return cents;
}

/** A new balance for seed 000's setAmount: zero allowed, up to the balance limit. */
export function parsePythonBalance(text: unknown, field = 'amount'): number {
  return parsePythonAmount(text, field, { allowZero: true, maxCents: BALANCE_CENTS_MAX });
}

/** Cents as seed 000 answers a balance: reais as a bare JSON number (1050 -> 10.5, 100000 -> 1000). */
export function reaisNumber(cents: number): number {
  // Division by 100 gives the shortest decimal that reads back as the same double: 10.5, 0.07.
  return cents / 100;
}
