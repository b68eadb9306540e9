// npm start's development interbank keys: one pair per bank, made once under the data directory
// and reused, readable by their owner only, and each bank given only its own private key.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { customerTokenSecretFile, devInterbankKeys, interbankConfigOf, interbankKeyFile } from '../src/interbank-keys.js';

test('interbank keys - made on first start with dev- kids, reused after, each bank holding only its own private key', () => {
  const dir = mkdtempSync(join(tmpdir(), 'banca-keys-'));
  try {
    const first = devInterbankKeys(dir, [1, 2, 3]);
    const kids = [1, 2, 3].map((bankId) => first.get(bankId)!.publicKey.kid);
    assert.equal(new Set(kids).size, 3);
    assert.ok(kids.every((kid) => kid.startsWith('dev-')), kids.join(', '));
    assert.equal(statSync(interbankKeyFile(dir, 2)).mode & 0o777, 0o600);
    const again = devInterbankKeys(dir, [1, 2, 3]);
    assert.deepEqual([1, 2, 3].map((bankId) => again.get(bankId)!.publicKey.kid), kids, 'the same keys after a restart');
    const config = interbankConfigOf(2, first);
    assert.equal(config.interbankPrivateKeyFile, interbankKeyFile(dir, 2));
    const peers = config.interbankPeerKeys as Record<string, Record<string, unknown>[]>;
    assert.deepEqual(Object.keys(peers).sort(), ['1', '3']);
    assert.ok(Object.values(peers).flat().every((key) => key.d === undefined), 'peers get public keys only');
    assert.ok(!JSON.stringify(config).includes(String(JSON.parse(readFileSync(interbankKeyFile(dir, 1), 'utf8')).d)), "bank 1's private part is nowhere in bank 2's config");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('customer-token secrets - one per bank, dev-prefixed, owner-only, reused; a bank is given only its own', () => {
  const dir = mkdtempSync(join(tmpdir(), 'banca-keys-'));
  try {
    const first = devInterbankKeys(dir, [1, 2, 3]);
    const secrets = [1, 2, 3].map((bankId) => first.get(bankId)!.customerTokenSecret);
    assert.equal(new Set(secrets).size, 3, 'no two banks share a secret');
    assert.ok(secrets.every((secret) => secret.startsWith('dev-insecure-') && secret.length >= 64), 'production refuses them (dev prefix)');
    assert.equal(statSync(customerTokenSecretFile(dir, 3)).mode & 0o777, 0o600);
    assert.deepEqual([1, 2, 3].map((bankId) => devInterbankKeys(dir, [1, 2, 3]).get(bankId)!.customerTokenSecret), secrets, 'the same after a restart');
    const config = JSON.stringify(interbankConfigOf(2, first));
    assert.ok(config.includes(secrets[1]!));
    assert.ok(!config.includes(secrets[0]!) && !config.includes(secrets[2]!), "bank 2's config holds no other bank's secret");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
