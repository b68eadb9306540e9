// The business server's use cases. Input arrives parsed (cents, ids); this layer chooses how an
// operation is saved (batch mode: answered when durable; seed mode: accepted, applied every 5)
// and reads balances and history from the data server. Account ids arrive as the client named
// them and are mapped to its ledger space (ClientSpaces); answers name them the client's way.
// With compat seed000 an account never written reads 0, as seed 000's accounts open on first touch.
import { BancaError } from '@banca/core/errors';
import { formatCents } from '@banca/core/money';
import type { QueuedOperation, TransferRecord } from '@banca/core/protocol';
import type { DataClient } from '../infra/data-client.js';
import type { Batcher } from './batcher.js';
import type { ClientAccess, ClientSpaces } from './client-spaces.js';
import { resultOf, type OperationResult } from './operations.js';
import type { Accepted, SeedQueue } from './seed-queue.js';

export type Submitted = { mode: 'batch'; result: OperationResult } | { mode: 'seed'; accepted: Accepted };

export class BankService {
  constructor(
    private readonly data: DataClient,
    private readonly saver: { mode: 'batch'; batcher: Batcher } | { mode: 'seed'; queue: SeedQueue },
    private readonly spaces: ClientSpaces,
    private readonly options: { unopenedReadsZero?: boolean } = {},
  ) {}

  access(clientId: string): ClientAccess {
    return this.spaces.access(clientId);
  }

  /** Runs a client's request, its errors naming accounts as the client does. */
  private async as<T>(client: ClientAccess, work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      throw this.spaces.forClient(client, error);
    }
  }

  get mode(): 'batch' | 'seed' {
    return this.saver.mode;
  }

  submit(client: ClientAccess, operationId: string, body: QueuedOperation, requestId?: string): Promise<Submitted> {
    return this.as(client, async () => {
      if (body.kind === 'transfer' && body.fromAccountId === body.toAccountId) {
        throw new BancaError('SAME_ACCOUNT', 'Origin and target accounts are the same; nothing to transfer.');
      }
      const operation = { operationId, body: await this.spaces.ledgerOperation(client, body), requestId };
      if (this.saver.mode === 'seed') return { mode: 'seed', accepted: await this.saver.queue.submit(operation, requestId) };
      const result = await this.saver.batcher.submit(operation);
      return { mode: 'batch', result: this.resultFor(client, result) };
    });
  }

  balance(client: ClientAccess, accountId: string, requestId?: string) {
    return this.as(client, async () => {
      const ledgerId = await this.spaces.ledgerId(client, accountId);
      const view = await this.data.account(ledgerId, requestId).catch((error: unknown) => {
        if (this.options.unopenedReadsZero && error instanceof BancaError && error.code === 'ACCOUNT_NOT_FOUND') return { balanceCents: 0 };
        throw error;
      });
      return { accountId, balance: formatCents(view.balanceCents), balanceCents: view.balanceCents };
    });
  }

  history(client: ClientAccess, accountId: string, limit: number, requestId?: string) {
    return this.as(client, async () => {
      const ledgerId = await this.spaces.ledgerId(client, accountId);
      const { transfers } = await this.data.history(ledgerId, limit, requestId);
      return { accountId, entries: transfers.map((record) => this.entry(client, ledgerId, record)) };
    });
  }

  private entry(client: ClientAccess, ledgerId: string, record: TransferRecord) {
    const credit = record.creditAccountId === ledgerId;
    return {
      operationId: record.transferId,
      kind: record.kind,
      direction: credit ? 'credit' : 'debit',
      amount: formatCents(record.amountCents),
      amountCents: record.amountCents,
      counterpartyAccountId: this.spaces.clientId(client, credit ? record.debitAccountId : record.creditAccountId),
      balanceAfter: formatCents(credit ? record.creditBalanceAfterCents : record.debitBalanceAfterCents),
      balanceAfterCents: credit ? record.creditBalanceAfterCents : record.debitBalanceAfterCents,
      at: new Date(record.committedAtMs).toISOString(),
    };
  }

  private resultFor(client: ClientAccess, result: OperationResult): OperationResult {
    const mapped = { ...result, accountId: this.spaces.clientId(client, result.accountId) };
    if (result.toAccountId !== undefined) mapped.toAccountId = this.spaces.clientId(client, result.toAccountId);
    return mapped;
  }

  /** Where an operation stands: completed (in the journal), rejected by the rules, or (seed mode) queued. */
  operation(client: ClientAccess, operationId: string, requestId?: string) {
    return this.as(client, async () => this.operationOf(client, operationId, requestId));
  }

  private async operationOf(client: ClientAccess, operationId: string, requestId?: string) {
    if (this.saver.mode === 'seed') {
      const entry = await this.saver.queue.status(operationId, requestId).catch((error: unknown) => {
        if (error instanceof BancaError && error.code === 'OPERATION_NOT_FOUND') return null;
        throw error;
      });
      if (entry && entry.status !== 'applied') {
        return { operationId, status: entry.status === 'pending' ? 'queued' : 'rejected', error: entry.result?.errorCode ?? null, message: entry.result?.message ?? null };
      }
    }
    const record = await this.data.transfer(operationId, requestId).catch(async (error: unknown) => {
      if (this.saver.mode !== 'batch' || !(error instanceof BancaError) || error.code !== 'OPERATION_NOT_FOUND') throw error;
      // Batch mode records refusals: the key's answer is that refusal.
      const refusal = await this.data.refusal(operationId, requestId).catch(() => { throw error; });
      return refusal;
    });
    if ('code' in record) return { operationId, status: 'rejected', error: record.code, message: record.message };
    const body: QueuedOperation = record.kind === 'deposit'
      ? { kind: 'deposit', accountId: record.creditAccountId, amountCents: record.amountCents }
      : record.kind === 'withdrawal'
        ? { kind: 'withdrawal', accountId: record.debitAccountId, amountCents: record.amountCents }
        : { kind: 'transfer', fromAccountId: record.debitAccountId, toAccountId: record.creditAccountId, amountCents: record.amountCents };
    return this.resultFor(client, resultOf({ operationId, body }, record, true));
  }
}
