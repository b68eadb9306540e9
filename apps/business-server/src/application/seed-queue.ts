// Seed mode, seed 000's queue of 5 as its client test expects: an operation is accepted at once
// (202) and balances change only when batchSizeMax operations have accumulated. The queue lives
// in the data server's store, not in this process, so an accepted operation survives a crash of
// any business server; any of them may apply a full queue (one claim at a time, as a lease).
import type { FastifyBaseLogger } from 'fastify';
import { BancaError } from '@banca/core/errors';
import { retry } from '@banca/core/retry';
import type { QueueEntry, QueueResult } from '@banca/core/protocol';
import type { DataClient } from '../infra/data-client.js';
import { AccountGate } from './account-gate.js';
import { accountsOf, commitWithRetry, lockWithRetry, newCommitId, planBatch, type LockPolicy } from './lock-batch.js';
import type { Operation } from './operations.js';
import { Sweeper } from './sweeper.js';

export interface SeedQueueOptions extends LockPolicy {
  batchSizeMax: number;
  seedSweepIntervalMs: number;
  seedSweepIntervalMsMax: number;
}

export interface Accepted {
  operationId: string;
  status: 'queued' | 'applied' | 'rejected';
  pendingCount: number;
  replayed: boolean;
}

/** How a drain ended: nothing full left, another server holds the queue's claim, or an error. */
type DrainOutcome = 'idle' | 'busy' | 'failed';

const BUSY_RETRY_MS = 20;
/** Thrown to the retry loop while another server holds the queue's claim. */
const BUSY = new Error('seed queue: claimed by another business server');

export class SeedQueue {
  private draining: Promise<DrainOutcome> | null = null;
  private again: Promise<DrainOutcome> | null = null;
  private readonly sweeper: Sweeper;

  constructor(
    private readonly data: DataClient,
    private readonly options: SeedQueueOptions,
    private readonly log: FastifyBaseLogger,
    private readonly gate: AccountGate = new AccountGate(),
  ) {
    // Finishes groups whose business server died between accepting the fifth operation and saving:
    // often while groups are left or operations arrive here, rarely at rest.
    this.sweeper = new Sweeper(
      async () => ((await this.drain()) === 'idle' ? 0 : 1),
      { intervalMs: options.seedSweepIntervalMs, intervalMsMax: options.seedSweepIntervalMsMax },
    );
    this.sweeper.start();
  }

  async submit(operation: Operation, requestId?: string): Promise<Accepted> {
    this.sweeper.wake();
    const { entry, pendingCount, replayed } = await this.data.enqueue(operation.operationId, operation.body, requestId);
    if (pendingCount >= this.options.batchSizeMax) await this.applyBeforeAnswering();
    const status = entry.status === 'pending' ? 'queued' : entry.status;
    return { operationId: entry.operationId, status, pendingCount, replayed };
  }

  status(operationId: string, requestId?: string): Promise<QueueEntry> {
    return this.data.queueEntry(operationId, requestId);
  }

  /**
   * Applies full groups while there are any; one drain at a time per process. A call made while a
   * drain runs gets a fresh drain after it, so an entry enqueued after that drain's claim is seen.
   */
  drain(): Promise<DrainOutcome> {
    if (this.draining === null) {
      this.draining = this.applyFullGroups().finally(() => {
        this.draining = null;
      });
      return this.draining;
    }
    this.again ??= this.draining.then(() => {
      this.again = null;
      return this.drain();
    });
    return this.again;
  }

  /**
   * The operation that completes a group is answered after the group is applied, by this server
   * or by another one holding the queue's claim, so the next operation starts a new group.
   */
  private async applyBeforeAnswering(): Promise<void> {
    const drainUnlessBusy = async () => {
      if ((await this.drain()) === 'busy') throw BUSY;
    };
    // Every BUSY_RETRY_MS while busy, for one lease: another wait and drain while the lease has
    // not ended (the deadline allows for that last wait); busy still then, the answer goes anyway.
    await retry(drainUnlessBusy, {
      deadlineMs: this.options.leaseMs + BUSY_RETRY_MS,
      baseDelayMs: BUSY_RETRY_MS,
      maxDelayMs: BUSY_RETRY_MS,
      jitter: 0,
      shouldRetry: (error) => error === BUSY,
    }).catch((error: unknown) => {
      if (error !== BUSY) throw error;
    });
  }

  async close(): Promise<void> {
    await this.sweeper.close();
    await this.draining;
  }

  private async applyFullGroups(): Promise<DrainOutcome> {
    const size = this.options.batchSizeMax;
    for (let round = 0; round < 100; round++) {
      try {
        const claim = await this.data.claim(size, size, this.options.leaseMs);
        if (!claim.claimId || claim.entries.length === 0) return claim.pendingCount >= size ? 'busy' : 'idle';
        await this.applyGroup(claim.claimId, claim.entries);
      } catch (error) {
        this.log.warn({ err: error }, 'seed queue: could not apply a group; it stays queued for the next try');
        return 'failed';
      }
    }
    return 'idle';
  }

  private async applyGroup(claimId: string, entries: QueueEntry[]): Promise<void> {
    const operations: Operation[] = entries.map((entry) => ({ operationId: entry.operationId, body: entry.operation }));
    const accounts = accountsOf(operations);
    await this.gate.enter(accounts);
    try {
      await this.applyLocked(claimId, operations, accounts);
    } finally {
      this.gate.leave(accounts);
    }
  }

  private async applyLocked(claimId: string, operations: Operation[], accounts: string[]): Promise<void> {
    const grants = await lockWithRetry(this.data, this.options, accounts, operations.map((o) => o.operationId));
    try {
      const outcomes = planBatch(operations, grants);
      const results: QueueResult[] = outcomes.map((outcome) => {
        switch (outcome.kind) {
          case 'commit':
            return { operationId: outcome.operation.operationId, status: 'applied', transferId: outcome.transfer.transferId };
          case 'replay':
            return { operationId: outcome.operation.operationId, status: 'applied', transferId: outcome.record.transferId };
          case 'refuse':
          case 'rejected':
            return { operationId: outcome.operation.operationId, status: 'rejected', errorCode: outcome.error.code, message: outcome.error.message };
        }
      });
      await commitWithRetry(this.data, {
        commitId: newCommitId(),
        locks: grants.locks.map((grant) => ({ accountId: grant.accountId, fence: grant.fence })),
        transfers: outcomes.flatMap((outcome) => (outcome.kind === 'commit' ? [outcome.transfer] : [])),
        release: true,
        queue: { claimId, results },
      });
    } catch (error) {
      await this.data.release(accounts).catch(() => undefined);
      throw error instanceof BancaError ? error : new BancaError('INTERNAL', 'seed queue group failed', { cause: error });
    }
  }
}
