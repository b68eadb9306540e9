import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Type } from '@sinclair/typebox';
import { devBusinessKeys, parseKeyList, refuseDevKeysInProduction, verifyKey } from '../src/auth.js';
import { compileConfig, ConfigError } from '../src/config.js';

test('auth - keys are checked per id, in constant time, and unknown ids fail', () => {
  const ring = parseKeyList('1:alpha-key-0000000001, 2:beta-key-00000000002', 'TEST');
  assert.deepEqual(ring, { '1': 'alpha-key-0000000001', '2': 'beta-key-00000000002' });
  assert.equal(verifyKey(ring, '1', 'alpha-key-0000000001'), true);
  assert.equal(verifyKey(ring, '2', 'alpha-key-0000000001'), false, "another id's key");
  assert.equal(verifyKey(ring, '3', 'alpha-key-0000000001'), false);
  assert.equal(verifyKey(ring, '1', undefined), false);
  assert.equal(verifyKey(ring, 'constructor', 'x'), false, 'no prototype keys');
  assert.throws(() => parseKeyList('1:key,broken', 'BANCA_BUSINESS_KEYS'), /BANCA_BUSINESS_KEYS/);
});

test('auth - development keys are refused when NODE_ENV=production', () => {
  assert.throws(() => refuseDevKeysInProduction(devBusinessKeys(3), 'data-server', { NODE_ENV: 'production' }), /development keys/);
  assert.doesNotThrow(() => refuseDevKeysInProduction(devBusinessKeys(3), 'data-server', { NODE_ENV: 'development' }));
  assert.doesNotThrow(() => refuseDevKeysInProduction({ '1': 'a-real-secret-key-123' }, 'data-server', { NODE_ENV: 'production' }));
});

test('config - defaults fill in, unknown keys and wrong types are refused with the path named', () => {
  const schema = Type.Object({ port: Type.Integer({ default: 8101 }), leaseMs: Type.Integer({ minimum: 10, default: 3000 }) }, { additionalProperties: false });
  const config = compileConfig(schema, {}, 'test');
  assert.deepEqual(config, { port: 8101, leaseMs: 3000 });
  assert.ok(Object.isFrozen(config));
  assert.throws(() => compileConfig(schema, { lease: 5 }, 'test'), (error: unknown) => error instanceof ConfigError && /lease/.test(error.message));
  assert.throws(() => compileConfig(schema, { leaseMs: 1 }, 'test'), (error: unknown) => error instanceof ConfigError && /leaseMs/.test(error.message));
});
