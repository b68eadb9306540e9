// The catalogue, its types and its documentation agree: every code has a sensible status and
// appears in the README's error table, and the README lists no code that does not exist.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { BancaError, errorCatalogue, isErrorCode } from '../src/errors.js';

const readme = readFileSync(new URL('../../../../README.md', import.meta.url), 'utf8');

test('errors - every code has a 4xx/5xx status, a message, and 5xx/423/429 are retryable', () => {
  for (const [code, entry] of Object.entries(errorCatalogue)) {
    assert.ok(entry.status >= 400 && entry.status < 600, code);
    assert.ok(entry.message.length > 10, code);
    if (entry.status >= 500 || entry.status === 423 || entry.status === 429) assert.equal(entry.retryable, true, code);
    if ([400, 401, 403, 404, 413, 415, 422].includes(entry.status)) assert.equal(entry.retryable, false, code);
  }
});

test('errors - the README documents exactly the catalogue', () => {
  const documented = new Set([...readme.matchAll(/^\| `([A-Z_]+)` \| (\d{3}) \|/gm)].map((match) => `${match[1]}:${match[2]}`));
  const catalogue = new Set(Object.entries(errorCatalogue).map(([code, entry]) => `${code}:${entry.status}`));
  assert.deepEqual([...catalogue].filter((item) => !documented.has(item)), [], 'codes missing from the README');
  assert.deepEqual([...documented].filter((item) => !catalogue.has(item)), [], 'README codes not in the catalogue');
});

test('errors - an error answer round-trips through its JSON body', () => {
  const error = new BancaError('ACCOUNT_LOCKED', 'Account 1 is locked.', { details: { accountId: '1' } });
  const body = error.toBody('req-1');
  assert.deepEqual(body, { error: { code: 'ACCOUNT_LOCKED', message: 'Account 1 is locked.', retryable: true, details: { accountId: '1' } }, requestId: 'req-1' });
  const back = BancaError.fromBody(423, body);
  assert.equal(back.code, 'ACCOUNT_LOCKED');
  assert.equal(BancaError.fromBody(502, '<html>').code, 'BAD_GATEWAY');
  assert.equal(isErrorCode('NOPE'), false);
});
