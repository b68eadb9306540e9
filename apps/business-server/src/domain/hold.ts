// A Pix leg's hold at its paying bank, as a pure state machine (no I/O: the participant is its
// shell). The money leaves the payer's available balance into @holds when held, then:
//
//   held --post (before expiry)--> posted --cancel--> reversed      (@holds -> @bank:<to>, then back to the payer)
//   held --post (after expiry) | expire | cancel--> voided          (@holds -> payer)
//
// A hold with no expiry (expiresAtMs null) is a direct Pix's, placed by its own coordinator: its
// receiving bank decides the packet, so only the coordinator's post or cancel ever moves it.
//
// A step returns the next record and the one ledger movement that goes with it, or null when the
// event changes nothing (the hold answers as it is). So an expired hold is never posted, whoever
// asks first, and a posted one is never voided by the expiry sweep: only its coordinator can
// reverse it.
import { BancaError } from '@banca/core/errors';
import type { TransferInput } from '@banca/core/protocol';
import { bankAccount, HOLDS_ACCOUNT, legMove } from './leg-moves.js';

export type HoldState = 'held' | 'posted' | 'voided' | 'reversed';

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

interface HoldFields extends Omit<HoldRequest, 'consent'> {
  payerName: string;
  createdAtMs: number;
  /** When this bank's sweep voids the hold if still held; null for a direct Pix's (it never expires). */
  expiresAtMs: number | null;
  updatedAtMs: number;
}

/** A hold as stored; `reason` says why a voided or reversed one was undone. */
export interface HoldRecord extends HoldFields {
  state: HoldState;
  reason: string | null;
}

export type HoldEvent =
  /** The coordinator posts the leg; it may tell the receiver's name, learnt in phase one. */
  | { type: 'post'; nowMs: number; receiverName?: string }
  /** The coordinator aborts the packet. */
  | { type: 'cancel'; nowMs: number; reason: string }
  /** This bank's sweep finds the hold past its expiry. */
  | { type: 'expire'; nowMs: number };

export interface HoldStep {
  next: HoldRecord;
  transfer: TransferInput;
  /** The customer account the movement touches (the data server refuses it while another business
   *  holds that account's lock); null when only bank accounts move. */
  customerAccount: string | null;
}

/**
 * A new hold: its record, the movement into @holds, and the funds it needs (the payer's balance may
 * not go below zero). timeoutMs null: a hold that never expires (a direct Pix's).
 */
export function placeHold(request: HoldRequest, payerName: string, nowMs: number, timeoutMs: number | null): HoldStep & { needsCents: number } {
  const { consent: _consent, ...fields } = request;
  const expiresAtMs = timeoutMs === null ? null : nowMs + timeoutMs;
  const next: HoldRecord = { ...fields, payerName, state: 'held', reason: null, createdAtMs: nowMs, expiresAtMs, updatedAtMs: nowMs };
  return {
    next,
    transfer: legMove(request.legId, 'hold', request.payerAccountId, HOLDS_ACCOUNT, request.amountCents),
    customerAccount: request.payerAccountId,
    needsCents: request.amountCents,
  };
}

/** What a cancel leaves for a leg never held here: a tombstone, so a late hold is refused. */
export function holdTombstone(legId: string, coordinatorBank: number, reason: string, nowMs: number): HoldRecord {
  return {
    legId, packetId: legId.split('.')[0] ?? legId, coordinatorBank, payerAccountId: 'none', payerDocument: '', toBank: 0, amountCents: 0,
    receiverName: '', payerName: '', state: 'voided', reason: `${reason} before any hold`, createdAtMs: nowMs, expiresAtMs: nowMs, updatedAtMs: nowMs,
  };
}

export function isExpired(hold: HoldRecord, nowMs: number): boolean {
  return hold.expiresAtMs !== null && hold.expiresAtMs <= nowMs;
}

/** The transition of a hold on an event; null: nothing changes. */
export function stepHold(hold: HoldRecord, event: HoldEvent): HoldStep | null {
  const toPayer = (kind: 'void' | 'reverse', from: string, state: 'voided' | 'reversed', reason: string): HoldStep => ({
    next: { ...hold, state, reason, updatedAtMs: event.nowMs },
    transfer: legMove(hold.legId, kind, from, hold.payerAccountId, hold.amountCents),
    customerAccount: hold.payerAccountId,
  });
  switch (event.type) {
    case 'post':
      if (hold.state !== 'held') return null;
      if (isExpired(hold, event.nowMs)) return toPayer('void', HOLDS_ACCOUNT, 'voided', 'the hold timed out');
      return {
        next: { ...hold, state: 'posted', receiverName: event.receiverName || hold.receiverName, updatedAtMs: event.nowMs },
        transfer: legMove(hold.legId, 'post', HOLDS_ACCOUNT, bankAccount(hold.toBank), hold.amountCents),
        customerAccount: null,
      };
    case 'cancel':
      if (hold.state === 'held') return toPayer('void', HOLDS_ACCOUNT, 'voided', event.reason);
      if (hold.state === 'posted') return toPayer('reverse', bankAccount(hold.toBank), 'reversed', event.reason);
      return null;
    case 'expire':
      return hold.state === 'held' && isExpired(hold, event.nowMs) ? toPayer('void', HOLDS_ACCOUNT, 'voided', 'the hold timed out') : null;
  }
}

/** The open tags of a hold: by payer, by packet, and while held 'open' and `held:<payer>`. */
export function holdTags(hold: HoldRecord): string[] {
  const tags = [`acct:${hold.payerAccountId}`, `packet:${hold.packetId}`];
  if (hold.state === 'held') tags.push('open', `held:${hold.payerAccountId}`);
  return tags;
}

/** A repeat of a hold placed earlier gets that hold; a different one under the same leg id is refused. */
export function sameHold(existing: HoldRecord, request: HoldRequest): HoldRecord {
  const same = existing.packetId === request.packetId && existing.payerAccountId === request.payerAccountId
    && existing.amountCents === request.amountCents && existing.toBank === request.toBank && existing.coordinatorBank === request.coordinatorBank;
  if (!same && existing.payerAccountId !== 'none') throw new BancaError('IDEMPOTENCY_CONFLICT', `Leg ${request.legId} was already held with different details.`);
  return existing;
}
