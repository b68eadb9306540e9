// The dossier built in this process (buildApp, no listening) with a clock the test moves: a key
// made at start when none is configured (public half only in the JWKS), tokens that expire with
// the clock, and the self token the dossier shows its sources.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { DOCUMENTS } from '@banca/testkit/consortium';
import { buildApp } from '../src/app.js';
import { loadDossierConfig } from '../src/config.js';

const clock = { now: Date.parse('2030-01-01T00:00:00Z') };
let app: FastifyInstance;

before(async () => {
  app = await buildApp(loadDossierConfig({ logLevel: 'silent', registryUrl: 'http://127.0.0.1:9', sourceTimeoutMs: 200, oauth: { tokenTtlSeconds: 60 } }, {}), { now: () => clock.now });
});
after(async () => app?.close());

async function token(): Promise<string> {
  const answer = await app.inject({
    method: 'POST', url: '/oauth/token', headers: { 'content-type': 'application/x-www-form-urlencoded' },
    payload: 'grant_type=client_credentials&client_id=dossier-reader&client_secret=dev-insecure-dossier-reader',
  });
  assert.equal(answer.statusCode, 200, answer.body);
  return answer.json().access_token;
}

describe('app', () => {
  test('app - with no configured key one is made at start; the JWKS shows only its public half', async () => {
    const jwks = (await app.inject({ method: 'GET', url: '/.well-known/jwks.json' })).json();
    assert.equal(jwks.keys.length, 1);
    assert.match(jwks.keys[0].kid, /^ephemeral-/);
    assert.equal('d' in jwks.keys[0], false);
  });

  test('app - a token lives tokenTtlSeconds by the clock, then the dossier route answers TOKEN_EXPIRED', async () => {
    const issued = await token();
    const read = () => app.inject({ method: 'GET', url: `/v1/dossiers/${DOCUMENTS.cpf[0]}`, headers: { authorization: `Bearer ${issued}` } });
    const fresh = await read();
    assert.equal(fresh.statusCode, 200, fresh.body);
    assert.equal(fresh.json().complete, false, 'no registry listens here');
    assert.equal(fresh.json().sources[0].source, 'registry');
    clock.now += 61_000;
    const late = await read();
    assert.equal(late.statusCode, 401);
    assert.equal(late.json().error.code, 'TOKEN_EXPIRED');
  });

  test('app - /metrics counts each source by outcome and shows which circuits are open', async () => {
    const before = (await app.inject({ method: 'GET', url: '/metrics' })).body;
    assert.match(before, /banca_dossier_source_duration_seconds_count\{[^}]*source="registry",status="unavailable"[^}]*\} 1\n/);
    const issued = await token();
    // failuresToOpen is 3: two more failed reads of the registry open its circuit.
    for (let read = 0; read < 3; read++) {
      await app.inject({ method: 'GET', url: `/v1/dossiers/${DOCUMENTS.cpf[0]}`, headers: { authorization: `Bearer ${issued}` } });
    }
    const metrics = (await app.inject({ method: 'GET', url: '/metrics' })).body;
    assert.match(metrics, /banca_dossier_source_duration_seconds_count\{[^}]*source="registry",status="unavailable"[^}]*\} 3\n/);
    assert.match(metrics, /banca_dossier_source_duration_seconds_count\{[^}]*source="registry",status="circuit-open"[^}]*\} 1\n/);
    assert.match(metrics, /banca_dossier_circuit_open\{[^}]*source="registry"[^}]*\} 1\n/);
  });
});
