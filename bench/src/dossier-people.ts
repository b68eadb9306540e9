// Part (e)'s people: each CPF holds one account at every bank of the consortium (sign-up, log-in
// and a deposit of an amount of its own at each, through the banks' customer API), then a few Pix
// between them across banks. What every person's balances add up to across the consortium is
// kept, so each dossier read can be checked against it to the cent.
import { randomUUID } from 'node:crypto';
import type { Pool } from 'undici';
import { formatCents } from '@banca/core/money';
import { DOCUMENTS } from '@banca/testkit/consortium';
import { getJson, postJson } from './http.js';
import { randomCpfs } from './interbank.js';
import { runAll } from './load.js';

export interface PersonAccount {
  bankId: number;
  accountId: string;
  /** The customer's bearer token at that bank. */
  auth: Record<string, string>;
}

export interface Person {
  /** CPF, digits only. */
  document: string;
  name: string;
  /** One per bank, in bank order. */
  accounts: PersonAccount[];
  /** Deposits, minus Pix sent, plus Pix received, over every bank. */
  expectedBalanceCents: number;
}

export interface People {
  people: Person[];
  depositedCents: number;
  pixSent: number;
  /** Pix answered 202 (still pending) and followed until completed. */
  pixFollowed: number;
}

/** The first CPFs are the credit registry's demo people (seedDemo records debts, assets and incomes for them). */
export const DEMO_REGISTRY_CPFS = DOCUMENTS.cpf.slice(0, 3);

const SETUP_CONCURRENCY = 6;
const PASSWORD = 'correct horse battery';
const JSON_HEADERS = { 'content-type': 'application/json' } as const;
/** How long a Pix answered 202 is followed before the setup gives up. */
const PIX_FOLLOW_MS_MAX = 30_000;

/** `count` CPFs: the demo ones first, then random valid ones. */
function documentsFor(count: number): string[] {
  const demo = DEMO_REGISTRY_CPFS.slice(0, count);
  const others = new Set<string>();
  while (others.size < count - demo.length) {
    for (const cpf of randomCpfs(count - demo.length - others.size)) if (!DOCUMENTS.cpf.includes(cpf)) others.add(cpf);
  }
  return [...demo, ...others];
}

/** A distinct amount per person and bank (1,000.00 and up), so a balance counted at the wrong person or twice shows. */
function depositCents(person: number, bankId: number): number {
  return 100_000 + person * 1_000 + bankId * 100 + ((person * 37 + bankId) % 100);
}

async function openAccount(gateway: Pool, bankId: number, person: Person, index: number): Promise<{ account: PersonAccount; cents: number }> {
  const email = `bench.e.${index}.${bankId}.${randomUUID().slice(0, 8)}@example.com`;
  await postJson(gateway, '/v1/customers', JSON_HEADERS, JSON.stringify({
    type: 'individual', holders: [{ name: person.name, document: person.document }], email, password: PASSWORD,
  }));
  const session = await postJson<{ token: string; account: { accountId: string } }>(gateway, '/v1/sessions', JSON_HEADERS, JSON.stringify({ email, password: PASSWORD }));
  const auth = { authorization: `Bearer ${session.token}` };
  const cents = depositCents(index, bankId);
  await postJson(gateway, '/v1/me/deposits', { ...JSON_HEADERS, ...auth, 'idempotency-key': randomUUID() },
    JSON.stringify({ amount: formatCents(cents), method: 'cash' }));
  return { account: { bankId, accountId: session.account.accountId, auth }, cents };
}

/** Waits for a Pix answered 202 to end; throws unless it completed. */
async function followPix(gateway: Pool, auth: Record<string, string>, packetId: string): Promise<void> {
  const deadline = Date.now() + PIX_FOLLOW_MS_MAX;
  for (;;) {
    const view = await getJson<{ status: string }>(gateway, `/v1/me/packets/${encodeURIComponent(packetId)}`, auth);
    if (view.status === 'completed') return;
    if (view.status === 'failed') throw new Error(`(e) setup: Pix ${packetId} failed`);
    if (Date.now() >= deadline) throw new Error(`(e) setup: Pix ${packetId} still pending after ${PIX_FOLLOW_MS_MAX / 1000} s`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** One Pix of `cents` from `from`'s account at `fromIndex` to `to`'s CPF key at another bank; true when it was answered 202 and followed. */
async function sendPix(gateways: readonly Pool[], from: Person, fromIndex: number, to: Person, toIndex: number, cents: number): Promise<boolean> {
  const account = from.accounts[fromIndex]!;
  const gateway = gateways[fromIndex]!;
  const answer = await postJson<{ packetId: string; status: string }>(gateway, '/v1/me/pix', { ...JSON_HEADERS, ...account.auth, 'idempotency-key': randomUUID() },
    JSON.stringify({ toBankId: to.accounts[toIndex]!.bankId, key: to.document, amount: formatCents(cents) }));
  if (answer.status === 'completed') return false;
  await followPix(gateway, account.auth, answer.packetId);
  return true;
}

/**
 * Opens an account for each of `count` people at every bank behind `gateways`, then has each
 * person send `pixPerPerson` Pix (1.00 to 2.00) to the next people, each from one bank to another;
 * one Pix at a time, so no Pix waits for another's account lock.
 */
export async function openPeople(gateways: readonly Pool[], count: number, pixPerPerson: number): Promise<People> {
  if (count < 2) throw new Error('part (e) needs at least 2 people (they send each other Pix)');
  if (gateways.length < 2) throw new Error('part (e) needs at least 2 banks (the Pix go from one bank to another)');
  const people: Person[] = documentsFor(count).map((document, index) => ({ document, name: `Pessoa ${index + 1}`, accounts: [], expectedBalanceCents: 0 }));
  let depositedCents = 0;
  await runAll(count * gateways.length, SETUP_CONCURRENCY, async (job) => {
    const index = Math.floor(job / gateways.length);
    const bankIndex = job % gateways.length;
    const person = people[index]!;
    const { account, cents } = await openAccount(gateways[bankIndex]!, bankIndex + 1, person, index);
    person.accounts.push(account);
    person.expectedBalanceCents += cents;
    depositedCents += cents;
  });
  for (const person of people) person.accounts.sort((a, b) => a.bankId - b.bankId);

  let pixSent = 0;
  let pixFollowed = 0;
  for (const [index, from] of people.entries()) {
    for (let nth = 0; nth < pixPerPerson; nth++) {
      const to = people[(index + 1 + nth) % count]!;
      const fromIndex = (index + nth) % gateways.length;
      const toIndex = (fromIndex + 1 + (nth % (gateways.length - 1))) % gateways.length;
      const cents = 100 + ((index * 7 + nth) % 100);
      if (await sendPix(gateways, from, fromIndex, to, toIndex, cents)) pixFollowed += 1;
      from.expectedBalanceCents -= cents;
      to.expectedBalanceCents += cents;
      pixSent += 1;
    }
  }
  return { people, depositedCents, pixSent, pixFollowed };
}
