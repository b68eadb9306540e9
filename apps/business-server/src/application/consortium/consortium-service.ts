// What customers and other banks ask of this bank in the consortium: accounts, deposits with a
// method, Pix and packets (coordinated here), the participant's side of other banks' packets,
// and the sweeps that finish interbank work after a crash. Routes call this; it calls the bank's
// data store (BankStore) and the other banks (RemoteBank).
import type { FastifyBaseLogger } from 'fastify';
import { BancaError } from '@banca/core/errors';
import { maskDocument, parseDocument, parsePixKey } from '@banca/core/documents';
import { isSystemAccount } from '@banca/core/ids';
import { formatCents } from '@banca/core/money';
import type { TransferRecord } from '@banca/core/protocol';
import { clientOf } from '../client-spaces.js';
import type { KeyLookup, DocumentAccounts, RemoteBank } from '../../infra/interbank-client.js';
import type { ConsentLeg, ConsentTokens } from '../../infra/consent-tokens.js';
import { DepositRecords, type DepositRecord } from './records.js';
import type { DepositMethod } from './deposit-method.js';
import type { BankStore } from './bank-store.js';
import { PACKET_STATES_MAX, type Coordinator, type PacketStateAnswer } from './coordinator.js';
import { legIdOf, type LegInput, type PacketRecord } from '../../domain/packet.js';
import { view, type CustomerRecord, type CustomerView, type Customers } from './customers.js';
import type { BankLink, Participant } from './participant.js';
import type { CreditRecord, CreditRequest } from '../../domain/credit.js';
import type { HoldRecord, HoldRequest } from '../../domain/hold.js';


export type TransactionStatus = 'pending' | 'completed' | 'failed';

export interface Transaction {
  id: string;
  /** withdrawal, transfer-out, transfer-in, adjustment: movements made outside the customer's own flows (a teller's, a business server's). */
  type: 'deposit' | 'pix-out' | 'pix-in' | 'withdrawal' | 'transfer-out' | 'transfer-in' | 'adjustment';
  direction: 'in' | 'out';
  /** Who made a movement the customer did not ask for (e.g. "teller clientA"); null for the customer's own. */
  madeBy: string | null;
  amountCents: number;
  amount: string;
  status: TransactionStatus;
  counterpart: string | null;
  bankId: number | null;
  method: DepositMethod | null;
  packetId: string | null;
  atMs: number;
}

export interface PersonAtBank {
  bankId: number;
  bankName: string;
  name: string | null;
  accounts: {
    accountId: string; type: CustomerRecord['type']; joint: boolean; holderNames: string[];
    balanceCents: number; balance: string; blockedCents: number; blocked: string; transactions: Transaction[];
  }[];
}

export interface BankInfo {
  bankId: number;
  name: string;
  color: string;
  coordination: 'holds' | 'token-ring';
  consortium: { bankId: number; name: string; url: string }[];
}

export interface LegOrder {
  fromBankId: number;
  toBankId: number;
  key: string;
  amountCents: number;
  /** Which of the customer's accounts at fromBankId pays; the first one found when absent. */
  fromAccountId?: string;
}

/** What a customer of this bank consents to: legs of another bank's packet, paid from one of their accounts here. */
export interface ConsentOrder {
  packetId: string;
  coordinatorBank: number;
  payerAccountId: string;
  legs: ConsentLeg[];
  expiresInSeconds: number;
}

/** A bank whose consent a packet lacks, as CONSENT_REQUIRED names it for the client. */
export interface ConsentNeeded {
  bankId: number;
  name: string;
  url: string;
  payerAccountId: string;
  legs: ConsentLeg[];
}

export const CONSENT_TTL_SECONDS = { default: 300, min: 10, max: 900 } as const;

export class ConsortiumService {
  constructor(
    readonly info: BankInfo,
    private readonly store: BankStore,
    private readonly customers: Customers,
    private readonly participant: Participant,
    private readonly coordinator: Coordinator,
    private readonly peers: ReadonlyMap<number, RemoteBank>,
    private readonly log: FastifyBaseLogger,
    private readonly consents: ConsentTokens,
    private readonly tellers: readonly string[] = [],
  ) {
    this.deposits = new DepositRecords(store);
  }

  private readonly deposits: DepositRecords;

  // ---- what the routes ask, through this one service (never its parts) ----

  signUp(input: Parameters<Customers['signUp']>[0]) {
    return this.customers.signUp(input);
  }

  login(email: string, password: string) {
    return this.customers.login(email, password);
  }

  /** The customer record of an account of this bank; ACCOUNT_NOT_FOUND when there is none. */
  customer(accountId: string): Promise<CustomerRecord> {
    return this.customers.require(accountId);
  }

  async accountExists(accountId: string): Promise<boolean> {
    return (await this.customers.get(accountId)) !== null;
  }

  /** A packet this bank coordinates; TRANSFER_NOT_FOUND when there is none. */
  packet(packetId: string): Promise<PacketRecord> {
    return this.coordinator.get(packetId);
  }

  /** Waits up to waitMs for a packet to end (token-ring mode queues them); its state then. */
  waitForPacket(packetId: string, waitMs: number): Promise<PacketRecord> {
    return this.coordinator.waitFor(packetId, waitMs);
  }

  /** How a packet coordinated here stands, for a bank holding one of its legs (no other bank learns it exists). */
  async packetStateFor(callerBank: number, packetId: string): Promise<{ packetId: string; state: PacketRecord['state'] }> {
    const packet = await this.coordinator.get(packetId);
    const involved = packet.legs.some((candidate) => candidate.fromBank === callerBank || candidate.toBank === callerBank);
    if (!involved) throw new BancaError('TRANSFER_NOT_FOUND', `No packet ${packetId} involving bank ${callerBank}.`);
    return { packetId: packet.packetId, state: packet.state };
  }

  /** Told whenever interbank work is recorded here (a packet, a hold, a credit): the recovery sweeper's wake-up. */
  onWork(wake: () => void): void {
    this.participant.onWork = wake;
    this.coordinator.onWork = wake;
  }

  // This bank's side of another bank's legs (the interbank API).
  holdWithConsent(request: HoldRequest): Promise<HoldRecord> {
    return this.participant.holdWithConsent(request);
  }

  postHold(legId: string, coordinatorBank: number, receiverName?: string): Promise<HoldRecord> {
    return this.participant.post(legId, coordinatorBank, receiverName);
  }

  cancelHold(legId: string, coordinatorBank: number): Promise<HoldRecord> {
    return this.participant.cancel(legId, coordinatorBank);
  }

  prepareCredit(request: CreditRequest): Promise<CreditRecord> {
    return this.participant.prepareCredit(request);
  }

  applyCredit(request: CreditRequest): Promise<CreditRecord> {
    return this.participant.applyCredit(request);
  }

  commitCredit(legId: string, coordinatorBank: number): Promise<CreditRecord> {
    return this.participant.commitCredit(legId, coordinatorBank);
  }

  voidCredit(legId: string, coordinatorBank: number): Promise<CreditRecord> {
    return this.participant.voidCredit(legId, coordinatorBank);
  }

  link(bankId: number): BankLink {
    if (bankId === this.info.bankId) return this.participant;
    const peer = this.peers.get(bankId);
    if (!peer) throw new BancaError('BANK_NOT_FOUND', `No bank ${bankId} in this consortium (banks: ${this.bankIds().join(', ')}).`);
    return peer;
  }

  bankIds(): number[] {
    return [this.info.bankId, ...this.peers.keys()].sort((a, b) => a - b);
  }

  async account(accountId: string): Promise<CustomerView & { balanceCents: number; balance: string; blockedCents: number; blocked: string; pendingIncomingCents: number; bankId: number }> {
    const customer = await this.customers.require(accountId);
    const [balances, blockedCents, pendingIncomingCents] = await Promise.all([
      this.store.balance(accountId),
      this.participant.blockedCents(accountId),
      this.participant.pendingIncomingCents(accountId),
    ]);
    return {
      ...view(customer), bankId: this.info.bankId, balanceCents: balances, balance: formatCents(balances),
      blockedCents, blocked: formatCents(blockedCents), pendingIncomingCents,
    };
  }

  async deposit(accountId: string, amountCents: number, method: DepositMethod, idempotencyKey: string): Promise<Transaction> {
    await this.customers.require(accountId);
    const transferId = DepositRecords.transferIdOf(accountId, idempotencyKey);
    for (let attempt = 0; attempt < 5; attempt++) {
      const existing = await this.deposits.read(transferId);
      if (existing) {
        if (existing.value.amountCents !== amountCents || existing.value.method !== method) {
          throw new BancaError('IDEMPOTENCY_CONFLICT', `Idempotency key ${idempotencyKey} was already used for a different deposit.`);
        }
        return depositTransaction(existing.value);
      }
      const record: DepositRecord = { transferId, accountId, amountCents, method, createdAtMs: Date.now() };
      const done = await this.store.move(
        [accountId],
        [this.deposits.change(transferId, 0, record)],
        [{ transferId, kind: 'deposit', debitAccountId: '@cash', creditAccountId: accountId, amountCents }],
      );
      if (done) return depositTransaction(record);
    }
    throw new BancaError('UNAVAILABLE', 'The deposit kept conflicting; retry with the same key.');
  }

  /**
   * Deposits, outgoing legs (held here) and incoming credits of an account, and every other
   * movement of its ledger history (a teller's, a business server's), newest first.
   */
  async transactions(accountId: string, limit: number): Promise<Transaction[]> {
    const [deposits, holds, credits, history] = await Promise.all([
      this.deposits.ofAccount(accountId, limit),
      this.participant.holdsOf(accountId, limit),
      this.participant.creditsOf(accountId, limit),
      this.store.history(accountId, limit),
    ]);
    const all = [
      ...deposits.map((record) => depositTransaction(record)),
      ...holds.filter((hold) => hold.amountCents > 0).map((hold) => holdTransaction(hold)),
      ...credits.filter((credit) => credit.amountCents > 0).map((credit) => creditTransaction(credit)),
      ...history.filter((record) => !explainedByRecords(record)).map((record) => ledgerTransaction(accountId, record, this.tellers)),
    ];
    return all.sort((a, b) => b.atMs - a.atMs).slice(0, limit);
  }

  /** Who a Pix key belongs to at a bank: name, bank and the document masked. */
  async lookupKey(bankId: number, key: string): Promise<KeyLookup> {
    parsePixKey(key);
    if (bankId === this.info.bankId) return this.localKeyLookup(key);
    const peer = this.peers.get(bankId);
    if (!peer) throw new BancaError('BANK_NOT_FOUND', `No bank ${bankId} in this consortium.`);
    return peer.lookupKey(key);
  }

  async localKeyLookup(key: string): Promise<KeyLookup> {
    const receiver = await this.customers.receiverOf(key);
    const kind = parsePixKey(key).kind;
    return { bankId: this.info.bankId, bankName: this.info.name, name: receiver.name, documentMasked: maskDocument(receiver.document), keyKind: kind };
  }

  async localAccountsOf(document: string): Promise<DocumentAccounts> {
    const found = await this.customers.byDocument(parseDocument(document).digits);
    return {
      bankId: this.info.bankId,
      bankName: this.info.name,
      accounts: found.map((customer) => ({ accountId: customer.accountId, type: customer.type, joint: customer.joint, holderNames: customer.holders.map((holder) => holder.name) })),
    };
  }

  /**
   * A person's accounts at this bank, for the dossier: each with its balance, blocked amount and
   * latest transactions, read once each. `name` is the holder with this document, or null.
   */
  async personAt(document: string, transactionsPerAccount: number): Promise<PersonAtBank> {
    const digits = parseDocument(document).digits;
    const customers = await this.customers.byDocument(digits);
    const accounts = await Promise.all(customers.map(async (customer) => {
      const [balanceCents, blockedCents, transactions] = await Promise.all([
        this.store.balance(customer.accountId),
        this.participant.blockedCents(customer.accountId),
        this.transactions(customer.accountId, transactionsPerAccount),
      ]);
      return {
        accountId: customer.accountId, type: customer.type, joint: customer.joint, holderNames: customer.holders.map((holder) => holder.name),
        balanceCents, balance: formatCents(balanceCents), blockedCents, blocked: formatCents(blockedCents), transactions,
      };
    }));
    const name = customers.flatMap((customer) => customer.holders).find((holder) => holder.document === digits)?.name ?? null;
    return { bankId: this.info.bankId, bankName: this.info.name, name, accounts };
  }

  /** Which banks of the consortium know this document, and its accounts there; unreachable banks are listed as such. */
  async banksOf(document: string): Promise<(DocumentAccounts | { bankId: number; bankName: string; unavailable: true })[]> {
    const local = this.localAccountsOf(document);
    const remote = [...this.peers.values()].map((peer) =>
      peer.accountsOf(document).catch(() => ({ bankId: peer.peer.bankId, bankName: peer.peer.name, unavailable: true as const })));
    return (await Promise.all([local, ...remote])).sort((a, b) => a.bankId - b.bankId);
  }

  /** A Pix or a packet of them, paid from the customer's accounts (at this or other banks). */
  async submit(
    customer: CustomerRecord, document: string, kind: 'pix' | 'packet', orders: LegOrder[], idempotencyKey: string, consents: ReadonlyMap<number, string> = new Map(),
  ): Promise<PacketRecord> {
    if (orders.length === 0 || orders.length > 20) throw new BancaError('INVALID_REQUEST', 'A packet has 1 to 20 transfers.');
    const holder = customer.holders.find((candidate) => candidate.document === document);
    if (!holder) throw new BancaError('FORBIDDEN', 'The token does not name a holder of this account.');
    const legs: LegInput[] = [];
    for (const [index, order] of orders.entries()) {
      parsePixKey(order.key);
      this.link(order.toBankId);
      let fromAccountId = order.fromAccountId;
      if (order.fromBankId === this.info.bankId) {
        fromAccountId ??= customer.accountId;
        if (fromAccountId !== customer.accountId && !(await this.customers.get(fromAccountId))?.holders.some((h) => h.document === document)) {
          throw new BancaError('FORBIDDEN', `Transfer ${index + 1}: account ${fromAccountId} is not yours.`);
        }
      } else if (fromAccountId === undefined) {
        const peer = this.peers.get(order.fromBankId);
        if (!peer) throw new BancaError('BANK_NOT_FOUND', `Transfer ${index + 1}: no bank ${order.fromBankId} in this consortium.`);
        const there = await peer.accountsOf(document);
        const first = there.accounts[0];
        if (!first) throw new BancaError('ACCOUNT_NOT_FOUND', `Transfer ${index + 1}: you have no account at bank ${order.fromBankId} (${peer.peer.name}).`);
        fromAccountId = first.accountId;
      }
      legs.push({ fromBank: order.fromBankId, fromAccountId, toBank: order.toBankId, toKey: order.key, amountCents: order.amountCents });
    }
    const packetId = this.coordinator.packetIdOf(customer.accountId, idempotencyKey);
    const needed = this.consentsNeeded(packetId, legs, consents);
    // A packet already recorded (a retry) keeps the consents it was recorded with.
    if (needed.length > 0 && !(await this.coordinator.find(packetId))) {
      const names = needed.map((bank) => `bank ${bank.bankId} (${bank.name})`).join(', ');
      throw new BancaError('CONSENT_REQUIRED', `Transfers paid at ${names} need your consent there: log in at that bank, POST /v1/me/consents with these legs, and send this request again with "consents".`, {
        details: { packetId, coordinatorBank: this.info.bankId, banks: needed },
      });
    }
    const given = Object.fromEntries([...new Set(legs.map((leg) => leg.fromBank))].filter((bankId) => bankId !== this.info.bankId)
      .flatMap((bankId) => (consents.has(bankId) ? [[String(bankId), consents.get(bankId) ?? '']] : [])));
    return this.coordinator.submit({ kind, accountId: customer.accountId, document, payerName: holder.name, idempotencyKey, legs, consents: given });
  }

  /** The other banks paying legs of this packet whose consent was not sent, with what each must consent to. */
  private consentsNeeded(packetId: string, legs: LegInput[], consents: ReadonlyMap<number, string>): ConsentNeeded[] {
    const byBank = new Map<number, ConsentNeeded>();
    for (const [index, leg] of legs.entries()) {
      if (leg.fromBank === this.info.bankId) continue;
      const peer = this.peers.get(leg.fromBank);
      if (!peer) throw new BancaError('BANK_NOT_FOUND', `Transfer ${index + 1}: no bank ${leg.fromBank} in this consortium.`);
      const bank = byBank.get(leg.fromBank) ?? { bankId: leg.fromBank, name: peer.peer.name, url: peer.peer.url, payerAccountId: leg.fromAccountId, legs: [] };
      if (bank.payerAccountId !== leg.fromAccountId) {
        throw new BancaError('INVALID_REQUEST', `Transfer ${index + 1}: a packet pays from one account per other bank (bank ${leg.fromBank}: ${bank.payerAccountId}).`);
      }
      bank.legs.push({ legId: legIdOf(packetId, index), toBank: leg.toBank, key: leg.toKey, amountCents: leg.amountCents });
      byBank.set(leg.fromBank, bank);
    }
    return [...byBank.values()].filter((bank) => !consents.has(bank.bankId));
  }

  /**
   * A logged-in customer of this bank consents to legs of another bank's packet paid from one of
   * their accounts here: a token only this bank verifies, when it is asked to hold those legs.
   * Nothing is recorded; the consent is checked when the hold is asked.
   */
  async issueConsent(document: string, order: ConsentOrder): Promise<{ token: string; expiresAtMs: number; packetId: string }> {
    if (!this.bankIds().includes(order.coordinatorBank)) throw new BancaError('BANK_NOT_FOUND', `No bank ${order.coordinatorBank} in this consortium.`);
    const payer = await this.customers.get(order.payerAccountId);
    if (!payer?.holders.some((candidate) => candidate.document === document)) {
      throw new BancaError('FORBIDDEN', `Account ${order.payerAccountId} at bank ${this.info.bankId} is not yours: only its holders can consent to its payments.`);
    }
    for (const leg of order.legs) {
      if (!leg.legId.startsWith(`${order.packetId}.`)) throw new BancaError('INVALID_REQUEST', `Leg ${leg.legId} is not a leg of packet ${order.packetId}.`);
      if (!this.bankIds().includes(leg.toBank)) throw new BancaError('BANK_NOT_FOUND', `Leg ${leg.legId}: no bank ${leg.toBank} in this consortium.`);
      parsePixKey(leg.key);
    }
    const issued = await this.consents.issue({ ...order, document }, order.expiresInSeconds);
    return { ...issued, packetId: order.packetId };
  }

  /**
   * One round of the crash-recovery sweeps; every business server runs it on a timer. Each sweep
   * walks its open records oldest first in bounded pages (PagedScan), so the oldest work is done
   * first whatever its number. Returns how many open records the round saw (0: nothing open, the
   * sweeper may back off); never throws, a failure is logged and the next round tries again.
   */
  async sweep(staleMs: number): Promise<number> {
    const later = (what: string) => (error: unknown, id: string) => this.log.warn({ err: error, id }, `${what} will retry`);
    const holds = await this.counted('hold expiry', () => this.participant.expireHolds(Date.now(), later('hold expiry')).then((round) => round.seen));
    const packets = await this.counted('packet recovery', () => this.coordinator.recover(staleMs, later('packet recovery')).then((round) => round.seen));
    const credits = await this.counted('pending credit', () => this.participant.pendingCredits((page) => this.resolveCredits(page, staleMs)));
    return holds + packets + credits;
  }

  /** A sweep's count of open records, 0 when it failed (logged; the next round tries again). */
  private async counted(what: string, round: () => Promise<number>): Promise<number> {
    try {
      return await round();
    } catch (error) {
      this.log.warn({ err: error }, `${what} sweep failed`);
      return 0;
    }
  }

  /** How packets a bank holds legs of stand here (POST /interbank/v1/packets/states). */
  packetStatesFor(callerBank: number, packetIds: readonly string[]): Promise<PacketStateAnswer[]> {
    if (packetIds.length === 0 || packetIds.length > PACKET_STATES_MAX) {
      throw new BancaError('INVALID_REQUEST', `Ask the states of 1 to ${PACKET_STATES_MAX} packets at once.`);
    }
    return this.coordinator.statesFor(callerBank, packetIds);
  }

  /**
   * Credits left pending: ask each coordinator what it decided, one request per bank for a page
   * (PACKET_STATES_MAX packets each), then apply the credit only if it committed and void it if
   * it failed or does not know the packet. A bank that cannot answer leaves its credits pending.
   */
  private async resolveCredits(credits: readonly CreditRecord[], staleMs: number): Promise<void> {
    const now = Date.now();
    const byBank = new Map<number, CreditRecord[]>();
    for (const credit of credits) {
      if (now - credit.updatedAtMs < staleMs) continue;
      byBank.set(credit.coordinatorBank, [...(byBank.get(credit.coordinatorBank) ?? []), credit]);
    }
    await Promise.all([...byBank].map(async ([bankId, pending]) => {
      let states: Map<string, PacketStateAnswer['state']>;
      try {
        states = await this.packetStatesAt(bankId, [...new Set(pending.map((credit) => credit.packetId))]);
      } catch (error) {
        this.log.debug({ err: error, bankId }, 'pending credits still undecided: their coordinator cannot answer');
        return;
      }
      for (const credit of pending) {
        await this.resolveCredit(credit, states.get(credit.packetId))
          .catch((error: unknown) => this.log.debug({ err: error, legId: credit.legId }, 'pending credit still undecided'));
      }
    }));
  }

  /** The states a coordinating bank (this one or a peer) gives for these packets; none for a bank not in the consortium. */
  private async packetStatesAt(bankId: number, packetIds: readonly string[]): Promise<Map<string, PacketStateAnswer['state']>> {
    const peer = this.peers.get(bankId);
    if (bankId !== this.info.bankId && !peer) return new Map();
    const answers: PacketStateAnswer[] = [];
    for (let start = 0; start < packetIds.length; start += PACKET_STATES_MAX) {
      const chunk = packetIds.slice(start, start + PACKET_STATES_MAX);
      answers.push(...(peer ? await peer.packetStates(chunk) : await this.coordinator.statesFor(bankId, chunk)));
    }
    return new Map(answers.map((answer) => [answer.packetId, answer.state]));
  }

  /** A pending credit and its coordinator's word: applied after a commit, voided after a failure or for a packet unknown there. */
  private async resolveCredit(credit: CreditRecord, state: PacketStateAnswer['state'] | undefined): Promise<void> {
    if (state === 'committed' || state === 'completed') await this.participant.commitCredit(credit.legId, credit.coordinatorBank);
    else if (state === 'failed' || state === 'aborting' || state === 'unknown') await this.participant.voidCredit(credit.legId, credit.coordinatorBank);
  }
}

/** Movements the consortium's own flows write in the same commit as their record (deposits, holds, credits). */
const RECORDED_KINDS: ReadonlySet<TransferRecord['kind']> = new Set(['hold', 'post', 'void', 'reverse', 'credit']);

function explainedByRecords(record: TransferRecord): boolean {
  return RECORDED_KINDS.has(record.kind) || (record.kind === 'deposit' && DepositRecords.isDepositTransfer(record.transferId));
}

/** A movement no record explains, named by who made it: a teller (its operation id starts with its client id) or a business server. */
function ledgerTransaction(accountId: string, record: TransferRecord, tellers: readonly string[]): Transaction {
  const incoming = record.creditAccountId === accountId;
  const other = incoming ? record.debitAccountId : record.creditAccountId;
  const type: Transaction['type'] = record.kind === 'deposit' || record.kind === 'withdrawal' || record.kind === 'adjustment'
    ? record.kind
    : incoming ? 'transfer-in' : 'transfer-out';
  const client = clientOf(record.transferId);
  const madeBy = client === null ? `business server ${record.businessId}` : tellers.includes(client) ? `teller ${client}` : `client ${client}`;
  return {
    id: record.transferId, type, direction: incoming ? 'in' : 'out', madeBy, amountCents: record.amountCents, amount: formatCents(record.amountCents),
    status: 'completed', counterpart: isSystemAccount(other) ? null : other, bankId: null, method: null, packetId: null, atMs: record.committedAtMs,
  };
}

function depositTransaction(record: DepositRecord): Transaction {
  return {
    id: record.transferId, type: 'deposit', direction: 'in', madeBy: null, amountCents: record.amountCents, amount: formatCents(record.amountCents), status: 'completed',
    counterpart: null, bankId: null, method: record.method, packetId: null, atMs: record.createdAtMs,
  };
}

function holdTransaction(hold: HoldRecord): Transaction {
  const status: TransactionStatus = hold.state === 'held' ? 'pending' : hold.state === 'posted' ? 'completed' : 'failed';
  return {
    id: hold.legId, type: 'pix-out', direction: 'out', madeBy: null, amountCents: hold.amountCents, amount: formatCents(hold.amountCents), status,
    counterpart: hold.receiverName || null, bankId: hold.toBank, method: null, packetId: hold.packetId, atMs: hold.createdAtMs,
  };
}

function creditTransaction(credit: CreditRecord): Transaction {
  return {
    id: credit.legId, type: 'pix-in', direction: 'in', madeBy: null, amountCents: credit.amountCents, amount: formatCents(credit.amountCents), status: credit.state,
    counterpart: credit.payerName, bankId: credit.fromBank, method: null, packetId: credit.packetId, atMs: credit.createdAtMs,
  };
}
