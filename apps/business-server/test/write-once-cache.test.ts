// The cache of write-once records (customers, Pix keys): a record found is read once, an absence
// is read again every time (the record may be written later), and the least recently used goes first.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { WriteOnceCache } from '../src/application/write-once-cache.js';

describe('write-once cache', () => {
  test('a record found is read once; an absence is never kept', async () => {
    const cache = new WriteOnceCache<string>(10);
    let reads = 0;
    const store = new Map<string, string>();
    const read = (key: string) => async () => (reads++, store.get(key) ?? null);
    assert.equal(await cache.get('a', read('a')), null);
    assert.equal(await cache.get('a', read('a')), null);
    assert.equal(reads, 2, 'an absence is read again');
    store.set('a', 'Ana');
    assert.equal(await cache.get('a', read('a')), 'Ana', 'a record written since is found');
    assert.equal(await cache.get('a', read('a')), 'Ana');
    assert.equal(reads, 3, 'then it is not read again');
  });

  test('bounded: past max entries the least recently used goes', async () => {
    const cache = new WriteOnceCache<string>(2);
    let reads = 0;
    const read = (key: string) => async () => (reads++, key.toUpperCase());
    await cache.get('a', read('a'));
    await cache.get('b', read('b'));
    await cache.get('a', read('a'));
    await cache.get('c', read('c'));
    assert.equal(cache.size, 2);
    assert.equal(reads, 3);
    await cache.get('a', read('a'));
    assert.equal(reads, 3, 'a was used last: kept');
    await cache.get('b', read('b'));
    assert.equal(reads, 4, 'b was the least recently used: evicted, read again');
  });
});
