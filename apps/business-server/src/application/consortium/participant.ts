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
import { parsePixKey } from '@banca/core/documents';
import { retry } from '@banca/core/retry';
import { applyCredit, creditTombstone, prepareCredit, sameCredit, stepCredit, type CreditEvent, type CreditRecord, type CreditRequest } from '../../domain/credit.js';
import { holdTombstone, placeHold, sameHold, stepHold, type HoldEvent, type HoldRecord, type HoldRequest } from '../../domain/hold.js';
import type { TransferInput } from '@banca/core/protocol';
import type { ConsentTokens } from '../../infra/consent-tokens.js';
import type { BankStore, Change, Versioned } from './bank-store.js';
import type { Customers, Receiver } from './customers.js';
import { CreditRecords, HoldRecords } from './records.js';
import { SCAN_DEFAULTS, type PagedScan, type ScanBudget } from './paged-scan.js';

/** Where a sweep reports a record it could not move this round (it tries again next pass). */
export type SweepErrorHandler = (error: unknown, id: string) => void;

const rethrow: SweepErrorHandler = (error) => {
  throw error;
};

/** What a coordinator can ask of a bank: implemented here for this bank, over HTTP for the others. */
export interface BankLink {
  /** False while the bank's last answer was that it cannot be reached: a Pix to it then keeps two
   *  phases (aborted, its money given back, at the prepare timeout) rather than going direct. */
  readonly answering?: boolean;
  hold(request: HoldRequest): Promise<HoldRecord>;
  /** Posts the hold; the coordinator tells the receiver's name, learnt in phase one, for the payer's statement. */
  post(legId: string, coordinatorBank: number, receiverName?: string): Promise<HoldRecord>;
  cancel(legId: string, coordinatorBank: number): Promise<HoldRecord>;
  prepareCredit(request: CreditRequest): Promise<CreditRecord>;
  /** A direct Pix's credit, applied at once (no pending phase): this bank's answer decides the packet. */
  applyCredit(request: CreditRequest): Promise<CreditRecord>;
  commitCredit(legId: string, coordinatorBank: number): Promise<CreditRecord>;
  voidCredit(legId: string, coordinatorBank: number): Promise<CreditRecord>;
}

/** Compare-and-set attempts of one step before it answers UNAVAILABLE. */
const ATTEMPTS = 8;

export class Participant implements BankLink {
  private readonly holds: HoldRecords;
  private readonly credits: CreditRecords;
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
    this.holds = new HoldRecords(store);
    this.credits = new CreditRecords(store);
    this.openHolds = this.holds.openScan(scan);
    this.openCredits = this.credits.openScan(scan);
  }

  /** A hold for this bank's own coordinator, which has checked the customer's token at this bank. */
  async hold(request: HoldRequest): Promise<HoldRecord> {
    return (await this.holdHere(request)).value;
  }

  /**
   * The same, with the hold's version: its post can then join the coordinator's decision commit
   * (postWrites). Given the payer's name, the coordinator vouches that it checked, when it took the
   * packet, that the customer asking is a holder of the paying account (no read here). expires
   * false: a direct Pix's hold, which only its coordinator moves (see domain/packet.ts).
   */
  async holdHere(request: HoldRequest, payerName?: string, expires = true): Promise<Versioned<HoldRecord>> {
    if (payerName !== undefined) return this.placeHold(request, payerName, expires);
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
    if (hold.value.state === 'posted') return 'posted';
    const step = stepHold(hold.value, { type: 'post', nowMs: this.now(), ...(receiverName ? { receiverName } : {}) });
    if (step === null || step.next.state !== 'posted') return null;
    return { change: this.holds.change(hold.value.legId, hold.version, step.next), transfer: step.transfer };
  }

  /**
   * What placing a direct Pix's hold writes, for its coordinator to commit with the packet's first
   * record (one commit): the new hold, its movement into @holds, and the payer's account it touches.
   */
  holdWrites(request: HoldRequest, payerName: string): { hold: Versioned<HoldRecord>; change: Change<HoldRecord>; transfer: TransferInput; account: string } {
    const placed = placeHold(request, payerName, this.now(), null);
    return { hold: { version: 1, value: placed.next }, change: this.holds.change(request.legId, 0, placed.next), transfer: placed.transfer, account: request.payerAccountId };
  }

  /** A hold asked by another bank: only with a consent of a holder of the account, issued here, covering this leg. */
  async holdWithConsent(request: HoldRequest): Promise<HoldRecord> {
    let payerName: string;
    try {
      payerName = await this.consentingHolder(request);
    } catch (error) {
      // A repeat of a hold placed earlier gets that hold, even if its consent has expired since.
      const existing = await this.holds.read(request.legId);
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

  private async placeHold(request: HoldRequest, payerName: string, expires = true): Promise<Versioned<HoldRecord>> {
    // Optimistic: a first request (the usual case) writes at once; a repeat finds the record.
    const existingHold = async (): Promise<Versioned<HoldRecord> | null> => {
      const existing = await this.holds.read(request.legId);
      return existing ? { version: existing.version, value: sameHold(existing.value, request) } : null;
    };
    return whileContended(request.legId, async (attempt) => {
      if (attempt > 1) {
        const existing = await existingHold();
        if (existing) return existing;
      }
      const placed = placeHold(request, payerName, this.now(), expires ? this.holdTimeoutMs : null);
      let done: boolean;
      try {
        // No lock: the data server never takes a customer balance below zero, which is the hold's only rule.
        done = await this.store.move([request.payerAccountId], [this.holds.change(request.legId, 0, placed.next)], [placed.transfer]);
      } catch (error) {
        if (!(error instanceof BancaError && error.code === 'INSUFFICIENT_FUNDS')) throw error;
        // A repeat of a hold placed earlier must get that hold, even if the money is gone since.
        const existing = await existingHold();
        if (existing) return existing;
        const available = await this.store.balance(request.payerAccountId);
        throw new BancaError('INSUFFICIENT_FUNDS', `Account ${request.payerAccountId} at bank ${this.bankId} has ${available} cents available; the transfer needs ${placed.needsCents}.`, { cause: error });
      }
      if (!done) return null;
      this.onWork();
      return { version: 1, value: placed.next };
    });
  }

  /** Posts a held hold; one past its expiry is voided instead (an expired hold is never posted, whoever asks first). */
  post(legId: string, coordinatorBank: number, receiverName?: string): Promise<HoldRecord> {
    return this.moveHold(legId, coordinatorBank, { type: 'post', nowMs: this.now(), ...(receiverName ? { receiverName } : {}) });
  }

  /** Voids a hold, reverses a posted leg, and leaves a tombstone for a leg never held (a late hold is then refused). */
  async cancel(legId: string, coordinatorBank: number, reason = 'cancelled by the coordinator'): Promise<HoldRecord> {
    const existing = await this.holds.read(legId);
    if (!existing) {
      const tombstone = holdTombstone(legId, coordinatorBank, reason, this.now());
      if (await this.store.write([this.holds.tombstone(legId, tombstone)])) return tombstone;
    }
    return this.moveHold(legId, coordinatorBank, { type: 'cancel', nowMs: this.now(), reason });
  }

  prepareCredit(request: CreditRequest): Promise<CreditRecord> {
    return this.createCredit(request, async (receiver) => {
      const pending = prepareCredit(request, receiver, this.now());
      if (!(await this.store.write([this.credits.change(request.legId, 0, pending)]))) return null;
      this.onWork();
      return pending;
    });
  }

  /**
   * A direct Pix's credit: applied now, in one commit with its record (completed). A void that came
   * first (its tombstone) or an earlier apply is the answer instead: the first decisive one stands.
   */
  applyCredit(request: CreditRequest): Promise<CreditRecord> {
    return this.createCredit(request, async (receiver) => {
      const step = applyCredit(request, receiver, this.now());
      const written = await this.store.move([receiver.accountId], [this.credits.change(request.legId, 0, step.next)], step.transfer ? [step.transfer] : []);
      return written ? step.next : null;
    });
  }

  /**
   * A leg's credit record created from absent by `write` (null: it lost the compare-and-set). A
   * record found first (a repeat, a void's tombstone, an earlier prepare whose key is gone since)
   * is the answer instead.
   */
  private async createCredit(request: CreditRequest, write: (receiver: Receiver) => Promise<CreditRecord | null>): Promise<CreditRecord> {
    const existing = async () => {
      const found = await this.credits.read(request.legId);
      return found ? sameCredit(found.value, request) : null;
    };
    return whileContended(request.legId, async (attempt) => {
      if (attempt > 1) {
        const found = await existing();
        if (found) return found;
      }
      let receiver: Receiver;
      try {
        receiver = await this.customers.receiverOf(request.key);
      } catch (error) {
        const found = await existing();
        if (found) return found;
        throw error;
      }
      return write(receiver);
    });
  }

  commitCredit(legId: string, coordinatorBank: number): Promise<CreditRecord> {
    return this.moveCredit(legId, coordinatorBank, { type: 'commit', nowMs: this.now() });
  }

  voidCredit(legId: string, coordinatorBank: number): Promise<CreditRecord> {
    return this.moveCredit(legId, coordinatorBank, { type: 'void', nowMs: this.now() });
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
        if (stepHold(listed, { type: 'expire', nowMs: now }) === null) continue;
        try {
          const after = await this.moveHold(listed.legId, listed.coordinatorBank, { type: 'expire', nowMs: now });
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
    return (await this.holds.heldOn(accountId)).reduce((sum, hold) => sum + hold.amountCents, 0);
  }

  async pendingIncomingCents(accountId: string): Promise<number> {
    return (await this.credits.pendingFor(accountId)).reduce((sum, credit) => sum + credit.amountCents, 0);
  }

  holdsOf(accountId: string, limit: number): Promise<HoldRecord[]> {
    return this.holds.ofAccount(accountId, limit);
  }

  creditsOf(accountId: string, limit: number): Promise<CreditRecord[]> {
    return this.credits.ofAccount(accountId, limit);
  }

  /** The shell of stepHold: read, step, compare-and-set (with its movement in the same commit), again if it lost. */
  private moveHold(legId: string, coordinatorBank: number, event: HoldEvent): Promise<HoldRecord> {
    return whileContended(legId, async () => {
      const current = await this.holds.read(legId);
      if (!current) throw new BancaError('TRANSFER_NOT_FOUND', `Bank ${this.bankId} has no hold ${legId}.`);
      assertCoordinator(current.value.coordinatorBank, coordinatorBank, legId);
      const step = stepHold(current.value, event);
      if (!step) return current.value;
      const change = this.holds.change(legId, current.version, step.next);
      const done = step.customerAccount === null
        ? await this.store.write([change], [step.transfer])
        : await this.store.move([step.customerAccount], [change], [step.transfer]);
      return done ? step.next : null;
    });
  }

  /** The shell of stepCredit; a void of a credit never prepared leaves a tombstone. */
  private moveCredit(legId: string, coordinatorBank: number, event: CreditEvent): Promise<CreditRecord> {
    return whileContended(legId, async () => {
      const current = await this.credits.read(legId);
      if (!current) {
        if (event.type === 'commit') throw new BancaError('TRANSFER_NOT_FOUND', `Bank ${this.bankId} has no pending credit ${legId}.`);
        const tombstone = creditTombstone(legId, coordinatorBank, this.now());
        return (await this.store.write([this.credits.tombstone(legId, tombstone)])) ? tombstone : null;
      }
      assertCoordinator(current.value.coordinatorBank, coordinatorBank, legId);
      const step = stepCredit(current.value, event);
      if (!step) return current.value;
      const change = this.credits.change(legId, current.version, step.next);
      const { transfer, customerAccount } = step;
      const done = transfer === null
        ? await this.store.write([change])
        : await this.store.move(customerAccount === null ? [] : [customerAccount], [change], [transfer]);
      return done ? step.next : null;
    });
  }
}

function assertCoordinator(expected: number, caller: number, legId: string): void {
  if (expected !== caller) throw new BancaError('FORBIDDEN', `Leg ${legId} is coordinated by bank ${expected}, not by bank ${caller}.`);
}

function normalKey(key: string): string {
  try {
    return parsePixKey(key).value;
  } catch {
    return key;
  }
}

/** Thrown to the retry loop by a step that lost its compare-and-set. */
const LOST = new Error('compare-and-set lost');

/**
 * Runs a compare-and-set step again, at once (it reads the record anew), while it loses (null):
 * ATTEMPTS in all, then UNAVAILABLE. Its own errors end it as they come.
 */
async function whileContended<T>(legId: string, step: (attempt: number) => Promise<T | null>): Promise<T> {
  try {
    return await retry(async (attempt) => {
      const done = await step(attempt);
      if (done === null) throw LOST;
      return done;
    }, { attempts: ATTEMPTS, shouldRetry: (error) => error === LOST });
  } catch (error) {
    if (error === LOST) throw new BancaError('UNAVAILABLE', `Leg ${legId} kept changing under this request; retry.`);
    throw error;
  }
}
