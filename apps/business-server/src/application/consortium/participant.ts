// This bank's side of an interbank Pix leg (two phases with holds), for whichever bank
// coordinates the packet, this one included. Paying side: hold (the money leaves the payer's
// available balance into @holds and shows as blocked), then post (to @bank:<receiving bank>) or
// cancel (void the hold, or reverse a posted leg). Receiving side: a pending credit, then commit
// (@bank:<paying bank> -> receiver) or void. Every step is idempotent by the leg's id and
// compare-and-set on the leg's record, so a retry, a crash or a racing business server cannot
// apply a step twice or both post and void one hold.
// A hold asked by another bank's coordinator needs the payer's consent, a token this bank issued
// to a holder of the account and checks itself; the coordinator's word for the payer counts for nothing.
import { BancaError } from '@banca/core/errors';
import { maskDocument, parsePixKey } from '@banca/core/documents';
import type { TransferInput } from '@banca/core/protocol';
import type { ConsentTokens } from '../../infra/consent-tokens.js';
import type { BankStore, Change, Versioned } from './bank-store.js';
import type { Customers } from './customers.js';
import { PagedScan, SCAN_DEFAULTS, type ScanBudget } from './paged-scan.js';

/** Where a sweep reports a record it could not move this round (it tries again next pass). */
export type SweepErrorHandler = (error: unknown, id: string) => void;

const rethrow: SweepErrorHandler = (error) => {
  throw error;
};

export const HOLDS_ACCOUNT = '@holds';
export const bankAccount = (bankId: number) => `@bank:${bankId}`;

export type HoldState = 'held' | 'posted' | 'voided' | 'reversed';
export type CreditState = 'pending' | 'completed' | 'failed';

export interface HoldRequest {
  legId: string;
  packetId: string;
  coordinatorBank: number;
  payerAccountId: string;
  /** The document of the customer asking, for display: it authorizes nothing at another bank. */
  payerDocument: string;
  toBank: number;
  /** The receiver's Pix key at toBank, which a consent must name. */
  toKey?: string;
  amountCents: number;
  receiverName: string;
  /** The payer's consent token, issued by this (the paying) bank; required unless this bank coordinates. */
  consent?: string;
}

export interface HoldRecord extends Omit<HoldRequest, 'consent'> {
  payerName: string;
  state: HoldState;
  reason: string | null;
  createdAtMs: number;
  expiresAtMs: number;
  updatedAtMs: number;
}

export interface CreditRequest {
  legId: string;
  packetId: string;
  coordinatorBank: number;
  fromBank: number;
  key: string;
  amountCents: number;
  payerName: string;
  payerDocument: string;
}

export interface CreditRecord {
  legId: string;
  packetId: string;
  coordinatorBank: number;
  fromBank: number;
  receiverAccountId: string;
  receiverName: string;
  receiverDocumentMasked: string;
  payerName: string;
  payerDocumentMasked: string;
  amountCents: number;
  state: CreditState;
  createdAtMs: number;
  updatedAtMs: number;
}

/** What a coordinator can ask of a bank: implemented here for this bank, over HTTP for the others. */
export interface BankLink {
  hold(request: HoldRequest): Promise<HoldRecord>;
  /** Posts the hold; the coordinator tells the receiver's name, learnt in phase one, for the payer's statement. */
  post(legId: string, coordinatorBank: number, receiverName?: string): Promise<HoldRecord>;
  cancel(legId: string, coordinatorBank: number): Promise<HoldRecord>;
  prepareCredit(request: CreditRequest): Promise<CreditRecord>;
  commitCredit(legId: string, coordinatorBank: number): Promise<CreditRecord>;
  voidCredit(legId: string, coordinatorBank: number): Promise<CreditRecord>;
}

const HOLDS = 'holds';
const CREDITS = 'credits';
const ATTEMPTS = 8;

function holdTags(hold: HoldRecord): string[] {
  const tags = [`acct:${hold.payerAccountId}`, `packet:${hold.packetId}`];
  if (hold.state === 'held') tags.push('open', `held:${hold.payerAccountId}`);
  return tags;
}

function creditTags(credit: CreditRecord): string[] {
  const tags = [`acct:${credit.receiverAccountId}`, `packet:${credit.packetId}`];
  if (credit.state === 'pending') tags.push('open', `pending:${credit.receiverAccountId}`);
  return tags;
}

export class Participant implements BankLink {
  /** The recovery sweep's walks, oldest first (see PagedScan). */
  private readonly openHolds: PagedScan<HoldRecord>;
  private readonly openCredits: PagedScan<CreditRecord>;
  /** Told when a hold or a credit is recorded here, so the recovery sweeper looks often again (Sweeper.wake). */
  onWork: () => void = () => undefined;

  constructor(
    private readonly bankId: number,
    private readonly store: BankStore,
    private readonly customers: Customers,
    private readonly holdTimeoutMs: number,
    private readonly consents: ConsentTokens,
    scan: ScanBudget = SCAN_DEFAULTS,
    private readonly now: () => number = Date.now,
  ) {
    this.openHolds = new PagedScan(store, HOLDS, 'open', scan);
    this.openCredits = new PagedScan(store, CREDITS, 'open', scan);
  }

  /** A hold for this bank's own coordinator, which has checked the customer's token at this bank. */
  async hold(request: HoldRequest): Promise<HoldRecord> {
    return (await this.holdHere(request)).value;
  }

  /**
   * The same, with the hold's version: its post can then join the coordinator's decision commit
   * (postWrites). Given the payer's name, the coordinator vouches that it checked, when it took the
   * packet, that the customer asking is a holder of the paying account (no read here).
   */
  async holdHere(request: HoldRequest, payerName?: string): Promise<Versioned<HoldRecord>> {
    if (payerName !== undefined) return this.placeHold(request, payerName);
    const payer = await this.customers.require(request.payerAccountId);
    const holder = payer.holders.find((candidate) => candidate.document === request.payerDocument);
    if (!holder) throw new BancaError('FORBIDDEN', `The customer asking is not a holder of account ${request.payerAccountId} at bank ${this.bankId}.`);
    return this.placeHold(request, holder.name);
  }

  /**
   * What posting this bank's hold writes, for its own coordinator to commit with its decision (one
   * commit, no read): 'posted' when it is posted already, null when it is no longer held or has
   * expired (the decision must then be to abort).
   */
  postWrites(hold: Versioned<HoldRecord>, receiverName: string | null): { change: Change<HoldRecord>; transfer: TransferInput } | 'posted' | null {
    const current = hold.value;
    if (current.state === 'posted') return 'posted';
    if (current.state !== 'held' || current.expiresAtMs <= this.now()) return null;
    const next: HoldRecord = { ...current, state: 'posted', receiverName: receiverName ?? current.receiverName, updatedAtMs: this.now() };
    return {
      change: { collection: HOLDS, key: current.legId, expectVersion: hold.version, value: next, tags: holdTags(next) },
      transfer: movement(`${current.legId}:post`, 'post', HOLDS_ACCOUNT, bankAccount(current.toBank), current.amountCents),
    };
  }

  /** A hold asked by another bank: only with a consent of a holder of the account, issued here, covering this leg. */
  async holdWithConsent(request: HoldRequest): Promise<HoldRecord> {
    let payerName: string;
    try {
      payerName = await this.consentingHolder(request);
    } catch (error) {
      // A repeat of a hold placed earlier gets that hold, even if its consent has expired since.
      const existing = await this.store.read<HoldRecord>(HOLDS, request.legId);
      if (existing) return sameHold(existing.value, request);
      throw error;
    }
    return (await this.placeHold(request, payerName)).value;
  }

  /** The name of the holder whose consent covers this leg; CONSENT_INVALID otherwise. */
  private async consentingHolder(request: HoldRequest): Promise<string> {
    const refuse = (why: string) => new BancaError('CONSENT_INVALID', `Bank ${this.bankId} refuses to hold leg ${request.legId}: ${why}`);
    if (!request.consent) throw refuse("no consent of the payer came with it (the payer gives one at this bank's POST /v1/me/consents).");
    const consent = await this.consents.verify(request.consent);
    if (consent.packetId !== request.packetId || consent.coordinatorBank !== request.coordinatorBank) {
      throw refuse(`the consent is for packet ${consent.packetId} of bank ${consent.coordinatorBank}, not ${request.packetId} of bank ${request.coordinatorBank}.`);
    }
    if (consent.payerAccountId !== request.payerAccountId) throw refuse(`the consent is for account ${consent.payerAccountId}, not ${request.payerAccountId}.`);
    const leg = consent.legs.find((candidate) => candidate.legId === request.legId);
    if (!leg) throw refuse('the consent does not cover this leg.');
    if (leg.toBank !== request.toBank || request.toKey === undefined || normalKey(leg.key) !== normalKey(request.toKey)) throw refuse('the consent names another receiver.');
    if (leg.amountCents !== request.amountCents) throw refuse(`the consent is for ${leg.amountCents} cents, not ${request.amountCents}.`);
    const payer = await this.customers.require(request.payerAccountId);
    const holder = payer.holders.find((candidate) => candidate.document === consent.document);
    if (!holder) throw refuse(`whoever consented is not a holder of account ${request.payerAccountId}.`);
    return holder.name;
  }

  private async placeHold(request: HoldRequest, payerName: string): Promise<Versioned<HoldRecord>> {
    const { consent: _consent, ...held } = request;
    // Optimistic: a first request (the usual case) writes at once; a repeat finds the record.
    for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
      if (attempt > 0) {
        const existing = await this.store.read<HoldRecord>(HOLDS, request.legId);
        if (existing) return { version: existing.version, value: sameHold(existing.value, request) };
      }
      const now = this.now();
      const record: HoldRecord = {
        ...held, payerName, state: 'held', reason: null, createdAtMs: now, expiresAtMs: now + this.holdTimeoutMs, updatedAtMs: now,
      };
      let done: boolean;
      try {
        done = await this.store.withLocks([request.payerAccountId], (balances) => {
          const available = balances.balance(request.payerAccountId);
          if (available < request.amountCents) {
            throw new BancaError('INSUFFICIENT_FUNDS', `Account ${request.payerAccountId} at bank ${this.bankId} has ${available} cents available; the transfer needs ${request.amountCents}.`);
          }
          return {
            transfers: [movement(`${request.legId}:hold`, 'hold', request.payerAccountId, HOLDS_ACCOUNT, request.amountCents)],
            changes: [{ collection: HOLDS, key: request.legId, expectVersion: 0, value: record, tags: holdTags(record) }],
          };
        });
      } catch (error) {
        if (!(error instanceof BancaError && error.code === 'INSUFFICIENT_FUNDS')) throw error;
        // A repeat of a hold placed earlier must get that hold, even if the money is gone since.
        const existing = await this.store.read<HoldRecord>(HOLDS, request.legId);
        if (existing) return { version: existing.version, value: sameHold(existing.value, request) };
        throw error;
      }
      if (done) {
        this.onWork();
        return { version: 1, value: record };
      }
    }
    throw contention(request.legId);
  }

  /** Posts a held hold; one past its expiry is voided instead (an expired hold is never posted, whoever asks first). */
  post(legId: string, coordinatorBank: number, receiverName?: string): Promise<HoldRecord> {
    return this.moveHold(legId, coordinatorBank, (hold) => {
      if (hold.state !== 'held') return null;
      if (hold.expiresAtMs <= this.now()) return expiry(legId, hold);
      return {
        state: 'posted', transfer: movement(`${legId}:post`, 'post', HOLDS_ACCOUNT, bankAccount(hold.toBank), hold.amountCents), lock: null,
        ...(receiverName ? { receiverName } : {}),
      };
    });
  }

  /** Voids a hold, reverses a posted leg, and leaves a tombstone for a leg never held (a late hold is then refused). */
  async cancel(legId: string, coordinatorBank: number, reason = 'cancelled by the coordinator'): Promise<HoldRecord> {
    const existing = await this.store.read<HoldRecord>(HOLDS, legId);
    if (!existing) {
      const now = this.now();
      const tombstone: HoldRecord = {
        legId, packetId: legId.split('.')[0] ?? legId, coordinatorBank, payerAccountId: 'none', payerDocument: '', toBank: 0, amountCents: 0,
        receiverName: '', payerName: '', state: 'voided', reason: `${reason} before any hold`, createdAtMs: now, expiresAtMs: now, updatedAtMs: now,
      };
      if (await this.store.write([{ collection: HOLDS, key: legId, expectVersion: 0, value: tombstone, tags: [] }])) return tombstone;
    }
    return this.moveHold(legId, coordinatorBank, (hold) => {
      if (hold.state === 'held') return { state: 'voided', transfer: movement(`${legId}:void`, 'void', HOLDS_ACCOUNT, hold.payerAccountId, hold.amountCents), lock: hold.payerAccountId, reason };
      if (hold.state === 'posted') return { state: 'reversed', transfer: movement(`${legId}:reverse`, 'reverse', bankAccount(hold.toBank), hold.payerAccountId, hold.amountCents), lock: hold.payerAccountId, reason };
      return null;
    });
  }

  async prepareCredit(request: CreditRequest): Promise<CreditRecord> {
    for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
      if (attempt > 0) {
        const existing = await this.store.read<CreditRecord>(CREDITS, request.legId);
        if (existing) return sameCredit(existing.value, request);
      }
      const receiver = await this.customers.receiverOf(request.key).catch(async (error: unknown) => {
        // A key removed since an earlier, successful prepare: that prepare stands.
        const existing = await this.store.read<CreditRecord>(CREDITS, request.legId);
        if (existing) return null;
        throw error;
      });
      if (receiver === null) continue;
      const now = this.now();
      const record: CreditRecord = {
        legId: request.legId, packetId: request.packetId, coordinatorBank: request.coordinatorBank, fromBank: request.fromBank,
        receiverAccountId: receiver.accountId, receiverName: receiver.name, receiverDocumentMasked: maskDocument(receiver.document),
        payerName: request.payerName, payerDocumentMasked: maskDocument(request.payerDocument), amountCents: request.amountCents,
        state: 'pending', createdAtMs: now, updatedAtMs: now,
      };
      if (await this.store.write([{ collection: CREDITS, key: request.legId, expectVersion: 0, value: record, tags: creditTags(record) }])) {
        this.onWork();
        return record;
      }
    }
    throw contention(request.legId);
  }

  async commitCredit(legId: string, coordinatorBank: number): Promise<CreditRecord> {
    for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
      const current = await this.readCredit(legId, coordinatorBank);
      if (current.value.state !== 'pending') return current.value;
      const credit = current.value;
      const next: CreditRecord = { ...credit, state: 'completed', updatedAtMs: this.now() };
      const done = await this.store.withLocks([credit.receiverAccountId], () => ({
        transfers: [movement(`${legId}:credit`, 'credit', bankAccount(credit.fromBank), credit.receiverAccountId, credit.amountCents)],
        changes: [{ collection: CREDITS, key: legId, expectVersion: current.version, value: next, tags: creditTags(next) }],
      }));
      if (done) return next;
    }
    throw contention(legId);
  }

  async voidCredit(legId: string, coordinatorBank: number): Promise<CreditRecord> {
    for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
      const existing = await this.store.read<CreditRecord>(CREDITS, legId);
      if (!existing) {
        const now = this.now();
        const tombstone: CreditRecord = {
          legId, packetId: legId.split('.')[0] ?? legId, coordinatorBank, fromBank: 0, receiverAccountId: 'none', receiverName: '',
          receiverDocumentMasked: '', payerName: '', payerDocumentMasked: '', amountCents: 0, state: 'failed', createdAtMs: now, updatedAtMs: now,
        };
        if (await this.store.write([{ collection: CREDITS, key: legId, expectVersion: 0, value: tombstone, tags: [] }])) return tombstone;
        continue;
      }
      assertCoordinator(existing.value.coordinatorBank, coordinatorBank, legId);
      if (existing.value.state !== 'pending') return existing.value;
      const next: CreditRecord = { ...existing.value, state: 'failed', updatedAtMs: this.now() };
      if (await this.store.write([{ collection: CREDITS, key: legId, expectVersion: existing.version, value: next, tags: creditTags(next) }])) return next;
    }
    throw contention(legId);
  }

  /**
   * One round over the open holds, oldest first in bounded pages: those past their timeout are
   * voided, whatever the coordinator is doing (its post then fails). Only a hold still held is
   * voided: one posted since it was listed is the coordinator's to undo. A hold that cannot be
   * voided now goes to onError and waits for the next pass. Returns how many open holds the round saw.
   */
  async expireHolds(now = this.now(), onError: SweepErrorHandler = rethrow): Promise<{ seen: number; voided: number }> {
    let voided = 0;
    const seen = await this.openHolds.round(async (page) => {
      for (const { value: listed } of page) {
        if (listed.state !== 'held' || listed.expiresAtMs > now) continue;
        try {
          const after = await this.moveHold(listed.legId, listed.coordinatorBank, (hold) => (hold.state === 'held' && hold.expiresAtMs <= now ? expiry(listed.legId, hold) : null));
          if (after.state === 'voided') voided++;
        } catch (error) {
          onError(error, listed.legId);
        }
      }
    });
    return { seen, voided };
  }

  /** One round over the open credits, oldest first: each page's pending ones go to `resolve`. Returns how many it saw. */
  pendingCredits(resolve: (credits: CreditRecord[]) => Promise<void>): Promise<number> {
    return this.openCredits.round((page) => resolve(page.map((record) => record.value).filter((credit) => credit.state === 'pending')));
  }

  async blockedCents(accountId: string): Promise<number> {
    return (await this.store.list<HoldRecord>(HOLDS, `held:${accountId}`)).reduce((sum, { value }) => sum + (value.state === 'held' ? value.amountCents : 0), 0);
  }

  async pendingIncomingCents(accountId: string): Promise<number> {
    return (await this.store.list<CreditRecord>(CREDITS, `pending:${accountId}`)).reduce((sum, { value }) => sum + (value.state === 'pending' ? value.amountCents : 0), 0);
  }

  async holdsOf(accountId: string, limit: number): Promise<HoldRecord[]> {
    return (await this.store.list<HoldRecord>(HOLDS, `acct:${accountId}`, limit)).map((record) => record.value);
  }

  async creditsOf(accountId: string, limit: number): Promise<CreditRecord[]> {
    return (await this.store.list<CreditRecord>(CREDITS, `acct:${accountId}`, limit)).map((record) => record.value);
  }

  private async readCredit(legId: string, coordinatorBank: number): Promise<Versioned<CreditRecord>> {
    const current = await this.store.read<CreditRecord>(CREDITS, legId);
    if (!current) throw new BancaError('TRANSFER_NOT_FOUND', `Bank ${this.bankId} has no pending credit ${legId}.`);
    assertCoordinator(current.value.coordinatorBank, coordinatorBank, legId);
    return current;
  }

  private async moveHold(
    legId: string,
    coordinatorBank: number,
    decide: (hold: HoldRecord) => { state: HoldState; transfer: TransferInput; lock: string | null; reason?: string; receiverName?: string } | null,
  ): Promise<HoldRecord> {
    for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
      const current = await this.store.read<HoldRecord>(HOLDS, legId);
      if (!current) throw new BancaError('TRANSFER_NOT_FOUND', `Bank ${this.bankId} has no hold ${legId}.`);
      assertCoordinator(current.value.coordinatorBank, coordinatorBank, legId);
      const step = decide(current.value);
      if (!step) return current.value;
      const next: HoldRecord = {
        ...current.value, state: step.state, reason: step.reason ?? current.value.reason, receiverName: step.receiverName ?? current.value.receiverName, updatedAtMs: this.now(),
      };
      const change = { collection: HOLDS, key: legId, expectVersion: current.version, value: next, tags: holdTags(next) };
      const done = step.lock === null
        ? await this.store.write([change], [step.transfer])
        : await this.store.withLocks([step.lock], () => ({ transfers: [step.transfer], changes: [change] }));
      if (done) return next;
    }
    throw contention(legId);
  }
}

/** A held hold past its expiry: voided, the money back with the payer. */
function expiry(legId: string, hold: HoldRecord): { state: HoldState; transfer: TransferInput; lock: string; reason: string } {
  return { state: 'voided', transfer: movement(`${legId}:void`, 'void', HOLDS_ACCOUNT, hold.payerAccountId, hold.amountCents), lock: hold.payerAccountId, reason: 'the hold timed out' };
}

function movement(transferId: string, kind: TransferInput['kind'], debitAccountId: string, creditAccountId: string, amountCents: number): TransferInput {
  return { transferId, kind, debitAccountId, creditAccountId, amountCents };
}

function assertCoordinator(expected: number, caller: number, legId: string): void {
  if (expected !== caller) throw new BancaError('FORBIDDEN', `Leg ${legId} is coordinated by bank ${expected}, not by bank ${caller}.`);
}

function sameHold(existing: HoldRecord, request: HoldRequest): HoldRecord {
  const same = existing.packetId === request.packetId && existing.payerAccountId === request.payerAccountId
    && existing.amountCents === request.amountCents && existing.toBank === request.toBank && existing.coordinatorBank === request.coordinatorBank;
  if (!same && existing.payerAccountId !== 'none') throw new BancaError('IDEMPOTENCY_CONFLICT', `Leg ${request.legId} was already held with different details.`);
  return existing;
}

function sameCredit(existing: CreditRecord, request: CreditRequest): CreditRecord {
  const same = existing.packetId === request.packetId && existing.amountCents === request.amountCents && existing.fromBank === request.fromBank;
  if (!same && existing.receiverAccountId !== 'none') throw new BancaError('IDEMPOTENCY_CONFLICT', `Leg ${request.legId} was already prepared with different details.`);
  return existing;
}

function normalKey(key: string): string {
  try {
    return parsePixKey(key).value;
  } catch {
    return key;
  }
}

function contention(legId: string): BancaError {
  return new BancaError('UNAVAILABLE', `Leg ${legId} kept changing under this request; retry.`);
}
