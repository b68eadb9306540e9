// The row shapes the SQL stores (SQLite, PostgreSQL) share, and their mapping to protocol types.
import type { QueueEntry, QueueResult, QueuedOperation, TransferKind, TransferRecord } from '@banca/core/protocol';

export interface TransferRow {
  id: string; commit_id: string; business_id: string; kind: string; debit_account_id: string; credit_account_id: string;
  amount: number; debit_balance_after: number; credit_balance_after: number; committed_at: number;
}

export interface QueueRow {
  seq: number; operation_id: string; business_id: string; operation: string; status: string; result: string | null; enqueued_at: number;
}

export function toTransfer(row: TransferRow): TransferRecord {
  return {
    transferId: row.id, commitId: row.commit_id, businessId: row.business_id, kind: row.kind as TransferKind,
    debitAccountId: row.debit_account_id, creditAccountId: row.credit_account_id, amountCents: row.amount,
    debitBalanceAfterCents: row.debit_balance_after, creditBalanceAfterCents: row.credit_balance_after, committedAtMs: row.committed_at,
  };
}

export function toQueueEntry(row: QueueRow): QueueEntry {
  return {
    operationId: row.operation_id, seq: row.seq, businessId: row.business_id, operation: JSON.parse(row.operation) as QueuedOperation,
    status: row.status as QueueEntry['status'], result: row.result === null ? null : (JSON.parse(row.result) as QueueResult),
    enqueuedAtMs: row.enqueued_at,
  };
}
