// The retry helper on a fake clock: an injected sleep records the delays and moves the clock,
// so nothing here waits for real.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { backoffMs, retry, type RetryOptions } from '../src/retry.js';

/** A clock that only the injected sleep moves; `slept` lists every delay asked. */
function fakeTime(random = () => 0.5) {
  let nowMs = 1_000;
  const slept: number[] = [];
  const options: Pick<RetryOptions, 'sleep' | 'now' | 'random'> = {
    sleep: async (ms) => {
      slept.push(ms);
      nowMs += ms;
    },
    now: () => nowMs,
    random,
  };
  return { slept, options, advance: (ms: number) => (nowMs += ms) };
}

/** An attempt failing with failures[n - 1] at attempt n, then answering `ok`. */
function failing(...failures: unknown[]) {
  const calls: number[] = [];
  const attempt = async (n: number) => {
    calls.push(n);
    if (n <= failures.length) throw failures[n - 1];
    return 'ok';
  };
  return { calls, attempt };
}

test('retry - tries again until the attempt succeeds, numbering the attempts from 1', async () => {
  const time = fakeTime();
  const { calls, attempt } = failing(new Error('1'), new Error('2'));
  assert.equal(await retry(attempt, { attempts: 5, baseDelayMs: 10, ...time.options }), 'ok');
  assert.deepEqual(calls, [1, 2, 3]);
  assert.equal(time.slept.length, 2);
});

test('retry - a first success neither sleeps nor calls again', async () => {
  const time = fakeTime();
  const { calls, attempt } = failing();
  assert.equal(await retry(attempt, { attempts: 5, baseDelayMs: 10, ...time.options }), 'ok');
  assert.deepEqual(calls, [1]);
  assert.deepEqual(time.slept, []);
});

test('retry - gives up after the attempts with the last error, as it came', async () => {
  const time = fakeTime();
  const last = new Error('third');
  const { calls, attempt } = failing(new Error('first'), new Error('second'), last, new Error('never'));
  await assert.rejects(retry(attempt, { attempts: 3, baseDelayMs: 10, ...time.options }), (error) => error === last);
  assert.deepEqual(calls, [1, 2, 3]);
  assert.equal(time.slept.length, 2, 'no sleep after the last attempt');
});

test('retry - three attempts unless told otherwise', async () => {
  const { calls, attempt } = failing(1, 2, 3, 4);
  await assert.rejects(retry(attempt, fakeTime().options));
  assert.deepEqual(calls, [1, 2, 3]);
});

test('retry - stops at once on a failure shouldRetry refuses, and tells it the attempt', async () => {
  const time = fakeTime();
  const fatal = new Error('fatal');
  const seen: Array<[unknown, number]> = [];
  const { calls, attempt } = failing(new Error('transient'), fatal);
  const shouldRetry = (error: unknown, n: number) => {
    seen.push([(error as Error).message, n]);
    return error !== fatal;
  };
  await assert.rejects(retry(attempt, { attempts: 10, baseDelayMs: 10, shouldRetry, ...time.options }), (error) => error === fatal);
  assert.deepEqual(calls, [1, 2]);
  assert.deepEqual(seen, [['transient', 1], ['fatal', 2]]);
  assert.equal(time.slept.length, 1);
});

test('retry - exponential delays double and stop at maxDelayMs', async () => {
  const time = fakeTime();
  const { attempt } = failing(...Array.from({ length: 8 }, (_, i) => new Error(String(i))));
  await retry(attempt, { attempts: 9, baseDelayMs: 1, maxDelayMs: 50, jitter: 0, ...time.options });
  assert.deepEqual(time.slept, [1, 2, 4, 8, 16, 32, 50, 50]);
});

test('retry - linear delays grow by the base, capped too', async () => {
  const time = fakeTime();
  const { attempt } = failing(1, 2, 3, 4);
  await retry(attempt, { attempts: 5, baseDelayMs: 10, growth: 'linear', maxDelayMs: 25, jitter: 0, ...time.options });
  assert.deepEqual(time.slept, [10, 20, 25, 25]);
  assert.deepEqual([1, 2, 3].map((n) => backoffMs(n, { baseDelayMs: 5, growth: 'linear' })), [5, 10, 15]);
});

test('retry - full jitter draws in [0, delay), a fraction f in [delay·(1−f), delay·(1+f))', async () => {
  for (const [jitter, random, expected] of [['full', 0, 0], ['full', 0.25, 25], ['full', 0.999, 99.9], [0.5, 0, 50], [0.5, 0.5, 100], [0.5, 0.999, 149.9]] as const) {
    const time = fakeTime(() => random);
    const { attempt } = failing(1);
    await retry(attempt, { attempts: 2, baseDelayMs: 100, jitter, ...time.options });
    assert.equal(time.slept.length, 1);
    assert.ok(Math.abs(time.slept[0]! - expected) < 1e-9, `${jitter} at ${random}: ${time.slept[0]} instead of ${expected}`);
  }
});

test('retry - without a base delay it tries again at once, without sleeping', async () => {
  let slept = 0;
  const { calls, attempt } = failing(1, 2, 3);
  await assert.rejects(retry(attempt, { attempts: 3, sleep: async () => void slept++ }), (error) => error === 3);
  assert.deepEqual(calls, [1, 2, 3]);
  assert.equal(slept, 0);
});

test('retry - with a deadline it retries while the next delay ends in time, then throws the last error', async () => {
  const time = fakeTime();
  const { calls, attempt } = failing(...Array.from({ length: 100 }, (_, i) => i + 1));
  // Delays 1, 2, 4, 8, 16, 32, 50, 50: their sums 1, 3, 7, 15, 31, 63, 113, 163; the next (+50) would pass 200.
  await assert.rejects(retry(attempt, { deadlineMs: 200, baseDelayMs: 1, maxDelayMs: 50, jitter: 0, ...time.options }), (error) => error === 9);
  assert.deepEqual(time.slept, [1, 2, 4, 8, 16, 32, 50, 50]);
  assert.equal(calls.length, 9);
});

test('retry - the deadline counts the time attempts take too', async () => {
  const time = fakeTime();
  const calls: number[] = [];
  const slow = async (n: number) => {
    calls.push(n);
    time.advance(60);
    throw new Error(`slow ${n}`);
  };
  await assert.rejects(retry(slow, { deadlineMs: 100, baseDelayMs: 10, jitter: 0, ...time.options }), /slow 2/);
  assert.deepEqual(calls, [1, 2]);
  assert.deepEqual(time.slept, [10]);
});

test('retry - an aborted signal starts no attempt and throws its reason', async () => {
  const controller = new AbortController();
  const reason = new Error('shutting down');
  controller.abort(reason);
  const { calls, attempt } = failing();
  await assert.rejects(retry(attempt, { signal: controller.signal, ...fakeTime().options }), (error) => error === reason);
  assert.deepEqual(calls, []);
});

test('retry - an abort during a wait ends it and stops the retries', async () => {
  const controller = new AbortController();
  const reason = new Error('closed');
  const { calls, attempt } = failing(1, 2, 3);
  const sleep = async (_ms: number, signal?: AbortSignal) => {
    assert.equal(signal, controller.signal, 'the sleep is given the signal');
    controller.abort(reason);
    throw signal.reason;
  };
  await assert.rejects(retry(attempt, { attempts: 5, baseDelayMs: 10, signal: controller.signal, sleep }), (error) => error === reason);
  assert.deepEqual(calls, [1]);
});

test('retry - the default sleep ends at once on abort (no real wait of its delay)', async () => {
  const controller = new AbortController();
  const failingForever = async () => {
    throw new Error('again');
  };
  setImmediate(() => controller.abort(new Error('stop')));
  const beganAt = performance.now();
  await assert.rejects(retry(failingForever, { attempts: 2, baseDelayMs: 60_000, jitter: 0, signal: controller.signal }), /stop/);
  assert.ok(performance.now() - beganAt < 5_000);
});
