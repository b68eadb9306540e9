// Closed-loop load: N workers, each with one operation in flight, for a fixed time after a short
// warm-up. Operations started during the warm-up are not counted; operations started before the
// end are waited for and counted, and the measured time runs until the last of them finishes.
import { LatencySamples, type LatencySummary } from './stats.js';
import { showProgress } from './progress.js';
import { messageOf } from '@banca/core/errors';

export interface PhaseOptions {
  label: string;
  /** Operations in flight at once (1 for a synchronous loop). */
  concurrency: number;
  seconds: number;
  warmupSeconds: number;
  /** What one operation is called on the progress bar. */
  unit?: string;
  /** How many business operations one operation carries (transfers per commit); default 1. */
  unitsPerOp?: number;
  progress?: boolean;
}

export interface PhaseResult {
  label: string;
  concurrency: number;
  /** Measured wall time, seconds. */
  seconds: number;
  /** Successful operations in the measured window. */
  ops: number;
  /** Failed operations (a non-2xx answer or a network error) in the measured window. */
  errors: number;
  opsPerSec: number;
  /** opsPerSec × unitsPerOp (e.g. transfers/s when an op is a commit of several transfers). */
  unitsPerSec: number;
  unitsPerOp: number;
  latency: LatencySummary;
  /** The first distinct error messages, for diagnosis. */
  errorSamples: string[];
  /** Failed operations by kind, for errors that carry a string `kind` (see OperationError); others are not tallied here. */
  errorsByKind: Record<string, number>;
}

/** A failed operation of a known kind (an answer the load expects to see some of, such as 202 or 422). */
export class OperationError extends Error {
  constructor(readonly kind: string, message: string) {
    super(message);
  }
}

class PhaseClock {
  readonly start = process.hrtime.bigint();
  readonly warmEnd: bigint;
  readonly end: bigint;
  lastFinish: bigint;
  ops = 0;
  errors = 0;
  readonly samples = new LatencySamples();
  readonly errorSamples: string[] = [];
  readonly errorsByKind: Record<string, number> = {};

  constructor(readonly options: PhaseOptions) {
    this.warmEnd = this.start + BigInt(Math.round(options.warmupSeconds * 1e9));
    this.end = this.warmEnd + BigInt(Math.round(options.seconds * 1e9));
    this.lastFinish = this.warmEnd;
  }

  record(started: bigint, finished: bigint, error: unknown): void {
    if (started < this.warmEnd) return;
    if (finished > this.lastFinish) this.lastFinish = finished;
    if (error === undefined) {
      this.ops += 1;
      this.samples.add(Number(finished - started) / 1e6);
      return;
    }
    this.errors += 1;
    if (error instanceof OperationError) this.errorsByKind[error.kind] = (this.errorsByKind[error.kind] ?? 0) + 1;
    const message = messageOf(error);
    if (this.errorSamples.length < 3 && !this.errorSamples.includes(message)) this.errorSamples.push(message);
  }

  progress() {
    return showProgress(this.options.label, {
      done: () => this.ops,
      elapsedSeconds: () => Number(process.hrtime.bigint() - this.start) / 1e9,
      plannedSeconds: this.options.warmupSeconds + this.options.seconds,
      warmupSeconds: this.options.warmupSeconds,
      unit: this.options.unit ?? 'ops',
    }, this.options.progress ?? true);
  }

  result(): PhaseResult {
    const seconds = Math.max(Number(this.lastFinish - this.warmEnd) / 1e9, 1e-9);
    const unitsPerOp = this.options.unitsPerOp ?? 1;
    const opsPerSec = this.ops / seconds;
    return {
      label: this.options.label,
      concurrency: this.options.concurrency,
      seconds,
      ops: this.ops,
      errors: this.errors,
      opsPerSec,
      unitsPerSec: opsPerSec * unitsPerOp,
      unitsPerOp,
      latency: this.samples.summary(),
      errorSamples: this.errorSamples,
      errorsByKind: this.errorsByKind,
    };
  }
}

/**
 * Runs `operation` from `concurrency` workers until the time is up. An operation fails by
 * throwing (or rejecting); it gets its worker number, so workers can own disjoint data.
 */
export async function runClosedLoop(options: PhaseOptions, operation: (worker: number) => Promise<unknown>): Promise<PhaseResult> {
  const clock = new PhaseClock(options);
  const bar = clock.progress();
  const worker = async (index: number) => {
    for (;;) {
      const started = process.hrtime.bigint();
      if (started >= clock.end) return;
      let error: unknown;
      try {
        await operation(index);
      } catch (caught) {
        error = caught ?? new Error('operation failed');
      }
      clock.record(started, process.hrtime.bigint(), error);
    }
  };
  try {
    await Promise.all(Array.from({ length: options.concurrency }, (_, index) => worker(index)));
  } finally {
    bar.stop();
  }
  return clock.result();
}

/**
 * The same for a synchronous operation (raw better-sqlite3): one at a time, in slices of about
 * `sliceMs`, yielding to the event loop between slices so the progress bar keeps moving.
 */
export async function runSyncLoop(options: Omit<PhaseOptions, 'concurrency'>, operation: () => void, sliceMs = 50): Promise<PhaseResult> {
  const clock = new PhaseClock({ ...options, concurrency: 1 });
  const bar = clock.progress();
  const slice = BigInt(sliceMs * 1e6);
  try {
    for (;;) {
      const sliceEnd = process.hrtime.bigint() + slice;
      let started = process.hrtime.bigint();
      while (started < sliceEnd && started < clock.end) {
        let error: unknown;
        try {
          operation();
        } catch (caught) {
          error = caught ?? new Error('operation failed');
        }
        const finished = process.hrtime.bigint();
        clock.record(started, finished, error);
        started = finished;
      }
      if (started >= clock.end) break;
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  } finally {
    bar.stop();
  }
  return clock.result();
}

/** Runs `count` operations with `concurrency` in flight (setup work: seeding, funding); throws on the first failure. */
export async function runAll(count: number, concurrency: number, operation: (index: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const index = next++;
      await operation(index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, () => worker()));
}
