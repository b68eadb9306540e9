// A packet of Pix legs (a lone Pix is a packet of one leg), as its coordinating bank sees it: a
// pure state machine. The coordinator (application/consortium/coordinator.ts) is its shell: it
// asks what `asks*` say, at every paying and receiving bank at once, feeds the answers to the
// `on*` step of the packet's state, and writes the next record by compare-and-set.
//
//   queued --start--> preparing
//   preparing --(every leg held at its paying bank and its credit prepared, then every hold
//                posted)--> committed --(every credit applied)--> completed
//   preparing --(a leg refused, a hold expired, or the prepare timeout)--> aborting
//             --(holds voided or reversed, credits voided)--> failed
//
// Credits are applied only after the decision to commit, and a hold can be voided by its bank
// (timeout) only while it is not posted, so either every leg moves money or none does. Posting is
// still reversible (the money sits in @bank:<receiving bank> at the paying bank) until the
// decision, which is why a late expired hold aborts the whole packet safely.
//
// A direct packet (one leg, paid at the coordinating bank: a lone Pix) is decided by its
// receiving bank instead, the last-agent optimisation of two-phase commit: the coordinator holds
// the money here (a hold that never expires), then asks the receiving bank to apply the credit at
// once; that bank's record is the decision. Credited there: the coordinator posts its hold with
// the packet's completion, one commit. Refused or silent past the prepare timeout: the coordinator
// asks that bank to void the leg, and only its answer says whether the packet completes or aborts
// (a void that finds the credit applied answers it applied). So
//
//   preparing --(held here, credited there)--> completed
//   preparing --(refused here, or voided there)--> aborting --(hold voided)--> failed
//
// and the money is never both credited there and given back here: the hold is voided only once
// the receiving bank has said, for good, that it did not and will not apply the credit.
import { createHash } from 'node:crypto';
import { canonicalJson } from '@banca/core/canonical-json';
import { BancaError, type ErrorCode } from '@banca/core/errors';
import type { CreditRecord, CreditRequest } from './credit.js';
import type { HoldRecord, HoldRequest } from './hold.js';

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
  /** Decided by its receiving bank (see above); absent: two phases, decided here. */
  direct?: boolean;
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

export interface PacketTiming {
  /** Phase one (holds and credits) gives up this long after the packet was recorded; posting twice as long. */
  prepareTimeoutMs: number;
}

export const FINAL_STATES: readonly PacketState[] = ['completed', 'failed'];

/** The only moves a packet makes; anything else is a broken invariant. */
const NEXT: Readonly<Record<PacketState, readonly PacketState[]>> = {
  queued: ['preparing'],
  // completed straight from preparing: a direct packet, credited by its receiving bank.
  preparing: ['committed', 'aborting', 'completed'],
  committed: ['completed'],
  aborting: ['failed'],
  completed: [],
  failed: [],
};

export function isFinal(packet: PacketRecord): boolean {
  return FINAL_STATES.includes(packet.state);
}

/** The packet in its next state (with what changes with it); throws on a move the protocol has not. */
export function advance(packet: PacketRecord, state: PacketState, nowMs: number, changes: Partial<Pick<PacketRecord, 'legs' | 'failedLeg' | 'error'>> = {}): PacketRecord {
  const allowed = NEXT[packet.state].includes(state) && (packet.state !== 'preparing' || state !== 'completed' || packet.direct === true);
  if (!allowed) throw new BancaError('INTERNAL', `Packet ${packet.packetId} cannot go from ${packet.state} to ${state}.`);
  return { ...packet, ...changes, state, updatedAtMs: nowMs };
}

/** The id of a packet's leg, by its place (from 0) in the customer's order. */
export function legIdOf(packetId: string, index: number): string {
  return `${packetId}.${index + 1}`;
}

export function packetTags(packet: PacketRecord): string[] {
  const tags = [`acct:${packet.accountId}`];
  if (!isFinal(packet)) tags.push('open');
  if (packet.state === 'queued') tags.push('queued');
  return tags;
}

/**
 * Whether a packet of these legs goes direct: one leg, paid at the coordinating bank, to a bank
 * that answered its last call. To a bank that did not, it keeps two phases: if that bank is still
 * down, the packet aborts at the prepare timeout and the payer has the money back, where a direct
 * Pix would hold it until the bank answers again.
 */
export function goesDirect(legs: readonly LegInput[], bankId: number, answering: (bankId: number) => boolean = () => true): boolean {
  return legs.length === 1 && legs[0]!.fromBank === bankId && answering(legs[0]!.toBank);
}

/** What a retry under the same customer key must ask for again, as canonical JSON so the order of
 *  the legs' keys does not count. The consents are not part of it: a token issued again differs. */
export function packetRequestHash(kind: PacketRecord['kind'], legs: readonly LegInput[]): string {
  return sha256Hex(canonicalJson([kind, legs]));
}

/** Whether a retry is the packet stored. Packets stored before the hash was canonical hold
 *  sha256(JSON.stringify([kind, legs])); a retry whose legs were built the same way still matches. */
export function samePacketRequest(storedHash: string, kind: PacketRecord['kind'], legs: readonly LegInput[], requestHash = packetRequestHash(kind, legs)): boolean {
  return storedHash === requestHash || storedHash === sha256Hex(JSON.stringify([kind, legs]));
}

const sha256Hex = (text: string) => createHash('sha256').update(text).digest('hex');

// --- phase one: holds and credits --------------------------------------------------------------

/** What phase one asks of each leg: a hold at its paying bank and a credit at its receiving bank. */
export function prepareAsks(packet: PacketRecord): { hold: HoldRequest; credit: CreditRequest }[] {
  return packet.legs.map((leg) => ({
    hold: {
      legId: leg.legId, packetId: packet.packetId, coordinatorBank: packet.bankId, payerAccountId: leg.fromAccountId,
      payerDocument: packet.document, toBank: leg.toBank, toKey: leg.toKey, amountCents: leg.amountCents, receiverName: '',
      ...(leg.fromBank === packet.bankId ? {} : { consent: packet.consents?.[String(leg.fromBank)] ?? '' }),
    },
    credit: {
      legId: leg.legId, packetId: packet.packetId, coordinatorBank: packet.bankId, fromBank: leg.fromBank, key: leg.toKey,
      amountCents: leg.amountCents, payerName: packet.payerName, payerDocument: packet.document,
    },
  }));
}

/** A bank's answer to one ask: what it returned, a refusal for good, or no answer worth keeping (down, busy). */
export type Answer<T> = { ok: true; value: T } | { ok: false; error: BancaError };

export type PrepareOutcome =
  /** Every leg held and its credit prepared: post the holds, with these legs (receivers filled in). */
  | { kind: 'post'; legs: PacketLeg[] }
  /** Ask again, after a pause, the legs still unanswered; keep these legs meanwhile. */
  | { kind: 'retry'; legs: PacketLeg[] }
  | { kind: 'abort'; next: PacketRecord };

/** Phase one's step: the answers of every leg's hold and credit (in the legs' order). */
export function onPrepared(
  packet: PacketRecord,
  legs: readonly PacketLeg[],
  answers: readonly { hold: Answer<HoldRecord>; credit: Answer<CreditRecord> }[],
  nowMs: number,
  timing: PacketTiming,
): PrepareOutcome {
  const filled = legs.map((leg, index) => {
    const { hold, credit } = answers[index]!;
    return hold.ok && credit.ok ? { ...leg, receiverName: credit.value.receiverName, receiverAccountId: credit.value.receiverAccountId } : { ...leg };
  });
  const errors = answers.map(({ hold, credit }) => legError(hold, credit));
  const abort = (index: number, error: { code: ErrorCode; message: string }): PrepareOutcome => ({
    kind: 'abort', next: advance(packet, 'aborting', nowMs, { legs: filled, failedLeg: index + 1, error }),
  });
  const refused = errors.findIndex((error) => error !== null && !error.retryable);
  if (refused >= 0) return abort(refused, { code: errors[refused]!.code, message: errors[refused]!.message });
  const waiting = errors.findIndex((error) => error !== null);
  if (waiting < 0) return { kind: 'post', legs: filled };
  if (nowMs >= packet.createdAtMs + timing.prepareTimeoutMs) {
    return abort(waiting, { code: 'BANK_UNAVAILABLE', message: `Leg ${waiting + 1} could not be prepared in time: ${errors[waiting]!.message}` });
  }
  return { kind: 'retry', legs: filled };
}

/** Why a leg is not prepared, or null when it is; a refusal for good comes before a bank's silence.
 *  A hold voided or a credit failed meanwhile is refused for good. */
function legError(hold: Answer<HoldRecord>, credit: Answer<CreditRecord>): BancaError | null {
  const errors: BancaError[] = [];
  if (!hold.ok) errors.push(hold.error);
  else if (hold.value.state === 'voided' || hold.value.state === 'reversed') errors.push(new BancaError('HOLD_EXPIRED', `The hold was voided: ${hold.value.reason ?? 'timed out'}.`));
  if (!credit.ok) errors.push(credit.error);
  else if (credit.value.state === 'failed') errors.push(new BancaError('HOLD_EXPIRED', 'The receiving bank had already voided this credit.'));
  return errors.find((error) => !error.retryable) ?? errors[0] ?? null;
}

// --- posting, then the decision ----------------------------------------------------------------

export type PostOutcome =
  | { kind: 'commit'; next: PacketRecord }
  | { kind: 'abort'; next: PacketRecord }
  | { kind: 'retry' }
  /** Past twice the prepare timeout with a paying bank still silent: the recovery sweep goes on later. */
  | { kind: 'leave' };

/** A hold that will not be posted (expired, voided): the packet aborts, naming that leg. */
export function holdExpired(packet: PacketRecord, legs: readonly PacketLeg[], index: number, nowMs: number): PacketRecord {
  return advance(packet, 'aborting', nowMs, {
    legs: [...legs], failedLeg: index + 1, error: { code: 'HOLD_EXPIRED', message: `The hold of leg ${index + 1} timed out before it could be posted.` },
  });
}

/**
 * The step after asking the other paying banks to post: `answers` by leg index (this bank's own
 * legs are posted by the decision commit itself and have no answer here).
 */
export function onPosted(
  packet: PacketRecord,
  legs: readonly PacketLeg[],
  answers: ReadonlyMap<number, Answer<HoldRecord>>,
  nowMs: number,
  timing: PacketTiming,
): PostOutcome {
  for (const [index, answer] of answers) {
    if (answer.ok && answer.value.state !== 'posted') return { kind: 'abort', next: holdExpired(packet, legs, index, nowMs) };
  }
  if ([...answers.values()].every((answer) => answer.ok)) return { kind: 'commit', next: advance(packet, 'committed', nowMs, { legs: [...legs] }) };
  return nowMs >= packet.createdAtMs + 2 * timing.prepareTimeoutMs ? { kind: 'leave' } : { kind: 'retry' };
}

// --- after the decision ------------------------------------------------------------------------

export type SettleOutcome =
  | { kind: 'done'; next: PacketRecord }
  /** Not yet (a bank did not answer): the recovery sweep asks again later. */
  | { kind: 'wait'; protocolBroken: boolean };

/** Committed: every leg's credit is applied at its receiving bank. */
export function onCreditsApplied(packet: PacketRecord, answers: readonly Answer<CreditRecord>[], nowMs: number): SettleOutcome {
  if (answers.every((answer) => answer.ok && answer.value.state === 'completed')) return { kind: 'done', next: advance(packet, 'completed', nowMs) };
  // A credit voided after the decision to commit: the receiving bank broke the protocol.
  return { kind: 'wait', protocolBroken: answers.some((answer) => answer.ok && answer.value.state === 'failed') };
}

/** Aborting: every leg's hold is voided or reversed and its credit voided (each answer ok). */
export function onUndone(packet: PacketRecord, answers: readonly Answer<unknown>[], nowMs: number): SettleOutcome {
  return answers.every((answer) => answer.ok) ? { kind: 'done', next: advance(packet, 'failed', nowMs) } : { kind: 'wait', protocolBroken: false };
}

// --- a direct packet: its receiving bank decides -----------------------------------------------

type Cause = { code: ErrorCode; message: string };

/** Where a direct packet stands in its coordinator's drive: what to ask next, or the decision. */
export type DirectStage =
  /** Hold the money here (a hold that never expires). */
  | { kind: 'hold' }
  /** Ask the receiving bank to apply the credit at once. */
  | { kind: 'credit' }
  /** Ask the receiving bank to void the leg; its answer decides. `cause`: why, for the customer if it voids. */
  | { kind: 'void'; cause: Cause }
  /** Pause, then ask again. */
  | { kind: 'wait'; then: { kind: 'hold' } | { kind: 'credit' } | { kind: 'void'; cause: Cause } }
  /** Credited there: write this (completed) with the post of the hold here. */
  | { kind: 'complete'; next: PacketRecord }
  /** Voided there, or never asked: write this (aborting); the undo voids the hold here. */
  | { kind: 'abort'; next: PacketRecord }
  /** The receiving bank is silent past twice the prepare timeout: the recovery sweep asks again later. */
  | { kind: 'leave' };

const deadlineOf = (packet: PacketRecord, timing: PacketTiming) => packet.createdAtMs + timing.prepareTimeoutMs;

const timedOut = (error?: BancaError): Cause => ({
  code: 'BANK_UNAVAILABLE', message: `The receiving bank could not be reached in time${error ? `: ${error.message}` : '.'}`,
});

/** Where a drive of a direct packet starts: with the hold, or, past the prepare timeout, with the void
 *  (the credit may have been asked before a crash: only the receiving bank knows). */
export function directStart(packet: PacketRecord, nowMs: number, timing: PacketTiming): DirectStage {
  return nowMs < deadlineOf(packet, timing) ? { kind: 'hold' } : { kind: 'void', cause: timedOut() };
}

/** The hold's answer. A refusal aborts at once: no hold exists, so the credit was never asked. */
export function onDirectHold(packet: PacketRecord, answer: Answer<HoldRecord>, nowMs: number, timing: PacketTiming): DirectStage {
  if (answer.ok) {
    // Posted: the completion was written already (the post is part of it); the credit's repeat says so.
    if (answer.value.state === 'held' || answer.value.state === 'posted') return { kind: 'credit' };
    // Voided while the packet prepares is not the protocol: let the receiving bank's record decide.
    return { kind: 'void', cause: { code: 'HOLD_EXPIRED', message: `The hold was voided: ${answer.value.reason ?? 'unknown reason'}.` } };
  }
  if (!answer.error.retryable) return { kind: 'abort', next: abortDirect(packet, answer.error, nowMs) };
  return nowMs < deadlineOf(packet, timing) ? { kind: 'wait', then: { kind: 'hold' } } : { kind: 'void', cause: timedOut(answer.error) };
}

/** The receiving bank's answer to "apply the credit". */
export function onDirectCredit(packet: PacketRecord, answer: Answer<CreditRecord>, nowMs: number, timing: PacketTiming): DirectStage {
  if (answer.ok) {
    if (answer.value.state === 'completed') return { kind: 'complete', next: completeDirect(packet, answer.value, nowMs) };
    if (answer.value.state === 'failed') return { kind: 'abort', next: abortDirect(packet, voidedThere(), nowMs) };
    return { kind: 'void', cause: voidedThere() };
  }
  // A refusal there (no such key, ...) is made final by a void before anything is given back here.
  if (!answer.error.retryable) return { kind: 'void', cause: answer.error };
  return nowMs < deadlineOf(packet, timing) ? { kind: 'wait', then: { kind: 'credit' } } : { kind: 'void', cause: timedOut(answer.error) };
}

/** The receiving bank's answer to "void the leg": applied already completes, voided aborts; silence asks again. */
export function onDirectVoid(packet: PacketRecord, answer: Answer<CreditRecord>, cause: Cause, nowMs: number, timing: PacketTiming): DirectStage {
  if (answer.ok && answer.value.state === 'completed') return { kind: 'complete', next: completeDirect(packet, answer.value, nowMs) };
  if (answer.ok && answer.value.state === 'failed') return { kind: 'abort', next: abortDirect(packet, cause, nowMs) };
  return nowMs < packet.createdAtMs + 2 * timing.prepareTimeoutMs ? { kind: 'wait', then: { kind: 'void', cause } } : { kind: 'leave' };
}

const voidedThere = (): Cause => ({ code: 'HOLD_EXPIRED', message: 'The receiving bank had already voided this credit.' });

function completeDirect(packet: PacketRecord, credit: CreditRecord, nowMs: number): PacketRecord {
  const legs = packet.legs.map((leg) => ({ ...leg, receiverName: credit.receiverName, receiverAccountId: credit.receiverAccountId }));
  return advance(packet, 'completed', nowMs, { legs });
}

function abortDirect(packet: PacketRecord, cause: Cause, nowMs: number): PacketRecord {
  return advance(packet, 'aborting', nowMs, { failedLeg: 1, error: { code: cause.code, message: cause.message } });
}
