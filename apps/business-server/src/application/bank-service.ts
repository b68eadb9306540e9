// The business server's use cases. Input arrives parsed (cents, ids); this layer chooses how an
// operation is saved (batch mode: answered when durable; seed mode: accepted, applied every 5)
// and reads balances and history from the data server.
import { BancaError } from '@banca/core/errors';
import { formatCents } from '@banca/core/money';
import type { QueuedOperation } from '@banca/core/protocol';
import type { DataClient } from '../infra/data-client.js';
import type { Batcher } from './batcher.js';
import { resultOf, type OperationResult } from './operations.js';
import type { Accepted, SeedQueue } from './seed-queue.js';

export type Submitted = { mode: 'batch'; result: OperationResult } | { mode: 'seed'; accepted: Accepted };

export class BankService {
  constructor(
    private readonly data: DataClient,
    private readonly saver: { mode: 'batch'; batcher: Batcher } | { mode: 'seed'; queue: SeedQueue },
  ) {}

  get mode(): 'batch' | 'seed' {
    return this.saver.mode;
  }

  async submit(operationId: string, body: QueuedOperation, requestId?: string): Promise<Submitted> {
    if (body.kind === 'transfer' && body.fromAccountId === body.toAccountId) {
      throw new BancaError('SAME_ACCOUNT', 'Origin and target accounts are the same; nothing to transfer.');
    }
    const operation = { operationId, body, requestId };
    if (this.saver.mode === 'batch') return { mode: 'batch', result: await this.saver.batcher.submit(operation) };
    return { mode: 'seed', accepted: await this.saver.queue.submit(operation, requestId) };
  }

  async balance(accountId: string, requestId?: string) {
    const view = await this.data.account(accountId, requestId);
    return { accountId: view.accountId, balance: formatCents(view.balanceCents), balanceCents: view.balanceCents };
  }

  async history(accountId: string, limit: number, requestId?: string) {
    const { transfers } = await this.data.history(accountId, limit, requestId);
    return {
      accountId,
      entries: transfers.map((record) => {
        const credit = record.creditAccountId === accountId;
        return {
          operationId: record.transferId,
          kind: record.kind,
          direction: credit ? 'credit' : 'debit',
          amount: formatCents(record.amountCents),
          amountCents: record.amountCents,
          counterpartyAccountId: credit ? record.debitAccountId : record.creditAccountId,
          balanceAfter: formatCents(credit ? record.creditBalanceAfterCents : record.debitBalanceAfterCents),
          balanceAfterCents: credit ? record.creditBalanceAfterCents : record.debitBalanceAfterCents,
          at: new Date(record.committedAtMs).toISOString(),
        };
      }),
    };
  }

  /** Where an operation stands: completed (in the journal), or, in seed mode, queued/rejected. */
  async operation(operationId: string, requestId?: string) {
    if (this.saver.mode === 'seed') {
      const entry = await this.saver.queue.status(operationId, requestId).catch((error: unknown) => {
        if (error instanceof BancaError && error.code === 'OPERATION_NOT_FOUND') return null;
        throw error;
      });
      if (entry && entry.status !== 'applied') {
        return { operationId, status: entry.status === 'pending' ? 'queued' : 'rejected', error: entry.result?.errorCode ?? null, message: entry.result?.message ?? null };
      }
    }
    const record = await this.data.transfer(operationId, requestId);
    const body: QueuedOperation = record.kind === 'deposit'
      ? { kind: 'deposit', accountId: record.creditAccountId, amountCents: record.amountCents }
      : record.kind === 'withdrawal'
        ? { kind: 'withdrawal', accountId: record.debitAccountId, amountCents: record.amountCents }
        : { kind: 'transfer', fromAccountId: record.debitAccountId, toAccountId: record.creditAccountId, amountCents: record.amountCents };
    return resultOf({ operationId, body }, record, true);
  }
}
