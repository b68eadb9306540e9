// The ledger movements of an interbank leg, and the one scheme for their transfer ids: a leg's
// movement of each kind has one id, `<legId>:<kind>`, so the data server applies it once however
// often it is asked (a retry, a racing server, a recovery sweep).
import type { InterbankTransferKind, TransferInput } from '@banca/core/protocol';

/** Where a held leg's money waits at the paying bank until it is posted or voided. */
export const HOLDS_ACCOUNT = '@holds';
/** What this bank owes (or is owed by) another bank of the consortium. */
export const bankAccount = (bankId: number): string => `@bank:${bankId}`;

export function legTransferId(legId: string, kind: InterbankTransferKind): string {
  return `${legId}:${kind}`;
}

export function legMove(legId: string, kind: InterbankTransferKind, debitAccountId: string, creditAccountId: string, amountCents: number): TransferInput {
  return { transferId: legTransferId(legId, kind), kind, debitAccountId, creditAccountId, amountCents };
}
