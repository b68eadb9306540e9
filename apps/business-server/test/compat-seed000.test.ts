// A business server's compat seed000 settings and spaces, without processes: seed 000's queue of
// 5 is chosen for it, its client keys must each name one client, and every key reaches the
// ledger's own account ids (seed 000's one namespace) but still never a customer's account.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { BancaError } from '@banca/core/errors';
import { ConfigError } from '@banca/core/config';
import { ClientSpaces } from '../src/application/client-spaces.js';
import { loadBusinessServerConfig } from '../src/config.js';

describe('business server - compat seed000', () => {
  test('compat seed000 - chooses seed mode; refuses batch mode and client keys shared by two clients', () => {
    assert.equal(loadBusinessServerConfig({ compat: 'seed000' }, {}).queueMode, 'seed');
    assert.equal(loadBusinessServerConfig({}, {}).queueMode, 'batch', 'without compat the default stays batch');
    assert.throws(() => loadBusinessServerConfig({ compat: 'seed000', queueMode: 'batch' }, {}), (error: unknown) => error instanceof ConfigError && /queueMode "seed"/.test(error.message));
    const shared = { clientA: 'one-key-for-two-000', clientB: 'one-key-for-two-000' };
    assert.throws(() => loadBusinessServerConfig({ compat: 'seed000', clientKeys: shared }, {}), (error: unknown) => error instanceof ConfigError && /same key/.test(error.message));
    assert.throws(() => loadBusinessServerConfig({ compat: 'nonsense' }, {}), ConfigError);
  });

  test("compat seed000 - every key shares the ledger's own ids; customers' accounts stay out of reach", async () => {
    const spaces = new ClientSpaces({ clientSpaces: {}, tellers: [], compat: 'seed000' }, async () => true);
    const [a, b] = [spaces.access('clientA'), spaces.access('clientB')];
    assert.equal(await spaces.ledgerId(a, '1'), '1');
    assert.equal(await spaces.ledgerId(b, '1'), '1', 'two keys reach the same account 1, as in seed 000');
    assert.equal(spaces.clientId(a, '1'), '1');
    await assert.rejects(spaces.ledgerId(a, '12345678'), (error: unknown) => error instanceof BancaError && error.code === 'FORBIDDEN');
    const own = new ClientSpaces({ clientSpaces: {}, tellers: [] }, async () => true);
    assert.equal(await own.ledgerId(own.access('clientA'), '1'), 'clientA:1', 'without compat each key keeps its own space');
  });
});
