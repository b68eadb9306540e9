// The commit request hash: canonical JSON, so a retry's key order does not count, and a commit
// stored before (under the JSON.stringify hash of the same request) still matches its retry.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import type { CommitRequest } from '@banca/core/protocol';
import { hashCommit, sameCommitRequest } from '../src/infra/ledger-rules.js';

const request: CommitRequest = {
  commitId: 'c-1', locks: [{ accountId: 'a', fence: 3 }], release: true,
  transfers: [{ transferId: 't-1', kind: 'deposit', debitAccountId: '@cash', creditAccountId: 'a', amountCents: 250 }],
  records: [{ collection: 'packets', key: 'p1', expectVersion: 0, value: { state: 'open', legs: [{ to: 'b', cents: 250 }] }, tags: ['open'] }],
};
const reordered = JSON.parse(JSON.stringify(request), (_key, value: unknown) => (
  value !== null && typeof value === 'object' && !Array.isArray(value) ? Object.fromEntries(Object.entries(value).reverse()) : value)) as CommitRequest;
/** The hash commits were stored under before it was canonical. */
const legacyHash = (commit: CommitRequest) => createHash('sha256')
  .update(JSON.stringify([commit.transfers, commit.setBalances ?? null, commit.queue?.results ?? null, ...(commit.records?.length ? [commit.records] : [])]))
  .digest('base64url');

test('commit hash - the same request with its keys in another order has the same hash', () => {
  assert.equal(hashCommit(reordered), hashCommit(request));
  assert.ok(sameCommitRequest(hashCommit(request), reordered));
  assert.notEqual(hashCommit({ ...request, transfers: [{ ...request.transfers[0]!, amountCents: 251 }] }), hashCommit(request));
});

test('commit hash - a commit stored under the JSON.stringify hash of before still matches its retry, and only its retry', () => {
  const stored = legacyHash(request);
  assert.notEqual(stored, hashCommit(request), 'the stored hash is the old form');
  assert.ok(sameCommitRequest(stored, request), 'a retry sent as before is a replay');
  assert.equal(sameCommitRequest(stored, { ...request, transfers: [{ ...request.transfers[0]!, amountCents: 251 }] }), false);
  assert.equal(sameCommitRequest(stored, { ...request, records: [] }), false);
});
