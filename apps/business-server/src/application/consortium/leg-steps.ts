// The steps of interbank legs as one message carries many of them (POST /interbank/v1/batch):
// each step is still its own idempotent call of the receiving bank's participant, answered on
// its own, so a refused leg fails only its own packet and its batch-mates go on.
import type { CreditRecord, CreditRequest } from '../../domain/credit.js';
import type { HoldRecord, HoldRequest } from '../../domain/hold.js';

/** Steps in one interbank batch at most. */
export const INTERBANK_BATCH_MAX = 256;

export type LegStep =
  | { op: 'hold'; hold: HoldRequest }
  | { op: 'post'; legId: string; receiverName?: string }
  | { op: 'cancel'; legId: string }
  | { op: 'credit'; credit: CreditRequest }
  /** A direct Pix's credit, applied at once. */
  | { op: 'apply'; credit: CreditRequest }
  | { op: 'commit'; legId: string }
  | { op: 'void'; legId: string };

/** One step's answer: the leg's record as it stands after it, or the error it got (its stable code). */
export type LegStepResult =
  | { ok: true; record: HoldRecord | CreditRecord }
  | { ok: false; error: { code: string; message: string } };
