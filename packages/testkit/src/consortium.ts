// Test helpers for the consortium: customers that sign up and log in, and an audit of the money
// across every bank (customer balances, holds in flight, what banks owe each other).
import { randomUUID } from 'node:crypto';
import { http, businessHeaders, type TestConsortium } from './testkit.js';

/** Valid CPFs and CNPJs (check digits right) for tests. */
export const DOCUMENTS = {
  cpf: ['11144477735', '52998224725', '39053344705', '15350946056', '98765432100', '12345678909', '71428793860'],
  cnpj: ['11222333000181', '45723174000110', '06990590000123'],
};

export interface TestCustomer {
  bankId: number;
  accountId: string;
  email: string;
  document: string;
  token: string;
  auth: Record<string, string>;
}

export async function signUp(url: string, bankId: number, name: string, document: string, extra: Record<string, unknown> = {}): Promise<TestCustomer> {
  const email = `${name.toLowerCase().replace(/\W+/g, '.')}.${randomUUID().slice(0, 6)}@example.com`;
  const created = await http(`${url}/v1/customers`, {
    method: 'POST',
    json: { type: document.length === 14 ? 'company' : 'individual', holders: [{ name, document }], email, password: 'correct horse', ...extra },
  });
  if (created.status !== 201) throw new Error(`sign-up failed: ${created.status} ${JSON.stringify(created.body)}`);
  return login(url, bankId, email, document);
}

export async function login(url: string, bankId: number, email: string, document: string, password = 'correct horse'): Promise<TestCustomer> {
  const session = await http(`${url}/v1/sessions`, { method: 'POST', json: { email, password } });
  if (session.status !== 200) throw new Error(`login failed: ${session.status} ${JSON.stringify(session.body)}`);
  const token: string = session.body.token;
  return { bankId, accountId: session.body.account.accountId, email, document, token, auth: { authorization: `Bearer ${token}` } };
}

export async function deposit(url: string, customer: TestCustomer, amount: string, method = 'cash') {
  const response = await http(`${url}/v1/me/deposits`, { method: 'POST', headers: { ...customer.auth, 'idempotency-key': randomUUID() }, json: { amount, method } });
  if (response.status !== 200) throw new Error(`deposit failed: ${response.status} ${JSON.stringify(response.body)}`);
  return response.body;
}

export async function me(url: string, customer: TestCustomer) {
  return (await http(`${url}/v1/me`, { headers: customer.auth })).body;
}

export async function pix(url: string, customer: TestCustomer, toBankId: number, key: string, amount: string, idempotencyKey: string = randomUUID()) {
  return http(`${url}/v1/me/pix`, { method: 'POST', headers: { ...customer.auth, 'idempotency-key': idempotencyKey }, json: { toBankId, key, amount } });
}

export interface PacketTransfer {
  fromBankId: number;
  fromAccountId?: string;
  toBankId: number;
  key: string;
  amount: string;
}

/** What a CONSENT_REQUIRED answer asks of one bank. */
export interface ConsentNeeded {
  bankId: number;
  name: string;
  url: string;
  payerAccountId: string;
  legs: { legId: string; toBank: number; key: string; amountCents: number }[];
}

/** Asks the paying bank (where `customer` is logged in) for the payer's consent to legs of another bank's packet. */
export async function consent(url: string, customer: TestCustomer, coordinatorBank: number, packetId: string, needed: Pick<ConsentNeeded, 'payerAccountId' | 'legs'>, expiresInSeconds?: number) {
  return http(`${url}/v1/me/consents`, {
    method: 'POST',
    headers: customer.auth,
    json: { packetId, coordinatorBank, payerAccount: needed.payerAccountId, legs: needed.legs, ...(expiresInSeconds === undefined ? {} : { expiresInSeconds }) },
  });
}

/**
 * Sends a packet as a client would: first without consents; on CONSENT_REQUIRED, gets each named
 * bank's consent from the customer logged in there (`payers`, by bank id) and sends it again.
 */
export async function packet(url: string, customer: TestCustomer, transfers: PacketTransfer[], payers: ReadonlyMap<number, TestCustomer> = new Map(), idempotencyKey: string = randomUUID()) {
  const send = (consents?: { bankId: number; token: string }[]) =>
    http(`${url}/v1/me/packets`, { method: 'POST', headers: { ...customer.auth, 'idempotency-key': idempotencyKey }, json: { transfers, ...(consents ? { consents } : {}) } });
  const first = await send();
  if (first.body?.error?.code !== 'CONSENT_REQUIRED') return first;
  const details: { packetId: string; coordinatorBank: number; banks: ConsentNeeded[] } = first.body.error.details;
  const consents = [];
  for (const bank of details.banks) {
    const payer = payers.get(bank.bankId);
    if (!payer) return first;
    const given = await consent(bank.url, payer, details.coordinatorBank, details.packetId, bank);
    if (given.status !== 201) throw new Error(`consent refused by bank ${bank.bankId}: ${given.status} ${JSON.stringify(given.body)}`);
    consents.push({ bankId: bank.bankId, token: given.body.token as string });
  }
  return send(consents);
}

export interface MoneyAudit {
  /** Sum of every customer balance across the consortium. */
  customersCents: number;
  /** Money held in @holds (transfers in flight). */
  holdsCents: number;
  /** Sum over banks of what each owes the others: zero once every credit is applied. */
  interbankCents: number;
  /** Every bank's ledger sums to zero and matches its journal. */
  ledgersSound: boolean;
}

export async function auditConsortium(consortium: TestConsortium): Promise<MoneyAudit> {
  let customersCents = 0;
  let holdsCents = 0;
  let interbankCents = 0;
  let ledgersSound = true;
  const bankIds = consortium.members.map((member) => member.bankId);
  for (const bankId of bankIds) {
    const data = consortium.bank(bankId).dataServer.url;
    const audit = await http(`${data}/v1/audit`, { headers: businessHeaders() });
    if (audit.status !== 200) throw new Error(`audit of bank ${bankId} failed: ${audit.status}`);
    customersCents += audit.body.customerBalanceSumCents;
    ledgersSound &&= audit.body.balanceSumCents === 0 && audit.body.mismatchedAccounts.length === 0;
    const balance = async (accountId: string) => {
      const response = await http(`${data}/v1/accounts/${encodeURIComponent(accountId)}`, { headers: businessHeaders() });
      if (response.status === 200) return response.body.balanceCents as number;
      if (response.status === 404 && response.body.error?.code === 'ACCOUNT_NOT_FOUND') return 0;
      throw new Error(`reading ${accountId} at bank ${bankId}: ${response.status} ${JSON.stringify(response.body)}`);
    };
    holdsCents += await balance('@holds');
    for (const other of bankIds) interbankCents += await balance(`@bank:${other}`);
  }
  return { customersCents, holdsCents, interbankCents, ledgersSound };
}
