// The interbank protocol's pure state machines (domain/hold.ts, credit.ts, packet.ts) driven
// through interleavings deterministically, with no processes and no clock: every schedule of two
// racing actors is enumerated, and a coordinator is crashed after each of its steps in turn. The
// banks here are in-memory doubles whose every operation is one step of the real machines under
// compare-and-set, as the participant and the coordinator (their shells) run them against a
// data server. Invariants: a leg is posted or voided, never both; a credit's first decisive event
// is its answer forever; a packet moves every leg's money or none; no cent is created or lost. A
// direct Pix (decided by its receiving bank) is driven the same way, its hold never expiring.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { BancaError } from '@banca/core/errors';
import type { TransferInput } from '@banca/core/protocol';
import { applyCredit, creditTombstone, prepareCredit, sameCredit, stepCredit, type CreditEvent, type CreditRecord, type CreditRequest } from '../src/domain/credit.js';
import { holdTombstone, placeHold, sameHold, stepHold, type HoldEvent, type HoldRecord, type HoldRequest } from '../src/domain/hold.js';
import { bankAccount, HOLDS_ACCOUNT } from '../src/domain/leg-moves.js';
import {
  advance, directStart, holdExpired, isFinal, legIdOf, onCreditsApplied, onDirectCredit, onDirectHold, onDirectVoid, onPosted, onPrepared, onUndone, prepareAsks,
  type Answer, type DirectStage, type PacketLeg, type PacketRecord,
} from '../src/domain/packet.js';

const HOLD_TIMEOUT_MS = 1_000;
const TIMING = { prepareTimeoutMs: 500 };

interface Cell<T> {
  version: number;
  value: T;
}

/** A bank's ledger: balances and the transfer ids applied (a transfer id is applied once). */
class Ledger {
  readonly balances = new Map<string, number>();
  readonly applied: string[] = [];

  constructor(funded: Record<string, number>) {
    for (const [account, cents] of Object.entries(funded)) {
      this.add(account, cents);
      this.add('@cash', -cents);
    }
  }

  balance(account: string): number {
    return this.balances.get(account) ?? 0;
  }

  apply(transfer: TransferInput): void {
    if (this.applied.includes(transfer.transferId)) return;
    this.applied.push(transfer.transferId);
    this.add(transfer.debitAccountId, -transfer.amountCents);
    this.add(transfer.creditAccountId, transfer.amountCents);
  }

  sum(): number {
    return [...this.balances.values()].reduce((total, cents) => total + cents, 0);
  }

  private add(account: string, cents: number): void {
    this.balances.set(account, this.balance(account) + cents);
  }
}

/** Runs every interleaving of actors that yield at each access to shared state; `check` sees each end. */
function everyInterleaving(make: () => { actors: Generator<void, void>[]; check: (schedule: string) => void }): number {
  let schedules = 0;
  const explore = (prefix: number[]): void => {
    const { actors, check } = make();
    const live = actors.map(() => true);
    const taken: number[] = [];
    const advanceActor = (index: number) => {
      if (actors[index]!.next().done) live[index] = false;
      taken.push(index);
    };
    for (const choice of prefix) advanceActor(choice);
    const runnable = live.flatMap((alive, index) => (alive ? [index] : []));
    if (runnable.length === 0) {
      schedules++;
      check(taken.join(''));
      return;
    }
    for (const next of runnable) explore([...prefix, next]);
  };
  explore([]);
  return schedules;
}

/** One step of a participant's shell: read, step, compare-and-set; again when the write lost. */
function* casStep<T>(cell: Cell<T>, ledger: Ledger, step: (value: T) => { next: T; transfer: TransferInput | null } | null): Generator<void, void> {
  for (;;) {
    const read = { version: cell.version, value: cell.value };
    yield;
    const moved = step(read.value);
    if (!moved) return;
    if (cell.version !== read.version) continue;
    cell.version++;
    cell.value = moved.next;
    if (moved.transfer) ledger.apply(moved.transfer);
    yield;
    return;
  }
}

const moveHold = (cell: Cell<HoldRecord>, ledger: Ledger, event: HoldEvent) => casStep(cell, ledger, (hold) => stepHold(hold, event));
const moveCredit = (cell: Cell<CreditRecord>, ledger: Ledger, event: CreditEvent) => casStep(cell, ledger, (credit) => stepCredit(credit, event));

const HOLD_REQUEST: HoldRequest = {
  legId: 'p1-a.1', packetId: 'p1-a', coordinatorBank: 1, payerAccountId: 'payer', payerDocument: '', toBank: 2, amountCents: 300, receiverName: '',
};

function heldCell(ledger: Ledger, createdAtMs = 0): Cell<HoldRecord> {
  const placed = placeHold(HOLD_REQUEST, 'Ana', createdAtMs, HOLD_TIMEOUT_MS);
  ledger.apply(placed.transfer);
  return { version: 1, value: placed.next };
}

describe('protocol machine - holds', () => {
  test('holds - a post racing the expiry sweep: in every interleaving the leg is posted or voided, never both, and no cent moves twice', () => {
    for (const nowMs of [HOLD_TIMEOUT_MS - 1, HOLD_TIMEOUT_MS, HOLD_TIMEOUT_MS + 1]) {
      const schedules = everyInterleaving(() => {
        const ledger = new Ledger({ payer: 1_000 });
        const cell = heldCell(ledger);
        return {
          actors: [moveHold(cell, ledger, { type: 'post', nowMs }), moveHold(cell, ledger, { type: 'expire', nowMs })],
          check: (schedule) => {
            const moved = ledger.applied.filter((id) => !id.endsWith(':hold'));
            assert.equal(moved.length, 1, `at ${nowMs}, schedule ${schedule}: exactly one of post or void (${moved.join(', ')})`);
            const expired = nowMs >= HOLD_TIMEOUT_MS;
            assert.equal(cell.value.state, expired ? 'voided' : 'posted', `at ${nowMs}, schedule ${schedule}`);
            assert.equal(ledger.balance('payer'), expired ? 1_000 : 700);
            assert.equal(ledger.balance(bankAccount(2)), expired ? 0 : 300);
            assert.equal(ledger.balance(HOLDS_ACCOUNT), 0, 'nothing is left in @holds');
            assert.equal(ledger.sum(), 0);
          },
        };
      });
      assert.ok(schedules >= 6, `${schedules} schedules explored`);
    }
  });

  test('holds - a cancel racing a post (two servers): the money ends with the payer, voided or reversed, in every interleaving', () => {
    everyInterleaving(() => {
      const ledger = new Ledger({ payer: 1_000 });
      const cell = heldCell(ledger);
      return {
        actors: [moveHold(cell, ledger, { type: 'post', nowMs: 10 }), moveHold(cell, ledger, { type: 'cancel', nowMs: 10, reason: 'aborted' })],
        check: (schedule) => {
          assert.ok(['voided', 'reversed'].includes(cell.value.state), `schedule ${schedule}: ${cell.value.state}`);
          assert.equal(ledger.balance('payer'), 1_000, `schedule ${schedule}: the payer has every cent back`);
          assert.equal(ledger.balance(bankAccount(2)) + ledger.balance(HOLDS_ACCOUNT), 0);
          assert.equal(ledger.sum(), 0);
        },
      };
    });
  });

  test('holds - repeats change nothing: a second post, cancel or expiry answers the hold as it is', () => {
    const ledger = new Ledger({ payer: 1_000 });
    const cell = heldCell(ledger);
    for (const event of [{ type: 'post', nowMs: 5 }, { type: 'post', nowMs: 6 }, { type: 'expire', nowMs: 10_000 }] as const) {
      const run = moveHold(cell, ledger, event);
      while (!run.next().done);
    }
    assert.equal(cell.value.state, 'posted', 'the expiry sweep never voids a posted hold');
    assert.deepEqual(ledger.applied, ['p1-a.1:hold', 'p1-a.1:post']);
    const reversed = stepHold(cell.value, { type: 'cancel', nowMs: 20, reason: 'aborted' });
    assert.equal(reversed?.next.state, 'reversed');
    assert.equal(reversed?.transfer.transferId, 'p1-a.1:reverse');
    assert.equal(stepHold(reversed.next, { type: 'cancel', nowMs: 21, reason: 'again' }), null, 'a reversed hold stays reversed');
  });

  test('holds - a cancel before any hold leaves a tombstone: a late hold with the same leg id is that tombstone, and moves nothing', () => {
    const tombstone = holdTombstone(HOLD_REQUEST.legId, 1, 'aborted', 5);
    assert.equal(tombstone.state, 'voided');
    assert.equal(sameHold(tombstone, HOLD_REQUEST), tombstone);
    assert.equal(stepHold(tombstone, { type: 'post', nowMs: 6 }), null);
    assert.throws(() => sameHold(placeHold(HOLD_REQUEST, 'Ana', 0, HOLD_TIMEOUT_MS).next, { ...HOLD_REQUEST, amountCents: 301 }), /IDEMPOTENCY_CONFLICT|different details/);
  });
});

const CREDIT_REQUEST: CreditRequest = {
  legId: 'p1-a.1', packetId: 'p1-a', coordinatorBank: 1, fromBank: 1, key: 'bia@example.com', amountCents: 300, payerName: 'Ana', payerDocument: '52998224725',
};
const RECEIVER = { accountId: 'receiver', name: 'Bia', document: '11144477735' };

describe('protocol machine - credits', () => {
  test('credits - duplicate and out-of-order commits and voids: the first decisive one is the answer forever, the receiver paid at most once', () => {
    const sequences: CreditEvent['type'][][] = [[]];
    for (let length = 0; length < 4; length++) {
      for (const sequence of sequences.filter((candidate) => candidate.length === length)) sequences.push([...sequence, 'commit'], [...sequence, 'void']);
    }
    for (const sequence of sequences.filter((candidate) => candidate.length > 0)) {
      const ledger = new Ledger({});
      const cell: Cell<CreditRecord> = { version: 1, value: prepareCredit(CREDIT_REQUEST, RECEIVER, 0) };
      const answers = sequence.map((type, at) => {
        const run = moveCredit(cell, ledger, { type, nowMs: at });
        while (!run.next().done);
        return cell.value.state;
      });
      const first = sequence[0] === 'commit' ? 'completed' : 'failed';
      assert.deepEqual(answers, sequence.map(() => first), sequence.join(','));
      assert.equal(ledger.balance('receiver'), first === 'completed' ? 300 : 0, sequence.join(','));
      assert.equal(ledger.sum(), 0);
    }
  });

  test('credits - a commit racing a void: in every interleaving exactly one wins, and the money follows it', () => {
    everyInterleaving(() => {
      const ledger = new Ledger({});
      const cell: Cell<CreditRecord> = { version: 1, value: prepareCredit(CREDIT_REQUEST, RECEIVER, 0) };
      return {
        actors: [moveCredit(cell, ledger, { type: 'commit', nowMs: 1 }), moveCredit(cell, ledger, { type: 'void', nowMs: 1 })],
        check: (schedule) => {
          assert.notEqual(cell.value.state, 'pending', schedule);
          assert.equal(ledger.balance('receiver'), cell.value.state === 'completed' ? 300 : 0, schedule);
          assert.equal(cell.version, 2, `${schedule}: one write`);
        },
      };
    });
  });

  test('credits - a void before the prepare leaves a tombstone that a late prepare gets back', () => {
    const tombstone = creditTombstone(CREDIT_REQUEST.legId, 1, 0);
    assert.equal(sameCredit(tombstone, CREDIT_REQUEST), tombstone);
    assert.equal(stepCredit(tombstone, { type: 'commit', nowMs: 1 }), null, 'a tombstone is never committed');
  });
});

describe('protocol machine - packets, one step at a time', () => {
  const packet = packetOf([{ fromBank: 1, toBank: 2 }, { fromBank: 3, toBank: 2 }]);
  const holdOf = (leg: number): HoldRecord => placeHold(prepareAsks(packet)[leg]!.hold, 'Ana', 0, HOLD_TIMEOUT_MS).next;
  const creditOf = (leg: number): CreditRecord => prepareCredit(prepareAsks(packet)[leg]!.credit, RECEIVER, 0);
  const held = (leg: number): Answer<HoldRecord> => ({ ok: true, value: holdOf(leg) });
  const prepared = (leg: number): Answer<CreditRecord> => ({ ok: true, value: creditOf(leg) });
  const down: Answer<never> = { ok: false, error: new BancaError('BANK_UNAVAILABLE', 'bank 3 is down') };
  const refused: Answer<never> = { ok: false, error: new BancaError('INSUFFICIENT_FUNDS', 'no money') };

  test('packets - phase one: every leg answered posts; a refusal aborts naming its leg, even while another bank is silent', () => {
    const ok = onPrepared(packet, packet.legs, [{ hold: held(0), credit: prepared(0) }, { hold: held(1), credit: prepared(1) }], 10, TIMING);
    assert.equal(ok.kind, 'post');
    assert.equal(ok.kind === 'post' && ok.legs[1]!.receiverName, 'Bia', 'the receivers learnt in phase one');
    const abort = onPrepared(packet, packet.legs, [{ hold: down, credit: prepared(0) }, { hold: refused, credit: prepared(1) }], 10, TIMING);
    assert.equal(abort.kind, 'abort');
    assert.equal(abort.kind === 'abort' && abort.next.failedLeg, 2);
    assert.equal(abort.kind === 'abort' && abort.next.error?.code, 'INSUFFICIENT_FUNDS');
  });

  test('packets - a decision racing the prepare timeout: silence retries before it and aborts at it; answers complete at the deadline still post', () => {
    const silent = [{ hold: held(0), credit: prepared(0) }, { hold: down, credit: prepared(1) }];
    assert.equal(onPrepared(packet, packet.legs, silent, TIMING.prepareTimeoutMs - 1, TIMING).kind, 'retry');
    const late = onPrepared(packet, packet.legs, silent, TIMING.prepareTimeoutMs, TIMING);
    assert.equal(late.kind === 'abort' && late.next.error?.code, 'BANK_UNAVAILABLE');
    const complete = [{ hold: held(0), credit: prepared(0) }, { hold: held(1), credit: prepared(1) }];
    assert.equal(onPrepared(packet, packet.legs, complete, TIMING.prepareTimeoutMs + 1, TIMING).kind, 'post', 'the timeout only ends waiting');
    const voided: Answer<HoldRecord> = { ok: true, value: { ...holdOf(1), state: 'voided', reason: 'the hold timed out' } };
    const expired = onPrepared(packet, packet.legs, [{ hold: held(0), credit: prepared(0) }, { hold: voided, credit: prepared(1) }], 10, TIMING);
    assert.equal(expired.kind === 'abort' && expired.next.error?.code, 'HOLD_EXPIRED', 'a hold already voided is a refusal');
  });

  test('packets - posting: a hold that answers voided aborts; silence retries until twice the prepare timeout, then is left to recovery', () => {
    const posted: HoldRecord = { ...holdOf(1), state: 'posted' };
    assert.equal(onPosted(packet, packet.legs, new Map([[1, { ok: true, value: posted }]]), 10, TIMING).kind, 'commit');
    const expired = onPosted(packet, packet.legs, new Map([[1, { ok: true, value: { ...posted, state: 'voided' } }]]), 10, TIMING);
    assert.equal(expired.kind === 'abort' && expired.next.failedLeg, 2);
    assert.equal(onPosted(packet, packet.legs, new Map([[1, down]]), 2 * TIMING.prepareTimeoutMs - 1, TIMING).kind, 'retry');
    assert.equal(onPosted(packet, packet.legs, new Map([[1, down]]), 2 * TIMING.prepareTimeoutMs, TIMING).kind, 'leave');
  });

  test('packets - only the protocol\'s moves: committed never aborts, a final packet never moves', () => {
    const committed = advance(packet, 'committed', 1);
    assert.throws(() => advance(committed, 'aborting', 2), /cannot go from committed to aborting/);
    const completed = advance(committed, 'completed', 3);
    assert.ok(isFinal(completed));
    assert.throws(() => advance(completed, 'failed', 4));
    const creditDone: Answer<CreditRecord> = { ok: true, value: { ...creditOf(0), state: 'completed' } };
    assert.equal(onCreditsApplied(committed, [creditDone, down], 5).kind, 'wait');
    const broken = onCreditsApplied(committed, [creditDone, { ok: true, value: { ...creditOf(1), state: 'failed' } }], 5);
    assert.ok(broken.kind === 'wait' && broken.protocolBroken, 'a credit voided after the decision is reported');
    assert.equal(onUndone(holdExpired(packet, packet.legs, 0, 1), [{ ok: true, value: 1 }, down], 2).kind, 'wait');
  });
});

// --- a whole consortium of in-memory banks, for the crash test ---------------------------------

class ModelBank {
  readonly holds = new Map<string, Cell<HoldRecord>>();
  readonly credits = new Map<string, Cell<CreditRecord>>();
  up = true;
  /** Does what it is asked, then its answer is lost on the way back. */
  answersLost = false;

  constructor(readonly id: number, readonly ledger: Ledger) {}

  private reachable(): void {
    if (!this.up) throw new BancaError('BANK_UNAVAILABLE', `bank ${this.id} is down`);
  }

  private answer<T>(value: T): T {
    if (this.answersLost) throw new BancaError('BANK_UNAVAILABLE', `bank ${this.id}'s answer was lost`);
    return value;
  }

  hold(request: HoldRequest, nowMs: number, timeoutMs: number | null = HOLD_TIMEOUT_MS): HoldRecord {
    this.reachable();
    const existing = this.holds.get(request.legId);
    if (existing) return sameHold(existing.value, request);
    const placed = placeHold(request, 'Ana', nowMs, timeoutMs);
    if (this.ledger.balance(request.payerAccountId) < placed.needsCents) throw new BancaError('INSUFFICIENT_FUNDS', 'no money');
    this.ledger.apply(placed.transfer);
    this.holds.set(request.legId, { version: 1, value: placed.next });
    return placed.next;
  }

  moveHold(legId: string, event: HoldEvent): HoldRecord {
    this.reachable();
    const cell = this.holds.get(legId);
    if (!cell) {
      if (event.type !== 'cancel') throw new BancaError('TRANSFER_NOT_FOUND', `no hold ${legId}`);
      const tombstone = holdTombstone(legId, 1, event.reason, event.nowMs);
      this.holds.set(legId, { version: 1, value: tombstone });
      return tombstone;
    }
    const step = stepHold(cell.value, event);
    if (step) {
      cell.version++;
      cell.value = step.next;
      this.ledger.apply(step.transfer);
    }
    return cell.value;
  }

  prepare(request: CreditRequest, nowMs: number): CreditRecord {
    this.reachable();
    const existing = this.credits.get(request.legId);
    if (existing) return sameCredit(existing.value, request);
    const record = prepareCredit(request, { ...RECEIVER, accountId: `receiver-${request.legId}` }, nowMs);
    this.credits.set(request.legId, { version: 1, value: record });
    return record;
  }

  moveCredit(legId: string, event: CreditEvent): CreditRecord {
    this.reachable();
    const cell = this.credits.get(legId);
    if (!cell) {
      if (event.type === 'commit') throw new BancaError('TRANSFER_NOT_FOUND', `no credit ${legId}`);
      const tombstone = creditTombstone(legId, 1, event.nowMs);
      this.credits.set(legId, { version: 1, value: tombstone });
      return this.answer(tombstone);
    }
    const step = stepCredit(cell.value, event);
    if (step) {
      cell.version++;
      cell.value = step.next;
      if (step.transfer) this.ledger.apply(step.transfer);
    }
    return this.answer(cell.value);
  }

  /** A direct Pix's credit, applied at once; the record found (an earlier apply, a void's tombstone) answers instead. */
  apply(request: CreditRequest, nowMs: number): CreditRecord {
    this.reachable();
    const existing = this.credits.get(request.legId);
    if (existing) return this.answer(sameCredit(existing.value, request));
    const step = applyCredit(request, { ...RECEIVER, accountId: `receiver-${request.legId}` }, nowMs);
    this.credits.set(request.legId, { version: 1, value: step.next });
    if (step.transfer) this.ledger.apply(step.transfer);
    return this.answer(step.next);
  }

  expireHolds(nowMs: number): void {
    for (const legId of this.holds.keys()) this.moveHold(legId, { type: 'expire', nowMs });
  }
}

function packetOf(legs: { fromBank: number; toBank: number }[], direct = false): PacketRecord {
  const packetId = 'p1-crash';
  return {
    ...(direct ? { direct } : {}),
    packetId, kind: direct ? 'pix' : 'packet', bankId: 1, accountId: 'payer', document: '52998224725', payerName: 'Ana', state: 'preparing', failedLeg: null, error: null,
    requestHash: 'h', createdAtMs: 0, updatedAtMs: 0,
    legs: legs.map((leg, index): PacketLeg => ({
      legId: legIdOf(packetId, index), fromBank: leg.fromBank, fromAccountId: 'payer', toBank: leg.toBank, toKey: 'bia@example.com', amountCents: 100 * (index + 1),
      receiverName: null, receiverAccountId: null,
    })),
  };
}

function ask<T>(run: () => T): Answer<T> {
  try {
    return { ok: true, value: run() };
  } catch (error) {
    return { ok: false, error: error as BancaError };
  }
}

/**
 * A test shell of the coordinator over the model banks: the same machine steps as
 * Coordinator.drive, yielding after every ask and every write of the packet, so a crash can stop
 * it between any two. This bank's own holds are posted by the decision's write, as in the shell.
 */
function* drive(banks: Map<number, ModelBank>, cell: Cell<PacketRecord>, clock: { nowMs: number }): Generator<void, void> {
  const bank = (id: number) => banks.get(id)!;
  for (let round = 0; round < 20 && !isFinal(cell.value); round++) {
    const packet = cell.value;
    const read = cell.version;
    let next: PacketRecord | null = null;
    const localPosts: { legId: string; version: number }[] = [];
    if (packet.state === 'preparing') {
      const asks = prepareAsks(packet);
      let legs = packet.legs;
      let outcome: ReturnType<typeof onPrepared> | null = null;
      while (outcome?.kind !== 'post' && outcome?.kind !== 'abort') {
        const answers = [];
        for (const [index, leg] of packet.legs.entries()) {
          const hold = ask(() => bank(leg.fromBank).hold(asks[index]!.hold, clock.nowMs));
          yield;
          const credit = ask(() => bank(leg.toBank).prepare(asks[index]!.credit, clock.nowMs));
          yield;
          answers.push({ hold, credit });
        }
        outcome = onPrepared(packet, legs, answers, clock.nowMs, TIMING);
        if (outcome.kind === 'retry') {
          legs = outcome.legs;
          clock.nowMs += 100;
        }
      }
      if (outcome.kind === 'abort') next = outcome.next;
      else {
        legs = outcome.legs;
        for (const [index, leg] of legs.entries()) {
          if (leg.fromBank !== packet.bankId) continue;
          const hold = bank(1).holds.get(leg.legId)!;
          if (hold.value.state === 'posted') continue;
          if (stepHold(hold.value, { type: 'post', nowMs: clock.nowMs })?.next.state !== 'posted') {
            next = holdExpired(packet, legs, index, clock.nowMs);
            break;
          }
          localPosts.push({ legId: leg.legId, version: hold.version });
        }
        while (next === null) {
          const answers = new Map<number, Answer<HoldRecord>>();
          for (const [index, leg] of legs.entries()) {
            if (leg.fromBank === packet.bankId) continue;
            answers.set(index, ask(() => bank(leg.fromBank).moveHold(leg.legId, { type: 'post', nowMs: clock.nowMs })));
            yield;
          }
          const posted = onPosted(packet, legs, answers, clock.nowMs, TIMING);
          if (posted.kind === 'leave') return;
          if (posted.kind === 'retry') clock.nowMs += 100;
          else next = posted.next;
        }
      }
    } else if (packet.state === 'committed') {
      const answers = [];
      for (const leg of packet.legs) {
        answers.push(ask(() => bank(leg.toBank).moveCredit(leg.legId, { type: 'commit', nowMs: clock.nowMs })));
        yield;
      }
      const outcome = onCreditsApplied(packet, answers, clock.nowMs);
      if (outcome.kind === 'wait') return;
      next = outcome.next;
    } else if (packet.state === 'aborting') {
      const answers: Answer<unknown>[] = [];
      for (const leg of packet.legs) {
        answers.push(ask(() => bank(leg.fromBank).moveHold(leg.legId, { type: 'cancel', nowMs: clock.nowMs, reason: 'aborted' })));
        yield;
        answers.push(ask(() => bank(leg.toBank).moveCredit(leg.legId, { type: 'void', nowMs: clock.nowMs })));
        yield;
      }
      const outcome = onUndone(packet, answers, clock.nowMs);
      if (outcome.kind === 'wait') return;
      next = outcome.next;
    } else return;
    // The decision's write: compare-and-set on the packet, with this bank's own posts when it commits.
    if (cell.version !== read) continue;
    if (next.state === 'committed') {
      // This bank's posts are compare-and-set on the holds' versions read in phase one, in the same write.
      if (localPosts.some(({ legId, version }) => bank(1).holds.get(legId)!.version !== version)) continue;
      for (const { legId } of localPosts) bank(1).moveHold(legId, { type: 'post', nowMs: clock.nowMs });
    }
    cell.version++;
    cell.value = next;
    yield;
  }
}

function consortium(): { banks: Map<number, ModelBank>; ledgers: Ledger[] } {
  const ledgers = [new Ledger({ payer: 1_000 }), new Ledger({}), new Ledger({ payer: 1_000 })];
  return { banks: new Map(ledgers.map((ledger, index) => [index + 1, new ModelBank(index + 1, ledger)])), ledgers };
}

/** All or nothing, and every bank's books balanced. */
function assertSettled(banks: Map<number, ModelBank>, packet: PacketRecord, what: string): void {
  assert.ok(isFinal(packet), `${what}: the packet is final (${packet.state})`);
  for (const leg of packet.legs) {
    const hold = banks.get(leg.fromBank)!.holds.get(leg.legId)?.value;
    const credit = banks.get(leg.toBank)!.credits.get(leg.legId)?.value;
    if (packet.state === 'completed') {
      assert.equal(hold?.state, 'posted', `${what}: ${leg.legId} posted`);
      assert.equal(credit?.state, 'completed', `${what}: ${leg.legId} credited`);
    } else {
      assert.ok(hold === undefined || hold.state === 'voided' || hold.state === 'reversed', `${what}: ${leg.legId} hold ${hold?.state}`);
      assert.ok(credit === undefined || credit.state === 'failed', `${what}: ${leg.legId} credit ${credit?.state}`);
    }
  }
  for (const bank of banks.values()) {
    assert.equal(bank.ledger.sum(), 0, `${what}: bank ${bank.id} sums to zero`);
    assert.equal(bank.ledger.balance(HOLDS_ACCOUNT), 0, `${what}: nothing left in bank ${bank.id}'s @holds`);
  }
  const paid = packet.state === 'completed' ? packet.legs.reduce((sum, leg) => sum + leg.amountCents, 0) : 0;
  const received = [...banks.get(2)!.ledger.balances].filter(([account]) => account.startsWith('receiver-')).reduce((sum, [, cents]) => sum + cents, 0);
  assert.equal(received, paid, `${what}: the receivers got exactly what the packet moved`);
  const payers = banks.get(1)!.ledger.balance('payer') + banks.get(3)!.ledger.balance('payer');
  assert.equal(payers, 2_000 - paid, `${what}: the payers lost exactly what the packet moved`);
}

describe('protocol machine - a coordinator crashed between any two steps', () => {
  const shapes = [
    { name: 'a Pix paid here', legs: [{ fromBank: 1, toBank: 2 }] },
    { name: 'a packet paid here and at bank 3', legs: [{ fromBank: 1, toBank: 2 }, { fromBank: 3, toBank: 2 }] },
  ];
  const afterCrash = [
    { name: 'recovery at once', advanceMs: 0, expire: false },
    { name: 'recovery after the holds expired and were swept', advanceMs: 10 * HOLD_TIMEOUT_MS, expire: true },
  ];

  for (const shape of shapes) {
    test(`crash - ${shape.name}: stopped after each step, a fresh drive (and the hold expiry sweep) settles it all or nothing`, () => {
      const steps = (() => {
        const { banks } = consortium();
        const cell = { version: 1, value: packetOf(shape.legs) };
        let count = 0;
        for (const _ of drive(banks, cell, { nowMs: 0 })) count++;
        assert.equal(cell.value.state, 'completed', 'without a crash the packet completes');
        assertSettled(banks, cell.value, 'no crash');
        return count;
      })();
      assert.ok(steps >= shape.legs.length * 3 + 2, `${steps} steps`);
      let outcomes = new Set<string>();
      for (let crashAfter = 0; crashAfter <= steps; crashAfter++) {
        for (const later of afterCrash) {
          const { banks } = consortium();
          const cell = { version: 1, value: packetOf(shape.legs) };
          const clock = { nowMs: 0 };
          const first = drive(banks, cell, clock);
          for (let step = 0; step < crashAfter && !first.next().done; step++);
          // The server died here; another finds the packet stale later and drives it from its record.
          clock.nowMs += later.advanceMs;
          if (later.expire) for (const bank of banks.values()) bank.expireHolds(clock.nowMs);
          for (const _ of drive(banks, cell, clock));
          for (const bank of banks.values()) bank.expireHolds(clock.nowMs + 10 * HOLD_TIMEOUT_MS);
          const what = `crash after step ${crashAfter}, ${later.name}`;
          assertSettled(banks, cell.value, what);
          outcomes = outcomes.add(cell.value.state);
        }
      }
      assert.deepEqual([...outcomes].sort(), ['completed', 'failed'], 'some crashes complete the packet, those whose holds expired first undo it');
    });
  }

  test('crash - a paying bank down through phase one and past the prepare timeout: the packet aborts and every leg is undone once it is back', () => {
    const { banks } = consortium();
    const cell = { version: 1, value: packetOf([{ fromBank: 1, toBank: 2 }, { fromBank: 3, toBank: 2 }]) };
    const clock = { nowMs: 0 };
    banks.get(3)!.up = false;
    for (const _ of drive(banks, cell, clock));
    assert.equal(cell.value.state, 'aborting', 'the undo waits for bank 3');
    assert.equal(cell.value.error?.code, 'BANK_UNAVAILABLE');
    banks.get(3)!.up = true;
    for (const _ of drive(banks, cell, clock));
    assertSettled(banks, cell.value, 'bank 3 back');
    assert.equal(cell.value.state, 'failed');
    assert.equal(banks.get(3)!.holds.get(cell.value.legs[1]!.legId)?.value.payerAccountId, 'none', 'a tombstone at bank 3: a late hold is refused');
  });
});

// --- a direct Pix: its receiving bank decides ---------------------------------------------------

/**
 * A test shell of Coordinator.prepareDirect over the model banks, yielding after every ask and
 * every write of the packet. The hold here was written with the packet's first record (submit),
 * and its drive still asks for it first (idempotent), as a drive that did not place it does.
 */
function* driveDirect(banks: Map<number, ModelBank>, cell: Cell<PacketRecord>, clock: { nowMs: number }): Generator<void, void> {
  const bank = (id: number) => banks.get(id)!;
  for (let round = 0; round < 20 && !isFinal(cell.value); round++) {
    const packet = cell.value;
    const read = cell.version;
    const [asked] = prepareAsks(packet);
    const leg = packet.legs[0]!;
    let next: PacketRecord | null = null;
    if (packet.state === 'preparing') {
      let stage: DirectStage = directStart(packet, clock.nowMs, TIMING);
      while (next === null) {
        switch (stage.kind) {
          case 'hold':
            stage = onDirectHold(packet, ask(() => bank(1).hold(asked!.hold, clock.nowMs, null)), clock.nowMs, TIMING);
            yield;
            break;
          case 'credit':
            stage = onDirectCredit(packet, ask(() => bank(leg.toBank).apply(asked!.credit, clock.nowMs)), clock.nowMs, TIMING);
            yield;
            break;
          case 'void':
            stage = onDirectVoid(packet, ask(() => bank(leg.toBank).moveCredit(leg.legId, { type: 'void', nowMs: clock.nowMs })), stage.cause, clock.nowMs, TIMING);
            yield;
            break;
          case 'wait':
            clock.nowMs += 100;
            stage = stage.then;
            break;
          case 'complete':
          case 'abort':
            next = stage.next;
            break;
          case 'leave':
            return;
        }
      }
    } else if (packet.state === 'aborting') {
      const answers = [ask(() => bank(1).moveHold(leg.legId, { type: 'cancel', nowMs: clock.nowMs, reason: 'aborted' }))];
      yield;
      const outcome = onUndone(packet, answers, clock.nowMs);
      if (outcome.kind === 'wait') return;
      next = outcome.next;
    } else return;
    if (cell.version !== read) continue;
    if (next.state === 'completed') {
      // The completion's write posts the hold here, compare-and-set on it.
      const hold = bank(1).holds.get(leg.legId)!;
      if (hold.value.state !== 'posted') {
        assert.equal(stepHold(hold.value, { type: 'post', nowMs: clock.nowMs })?.next.state, 'posted', 'a direct hold is still held when its credit was applied');
        bank(1).moveHold(leg.legId, { type: 'post', nowMs: clock.nowMs });
      }
    }
    cell.version++;
    cell.value = next;
    yield;
  }
}

/** A direct Pix as submit records it: the packet and its hold (which never expires) in one write. */
function submittedDirect(banks: Map<number, ModelBank>): Cell<PacketRecord> {
  const packet = packetOf([{ fromBank: 1, toBank: 2 }], true);
  banks.get(1)!.hold(prepareAsks(packet)[0]!.hold, 0, null);
  return { version: 1, value: packet };
}

describe('protocol machine - a direct Pix, decided by its receiving bank', () => {
  test('direct - an apply racing a void at the receiving bank: in every interleaving one wins, both coordinators decide as it did, and the money moves once or not at all', () => {
    const packet = packetOf([{ fromBank: 1, toBank: 2 }], true);
    const [asked] = prepareAsks(packet);
    const decisions = new Set<string>();
    everyInterleaving(() => {
      const ledger = new Ledger({});
      const credits = new Map<string, Cell<CreditRecord>>();
      const answers: { apply?: CreditRecord; void?: CreditRecord } = {};
      const legId = asked!.credit.legId;
      // Create-if-absent by compare-and-set on version 0, as Participant.applyCredit and moveCredit write it.
      function* apply(): Generator<void, void> {
        const absent = !credits.has(legId);
        yield;
        if (absent && !credits.has(legId)) {
          const step = applyCredit(asked!.credit, RECEIVER, 1);
          credits.set(legId, { version: 1, value: step.next });
          if (step.transfer) ledger.apply(step.transfer);
        }
        answers.apply = credits.get(legId)!.value;
        yield;
      }
      function* voidIt(): Generator<void, void> {
        const absent = !credits.has(legId);
        yield;
        if (absent && !credits.has(legId)) credits.set(legId, { version: 1, value: creditTombstone(legId, 1, 2) });
        const cell = credits.get(legId)!;
        const voided = stepCredit(cell.value, { type: 'void', nowMs: 2 });
        if (voided) cell.value = voided.next;
        answers.void = cell.value;
        yield;
      }
      return {
        actors: [apply(), voidIt()],
        check: (schedule) => {
          const stored = credits.get(asked!.credit.legId)!.value;
          const byApply = onDirectCredit(packet, { ok: true, value: answers.apply! }, 10, TIMING);
          const byVoid = onDirectVoid(packet, { ok: true, value: answers.void! }, { code: 'BANK_UNAVAILABLE', message: 'late' }, 10, TIMING);
          const expected = stored.state === 'completed' ? 'complete' : 'abort';
          assert.equal(byApply.kind, expected, `${schedule}: the first drive follows the receiving bank (${stored.state})`);
          assert.equal(byVoid.kind, expected, `${schedule}: the recovery's void follows it too`);
          assert.equal(ledger.balance('receiver'), stored.state === 'completed' ? packet.legs[0]!.amountCents : 0, schedule);
          decisions.add(expected);
        },
      };
    });
    assert.deepEqual([...decisions].sort(), ['abort', 'complete'], 'both winners occur');
  });

  test('direct - its steps: a refusal there is voided there before anything comes back here; silence waits until the prepare timeout, then the void decides', () => {
    const packet = packetOf([{ fromBank: 1, toBank: 2 }], true);
    const credit = (state: CreditRecord['state']): Answer<CreditRecord> => ({ ok: true, value: { ...prepareCredit(prepareAsks(packet)[0]!.credit, RECEIVER, 0), state } });
    const down: Answer<never> = { ok: false, error: new BancaError('BANK_UNAVAILABLE', 'bank 2 is down') };
    const noKey: Answer<never> = { ok: false, error: new BancaError('PIX_KEY_NOT_FOUND', 'no such key') };
    assert.equal(onDirectCredit(packet, credit('completed'), 1, TIMING).kind, 'complete');
    const refused = onDirectCredit(packet, noKey, 1, TIMING);
    assert.ok(refused.kind === 'void' && refused.cause.code === 'PIX_KEY_NOT_FOUND', 'a refusal is made final there first');
    assert.deepEqual(onDirectCredit(packet, down, TIMING.prepareTimeoutMs - 1, TIMING), { kind: 'wait', then: { kind: 'credit' } });
    assert.equal(onDirectCredit(packet, down, TIMING.prepareTimeoutMs, TIMING).kind, 'void');
    const voided = onDirectVoid(packet, credit('failed'), { code: 'PIX_KEY_NOT_FOUND', message: 'no such key' }, 1, TIMING);
    assert.ok(voided.kind === 'abort' && voided.next.error?.code === 'PIX_KEY_NOT_FOUND', 'the customer is told the refusal, not the void');
    assert.equal(onDirectVoid(packet, credit('completed'), { code: 'BANK_UNAVAILABLE', message: '' }, 1, TIMING).kind, 'complete', 'applied there: it completes, whatever the timeout said');
    assert.equal(onDirectVoid(packet, down, { code: 'BANK_UNAVAILABLE', message: '' }, 2 * TIMING.prepareTimeoutMs - 1, TIMING).kind, 'wait');
    assert.equal(onDirectVoid(packet, down, { code: 'BANK_UNAVAILABLE', message: '' }, 2 * TIMING.prepareTimeoutMs, TIMING).kind, 'leave');
    const noFunds = onDirectHold(packet, { ok: false, error: new BancaError('INSUFFICIENT_FUNDS', 'no money') }, 1, TIMING);
    assert.equal(noFunds.kind, 'abort', 'a hold refused here aborts at once: the credit was never asked');
    assert.equal(directStart(packet, TIMING.prepareTimeoutMs, TIMING).kind, 'void', 'a drive past the timeout starts with the void: the credit may have been asked before a crash');
    assert.equal(placeHold(prepareAsks(packet)[0]!.hold, 'Ana', 0, null).next.expiresAtMs, null);
    assert.throws(() => advance(packetOf([{ fromBank: 1, toBank: 2 }]), 'completed', 1), /cannot go from preparing to completed/, 'only a direct packet completes from preparing');
  });

  test('direct - a coordinator stopped after each step: a fresh drive settles it all or nothing, and the expiry sweep never gives a direct hold back', () => {
    const steps = (() => {
      const { banks } = consortium();
      const cell = submittedDirect(banks);
      let count = 0;
      for (const _ of driveDirect(banks, cell, { nowMs: 0 })) count++;
      assert.equal(cell.value.state, 'completed');
      assertSettled(banks, cell.value, 'no crash');
      return count;
    })();
    const outcomes = new Set<string>();
    for (let crashAfter = 0; crashAfter <= steps; crashAfter++) {
      for (const advanceMs of [0, 10 * HOLD_TIMEOUT_MS]) {
        const { banks } = consortium();
        const cell = submittedDirect(banks);
        const clock = { nowMs: 0 };
        const first = driveDirect(banks, cell, clock);
        for (let step = 0; step < crashAfter && !first.next().done; step++);
        clock.nowMs += advanceMs;
        for (const bank of banks.values()) bank.expireHolds(clock.nowMs);
        assert.notEqual(banks.get(1)!.holds.get(cell.value.legs[0]!.legId)!.value.state, 'voided', 'not voided by the sweep');
        for (const _ of driveDirect(banks, cell, clock));
        assertSettled(banks, cell.value, `crash after step ${crashAfter}, recovery ${advanceMs} ms later`);
        outcomes.add(cell.value.state);
      }
    }
    assert.deepEqual([...outcomes].sort(), ['completed', 'failed'], 'a recovery past the timeout voids a leg never applied, and completes one applied');
  });

  for (const applied of [false, true]) {
    test(`direct - the receiving bank ${applied ? 'applies the credit but its answer is lost' : 'is down'}, past twice the timeout: the money stays held, and its answer settles the Pix once it is back`, () => {
      const { banks } = consortium();
      const cell = submittedDirect(banks);
      const clock = { nowMs: 0 };
      const receiving = banks.get(2)!;
      if (applied) receiving.answersLost = true;
      else receiving.up = false;
      for (const _ of driveDirect(banks, cell, clock));
      assert.equal(cell.value.state, 'preparing', 'no decision on a guess');
      banks.get(1)!.expireHolds(clock.nowMs + 100 * HOLD_TIMEOUT_MS);
      assert.equal(banks.get(1)!.holds.get(cell.value.legs[0]!.legId)!.value.state, 'held', 'the money is still held');
      receiving.up = true;
      receiving.answersLost = false;
      for (const _ of driveDirect(banks, cell, clock));
      assertSettled(banks, cell.value, 'back');
      assert.equal(cell.value.state, applied ? 'completed' : 'failed');
    });
  }
});
