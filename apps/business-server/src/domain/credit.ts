// A Pix leg's credit at its receiving bank, as a pure state machine (the participant is its shell):
//
//   pending --commit--> completed   (@bank:<paying bank> -> receiver)
//   pending --void----> failed      (no money moved)
//
// The first decisive event is the answer forever: a commit after a void answers failed, a void
// after a commit answers completed, and a repeat changes nothing. A void that comes before the
// credit was prepared leaves a tombstone, so a late prepare is refused.
//
// A direct Pix's credit (its coordinator holds the money itself and lets this bank decide) is
// applied at once, never pending: `applyCredit` writes it completed, or a void's tombstone that
// came first is its answer. Either way this bank's record is the packet's decision.
import { BancaError } from '@banca/core/errors';
import { maskDocument } from '@banca/core/documents';
import type { TransferInput } from '@banca/core/protocol';
import { bankAccount, legMove } from './leg-moves.js';

export type CreditState = 'pending' | 'completed' | 'failed';

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

export type CreditEvent = { type: 'commit'; nowMs: number } | { type: 'void'; nowMs: number };

export interface CreditStep {
  next: CreditRecord;
  /** The movement to the receiver (a commit), or null (a void moves nothing). */
  transfer: TransferInput | null;
  /** The receiver's account, which a commit touches; null for a void. */
  customerAccount: string | null;
}

/** Who the key names at this bank. */
export interface Receiver {
  accountId: string;
  name: string;
  document: string;
}

export function prepareCredit(request: CreditRequest, receiver: Receiver, nowMs: number): CreditRecord {
  return {
    legId: request.legId, packetId: request.packetId, coordinatorBank: request.coordinatorBank, fromBank: request.fromBank,
    receiverAccountId: receiver.accountId, receiverName: receiver.name, receiverDocumentMasked: maskDocument(receiver.document),
    payerName: request.payerName, payerDocumentMasked: maskDocument(request.payerDocument), amountCents: request.amountCents,
    state: 'pending', createdAtMs: nowMs, updatedAtMs: nowMs,
  };
}

/** A direct Pix's credit, applied at once: the completed record and its movement to the receiver. */
export function applyCredit(request: CreditRequest, receiver: Receiver, nowMs: number): CreditStep {
  const step = stepCredit(prepareCredit(request, receiver, nowMs), { type: 'commit', nowMs });
  if (!step) throw new Error('a pending credit always commits');
  return step;
}

export function creditTombstone(legId: string, coordinatorBank: number, nowMs: number): CreditRecord {
  return {
    legId, packetId: legId.split('.')[0] ?? legId, coordinatorBank, fromBank: 0, receiverAccountId: 'none', receiverName: '',
    receiverDocumentMasked: '', payerName: '', payerDocumentMasked: '', amountCents: 0, state: 'failed', createdAtMs: nowMs, updatedAtMs: nowMs,
  };
}

/** The transition of a credit on an event; null: nothing changes (it answers as it is). */
export function stepCredit(credit: CreditRecord, event: CreditEvent): CreditStep | null {
  if (credit.state !== 'pending') return null;
  if (event.type === 'void') return { next: { ...credit, state: 'failed', updatedAtMs: event.nowMs }, transfer: null, customerAccount: null };
  return {
    next: { ...credit, state: 'completed', updatedAtMs: event.nowMs },
    transfer: legMove(credit.legId, 'credit', bankAccount(credit.fromBank), credit.receiverAccountId, credit.amountCents),
    customerAccount: credit.receiverAccountId,
  };
}

export function creditTags(credit: CreditRecord): string[] {
  const tags = [`acct:${credit.receiverAccountId}`, `packet:${credit.packetId}`];
  if (credit.state === 'pending') tags.push('open', `pending:${credit.receiverAccountId}`);
  return tags;
}

/** A repeat of a prepare gets the credit prepared earlier; a different one under the same leg id is refused. */
export function sameCredit(existing: CreditRecord, request: CreditRequest): CreditRecord {
  const same = existing.packetId === request.packetId && existing.amountCents === request.amountCents && existing.fromBank === request.fromBank;
  if (!same && existing.receiverAccountId !== 'none') throw new BancaError('IDEMPOTENCY_CONFLICT', `Leg ${request.legId} was already prepared with different details.`);
  return existing;
}
