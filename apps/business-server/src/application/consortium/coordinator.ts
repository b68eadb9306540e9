// The coordinator of a packet of Pix legs (a lone Pix is a packet of one leg), run by the bank
// where the customer asked, on any of its business servers. Its state is a record in the bank's
// data store, moved only by compare-and-set, so a crashed server's packet is finished or undone
// by another one (the recovery sweep) and two servers can never decide differently:
//
//   preparing --(every leg held at its paying bank, credit prepared at its receiving bank,
//                then every hold posted)--> committed --(every credit applied)--> completed
//   preparing --(a leg refused, a hold expired, or the prepare timeout)--> aborting
//             --(holds voided or reversed, credits voided)--> failed
//
// Credits are applied only after the decision to commit, and a hold can be voided by its bank
// (timeout) only while it is not posted, so either every leg moves money or none does. Posting
// is still reversible (the money sits in @bank:<receiving bank> at the paying bank) until the
// decision, which is why a late expired hold aborts the whole packet safely.
import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { canonicalJson } from '@banca/core/canonical-json';
import { BancaError, type ErrorCode } from '@banca/core/errors';
import { RECORD_KEY } from '@banca/core/protocol';
import type { FastifyBaseLogger } from 'fastify';
import type { TransferInput } from '@banca/core/protocol';
import type { BankStore, Change, Versioned } from './bank-store.js';
import { PagedScan, SCAN_DEFAULTS, type ScanBudget } from './paged-scan.js';
import type { BankLink, CreditRecord, HoldRecord, HoldRequest, SweepErrorHandler } from './participant.js';

export type PacketState = 'queued' | 'preparing' | 'committed' | 'completed' | 'aborting' | 'failed';

export interface PacketLeg {
  legId: string;
  fromBank: number;
  fromAccountId: string;
  toBank: number;
  toKey: string;
  amountCents: number;
  receiverName: string | null;
  receiverAccountId: string | null;
}

export interface PacketRecord {
  packetId: string;
  kind: 'pix' | 'packet';
  bankId: number;
  accountId: string;
  document: string;
  payerName: string;
  legs: PacketLeg[];
  state: PacketState;
  failedLeg: number | null;
  error: { code: ErrorCode; message: string } | null;
  requestHash: string;
  /** Per paying bank other than this one (by bank id), the payer's consent token that bank issued. */
  consents?: Record<string, string>;
  createdAtMs: number;
  updatedAtMs: number;
}

export interface LegInput {
  fromBank: number;
  fromAccountId: string;
  toBank: number;
  toKey: string;
  amountCents: number;
}

export interface PacketOrder {
  kind: 'pix' | 'packet';
  accountId: string;
  document: string;
  payerName: string;
  idempotencyKey: string;
  legs: LegInput[];
  /** The payer's consent for the legs paid at other banks, by bank id; only that bank can check it. */
  consents: Record<string, string>;
}

/** This bank as the paying side of its own packets' legs: a hold's post joins the decision commit. */
export interface LocalLegs {
  /** payerName: the holder the packet was taken from, already checked to hold the paying account. */
  holdHere(request: HoldRequest, payerName?: string): Promise<Versioned<HoldRecord>>;
  postWrites(hold: Versioned<HoldRecord>, receiverName: string | null): { change: Change<HoldRecord>; transfer: TransferInput } | 'posted' | null;
}

/** A packet's next state, and what this bank writes with it in the same commit (its own legs' posts). */
interface Step {
  next: PacketRecord;
  changes?: Change<unknown>[];
  transfers?: TransferInput[];
}

export interface CoordinatorOptions {
  bankId: number;
  queued: boolean;
  prepareTimeoutMs: number;
  retryDelayMs: number;
  /** The recovery sweep's pages; SCAN_DEFAULTS when absent. */
  scan?: ScanBudget;
}

/** Packet ids per request of POST /interbank/v1/packets/states. */
export const PACKET_STATES_MAX = 200;

/** The answer about one packet to a bank asking how its packets stand. */
export interface PacketStateAnswer {
  packetId: string;
  state: PacketState | 'unknown';
}

const PACKETS = 'packets';
/** Queued packets read per token-ring pass (one page of the data server). */
const QUEUED_PER_PASS_MAX = 1000;

/** What a retry under the same customer key must ask for again, as canonical JSON so the order of
 *  the legs' keys does not count. The consents are not part of it: a token issued again differs. */
export function packetRequestHash(kind: PacketOrder['kind'], legs: readonly LegInput[]): string {
  return sha256Hex(canonicalJson([kind, legs]));
}

/** Whether a retry is the packet stored. Packets stored before the hash was canonical hold
 *  sha256(JSON.stringify([kind, legs])); a retry whose legs were built the same way still matches. */
export function samePacketRequest(storedHash: string, kind: PacketOrder['kind'], legs: readonly LegInput[], requestHash = packetRequestHash(kind, legs)): boolean {
  return storedHash === requestHash || storedHash === sha256Hex(JSON.stringify([kind, legs]));
}

const sha256Hex = (text: string) => createHash('sha256').update(text).digest('hex');

const FINAL: readonly PacketState[] = ['completed', 'failed'];

function packetTags(packet: PacketRecord): string[] {
  const tags = [`acct:${packet.accountId}`];
  if (!FINAL.includes(packet.state)) tags.push('open');
  if (packet.state === 'queued') tags.push('queued');
  return tags;
}

export class Coordinator {
  /** Token-ring mode: told when a packet was queued, so a bank holding the token runs it now. */
  onQueued: () => void = () => undefined;
  /** Told when a new packet is recorded here, so the recovery sweeper looks often again (Sweeper.wake). */
  onWork: () => void = () => undefined;

  /** The recovery sweep's walk over the open packets, oldest first (see PagedScan). */
  private readonly openPackets: PagedScan<PacketRecord>;

  constructor(
    private readonly options: CoordinatorOptions,
    private readonly store: BankStore,
    private readonly link: (bankId: number) => BankLink,
    private readonly log: FastifyBaseLogger,
    private readonly local: LocalLegs,
  ) {
    this.openPackets = new PagedScan(store, PACKETS, 'open', options.scan ?? SCAN_DEFAULTS);
  }

  /** Records the packet (idempotent by the customer's key) and, unless queued for the token, runs it. */
  async submit(order: PacketOrder): Promise<PacketRecord> {
    const requestHash = packetRequestHash(order.kind, order.legs);
    const packetId = this.packetIdOf(order.accountId, order.idempotencyKey);
    const now = Date.now();
    const packet: PacketRecord = {
      packetId, kind: order.kind, bankId: this.options.bankId, accountId: order.accountId, document: order.document, payerName: order.payerName,
      legs: order.legs.map((leg, index) => ({ ...leg, legId: legIdOf(packetId, index), receiverName: null, receiverAccountId: null })),
      state: this.options.queued ? 'queued' : 'preparing', failedLeg: null, error: null, requestHash, consents: order.consents, createdAtMs: now, updatedAtMs: now,
    };
    if (!(await this.store.write([{ collection: PACKETS, key: packetId, expectVersion: 0, value: packet, tags: packetTags(packet) }]))) {
      const existing = await this.get(packetId);
      if (!samePacketRequest(existing.requestHash, order.kind, order.legs, requestHash)) {
        throw new BancaError('IDEMPOTENCY_CONFLICT', `Idempotency key ${order.idempotencyKey} was already used for a different ${existing.kind}.`);
      }
      return this.options.queued ? existing : this.drive(packetId);
    }
    this.onWork();
    if (!this.options.queued) return this.drive(packetId, { version: 1, value: packet });
    this.onQueued();
    return packet;
  }

  /** The packet id a customer's idempotency key gives, known before the packet is recorded (for consents). */
  packetIdOf(accountId: string, idempotencyKey: string): string {
    return `p${this.options.bankId}-${createHash('sha256').update(`${accountId}\n${idempotencyKey}`).digest('hex').slice(0, 24)}`;
  }

  async find(packetId: string): Promise<PacketRecord | null> {
    return (await this.store.read<PacketRecord>(PACKETS, packetId))?.value ?? null;
  }

  async get(packetId: string): Promise<PacketRecord> {
    const found = await this.store.read<PacketRecord>(PACKETS, packetId);
    if (!found) throw new BancaError('TRANSFER_NOT_FOUND', `Bank ${this.options.bankId} coordinates no packet ${packetId}.`);
    return found.value;
  }

  /** Waits for a packet to end (token-ring mode), up to waitMs; returns its state then. */
  async waitFor(packetId: string, waitMs: number): Promise<PacketRecord> {
    const deadline = Date.now() + waitMs;
    // Polls the record, quickly at first, then every 100 ms: a queued packet waits for the token.
    for (let delayMs = 5; ; delayMs = Math.min(delayMs * 2, 100)) {
      const packet = await this.get(packetId);
      if (FINAL.includes(packet.state) || Date.now() >= deadline) return packet;
      await sleep(delayMs);
    }
  }

  async listOf(accountId: string, limit: number): Promise<PacketRecord[]> {
    return (await this.store.list<PacketRecord>(PACKETS, `acct:${accountId}`, limit)).map((record) => record.value);
  }

  /** Token ring: runs up to `budget` queued packets, oldest first; returns how many ran. */
  async runQueued(budget: number): Promise<number> {
    // Oldest first from the store, whatever number wait: a queued packet is written once, when recorded.
    const queued = (await this.store.page<PacketRecord>(PACKETS, 'queued', Math.min(budget, QUEUED_PER_PASS_MAX), null)).records;
    // The packets of one pass run side by side (account locks keep them apart), so a pass lasts
    // about one packet's time, bounded by the prepare timeout, whatever the budget.
    const ran = await Promise.all(queued.map(async ({ version, value }) => {
      const next: PacketRecord = { ...value, state: 'preparing', updatedAtMs: Date.now() };
      if (!(await this.store.write([{ collection: PACKETS, key: value.packetId, expectVersion: version, value: next, tags: packetTags(next) }]))) return 0;
      await this.drive(value.packetId).catch((error: unknown) => this.log.warn({ err: error, packetId: value.packetId }, 'packet left for the recovery sweep'));
      return 1;
    }));
    return ran.reduce<number>((sum, one) => sum + one, 0);
  }

  /**
   * Finishes packets whose server died or gave up; any business server of the bank may run it.
   * One round over the open packets, oldest first in bounded pages; returns how many it saw and
   * how many stale ones it drove.
   */
  async recover(
    staleMs: number,
    onError: SweepErrorHandler = (error, packetId) => this.log.warn({ err: error, packetId }, 'packet recovery will retry'),
  ): Promise<{ seen: number; driven: number }> {
    let driven = 0;
    const seen = await this.openPackets.round(async (page) => {
      for (const { value } of page) {
        if (value.state === 'queued' || Date.now() - value.updatedAtMs < staleMs) continue;
        await this.drive(value.packetId).catch((error: unknown) => onError(error, value.packetId));
        driven++;
      }
    });
    return { seen, driven };
  }

  /** How each of these packets stands, as a bank holding one of its legs may be told: its state,
   *  or unknown when this bank coordinates no such packet involving `bankId` (never more). */
  async statesFor(bankId: number, packetIds: readonly string[]): Promise<PacketStateAnswer[]> {
    const readable = packetIds.filter((packetId) => RECORD_KEY.test(packetId));
    const found = await this.store.readMany<PacketRecord>(PACKETS, readable);
    return packetIds.map((packetId) => {
      const packet = found.get(packetId)?.value;
      const involved = packet?.legs.some((leg) => leg.fromBank === bankId || leg.toBank === bankId) ?? false;
      return { packetId, state: packet && involved ? packet.state : 'unknown' };
    });
  }

  /** Moves a packet forward until it is final or cannot progress now (then the sweep goes on). */
  async drive(packetId: string, known?: Versioned<PacketRecord>): Promise<PacketRecord> {
    // The state this server just wrote needs no re-read; after a lost write it is read again.
    let current: Versioned<PacketRecord> | null = known ?? null;
    for (let step = 0; step < 20; step++) {
      current ??= await this.store.read<PacketRecord>(PACKETS, packetId);
      if (!current) throw new BancaError('TRANSFER_NOT_FOUND', `No packet ${packetId}.`);
      const packet = current.value;
      let step: Step | null;
      switch (packet.state) {
        case 'queued':
        case 'completed':
        case 'failed':
          return packet;
        case 'preparing':
          step = await this.prepare(packet);
          break;
        case 'committed':
          step = asStep(await this.applyCredits(packet));
          break;
        case 'aborting':
          step = asStep(await this.undo(packet));
          break;
      }
      if (step === null) return packet;
      const { next } = step;
      next.updatedAtMs = Date.now();
      // A lost write (the packet, or one of this bank's holds, moved meanwhile) writes nothing: read again.
      const won = await this.store.write([{ collection: PACKETS, key: packetId, expectVersion: current.version, value: next, tags: packetTags(next) }, ...(step.changes ?? [])], step.transfers ?? []);
      current = won ? { version: current.version + 1, value: next } : null;
    }
    return this.get(packetId);
  }

  /**
   * Phase one, then posting: returns the decision (committed or aborting). The holds of the other
   * paying banks are posted there first; this bank's own are posted by the decision commit itself
   * (the post and the decision in one atomic write, one round trip fewer and no read).
   */
  private async prepare(packet: PacketRecord): Promise<Step | null> {
    const deadline = packet.createdAtMs + this.options.prepareTimeoutMs;
    const legs = packet.legs.map((leg) => ({ ...leg }));
    const holdsHere = new Map<string, Versioned<HoldRecord>>();
    for (;;) {
      const results = await Promise.allSettled(legs.map(async (leg) => {
        const request: HoldRequest = {
          legId: leg.legId, packetId: packet.packetId, coordinatorBank: packet.bankId, payerAccountId: leg.fromAccountId,
          payerDocument: packet.document, toBank: leg.toBank, toKey: leg.toKey, amountCents: leg.amountCents, receiverName: '',
          ...(leg.fromBank === packet.bankId ? {} : { consent: packet.consents?.[String(leg.fromBank)] ?? '' }),
        };
        const [hold, credit] = await Promise.all([
          leg.fromBank === packet.bankId
            ? this.local.holdHere(request, packet.payerName).then((here) => (holdsHere.set(leg.legId, here), here.value))
            : this.link(leg.fromBank).hold(request),
          this.link(leg.toBank).prepareCredit({
            legId: leg.legId, packetId: packet.packetId, coordinatorBank: packet.bankId, fromBank: leg.fromBank, key: leg.toKey,
            amountCents: leg.amountCents, payerName: packet.payerName, payerDocument: packet.document,
          }),
        ]);
        leg.receiverName = credit.receiverName;
        leg.receiverAccountId = credit.receiverAccountId;
        return checkPrepared(hold, credit);
      }));
      const refused = firstRefusal(results);
      if (refused) return { next: { ...packet, legs, state: 'aborting', failedLeg: refused.index + 1, error: refused.error } };
      if (results.every((result) => result.status === 'fulfilled')) break;
      if (Date.now() >= deadline) {
        const index = results.findIndex((result) => result.status === 'rejected');
        const error = errorOf((results[index] as PromiseRejectedResult | undefined)?.reason);
        return { next: { ...packet, legs, state: 'aborting', failedLeg: index + 1, error: { code: 'BANK_UNAVAILABLE', message: `Leg ${index + 1} could not be prepared in time: ${error.message}` } } };
      }
      await sleep(this.options.retryDelayMs);
    }
    const expiredLeg = (index: number): Step => ({
      next: { ...packet, legs, state: 'aborting', failedLeg: index + 1, error: { code: 'HOLD_EXPIRED', message: `The hold of leg ${index + 1} timed out before it could be posted.` } },
    });
    const changes: Change<unknown>[] = [];
    const transfers: TransferInput[] = [];
    for (const [index, leg] of legs.entries()) {
      const here = holdsHere.get(leg.legId);
      if (!here) continue;
      const writes = this.local.postWrites(here, leg.receiverName);
      if (writes === null) return expiredLeg(index);
      if (writes === 'posted') continue;
      changes.push(writes.change);
      transfers.push(writes.transfer);
    }
    for (;;) {
      const remote = legs.filter((leg) => !holdsHere.has(leg.legId));
      const posted = await Promise.allSettled(remote.map((leg) => this.link(leg.fromBank).post(leg.legId, packet.bankId, leg.receiverName ?? undefined)));
      const expired = posted.findIndex((result) => result.status === 'fulfilled' && result.value.state !== 'posted');
      if (expired >= 0) return expiredLeg(legs.indexOf(remote[expired]!));
      if (posted.every((result) => result.status === 'fulfilled')) return { next: { ...packet, legs, state: 'committed' }, changes, transfers };
      if (Date.now() >= deadline + this.options.prepareTimeoutMs) return null;
      await sleep(this.options.retryDelayMs);
    }
  }

  private async applyCredits(packet: PacketRecord): Promise<PacketRecord | null> {
    const results = await Promise.allSettled(packet.legs.map((leg) => this.link(leg.toBank).commitCredit(leg.legId, packet.bankId)));
    if (results.every((result) => result.status === 'fulfilled' && result.value.state === 'completed')) return { ...packet, state: 'completed' };
    const broken = results.find((result) => result.status === 'fulfilled' && result.value.state === 'failed');
    if (broken) this.log.error({ packetId: packet.packetId }, 'a credit was voided after the packet committed: the receiving bank broke the protocol');
    return null;
  }

  private async undo(packet: PacketRecord): Promise<PacketRecord | null> {
    const results = await Promise.allSettled(packet.legs.flatMap((leg) => [
      this.link(leg.fromBank).cancel(leg.legId, packet.bankId),
      this.link(leg.toBank).voidCredit(leg.legId, packet.bankId),
    ]));
    return results.every((result) => result.status === 'fulfilled') ? { ...packet, state: 'failed' } : null;
  }
}

function asStep(next: PacketRecord | null): Step | null {
  return next === null ? null : { next };
}

/** The id of a packet's leg, by its place (from 0) in the customer's order. */
export function legIdOf(packetId: string, index: number): string {
  return `${packetId}.${index + 1}`;
}

function checkPrepared(hold: HoldRecord, credit: CreditRecord): true {
  if (hold.state === 'voided' || hold.state === 'reversed') throw new BancaError('HOLD_EXPIRED', `The hold was voided: ${hold.reason ?? 'timed out'}.`);
  if (credit.state === 'failed') throw new BancaError('HOLD_EXPIRED', 'The receiving bank had already voided this credit.');
  return true;
}

function errorOf(reason: unknown): BancaError {
  return reason instanceof BancaError ? reason : new BancaError('INTERNAL', String(reason));
}

/** The first leg refused for good (not a retryable failure such as a bank being down). */
function firstRefusal(results: PromiseSettledResult<unknown>[]): { index: number; error: { code: ErrorCode; message: string } } | null {
  for (const [index, result] of results.entries()) {
    if (result.status === 'fulfilled') continue;
    const error = errorOf(result.reason);
    if (!error.retryable) return { index, error: { code: error.code, message: error.message } };
  }
  return null;
}
