// Where a page of records oldest first ended, as an opaque text a client passes back unchanged:
// base64url of the JSON [updatedAtMs, key] of the page's last record. Decoded and checked here,
// so a store is only ever given a well-formed position.
import { BancaError } from '@banca/core/errors';
import { RECORD_KEY } from '@banca/core/protocol';
import type { RecordPosition } from '../infra/ledger-store.js';

/** Room for the longest key (128 characters) and a millisecond count, in base64url. */
export const RECORD_CURSOR_CHARS_MAX = 256;

export function encodeRecordCursor(position: RecordPosition): string {
  return Buffer.from(JSON.stringify([position.updatedAtMs, position.key]), 'utf8').toString('base64url');
}

export function decodeRecordCursor(cursor: unknown): RecordPosition {
  const refused = () => new BancaError(
    'INVALID_REQUEST',
    `The cursor after=${JSON.stringify(cursor)?.slice(0, 40)} is not one this server gave: pass the "next" of the previous page unchanged, or leave "after" out to start from the oldest.`,
  );
  if (typeof cursor !== 'string' || cursor.length === 0 || cursor.length > RECORD_CURSOR_CHARS_MAX || !/^[A-Za-z0-9_-]+$/.test(cursor)) throw refused();
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw refused();
  }
  if (!Array.isArray(parsed) || parsed.length !== 2) throw refused();
  const [updatedAtMs, key] = parsed as unknown[];
  if (!Number.isSafeInteger(updatedAtMs) || (updatedAtMs as number) < 0 || typeof key !== 'string' || !RECORD_KEY.test(key)) throw refused();
  return { updatedAtMs: updatedAtMs as number, key };
}
