// The coordinator of a packet of Pix legs, run by the bank where the customer asked, on any of its
// business servers: the shell of the packet's state machine (domain/packet.ts). It asks every leg's
// banks what the machine says, at once (the links batch what goes to one bank), feeds the answers
// back, and writes the packet's next state by compare-and-set, so a crashed server's packet is
// finished or undone by another one (the recovery sweep) and two servers can never decide
// differently.
import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { BancaError } from '@banca/core/errors';
import { RECORD_KEY } from '@banca/core/protocol';
import type { FastifyBaseLogger } from 'fastify';
import type { TransferInput } from '@banca/core/protocol';
import type { HoldRecord, HoldRequest } from '../../domain/hold.js';
import {
  advance, directStart, goesDirect, holdExpired, isFinal, legIdOf, onCreditsApplied, onDirectCredit, onDirectHold, onDirectVoid, onPosted, onPrepared,
  onUndone, packetRequestHash, prepareAsks, samePacketRequest,
  type Answer, type DirectStage, type LegInput, type PacketLeg, type PacketRecord, type PacketState,
} from '../../domain/packet.js';
import type { BankStore, Change, Versioned } from './bank-store.js';
import { PacketRecords } from './records.js';
import { SCAN_DEFAULTS, type PagedScan, type ScanBudget } from './paged-scan.js';
import type { BankLink, SweepErrorHandler } from './participant.js';

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
  /** payerName: the holder the packet was taken from, already checked to hold the paying account.
   *  expires false: a direct packet's hold, which never expires. */
  holdHere(request: HoldRequest, payerName?: string, expires?: boolean): Promise<Versioned<HoldRecord>>;
  /** A direct packet's hold as writes, to join the packet's first record in one commit. */
  holdWrites(request: HoldRequest, payerName: string): { hold: Versioned<HoldRecord>; change: Change<HoldRecord>; transfer: TransferInput; account: string };
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

/** Queued packets read per token-ring pass (one page of the data server). */
const QUEUED_PER_PASS_MAX = 1000;

/** A bank's answer as the machine takes it: a BancaError refusal, anything else an internal (retryable) error. */
function answer<T>(promise: Promise<T>): Promise<Answer<T>> {
  return promise.then(
    (value) => ({ ok: true, value }),
    (error: unknown) => ({ ok: false, error: error instanceof BancaError ? error : new BancaError('INTERNAL', String(error)) }),
  );
}

const settle = <T>(promises: readonly Promise<T>[]): Promise<Answer<T>[]> => Promise.all(promises.map(answer));

export class Coordinator {
  /** Token-ring mode: told when a packet was queued, so a bank holding the token runs it now. */
  onQueued: () => void = () => undefined;
  /** Told when a new packet is recorded here, so the recovery sweeper looks often again (Sweeper.wake). */
  onWork: () => void = () => undefined;

  private readonly packets: PacketRecords;
  /** The recovery sweep's walk over the open packets, oldest first (see PagedScan). */
  private readonly openPackets: PagedScan<PacketRecord>;

  constructor(
    private readonly options: CoordinatorOptions,
    private readonly store: BankStore,
    private readonly link: (bankId: number) => BankLink,
    private readonly log: FastifyBaseLogger,
    private readonly local: LocalLegs,
  ) {
    this.packets = new PacketRecords(store);
    this.openPackets = this.packets.openScan(options.scan ?? SCAN_DEFAULTS);
  }

  /**
   * Records the packet (idempotent by the customer's key) and, unless queued for the token, runs it.
   * A direct packet's hold is placed by the same commit as its first record.
   */
  async submit(order: PacketOrder): Promise<PacketRecord> {
    const requestHash = packetRequestHash(order.kind, order.legs);
    const packetId = this.packetIdOf(order.accountId, order.idempotencyKey);
    const now = Date.now();
    const direct = goesDirect(order.legs, this.options.bankId, (bankId) => this.link(bankId).answering !== false);
    const packet: PacketRecord = {
      packetId, kind: order.kind, bankId: this.options.bankId, accountId: order.accountId, document: order.document, payerName: order.payerName,
      legs: order.legs.map((leg, index) => ({ ...leg, legId: legIdOf(packetId, index), receiverName: null, receiverAccountId: null })),
      state: this.options.queued ? 'queued' : 'preparing', failedLeg: null, error: null, requestHash, consents: order.consents, createdAtMs: now, updatedAtMs: now,
      ...(direct ? { direct } : {}),
    };
    const record = this.packets.change(packetId, 0, packet);
    let hold: Versioned<HoldRecord> | undefined;
    let won: boolean;
    if (direct && !this.options.queued) {
      const writes = this.local.holdWrites(prepareAsks(packet)[0]!.hold, order.payerName);
      try {
        won = await this.store.move([writes.account], [record, writes.change], [writes.transfer]);
        hold = writes.hold;
      } catch (error) {
        if (!(error instanceof BancaError && error.code === 'INSUFFICIENT_FUNDS')) throw error;
        // Recorded alone: its drive places the hold again and refuses it with the balance.
        won = await this.store.write([record]);
      }
    } else won = await this.store.write([record]);
    if (!won) {
      const existing = await this.get(packetId);
      if (!samePacketRequest(existing.requestHash, order.kind, order.legs, requestHash)) {
        throw new BancaError('IDEMPOTENCY_CONFLICT', `Idempotency key ${order.idempotencyKey} was already used for a different ${existing.kind}.`);
      }
      return this.options.queued ? existing : this.drive(packetId);
    }
    this.onWork();
    if (!this.options.queued) return this.drive(packetId, { version: 1, value: packet }, hold);
    this.onQueued();
    return packet;
  }

  /** The packet id a customer's idempotency key gives, known before the packet is recorded (for consents). */
  packetIdOf(accountId: string, idempotencyKey: string): string {
    return `p${this.options.bankId}-${createHash('sha256').update(`${accountId}\n${idempotencyKey}`).digest('hex').slice(0, 24)}`;
  }

  async find(packetId: string): Promise<PacketRecord | null> {
    return (await this.packets.read(packetId))?.value ?? null;
  }

  async get(packetId: string): Promise<PacketRecord> {
    const found = await this.packets.read(packetId);
    if (!found) throw new BancaError('TRANSFER_NOT_FOUND', `Bank ${this.options.bankId} coordinates no packet ${packetId}.`);
    return found.value;
  }

  /** Waits for a packet to end (token-ring mode), up to waitMs; returns its state then. */
  async waitFor(packetId: string, waitMs: number): Promise<PacketRecord> {
    const deadline = Date.now() + waitMs;
    // Polls the record, quickly at first, then every 100 ms: a queued packet waits for the token.
    for (let delayMs = 5; ; delayMs = Math.min(delayMs * 2, 100)) {
      const packet = await this.get(packetId);
      if (isFinal(packet) || Date.now() >= deadline) return packet;
      await sleep(delayMs);
    }
  }

  listOf(accountId: string, limit: number): Promise<PacketRecord[]> {
    return this.packets.ofAccount(accountId, limit);
  }

  /** Token ring: runs up to `budget` queued packets, oldest first; returns how many ran. */
  async runQueued(budget: number): Promise<number> {
    // Oldest first from the store, whatever number wait: a queued packet is written once, when recorded.
    const queued = await this.packets.queued(Math.min(budget, QUEUED_PER_PASS_MAX));
    // The packets of one pass run side by side (account locks keep them apart), so a pass lasts
    // about one packet's time, bounded by the prepare timeout, whatever the budget.
    const ran = await Promise.all(queued.map(async ({ version, value }) => {
      const next = advance(value, 'preparing', Date.now());
      if (!(await this.store.write([this.packets.change(value.packetId, version, next)]))) return 0;
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
    const found = await this.packets.readMany(readable);
    return packetIds.map((packetId) => {
      const packet = found.get(packetId)?.value;
      const involved = packet?.legs.some((leg) => leg.fromBank === bankId || leg.toBank === bankId) ?? false;
      return { packetId, state: packet && involved ? packet.state : 'unknown' };
    });
  }

  /** Moves a packet forward until it is final or cannot progress now (then the sweep goes on). */
  async drive(packetId: string, known?: Versioned<PacketRecord>, knownHold?: Versioned<HoldRecord>): Promise<PacketRecord> {
    // The state this server just wrote needs no re-read; after a lost write it is read again.
    let current: Versioned<PacketRecord> | null = known ?? null;
    let hold = knownHold;
    for (let round = 0; round < 20; round++) {
      current ??= await this.packets.read(packetId);
      if (!current) throw new BancaError('TRANSFER_NOT_FOUND', `No packet ${packetId}.`);
      const packet = current.value;
      let step: Step | null;
      switch (packet.state) {
        case 'queued':
        case 'completed':
        case 'failed':
          return packet;
        case 'preparing':
          step = packet.direct ? await this.prepareDirect(packet, hold) : await this.prepare(packet);
          hold = undefined;
          break;
        case 'committed':
          step = await this.applyCredits(packet);
          break;
        case 'aborting':
          step = await this.undo(packet);
          break;
      }
      if (step === null) return packet;
      // A lost write (the packet, or one of this bank's holds, moved meanwhile) writes nothing: read again.
      const won = await this.store.write([this.packets.change(packetId, current.version, step.next), ...(step.changes ?? [])], step.transfers ?? []);
      current = won ? { version: current.version + 1, value: step.next } : null;
    }
    return this.get(packetId);
  }

  /**
   * Phase one, then posting: returns the decision (committed or aborting). The holds of the other
   * paying banks are posted there first; this bank's own are posted by the decision commit itself
   * (the post and the decision in one atomic write, one round trip fewer and no read).
   */
  private async prepare(packet: PacketRecord): Promise<Step | null> {
    const timing = { prepareTimeoutMs: this.options.prepareTimeoutMs };
    const asks = prepareAsks(packet);
    const holdsHere = new Map<string, Versioned<HoldRecord>>();
    let legs: PacketLeg[] = packet.legs;
    for (;;) {
      const answers = await Promise.all(packet.legs.map(async (leg, index) => {
        const ask = asks[index]!;
        const [hold, credit] = await Promise.all([
          answer(leg.fromBank === packet.bankId
            ? this.local.holdHere(ask.hold, packet.payerName).then((here) => (holdsHere.set(leg.legId, here), here.value))
            : this.link(leg.fromBank).hold(ask.hold)),
          answer(this.link(leg.toBank).prepareCredit(ask.credit)),
        ]);
        return { hold, credit };
      }));
      const outcome = onPrepared(packet, legs, answers, Date.now(), timing);
      if (outcome.kind === 'abort') return { next: outcome.next };
      legs = outcome.legs;
      if (outcome.kind === 'post') break;
      await sleep(this.options.retryDelayMs);
    }
    const changes: Change<unknown>[] = [];
    const transfers: TransferInput[] = [];
    for (const [index, leg] of legs.entries()) {
      const here = holdsHere.get(leg.legId);
      if (!here) continue;
      const writes = this.local.postWrites(here, leg.receiverName);
      if (writes === null) return { next: holdExpired(packet, legs, index, Date.now()) };
      if (writes === 'posted') continue;
      changes.push(writes.change);
      transfers.push(writes.transfer);
    }
    const remote = [...legs.entries()].filter(([, leg]) => !holdsHere.has(leg.legId));
    for (;;) {
      const posted = await settle(remote.map(([, leg]) => this.link(leg.fromBank).post(leg.legId, packet.bankId, leg.receiverName ?? undefined)));
      const outcome = onPosted(packet, legs, new Map(remote.map(([index], at) => [index, posted[at]!])), Date.now(), timing);
      switch (outcome.kind) {
        case 'commit':
          return { next: outcome.next, changes, transfers };
        case 'abort':
          return { next: outcome.next };
        case 'leave':
          return null;
        case 'retry':
          await sleep(this.options.retryDelayMs);
      }
    }
  }

  /**
   * A direct packet (domain/packet.ts): the hold here, then the credit applied at once at the
   * receiving bank, whose answer decides; refused or silent there, a void asked there decides.
   * Completed, the hold's post is written with the packet's completion.
   */
  private async prepareDirect(packet: PacketRecord, known: Versioned<HoldRecord> | undefined): Promise<Step | null> {
    const timing = { prepareTimeoutMs: this.options.prepareTimeoutMs };
    const [ask] = prepareAsks(packet);
    const leg = packet.legs[0]!;
    let hold = known;
    const holdHere = () => this.local.holdHere(ask!.hold, packet.payerName, false).then((here) => (hold = here));
    let stage: DirectStage = hold ? { kind: 'credit' } : directStart(packet, Date.now(), timing);
    for (;;) {
      switch (stage.kind) {
        case 'hold':
          stage = onDirectHold(packet, await answer(holdHere().then((here) => here.value)), Date.now(), timing);
          break;
        case 'credit':
          stage = onDirectCredit(packet, await answer(this.link(leg.toBank).applyCredit(ask!.credit)), Date.now(), timing);
          break;
        case 'void':
          stage = onDirectVoid(packet, await answer(this.link(leg.toBank).voidCredit(leg.legId, packet.bankId)), stage.cause, Date.now(), timing);
          break;
        case 'wait':
          await sleep(this.options.retryDelayMs);
          stage = stage.then;
          break;
        case 'complete': {
          // Credited there: the hold here is posted by the completion's commit (read it if this drive did not place it).
          const here = hold ?? await holdHere();
          const writes = this.local.postWrites(here, stage.next.legs[0]!.receiverName);
          if (writes === null) {
            this.log.error({ packetId: packet.packetId, hold: here.value.state }, 'a direct Pix was credited but its hold is no longer held: the protocol was broken');
            return null;
          }
          return writes === 'posted' ? { next: stage.next } : { next: stage.next, changes: [writes.change], transfers: [writes.transfer] };
        }
        case 'abort':
          return { next: stage.next };
        case 'leave':
          return null;
      }
    }
  }

  private async applyCredits(packet: PacketRecord): Promise<Step | null> {
    const answers = await settle(packet.legs.map((leg) => this.link(leg.toBank).commitCredit(leg.legId, packet.bankId)));
    const outcome = onCreditsApplied(packet, answers, Date.now());
    if (outcome.kind === 'done') return { next: outcome.next };
    if (outcome.protocolBroken) this.log.error({ packetId: packet.packetId }, 'a credit was voided after the packet committed: the receiving bank broke the protocol');
    return null;
  }

  private async undo(packet: PacketRecord): Promise<Step | null> {
    // A direct packet aborts only once its receiving bank has voided the credit, or was never asked.
    const answers = await settle<unknown>(packet.legs.flatMap((leg) => [
      this.link(leg.fromBank).cancel(leg.legId, packet.bankId),
      ...(packet.direct ? [] : [this.link(leg.toBank).voidCredit(leg.legId, packet.bankId)]),
    ]));
    const outcome = onUndone(packet, answers, Date.now());
    return outcome.kind === 'done' ? { next: outcome.next } : null;
  }
}
