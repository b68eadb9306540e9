// What makes a registry entry acceptable, beyond its JSON shape: a debt's date is a real calendar
// day, not in the future; creditors and descriptions are short printable text. The request hash
// covers the canonical values, so "10.5" and "10.50", or a CPF with and without dots, are the same.
import { createHash } from 'node:crypto';
import { canonicalJson } from '@banca/core/canonical-json';
import { BancaError } from '@banca/core/errors';
import type { ItemFacts } from '../infra/registry-store.js';

export const TEXT_CHARS_MAX = 200;
/** The earliest debt date the registry takes; anything before is a typing mistake. */
export const DATE_MIN = '1900-01-01';

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/**
 * Checks a YYYY-MM-DD date against the calendar and today's date in UTC (which is never behind
 * Brazil's), and returns it unchanged.
 * @example parseDebtDate('2024-02-29', Date.now()) === '2024-02-29'
 */
export function parseDebtDate(value: string, nowMs: number): string {
  const match = ISO_DATE.exec(value);
  if (!match) {
    throw new BancaError('INVALID_REQUEST', `The date ${JSON.stringify(value.slice(0, 20))} is not a date: use YYYY-MM-DD, e.g. "2026-01-31".`);
  }
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const date = new Date(Date.UTC(year, month - 1, day));
  if (date.getUTCFullYear() !== year || date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) {
    throw new BancaError('INVALID_REQUEST', `The date ${value} does not exist in the calendar.`);
  }
  if (value < DATE_MIN) throw new BancaError('INVALID_REQUEST', `The date ${value} is before ${DATE_MIN}; check the year.`);
  const today = new Date(nowMs).toISOString().slice(0, 10);
  if (value > today) {
    throw new BancaError('INVALID_REQUEST', `The date ${value} is in the future (today is ${today} UTC): a debt's date is the day it was taken.`);
  }
  return value;
}

/** Trims a creditor or description; refuses empty text and control characters. */
export function parseText(value: string, field: string): string {
  const text = value.trim();
  if (text.length === 0) throw new BancaError('INVALID_REQUEST', `The ${field} is empty.`);
  if (text.length > TEXT_CHARS_MAX) throw new BancaError('INVALID_REQUEST', `The ${field} is longer than ${TEXT_CHARS_MAX} characters.`);
  if (/\p{Cc}/u.test(text)) throw new BancaError('INVALID_REQUEST', `The ${field} contains control characters (line breaks, tabs...).`);
  return text;
}

/** Digest of what a request asks for, compared when its idempotency key comes back. A flat array
 *  of strings and numbers, whose canonical JSON is the JSON.stringify text the stored hashes were
 *  made of, so items recorded before still replay. */
export function requestHash(document: string, amountCents: number, facts: ItemFacts): string {
  const values = facts.kind === 'debt'
    ? [document, facts.kind, amountCents, facts.date, facts.creditor]
    : [document, facts.kind, amountCents, facts.description];
  return createHash('sha256').update(canonicalJson(values)).digest('hex');
}
