// A consortium of 3 banks, each its own processes: customers, Pix between banks, packets paid
// from accounts at several banks (all or nothing), and the money across the consortium.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import type { InterbankPrivateJwk } from '@banca/core/interbank-keys';
import { after, before, describe, test } from 'node:test';
import { auditConsortium, consent, deposit, DOCUMENTS, login, me, packet, pix, signUp, type PacketTransfer, type TestCustomer } from '@banca/testkit/consortium';
import { consortiumBankKey, consortiumCustomerTokenSecret, signedInterbankHeaders, testInterbankKeys } from '@banca/testkit/interbank';
import { http, startTestConsortium, type TestConsortium } from '@banca/testkit/testkit';
import { ConsentTokens } from '../src/infra/consent-tokens.js';
import { CustomerTokens } from '../src/infra/customer-tokens.js';

let consortium: TestConsortium;
let ana: TestCustomer;
let anaAt3: TestCustomer;
let bruno: TestCustomer;
let carla: TestCustomer;
const url = (bankId: number) => consortium.url(bankId);
const bankKey = (bankId: number) => consortiumBankKey(consortium.dataDir, bankId);
const sign = (key: InterbankPrivateJwk, sender: number, receiver: number, method: string, path: string, body?: unknown) =>
  signedInterbankHeaders({ key, sender, receiver, method, path, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });

/** What bank 2's business servers hold: every private JWK and customer-token secret in their environment, config and the files these name, and bank 1's kids. */
function bankSecrets(bankId: number): { privateKeys: InterbankPrivateJwk[]; bank1Kids: string[]; tokenSecrets: string[] } {
  const privateKeys = new Map<string, InterbankPrivateJwk>();
  const bank1Kids = new Set<string>();
  const tokenSecrets = new Set<string>();
  const visit = (value: unknown, depth = 0): void => {
    if (depth > 12 || value === null) return;
    if (typeof value === 'string') {
      if (value.startsWith('{') || value.startsWith('[')) {
        try {
          visit(JSON.parse(value), depth + 1);
        } catch { /* not JSON */ }
      } else if (value.startsWith('/') && value.length < 4096 && existsSync(value) && statSync(value).isFile() && statSync(value).size < 1_000_000) {
        visit(readFileSync(value, 'utf8'), depth + 1);
      }
      return;
    }
    if (typeof value !== 'object') return;
    if (Array.isArray(value)) return value.forEach((item) => visit(item, depth + 1));
    const record = value as Record<string, unknown>;
    if (typeof record.d === 'string' && typeof record.kid === 'string') privateKeys.set(record.kid, record as unknown as InterbankPrivateJwk);
    if (typeof record.customerTokenSecret === 'string') tokenSecrets.add(record.customerTokenSecret);
    const peerKeys = record.interbankPeerKeys as Record<string, { kid: string }[]> | undefined;
    for (const key of peerKeys?.['1'] ?? []) bank1Kids.add(key.kid);
    for (const item of Object.values(record)) visit(item, depth + 1);
  };
  for (const server of consortium.bank(bankId).businessServers) {
    const environ = readFileSync(`/proc/${server.child.pid}/environ`, 'utf8').split('\0');
    for (const entry of environ) {
      if (entry.startsWith('BANCA_CUSTOMER_TOKEN_SECRET=')) tokenSecrets.add(entry.slice(entry.indexOf('=') + 1));
      visit(entry.slice(entry.indexOf('=') + 1));
    }
  }
  return { privateKeys: [...privateKeys.values()], bank1Kids: [...bank1Kids], tokenSecrets: [...tokenSecrets] };
}

before(async () => {
  consortium = await startTestConsortium(3, 'holds', { businessServer: { holdTimeoutMs: 3000, recoveryIntervalMs: 200 } });
  ana = await signUp(url(1), 1, 'Ana Souza', DOCUMENTS.cpf[0]!);
  anaAt3 = await signUp(url(3), 3, 'Ana Souza', DOCUMENTS.cpf[0]!);
  bruno = await signUp(url(2), 2, 'Bruno Lima', DOCUMENTS.cpf[1]!);
  carla = await signUp(url(3), 3, 'Carla Dias Ltda', DOCUMENTS.cnpj[0]!);
  await deposit(url(1), ana, '100.00', 'cash');
  await deposit(url(3), anaAt3, '50.00', 'boleto');
});
after(async () => consortium.cleanup());

describe('consortium - customers', () => {
  test('sign-up validates CPF/CNPJ check digits and refuses a taken e-mail or document', async () => {
    const bad = await http(`${url(1)}/v1/customers`, { method: 'POST', json: { type: 'individual', holders: [{ name: 'X Y', document: '111.444.777-36' }], email: 'x@example.com', password: 'long enough' } });
    assert.equal(bad.status, 400);
    assert.equal(bad.body.error.code, 'INVALID_DOCUMENT');
    const wrongKind = await http(`${url(1)}/v1/customers`, { method: 'POST', json: { type: 'company', holders: [{ name: 'X Y', document: DOCUMENTS.cpf[2] }], email: 'y@example.com', password: 'long enough' } });
    assert.equal(wrongKind.body.error.code, 'INVALID_DOCUMENT');
    const again = await http(`${url(1)}/v1/customers`, { method: 'POST', json: { type: 'individual', holders: [{ name: 'Ana Again', document: DOCUMENTS.cpf[0] }], email: 'other@example.com', password: 'long enough' } });
    assert.equal(again.status, 409);
    assert.equal(again.body.error.code, 'ALREADY_REGISTERED');
    const sameEmail = await http(`${url(1)}/v1/customers`, { method: 'POST', json: { type: 'individual', holders: [{ name: 'Someone', document: DOCUMENTS.cpf[3] }], email: ana.email, password: 'long enough' } });
    assert.equal(sameEmail.body.error.code, 'ALREADY_REGISTERED');
  });

  test('a joint account has two holders; login needs the right password; the password is never shown', async () => {
    const email = `joint.${randomUUID().slice(0, 6)}@example.com`;
    const created = await http(`${url(2)}/v1/customers`, {
      method: 'POST',
      json: { type: 'individual', holders: [{ name: 'Davi Rocha', document: DOCUMENTS.cpf[4] }, { name: 'Eva Rocha', document: DOCUMENTS.cpf[5] }], email, password: 'correct horse' },
    });
    assert.equal(created.status, 201);
    assert.equal(created.body.joint, true);
    assert.equal(created.body.holders.length, 2);
    assert.equal(JSON.stringify(created.body).includes('scrypt'), false);
    const wrong = await http(`${url(2)}/v1/sessions`, { method: 'POST', json: { email, password: 'wrong horse' } });
    assert.equal(wrong.status, 401);
    assert.equal(wrong.body.error.code, 'INVALID_CREDENTIALS');
    const unknown = await http(`${url(2)}/v1/sessions`, { method: 'POST', json: { email: 'nobody@example.com', password: 'wrong horse' } });
    assert.equal(unknown.body.error.code, 'INVALID_CREDENTIALS');
    const davi = await login(url(2), 2, email, DOCUMENTS.cpf[4]!);
    assert.equal((await me(url(2), davi)).holders[1].name, 'Eva Rocha');
  });

  test('tokens: missing, tampered, or issued by another bank are refused', async () => {
    assert.equal((await http(`${url(1)}/v1/me`)).status, 401);
    const tampered = `${ana.token.slice(0, -2)}xx`;
    assert.equal((await http(`${url(1)}/v1/me`, { headers: { authorization: `Bearer ${tampered}` } })).body.error.code, 'UNAUTHENTICATED');
    const elsewhere = await http(`${url(2)}/v1/me`, { headers: ana.auth });
    assert.equal(elsewhere.status, 401);
    assert.match(elsewhere.body.error.message, /not issued for this bank/);
  });

  test('a bank finds which banks know a CPF; a key lookup shows the name and bank, document masked', async () => {
    const banks = await http(`${url(1)}/v1/me/banks`, { headers: ana.auth });
    assert.equal(banks.status, 200);
    const withAccounts = banks.body.banks.filter((bank: { accounts?: unknown[] }) => (bank.accounts?.length ?? 0) > 0).map((bank: { bankId: number }) => bank.bankId);
    assert.deepEqual(withAccounts, [1, 3]);
    const lookup = await http(`${url(1)}/v1/pix-keys/lookup?bankId=2&key=${encodeURIComponent('529.982.247-25')}`, { headers: ana.auth });
    assert.equal(lookup.status, 200);
    assert.deepEqual({ name: lookup.body.name, bank: lookup.body.bankName, document: lookup.body.documentMasked }, { name: 'Bruno Lima', bank: consortium.members[1]!.name, document: '***.982.247-**' });
    const missing = await http(`${url(1)}/v1/pix-keys/lookup?bankId=2&key=${DOCUMENTS.cpf[6]}`, { headers: ana.auth });
    assert.equal(missing.status, 404);
    assert.equal(missing.body.error.code, 'PIX_KEY_NOT_FOUND');
  });
});

describe('consortium - Pix and packets', () => {
  test('Pix to another bank: completed on both sides, idempotent by key, money conserved', async () => {
    const before = await auditConsortium(consortium);
    const key = randomUUID();
    const sent = await pix(url(1), ana, 2, DOCUMENTS.cpf[1]!, '30.00', key);
    assert.equal(sent.status, 200, JSON.stringify(sent.body));
    assert.equal(sent.body.status, 'completed');
    assert.equal(sent.body.transfers[0].receiverName, 'Bruno Lima');
    const replay = await pix(url(1), ana, 2, DOCUMENTS.cpf[1]!, '30.00', key);
    assert.equal(replay.body.packetId, sent.body.packetId);
    assert.equal((await me(url(1), ana)).balanceCents, 7000);
    assert.equal((await me(url(2), bruno)).balanceCents, 3000);
    const history = await http(`${url(2)}/v1/me/transactions`, { headers: bruno.auth });
    assert.deepEqual(history.body.transactions.map((t: { type: string; status: string; counterpart: string }) => [t.type, t.status, t.counterpart]), [['pix-in', 'completed', 'Ana Souza']]);
    const sentHistory = await http(`${url(1)}/v1/me/transactions`, { headers: ana.auth });
    const sentPix = sentHistory.body.transactions.find((t: { type: string }) => t.type === 'pix-out');
    assert.deepEqual([sentPix.status, sentPix.counterpart, sentPix.bankId], ['completed', 'Bruno Lima', 2], "the payer's statement names the receiver");
    const reused = await pix(url(1), ana, 2, DOCUMENTS.cpf[1]!, '31.00', key);
    assert.equal(reused.body.error.code, 'IDEMPOTENCY_CONFLICT');
    const after = await auditConsortium(consortium);
    assert.deepEqual(after, { ...before, customersCents: before.customersCents });
    assert.equal(after.holdsCents, 0);
    assert.equal(after.interbankCents, 0);
    assert.equal(after.ledgersSound, true);
  });

  test('a Pix without funds, or to an unknown key, is refused and moves nothing', async () => {
    const poor = await pix(url(1), ana, 3, DOCUMENTS.cnpj[0]!, '1000.00');
    assert.equal(poor.status, 422);
    assert.equal(poor.body.error.code, 'INSUFFICIENT_FUNDS');
    const unknown = await pix(url(1), ana, 3, DOCUMENTS.cpf[6]!, '1.00');
    assert.equal(unknown.status, 404);
    assert.equal(unknown.body.error.code, 'PIX_KEY_NOT_FOUND');
    const account = await me(url(1), ana);
    assert.deepEqual([account.balanceCents, account.blockedCents], [7000, 0]);
    const statuses = (await http(`${url(1)}/v1/me/transactions`, { headers: ana.auth })).body.transactions.map((t: { status: string }) => t.status);
    assert.ok(statuses.includes('failed'), 'the refused Pix shows as failed');
  });

  test('a packet paid from accounts at two banks applies all its transfers together', async () => {
    const before = await auditConsortium(consortium);
    const response = await packet(url(1), ana, [
      { fromBankId: 1, toBankId: 2, key: DOCUMENTS.cpf[1]!, amount: '10.00' },
      { fromBankId: 3, toBankId: 3, key: DOCUMENTS.cnpj[0]!, amount: '20.00' },
      { fromBankId: 3, toBankId: 2, key: bruno.email, amount: '5.00' },
    ], new Map([[3, anaAt3]]));
    assert.equal(response.status, 200, JSON.stringify(response.body));
    assert.equal(response.body.status, 'completed');
    assert.equal((await me(url(1), ana)).balanceCents, 6000);
    assert.equal((await me(url(3), anaAt3)).balanceCents, 2500);
    assert.equal((await me(url(2), bruno)).balanceCents, 4500);
    assert.equal((await me(url(3), carla)).balanceCents, 2000);
    const after = await auditConsortium(consortium);
    assert.deepEqual(after, before);
  });

  test('a packet with one failing leg is refused whole: the answer names the leg, every balance is as it was', async () => {
    const balances = async () => [(await me(url(1), ana)).balanceCents, (await me(url(3), anaAt3)).balanceCents, (await me(url(2), bruno)).balanceCents, (await me(url(3), carla)).balanceCents];
    const before = await balances();
    const audit = await auditConsortium(consortium);
    const response = await packet(url(1), ana, [
      { fromBankId: 1, toBankId: 2, key: DOCUMENTS.cpf[1]!, amount: '10.00' },
      { fromBankId: 3, toBankId: 3, key: DOCUMENTS.cnpj[0]!, amount: '500.00' },
      { fromBankId: 1, toBankId: 3, key: DOCUMENTS.cnpj[0]!, amount: '1.00' },
    ], new Map([[3, anaAt3]]));
    assert.equal(response.status, 422);
    assert.equal(response.body.error.code, 'PACKET_REFUSED');
    assert.equal(response.body.error.details.failedLeg, 2);
    assert.equal(response.body.error.details.code, 'INSUFFICIENT_FUNDS');
    assert.deepEqual(await balances(), before);
    assert.equal((await me(url(1), ana)).blockedCents, 0);
    assert.deepEqual(await auditConsortium(consortium), audit);
  });

  test('a customer cannot pay from an account that is not theirs: its bank asks a consent only its holder can give', async () => {
    const response = await http(`${url(1)}/v1/me/packets`, {
      method: 'POST',
      headers: { ...ana.auth, 'idempotency-key': randomUUID() },
      json: { transfers: [{ fromBankId: 2, fromAccountId: bruno.accountId, toBankId: 1, key: DOCUMENTS.cpf[0], amount: '1.00' }] },
    });
    assert.equal(response.status, 403);
    assert.equal(response.body.error.code, 'CONSENT_REQUIRED');
    const [needed] = response.body.error.details.banks;
    // Ana, logged in at bank 3, cannot consent there for Carla's account.
    const refused = await consent(url(3), anaAt3, 1, response.body.error.details.packetId, { payerAccountId: carla.accountId, legs: needed.legs });
    assert.equal(refused.status, 403);
    assert.equal(refused.body.error.code, 'FORBIDDEN');
    assert.equal((await me(url(2), bruno)).balanceCents, 4500);
  });

  test('interbank routes refuse callers without a signature, outsiders, a bank calling itself, and a bank acting for another', async () => {
    const anonymous = await http(`${url(2)}/interbank/v1/ping`);
    assert.deepEqual([anonymous.status, anonymous.body.error.code], [401, 'INTERBANK_SIGNATURE_MISSING']);
    const oldHeaders = await http(`${url(2)}/interbank/v1/ping`, { headers: { 'bank-id': '3', 'auth-token': 'dev-insecure-interbank-3' } });
    assert.deepEqual([oldHeaders.status, oldHeaders.body.error.code], [401, 'INTERBANK_SIGNATURE_MISSING'], 'shared keys are gone');
    const outsiderKey = testInterbankKeys([7]).get(7)!;
    const outsider = await http(`${url(2)}/interbank/v1/ping`, { headers: await sign(outsiderKey, 7, 2, 'GET', '/interbank/v1/ping') });
    assert.deepEqual([outsider.status, outsider.body.error.code], [401, 'INTERBANK_KEY_UNKNOWN']);
    const itself = await http(`${url(2)}/interbank/v1/ping`, { headers: await sign(bankKey(2), 2, 2, 'GET', '/interbank/v1/ping') });
    assert.deepEqual([itself.status, itself.body.error.code], [401, 'INTERBANK_KEY_UNKNOWN']);
    const member = await http(`${url(2)}/interbank/v1/ping`, { headers: await sign(bankKey(3), 3, 2, 'GET', '/interbank/v1/ping') });
    assert.equal(member.status, 200);
    const hold = { legId: 'x.1', packetId: 'x', coordinatorBank: 3, payerAccountId: bruno.accountId, payerDocument: DOCUMENTS.cpf[1], toBank: 1, amountCents: 100, receiverName: '' };
    // Bank 1, signing as itself, claims to coordinate a leg of bank 3's.
    const forged = await http(`${url(2)}/interbank/v1/holds`, {
      method: 'POST', headers: { ...(await sign(bankKey(1), 1, 2, 'POST', '/interbank/v1/holds', hold)), 'content-type': 'application/json' }, body: JSON.stringify(hold),
    });
    assert.equal(forged.status, 403);
    assert.equal((await me(url(2), bruno)).balanceCents, 4500);
  });

  test('a batch of legs\' steps is answered step by step: a step acting for another bank, or on an unknown leg, fails alone', async () => {
    const brunoBefore = (await me(url(2), bruno)).balanceCents;
    const packetId = `p1-${randomUUID().replaceAll('-', '').slice(0, 24)}`;
    const credit = { legId: `${packetId}.1`, packetId, coordinatorBank: 1, fromBank: 1, key: DOCUMENTS.cpf[1]!, amountCents: 100, payerName: 'Ana Souza', payerDocument: DOCUMENTS.cpf[0]! };
    const forged = { legId: `${packetId}.2`, packetId, coordinatorBank: 3, payerAccountId: bruno.accountId, payerDocument: DOCUMENTS.cpf[1]!, toBank: 1, amountCents: 100, receiverName: '' };
    const send = async (steps: unknown[]) => {
      const body = { steps };
      const headers = { ...(await sign(bankKey(1), 1, 2, 'POST', '/interbank/v1/batch', body)), 'content-type': 'application/json' };
      return http(`${url(2)}/interbank/v1/batch`, { method: 'POST', headers, body: JSON.stringify(body) });
    };
    const first = await send([{ op: 'credit', credit }, { op: 'hold', hold: forged }, { op: 'commit', legId: `${packetId}.9` }]);
    assert.equal(first.status, 200, JSON.stringify(first.body));
    const [prepared, acting, unknown] = first.body.results;
    assert.deepEqual([prepared.ok, prepared.record.state, prepared.record.receiverName], [true, 'pending', 'Bruno Lima']);
    assert.deepEqual([acting.ok, acting.error.code], [false, 'FORBIDDEN']);
    assert.deepEqual([unknown.ok, unknown.error.code], [false, 'TRANSFER_NOT_FOUND']);
    const voided = await send([{ op: 'void', legId: credit.legId }, { op: 'void', legId: credit.legId }]);
    assert.deepEqual(voided.body.results.map((result: { ok: boolean; record: { state: string } }) => [result.ok, result.record.state]), [[true, 'failed'], [true, 'failed']], 'a step repeated in one batch answers the same');
    const malformed = await send([{ op: 'teleport', legId: credit.legId }]);
    assert.deepEqual([malformed.status, malformed.body.error.code], [400, 'INVALID_REQUEST']);
    const tooMany = await send(Array.from({ length: 257 }, () => ({ op: 'void', legId: credit.legId })));
    assert.deepEqual([tooMany.status, tooMany.body.error.code], [400, 'INVALID_REQUEST']);
    assert.equal((await me(url(2), bruno)).balanceCents, brunoBefore, 'nothing moved');
  });

  test("no key in bank 2's configuration, environment or key files passes bank 3 as bank 1, and a signed request is accepted once", async () => {
    // Everything bank 2's business servers were started with: their whole environment (BANCA_CONFIG included)
    // and every file it names. Every private key found is tried, with its own kid and with bank 1's.
    const found = bankSecrets(2);
    assert.ok(found.privateKeys.length >= 1, 'bank 2 holds its own private key');
    assert.ok(found.bank1Kids.length >= 1, "bank 2's config lists bank 1's public key (kid)");
    const before = (await me(url(3), carla)).balanceCents;
    const credit = (legId: string) => ({ legId, packetId: legId.split('.')[0], coordinatorBank: 1, fromBank: 1, key: carla.email, amountCents: 100_00, payerName: 'Nobody', payerDocument: DOCUMENTS.cpf[4] });
    let attempts = 0;
    for (const key of found.privateKeys) {
      for (const kid of [key.kid, ...found.bank1Kids]) {
        const body = credit(`forge${attempts}.1`);
        const headers = await signedInterbankHeaders({ key: { ...key, kid }, sender: 1, receiver: 3, method: 'POST', path: '/interbank/v1/credits', body: JSON.stringify(body) });
        const response = await http(`${url(3)}/interbank/v1/credits`, { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body: JSON.stringify(body) });
        assert.equal(response.status, 401, `key ${key.kid} as ${kid}: ${JSON.stringify(response.body)}`);
        assert.ok(['INTERBANK_KEY_UNKNOWN', 'INTERBANK_SIGNATURE_INVALID'].includes(response.body.error.code), response.body.error.code);
        const commitPath = `/interbank/v1/credits/${body.legId}/commit`;
        const commitHeaders = await signedInterbankHeaders({ key: { ...key, kid }, sender: 1, receiver: 3, method: 'POST', path: commitPath, body: '{}' });
        const commit = await http(`${url(3)}${commitPath}`, { method: 'POST', headers: { ...commitHeaders, 'content-type': 'application/json' }, body: '{}' });
        assert.equal(commit.status, 401, `commit with key ${key.kid} as ${kid}`);
        attempts += 1;
      }
    }
    assert.equal((await me(url(3), carla)).balanceCents, before, 'nothing was credited');
    // Bank 1's real key works, once per server: the same signed request again is refused.
    const lookup = { key: carla.email };
    const headers = { ...(await sign(bankKey(1), 1, 3, 'POST', '/interbank/v1/keys/lookup', lookup)), 'content-type': 'application/json' };
    const directly = consortium.bank(3).businessServers[0]!.url;
    const first = await http(`${directly}/interbank/v1/keys/lookup`, { method: 'POST', headers, body: JSON.stringify(lookup) });
    assert.equal(first.status, 200);
    const again = await http(`${directly}/interbank/v1/keys/lookup`, { method: 'POST', headers, body: JSON.stringify(lookup) });
    assert.deepEqual([again.status, again.body.error.code], [401, 'INTERBANK_SIGNATURE_REPLAYED']);
    const stale = await http(`${url(3)}/interbank/v1/ping`, { headers: await signedInterbankHeaders({ key: bankKey(1), sender: 1, receiver: 3, method: 'GET', path: '/interbank/v1/ping', iatSeconds: Math.floor(Date.now() / 1000) - 60 }) });
    assert.deepEqual([stale.status, stale.body.error.code], [401, 'INTERBANK_SIGNATURE_EXPIRED']);
  });

  test("a bank publishes its public keys (and no private part) at its well-known JWKS route", async () => {
    const jwks = await http(`${url(2)}/.well-known/banca-interbank-jwks.json`);
    assert.equal(jwks.status, 200);
    assert.deepEqual(jwks.body.keys.map((key: { kid: string }) => key.kid), [bankKey(2).kid]);
    assert.ok(jwks.body.keys.every((key: Record<string, unknown>) => key.d === undefined && key.kty === 'EC' && key.alg === 'ES256'));
  });
});

describe('consortium - the payer consents at its own bank', () => {
  // Ana (bank 1) pays from her account at bank 3: 2.00 to Bruno (bank 2) and 1.00 to Carla (bank 3).
  const transfers = (): PacketTransfer[] => [
    { fromBankId: 1, toBankId: 3, key: DOCUMENTS.cnpj[0]!, amount: '1.00' },
    { fromBankId: 3, toBankId: 2, key: DOCUMENTS.cpf[1]!, amount: '2.00' },
    { fromBankId: 3, toBankId: 3, key: carla.email, amount: '1.00' },
  ];
  const balances = async () => [ana, anaAt3, bruno, carla].map(async (customer) => {
    const account = await me(url(customer.bankId), customer);
    return [account.balanceCents, account.blockedCents];
  });
  const snapshot = async () => ({ balances: await Promise.all(await balances()), audit: await auditConsortium(consortium) });
  const send = (key: string, consents?: { bankId: number; token: string }[]) =>
    http(`${url(1)}/v1/me/packets`, { method: 'POST', headers: { ...ana.auth, 'idempotency-key': key }, json: { transfers: transfers(), ...(consents ? { consents } : {}) } });
  /** The CONSENT_REQUIRED answer of a fresh packet, and its idempotency key. */
  const required = async () => {
    const key = randomUUID();
    const answer = await send(key);
    assert.equal(answer.status, 403, JSON.stringify(answer.body));
    return { key, details: answer.body.error.details };
  };

  test('a leg paid at another bank without its consent: 403 CONSENT_REQUIRED naming the bank and legs, nothing moved anywhere', async () => {
    const before = await snapshot();
    const key = randomUUID();
    const answer = await send(key);
    assert.equal(answer.status, 403);
    assert.equal(answer.body.error.code, 'CONSENT_REQUIRED');
    const details = answer.body.error.details;
    assert.match(details.packetId, /^p1-/);
    assert.equal(details.coordinatorBank, 1);
    assert.deepEqual(details.banks.map((bank: { bankId: number; url: string; payerAccountId: string }) => [bank.bankId, bank.url, bank.payerAccountId]), [[3, url(3), anaAt3.accountId]]);
    assert.deepEqual(details.banks[0].legs, [
      { legId: `${details.packetId}.2`, toBank: 2, key: DOCUMENTS.cpf[1], amountCents: 200 },
      { legId: `${details.packetId}.3`, toBank: 3, key: carla.email, amountCents: 100 },
    ]);
    assert.equal((await send(key)).body.error.details.packetId, details.packetId, 'the packet id is the same on every try, so consents can be got first');
    assert.deepEqual(await snapshot(), before);
  });

  test('a consent for another packet, amount, receiver or account, expired, or issued by another bank is refused: the packet fails, nothing moved', async () => {
    // The test reads bank 3's own secret to make a token that is right in everything but its age.
    const stale = new ConsentTokens(consortiumCustomerTokenSecret(consortium.dataDir, 3), 3, () => Date.now() - 3_600_000);
    const bank2Secrets = bankSecrets(2).tokenSecrets;
    assert.ok(bank2Secrets.length > 0, "bank 2's processes hold their own customer-token secret");
    const cases: { name: string; token: (details: { packetId: string; banks: { payerAccountId: string; legs: { legId: string; toBank: number; key: string; amountCents: number }[] }[] }) => Promise<string> }[] = [
      { name: 'another packet', token: async () => {
        const other = await required();
        return (await consent(url(3), anaAt3, 1, other.details.packetId, other.details.banks[0])).body.token;
      } },
      { name: 'another amount', token: async ({ packetId, banks: [bank] }) =>
        (await consent(url(3), anaAt3, 1, packetId, { ...bank!, legs: bank!.legs.map((leg, index) => (index === 0 ? { ...leg, amountCents: leg.amountCents + 1 } : leg)) })).body.token },
      { name: 'another receiver', token: async ({ packetId, banks: [bank] }) =>
        (await consent(url(3), anaAt3, 1, packetId, { ...bank!, legs: bank!.legs.map((leg, index) => (index === 0 ? { ...leg, key: DOCUMENTS.cnpj[0]!, toBank: 3 } : leg)) })).body.token },
      { name: 'another account', token: async ({ packetId, banks: [bank] }) => {
        // Carla consents, for her own account, to Ana's legs: bank 3 holds from Ana's account only with Ana's consent.
        const given = await consent(url(3), carla, 1, packetId, { ...bank!, payerAccountId: carla.accountId });
        assert.equal(given.status, 201);
        return given.body.token;
      } },
      { name: 'expired', token: async ({ packetId, banks: [bank] }) =>
        (await stale.issue({ packetId, coordinatorBank: 1, payerAccountId: bank!.payerAccountId, document: anaAt3.document, legs: bank!.legs }, 60)).token },
      { name: 'issued by bank 1', token: async ({ packetId, banks: [bank] }) =>
        (await consent(url(1), ana, 1, packetId, { ...bank!, payerAccountId: ana.accountId })).body.token },
      ...bank2Secrets.map((secret, index) => ({ name: `signed with secret ${index + 1} that bank 2 holds`, token: async ({ packetId, banks: [bank] }: { packetId: string; banks: { payerAccountId: string; legs: { legId: string; toBank: number; key: string; amountCents: number }[] }[] }) =>
        (await new ConsentTokens(secret, 3).issue({ packetId, coordinatorBank: 1, payerAccountId: bank!.payerAccountId, document: anaAt3.document, legs: bank!.legs }, 60)).token })),
    ];
    for (const { name, token } of cases) {
      const before = await snapshot();
      const { key, details } = await required();
      const forged = await token(details);
      assert.equal(typeof forged, 'string', name);
      const answer = await send(key, [{ bankId: 3, token: forged }]);
      assert.equal(answer.status, 422, `${name}: ${JSON.stringify(answer.body)}`);
      assert.equal(answer.body.error.code, 'PACKET_REFUSED', name);
      assert.equal(answer.body.error.details.code, 'CONSENT_INVALID', name);
      assert.deepEqual(await snapshot(), before, `${name}: nothing moved at any bank`);
    }
  });

  test("no secret bank 2 holds makes a session token of bank 3's: each bank signs its customers' tokens with its own secret", async () => {
    const secrets = bankSecrets(2).tokenSecrets;
    assert.ok(secrets.length > 0);
    assert.ok(!secrets.includes(consortiumCustomerTokenSecret(consortium.dataDir, 3)), "bank 3's secret is not among them");
    for (const secret of secrets) {
      const forged = await new CustomerTokens(secret, 3, 60).issue({ accountId: anaAt3.accountId, document: anaAt3.document });
      const answer = await http(`${url(3)}/v1/me`, { headers: { authorization: `Bearer ${forged.token}` } });
      assert.deepEqual([answer.status, answer.body.error?.code], [401, 'UNAUTHENTICATED']);
    }
    assert.equal((await http(`${url(3)}/v1/me`, { headers: anaAt3.auth })).status, 200, "bank 3's own token still works");
  });

  test('a valid consent: the packet completes at every bank; a retry without consents gets the same packet', async () => {
    const before = await snapshot();
    const { key, details } = await required();
    const given = await consent(url(3), anaAt3, 1, details.packetId, details.banks[0]);
    assert.equal(given.status, 201, JSON.stringify(given.body));
    const answer = await send(key, [{ bankId: 3, token: given.body.token }]);
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    assert.equal(answer.body.packetId, details.packetId);
    assert.equal(answer.body.status, 'completed');
    const moved = [-100, -300, 200, 200];
    assert.deepEqual((await snapshot()).balances, before.balances.map(([cents], index) => [cents! + moved[index]!, 0]));
    const retry = await send(key);
    assert.deepEqual([retry.status, retry.body.packetId], [200, details.packetId]);
  });

  test("log-in and consent answer a page of another member bank (CORS), and no other origin", async () => {
    const preflight = (origin: string, path: string) => fetch(`${url(3)}${path}`, {
      method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type, authorization' },
    });
    for (const path of ['/v1/sessions', '/v1/me/consents']) {
      const member = await preflight(url(1), path);
      assert.equal(member.status, 204, path);
      assert.equal(member.headers.get('access-control-allow-origin'), url(1), path);
      assert.match(member.headers.get('access-control-allow-headers') ?? '', /authorization/);
      assert.equal((await preflight('http://elsewhere.example', path)).headers.get('access-control-allow-origin'), null, path);
    }
    const login = await fetch(`${url(3)}/v1/sessions`, { method: 'POST', headers: { origin: url(1), 'content-type': 'application/json' }, body: JSON.stringify({ email: 'nobody@example.com', password: 'wrong horse' }) });
    assert.deepEqual([login.status, login.headers.get('access-control-allow-origin')], [401, url(1)]);
    const other = await fetch(`${url(3)}/v1/me`, { headers: { origin: url(1), ...anaAt3.auth } });
    assert.equal(other.headers.get('access-control-allow-origin'), null, 'the other routes stay same-origin');
  });

  test("the paying bank never holds on the coordinator's word for the payer's CPF", async () => {
    const before = await snapshot();
    // Bank 1 signs as itself (a real member), asserts Ana's CPF, and brings no consent of Ana's at bank 3.
    const body = { legId: `pz${randomUUID().slice(0, 8)}.1`, packetId: 'pz', coordinatorBank: 1, payerAccountId: anaAt3.accountId, payerDocument: anaAt3.document, toBank: 1, toKey: DOCUMENTS.cpf[0], amountCents: 100, receiverName: '' };
    const hold = await http(`${url(3)}/interbank/v1/holds`, {
      method: 'POST', headers: { ...(await sign(bankKey(1), 1, 3, 'POST', '/interbank/v1/holds', body)), 'content-type': 'application/json' }, body: JSON.stringify(body),
    });
    assert.equal(hold.status, 403, JSON.stringify(hold.body));
    assert.equal(hold.body.error.code, 'CONSENT_INVALID');
    assert.deepEqual(await snapshot(), before);
  });
});
