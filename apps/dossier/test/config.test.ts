// The dossier's config: defaults, the environment variables, and the refusals that keep secrets
// safe (development secrets in production; a bad key or secret refused without being echoed).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { exportJWK, generateKeyPair } from 'jose';
import { ConfigError } from '@banca/core/config';
import { loadDossierConfig } from '../src/config.js';

describe('config', () => {
  test('config - defaults: port 9000, the registry on 9010, the development clients and administrator', () => {
    const config = loadDossierConfig({}, {});
    assert.equal(config.port, 9000);
    assert.equal(config.registryUrl, 'http://127.0.0.1:9010');
    assert.deepEqual(config.oauth.clients.map((client) => [client.clientId, client.scopes.join(' ')]), [
      ['registry-writer', 'registry:read registry:write'], ['dossier-reader', 'dossier:read'],
    ]);
    assert.equal(config.oauth.tokenTtlSeconds, 300);
    assert.equal(config.oauth.issuer, 'banca-dossier');
    assert.equal(config.oauth.audience, 'banca');
    assert.equal(config.admin.username, 'admin');
    assert.equal(config.sourceTimeoutMs, 2000);
    assert.deepEqual({ ...config.circuitBreaker }, { failuresToOpen: 3, openMs: 10_000 });
    assert.equal(config.oauth.signingKeyJwk, undefined);
  });

  test('config - environment variables: clients (scopes as a string or a list), banks, registry, admin password, signing key', async () => {
    const { privateKey } = await generateKeyPair('ES256', { extractable: true });
    const jwk = { ...(await exportJWK(privateKey)), kid: 'k1' };
    const config = loadDossierConfig({ oauth: { tokenTtlSeconds: 60 } }, {
      BANCA_OAUTH_CLIENTS: JSON.stringify([{ clientId: 'a', secret: 'a-secret-long-enough', scopes: 'registry:read  banks:read' }, { clientId: 'b', secret: 'b-secret-long-enough', scopes: ['dossier:read'] }]),
      BANCA_DOSSIER_BANKS: JSON.stringify([{ bankId: 1, name: 'Banco Aurora', url: 'http://127.0.0.1:8100' }]),
      BANCA_REGISTRY_URL: 'http://registry.internal:9010',
      BANCA_DOSSIER_ADMIN_PASSWORD: 'a real admin password',
      BANCA_OAUTH_SIGNING_KEY: JSON.stringify(jwk),
    });
    assert.deepEqual(config.oauth.clients.map((client) => client.scopes), [['registry:read', 'banks:read'], ['dossier:read']]);
    assert.equal(config.oauth.tokenTtlSeconds, 60, 'the file\'s oauth keys are kept beside the environment\'s');
    assert.equal(config.banks[0]?.name, 'Banco Aurora');
    assert.equal(config.registryUrl, 'http://registry.internal:9010');
    assert.equal(config.admin.password, 'a real admin password');
    assert.equal(config.oauth.signingKeyJwk?.kid, 'k1');
  });

  test('config - NODE_ENV=production refuses the development client secrets and administrator password', () => {
    assert.throws(() => loadDossierConfig({}, { NODE_ENV: 'production', BANCA_DOSSIER_ADMIN_PASSWORD: 'a real admin password' }), /registry-writer, dossier-reader/);
    assert.throws(
      () => loadDossierConfig({ oauth: { clients: [{ clientId: 'x', secret: 'a-real-secret-of-length', scopes: ['dossier:read'] }] } }, { NODE_ENV: 'production' }),
      /admin\.password: development keys/,
    );
    const real = loadDossierConfig({ oauth: { clients: [{ clientId: 'x', secret: 'a-real-secret-of-length', scopes: ['dossier:read'] }] } }, {
      NODE_ENV: 'production', BANCA_DOSSIER_ADMIN_PASSWORD: 'a real admin password',
    });
    assert.equal(real.oauth.clients.length, 1);
  });

  test('config - a bad signing key, a short secret or bad JSON is refused without echoing the secret', async () => {
    const { privateKey: other } = await generateKeyPair('ES256', { extractable: true });
    const jwkWithoutKid = await exportJWK(other);
    const rsaLike = { kty: 'RSA', kid: 'r', n: 'AQAB', e: 'AQAB', d: 'PRIVATE-PART-NEVER-SHOWN', p: 'PRIVATE-PRIME-NEVER-SHOWN' };
    const refusal = (run: () => unknown) => {
      try {
        run();
      } catch (error) {
        assert.ok(error instanceof ConfigError, String(error));
        return error.message;
      }
      assert.fail('expected a ConfigError');
    };
    const badKey = refusal(() => loadDossierConfig({}, { BANCA_OAUTH_SIGNING_KEY: JSON.stringify(rsaLike) }));
    assert.match(badKey, /signingKeyJwk must be a private ES256 key/);
    assert.doesNotMatch(badKey, /NEVER-SHOWN/);
    const noKid = refusal(() => loadDossierConfig({}, { BANCA_OAUTH_SIGNING_KEY: JSON.stringify(jwkWithoutKid) }));
    assert.match(noKid, /signingKeyJwk/);
    assert.doesNotMatch(noKid, new RegExp(jwkWithoutKid.d ?? 'unreachable'));
    const shortSecret = refusal(() => loadDossierConfig({}, { BANCA_OAUTH_CLIENTS: JSON.stringify([{ clientId: 'a', secret: 'SHORT-SECRET', scopes: ['x'] }]) }));
    assert.doesNotMatch(shortSecret, /SHORT-SECRET/);
    const shortPassword = refusal(() => loadDossierConfig({}, { BANCA_DOSSIER_ADMIN_PASSWORD: 'tiny-PASS' }));
    assert.doesNotMatch(shortPassword, /tiny-PASS/);
    const badJson = refusal(() => loadDossierConfig({}, { BANCA_OAUTH_CLIENTS: '[{"secret": "HALF-A-SECRET' }));
    assert.doesNotMatch(badJson, /HALF-A-SECRET/);
    assert.match(refusal(() => loadDossierConfig({ banks: [{ bankId: 1, name: 'A', url: 'http://a' }, { bankId: 1, name: 'B', url: 'http://b' }] }, {})), /bank 1 twice/);
  });
});
