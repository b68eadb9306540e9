// Batch mode, the queue of 5 done safely: operations wait in a bounded in-memory queue and are
// saved in groups of up to batchSizeMax; operations arriving while nothing is in flight go at the
// end of that turn of the event loop, others gather while batches fly and wait at most
// batchLingerMs. Groups
// in flight at once never share an account. A client is answered only after its group is
// durably committed, refusals by the rules included (a key's first answer is its answer forever);
// its idempotency key makes a retry (on any business server) safe.
//
// A group is first committed optimistically, without locks (an unlocked commit: the data server
// refuses it whole while another business server holds one of its accounts, when a balance would
// go below zero or past the limit, or when an id of it is already used), which is exactly when the
// rules could say anything but "accepted"; then, and only then, the group goes through the
// lock-decide-commit cycle, which gives each operation its own answer (a refusal, a replay).
import type { FastifyBaseLogger } from 'fastify';
import { BancaError } from '@banca/core/errors';
import { operationAccounts, type RefusalInput, type TransferRecord } from '@banca/core/protocol';
import type { DataClient } from '../infra/data-client.js';
import { AccountGate } from './account-gate.js';
import { GatherTimer } from './gather-timer.js';
import { accountsOf, commitWithRetry, lockWithRetry, newCommitId, planBatch, type LockPolicy } from './lock-batch.js';
import { resultOf, transferOf, type Operation, type OperationResult } from './operations.js';

export interface BatcherOptions extends LockPolicy {
  batchSizeMax: number;
  batchLingerMs: number;
  batchesInFlightMax: number;
  pendingOperationsMax: number;
}

interface Waiting {
  operation: Operation;
  accounts: string[];
  resolve: (result: OperationResult) => void;
  reject: (error: unknown) => void;
}

export interface BatchObserver {
  batchCommitted(size: number, seconds: number): void;
}

export class Batcher {
  private pending: Waiting[] = [];
  private inFlight = 0;
  private readonly timer: GatherTimer;
  private idle: (() => void)[] = [];
  private closing = false;

  constructor(
    private readonly data: DataClient,
    private readonly options: BatcherOptions,
    private readonly log: FastifyBaseLogger,
    private readonly observer?: BatchObserver,
    private readonly gate: AccountGate = new AccountGate(),
  ) {
    this.timer = new GatherTimer(options.batchLingerMs, () => this.flush());
    // Accounts freed by other work of this server (the consortium's) may unblock waiting operations.
    gate.onLeave(() => {
      if (this.pending.length > 0 && !this.timer.lingering) this.flush();
    });
  }

  submit(operation: Operation): Promise<OperationResult> {
    if (this.closing) return Promise.reject(new BancaError('UNAVAILABLE', 'This business server is shutting down; retry (the gateway sends you to another).'));
    if (this.pending.length >= this.options.pendingOperationsMax) {
      return Promise.reject(new BancaError('TOO_MANY_REQUESTS', `More than ${this.options.pendingOperationsMax} operations are waiting; retry shortly.`));
    }
    return new Promise((resolve, reject) => {
      this.pending.push({ operation, accounts: operationAccounts(operation.body), resolve, reject });
      this.schedule();
    });
  }

  /** Saves everything still queued, then resolves (graceful shutdown). */
  async drain(): Promise<void> {
    this.closing = true;
    while (this.pending.length > 0 || this.inFlight > 0) {
      this.flush();
      await new Promise<void>((resolve) => this.idle.push(resolve));
    }
  }

  private schedule(): void {
    this.timer.queued(this.pending.length >= this.options.batchSizeMax, this.inFlight === 0);
  }

  private flush(): void {
    this.timer.clear();
    while (this.inFlight < this.options.batchesInFlightMax) {
      const batch = this.takeBatch();
      if (batch.length === 0) break;
      this.inFlight += 1;
      const accounts = [...new Set(batch.flatMap((item) => item.accounts))];
      this.gate.take(accounts);
      void this.run(batch).finally(() => {
        this.inFlight -= 1;
        this.gate.leave(accounts);
        if (this.pending.length > 0) this.flush();
        this.idle.splice(0).forEach((wake) => wake());
      });
    }
  }

  /** Oldest first; an operation waits while an earlier one on the same account waits or flies. */
  private takeBatch(): Waiting[] {
    const taken: Waiting[] = [];
    const blocked = new Set<string>();
    const takenIds = new Set<string>();
    const rest: Waiting[] = [];
    for (const item of this.pending) {
      const free = item.accounts.every((accountId) => !blocked.has(accountId) && !this.gate.isBusy(accountId));
      // A key sent twice at once (a retry racing the original) waits for the next batch, where
      // the first is known: it is then answered as a replay or a conflict, alone.
      const fresh = !takenIds.has(item.operation.operationId);
      if (taken.length < this.options.batchSizeMax && free && fresh) {
        takenIds.add(item.operation.operationId);
        taken.push(item);
      } else {
        rest.push(item);
        for (const accountId of item.accounts) blocked.add(accountId);
      }
    }
    // Accounts of a taken item are not blocked for later items of the same batch: one batch may
    // hold several operations on one account; they are decided in order.
    this.pending = rest;
    return taken;
  }

  private async run(batch: Waiting[]): Promise<void> {
    const started = process.hrtime.bigint();
    const operations = batch.map((item) => item.operation);
    try {
      const answers = await this.save(operations, 1);
      answers.forEach((answer, index) => {
        const waiting = batch[index]!;
        if (answer.ok) waiting.resolve(answer.result);
        else waiting.reject(answer.error);
      });
      this.observer?.batchCommitted(batch.length, Number(process.hrtime.bigint() - started) / 1e9);
    } catch (error) {
      if (!(error instanceof BancaError) || error.status >= 500) this.log.warn({ err: error, size: batch.length }, 'batch failed');
      for (const item of batch) item.reject(asClientError(error));
    }
  }

  /**
   * Saves operations in one lock-decide-commit cycle. When the commit finds one of their ids
   * already used (another business server saved or refused the same key meanwhile), each is saved
   * again on its own: the reused key then learns its first answer, and its batch-mates are saved
   * as if it had not been there. Each operation gets its own answer.
   */
  private async save(operations: Operation[], attempt: number): Promise<Answer[]> {
    try {
      return await this.saveOnce(operations);
    } catch (error) {
      if (!idTaken(error) || attempt >= SAVE_ATTEMPTS_MAX) throw error;
      this.log.debug({ size: operations.length, attempt }, 'an id of the batch was used meanwhile: saving each operation alone');
      const answers: Answer[] = [];
      for (const operation of operations) {
        answers.push(...await this.save([operation], attempt + 1).catch((failed: unknown) => [{ ok: false as const, error: asClientError(failed) }]));
      }
      return answers;
    }
  }

  private async saveOnce(operations: Operation[]): Promise<Answer[]> {
    const commitId = newCommitId();
    // The data server sees one request id per batch: the client's own for a batch of one, else
    // the commit id, which this line ties to every client request of the batch.
    const traceId = operations.length === 1 ? (operations[0]?.requestId ?? commitId) : commitId;
    this.log.debug({ commitId, requestIds: operations.map((o) => o.requestId) }, 'batch');
    return (await this.saveUnlocked(operations, commitId, traceId)) ?? this.saveLocked(operations, newCommitId(), traceId);
  }

  /** Every operation accepted in one unlocked commit, or null when the data server refuses it whole for a reason the rules decide. */
  private async saveUnlocked(operations: Operation[], commitId: string, traceId: string): Promise<Answer[] | null> {
    let committed: Awaited<ReturnType<DataClient['commit']>>;
    try {
      committed = await commitWithRetry(this.data, { commitId, locks: [], unlocked: true, transfers: operations.map(transferOf), release: false }, 3, traceId);
    } catch (error) {
      if (error instanceof BancaError && DECIDED_UNDER_LOCKS.has(error.code)) return null;
      throw error;
    }
    const records = new Map(committed.transfers.map((record) => [record.transferId, record]));
    return operations.map((operation): Answer => {
      const record = records.get(operation.operationId);
      return record ? { ok: true, result: resultOf(operation, record, false) } : { ok: false, error: new BancaError('INTERNAL', 'The data server did not return a committed transfer.') };
    });
  }

  private async saveLocked(operations: Operation[], commitId: string, traceId: string): Promise<Answer[]> {
    const accounts = accountsOf(operations);
    const grants = await lockWithRetry(this.data, this.options, accounts, operations.map((o) => o.operationId), traceId);
    let records: Map<string, TransferRecord>;
    try {
      const outcomes = planBatch(operations, grants);
      const transfers = outcomes.flatMap((outcome) => (outcome.kind === 'commit' ? [outcome.transfer] : []));
      const refusals: RefusalInput[] = outcomes.flatMap((outcome) => (outcome.kind === 'refuse'
        ? [{ operationId: outcome.operation.operationId, operation: outcome.operation.body, code: outcome.error.code, message: outcome.error.message }]
        : []));
      if (transfers.length === 0 && refusals.length === 0) {
        // Only replays and conflicts: nothing to write, so no commit (and no fsync); just the locks go.
        await this.data.release(accounts, traceId);
        records = new Map();
      } else {
        const committed = await commitWithRetry(this.data, {
          commitId,
          locks: grants.locks.map((grant) => ({ accountId: grant.accountId, fence: grant.fence })),
          transfers,
          ...(refusals.length > 0 ? { refusals } : {}),
          release: true,
        }, 3, traceId);
        records = new Map(committed.transfers.map((record) => [record.transferId, record]));
      }
      return outcomes.map((outcome): Answer => {
        switch (outcome.kind) {
          case 'refuse':
          case 'rejected':
            return { ok: false, error: outcome.error };
          case 'replay':
            return { ok: true, result: resultOf(outcome.operation, outcome.record, true) };
          case 'commit': {
            const record = records.get(outcome.transfer.transferId);
            if (!record) return { ok: false, error: new BancaError('INTERNAL', 'The data server did not return a committed transfer.') };
            return { ok: true, result: resultOf(outcome.operation, record, false) };
          }
        }
      });
    } catch (error) {
      await this.data.release(accounts, traceId).catch(() => undefined);
      throw error;
    }
  }
}

type Answer = { ok: true; result: OperationResult } | { ok: false; error: unknown };

/** An unlocked commit refused with one of these goes through the locks, whose rules answer each operation. */
const DECIDED_UNDER_LOCKS: ReadonlySet<string> = new Set(['ACCOUNT_LOCKED', 'INSUFFICIENT_FUNDS', 'BALANCE_LIMIT_EXCEEDED', 'IDEMPOTENCY_CONFLICT', 'ACCOUNT_NOT_FOUND']);

/** A reused key's batch-mates are saved again alone, at most this many times in all. */
const SAVE_ATTEMPTS_MAX = 3;

/** The commit was refused because an id of it already names a transfer or a refusal. */
function idTaken(error: unknown): boolean {
  return error instanceof BancaError && error.code === 'IDEMPOTENCY_CONFLICT';
}

/** A lease that ran out before the commit is this server's problem, not the client's request. */
function asClientError(error: unknown): unknown {
  if (error instanceof BancaError && (error.code === 'LOCK_NOT_HELD' || error.code === 'STALE_FENCING_TOKEN')) {
    return new BancaError('UNAVAILABLE', 'The operation could not be saved in time; retry with the same idempotency key.', { cause: error });
  }
  return error;
}
