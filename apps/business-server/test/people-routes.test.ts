// GET /v1/people/:document, the bank's side of the dossier: one real bank (reached through its
// gateway, which passes the route unchanged) whose business server checks OAuth tokens against a
// JWKS this test serves, so the test can sign any token: the dossier's (banks:read), one of
// another scope, expired, foreign, and a customer's own bank token.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey } from 'jose';
import { deposit, DOCUMENTS, login, signUp, type TestCustomer } from '@banca/testkit/consortium';
import { devKeys, http, startTestBank, type TestBank } from '@banca/testkit/testkit';
import { loadBusinessServerConfig } from '../src/config.js';

let jwks: Server;
let jwksUrl: string;
let signingKey: CryptoKey;
let otherKey: CryptoKey;
let bank: TestBank;
let ana: TestCustomer;
let joint: TestCustomer;
const anaDocument = DOCUMENTS.cpf[0]!;

async function token(claims: { scope?: string; client_id?: string; iss?: string; expSeconds?: number }, key: CryptoKey = signingKey): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ scope: claims.scope ?? 'registry:read banks:read', client_id: claims.client_id ?? 'banca-dossier' })
    .setProtectedHeader({ alg: 'ES256', kid: key === signingKey ? 'people-test' : 'someone-else' })
    .setIssuer(claims.iss ?? 'banca-dossier')
    .setAudience('banca')
    .setSubject(claims.client_id ?? 'banca-dossier')
    .setIssuedAt(now - 600)
    .setExpirationTime(claims.expSeconds ?? now + 300)
    .sign(key);
}

const people = (document: string, headers: Record<string, string> = {}) => http(`${bank.gateway.url}/v1/people/${encodeURIComponent(document)}`, { headers });
const bearer = (value: string) => ({ authorization: `Bearer ${value}` });

before(async () => {
  ({ privateKey: signingKey } = await generateKeyPair('ES256', { extractable: true }));
  ({ privateKey: otherKey } = await generateKeyPair('ES256'));
  const publicJwk = await exportJWK(signingKey);
  delete publicJwk.d;
  const body = JSON.stringify({ keys: [{ ...publicJwk, kid: 'people-test', alg: 'ES256', use: 'sig' }] });
  jwks = createServer((_request, response) => response.writeHead(200, { 'content-type': 'application/json' }).end(body));
  await new Promise<void>((resolve) => jwks.listen(0, '127.0.0.1', resolve));
  const address = jwks.address();
  jwksUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/jwks.json`;

  bank = await startTestBank({ store: 'memory', businessServers: 1, businessServer: { oauth: { jwksUrl } } });
  ana = await signUp(bank.gateway.url, 1, 'Ana Souza', anaDocument);
  // A joint account whose first holder is Bruno: Ana is its second holder.
  const email = `joint.${randomUUID().slice(0, 6)}@example.com`;
  const created = await http(`${bank.gateway.url}/v1/customers`, {
    method: 'POST',
    json: { type: 'individual', holders: [{ name: 'Bruno Lima', document: DOCUMENTS.cpf[1] }, { name: 'Ana Souza', document: anaDocument }], email, password: 'correct horse' },
  });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  joint = await login(bank.gateway.url, 1, email, DOCUMENTS.cpf[1]!);
  for (let i = 1; i <= 12; i++) await deposit(bank.gateway.url, ana, `${i}.00`);
  await deposit(bank.gateway.url, joint, '7.50', 'qrcode');
});
after(async () => {
  await bank?.cleanup();
  await new Promise((resolve) => jwks?.close(resolve));
});

describe('people route', () => {
  test("people - a banks:read token sees every account of the document (joint ones too) with balances and the latest 10 transactions", async () => {
    const answer = await people('111.444.777-35', bearer(await token({})));
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    assert.equal(answer.body.bankId, 1);
    assert.equal(typeof answer.body.bankName, 'string');
    assert.equal(answer.body.name, 'Ana Souza', "the name of the holder with this document, not the joint account's first holder");
    assert.equal(answer.body.accounts.length, 2);
    const own = answer.body.accounts.find((account: { accountId: string }) => account.accountId === ana.accountId);
    const shared = answer.body.accounts.find((account: { accountId: string }) => account.accountId === joint.accountId);
    assert.deepEqual({ ...own, transactions: undefined }, {
      accountId: ana.accountId, type: 'individual', joint: false, holderNames: ['Ana Souza'],
      balanceCents: 7800, balance: '78.00', blockedCents: 0, blocked: '0.00', transactions: undefined,
    });
    assert.equal(own.transactions.length, 10);
    // The latest ten, newest first (deposits made in the same millisecond may come in either order).
    const times = own.transactions.map((transaction: { atMs: number }) => transaction.atMs);
    assert.deepEqual(times, [...times].sort((a, b) => b - a));
    assert.deepEqual(own.transactions.map((transaction: { amountCents: number }) => transaction.amountCents).sort((a: number, b: number) => a - b), [3, 4, 5, 6, 7, 8, 9, 10, 11, 12].map((units) => units * 100));
    const mine = (await http(`${bank.gateway.url}/v1/me/transactions?limit=10`, { headers: ana.auth })).body.transactions;
    assert.deepEqual(own.transactions, mine, 'the same shape as GET /v1/me/transactions');
    assert.deepEqual([shared.joint, shared.holderNames, shared.balance, shared.transactions.length], [true, ['Bruno Lima', 'Ana Souza'], '7.50', 1]);
  });

  test('people - a valid document nobody holds here: no accounts, no name', async () => {
    const answer = await people(DOCUMENTS.cnpj[2]!, bearer(await token({})));
    assert.equal(answer.status, 200);
    assert.deepEqual([answer.body.accounts, answer.body.name], [[], null]);
  });

  test('people - an invalid document is 400 INVALID_DOCUMENT', async () => {
    const answer = await people('111.444.777-36', bearer(await token({})));
    assert.equal(answer.status, 400);
    assert.equal(answer.body.error.code, 'INVALID_DOCUMENT');
  });

  test("people - refuses no token, a customer's bank token, a token without banks:read, an expired, a foreign or another issuer's token", async () => {
    const none = await people(anaDocument);
    assert.equal(none.status, 401);
    assert.equal(none.body.error.code, 'UNAUTHENTICATED');
    assert.match(String(none.headers['www-authenticate']), /^Bearer error="invalid_token"/);
    const customer = await people(anaDocument, ana.auth);
    assert.equal(customer.status, 401);
    assert.equal(customer.body.error.code, 'UNAUTHENTICATED');
    const registryOnly = await people(anaDocument, bearer(await token({ scope: 'registry:read registry:write', client_id: 'registry-writer' })));
    assert.equal(registryOnly.status, 403);
    assert.equal(registryOnly.body.error.code, 'INSUFFICIENT_SCOPE');
    assert.match(String(registryOnly.headers['www-authenticate']), /insufficient_scope/);
    const expired = await people(anaDocument, bearer(await token({ expSeconds: Math.floor(Date.now() / 1000) - 60 })));
    assert.equal(expired.status, 401);
    assert.equal(expired.body.error.code, 'TOKEN_EXPIRED');
    for (const refused of [await token({}, otherKey), await token({ iss: 'someone-else' })]) {
      const answer = await people(anaDocument, bearer(refused));
      assert.equal(answer.status, 401);
      assert.equal(answer.body.error.code, 'UNAUTHENTICATED');
    }
  });

  test('people - documented in the OpenAPI of the business server', async () => {
    const server = bank.businessServers[0]!;
    const paths = (await http(`${server.url}/openapi.json`)).body.paths;
    assert.ok(paths['/v1/people/{document}']?.get, Object.keys(paths).join(', '));
  });
});

describe('people route config', () => {
  test('config - oauth defaults to the dossier on port 9000; BANCA_OAUTH_JWKS_URL overrides the key set', () => {
    const base = { businessKey: devKeys.business['1'] };
    assert.deepEqual({ ...loadBusinessServerConfig(base, {}).oauth }, { jwksUrl: 'http://127.0.0.1:9000/.well-known/jwks.json', issuer: 'banca-dossier', audience: 'banca' });
    const config = loadBusinessServerConfig({ ...base, oauth: { audience: 'banca' } }, { BANCA_OAUTH_JWKS_URL: 'http://dossier.internal:9000/.well-known/jwks.json' });
    assert.equal(config.oauth.jwksUrl, 'http://dossier.internal:9000/.well-known/jwks.json');
  });
});
