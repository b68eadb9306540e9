// The one retry loop of the system: runs an attempt again after a failure its caller calls
// retryable, waiting an exponential (or linear) backoff between attempts, capped and jittered,
// for a number of attempts or until a deadline. The attempt decides what to reuse (an
// idempotency key, a commit id): the loop only repeats it. Sleep, clock and randomness can be
// injected, so tests run without waiting.
import { setTimeout as wait } from 'node:timers/promises';

export interface RetryOptions {
  /** Attempts in all, the first included (default: unbounded with a deadlineMs, else 3). */
  attempts?: number;
  /** No attempt again once its delay (before jitter) would end more than deadlineMs after the first began. */
  deadlineMs?: number;
  /** The delay after the first failure; 0 (the default) tries again at once, without sleeping. */
  baseDelayMs?: number;
  /** No delay (before jitter) above this (default: none). */
  maxDelayMs?: number;
  /** 'exponential' (the default): base, 2·base, 4·base…; 'linear': base, 2·base, 3·base… */
  growth?: 'exponential' | 'linear';
  /** 'full' (the default): uniform in [0, delay); a fraction f: uniform in [delay·(1−f), delay·(1+f)); 0: none. */
  jitter?: 'full' | number;
  /** Whether the failure of attempt n (from 1) is worth another attempt (default: every failure). */
  shouldRetry?: (error: unknown, attempt: number) => boolean;
  /** Aborted, no new attempt starts and a wait ends at once: the signal's reason is thrown. */
  signal?: AbortSignal;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  now?: () => number;
  random?: () => number;
}

const sleepFor = (ms: number, signal?: AbortSignal): Promise<void> => wait(ms, undefined, signal ? { signal } : undefined);

/** The delay after the failure of attempt n (from 1), before jitter. */
export function backoffMs(attempt: number, options: Pick<RetryOptions, 'baseDelayMs' | 'maxDelayMs' | 'growth'> = {}): number {
  const base = options.baseDelayMs ?? 0;
  const grown = options.growth === 'linear' ? base * attempt : base * 2 ** (attempt - 1);
  return Math.min(grown, options.maxDelayMs ?? Infinity);
}

/**
 * Runs `attempt(n)` (n from 1) until it resolves, a failure is not retryable, the attempts are
 * spent or the deadline is near; then throws that last failure as it came.
 */
export async function retry<T>(attempt: (attempt: number) => Promise<T>, options: RetryOptions = {}): Promise<T> {
  const { signal, shouldRetry = () => true, sleep = sleepFor, now = Date.now, random = Math.random } = options;
  const attempts = options.attempts ?? (options.deadlineMs === undefined ? 3 : Infinity);
  const deadline = options.deadlineMs === undefined ? Infinity : now() + options.deadlineMs;
  const jitter = options.jitter ?? 'full';
  for (let n = 1; ; n++) {
    signal?.throwIfAborted();
    try {
      return await attempt(n);
    } catch (error) {
      const delayMs = backoffMs(n, options);
      if (n >= attempts || !shouldRetry(error, n) || now() + delayMs > deadline) throw error;
      if (delayMs <= 0) continue;
      const jittered = jitter === 'full' ? delayMs * random() : delayMs * (1 - jitter + 2 * jitter * random());
      try {
        await sleep(jittered, signal);
      } catch (interrupted) {
        throw signal?.aborted ? signal.reason : interrupted;
      }
    }
  }
}
