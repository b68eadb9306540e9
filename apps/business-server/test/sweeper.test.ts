// The recovery sweeper's schedule against a fake clock: no round over another, longer waits while
// rounds find nothing open, back to the short wait on work, nothing after close().
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ConfigError } from '@banca/core/config';
import { Sweeper, type SweeperTimers } from '../src/application/sweeper.js';
import { loadBusinessServerConfig } from '../src/config.js';

/** Timers that run only when the test moves the clock. */
class FakeTimers implements SweeperTimers {
  private nowMs = 0;
  private next = 1;
  private readonly pending = new Map<number, { atMs: number; run: () => void }>();

  now(): number {
    return this.nowMs;
  }

  setTimeout(run: () => void, ms: number): unknown {
    const id = this.next++;
    this.pending.set(id, { atMs: this.nowMs + ms, run });
    return id;
  }

  clearTimeout(handle: unknown): void {
    this.pending.delete(handle as number);
  }

  /** The delays from now of the timers set. */
  dueInMs(): number[] {
    return [...this.pending.values()].map((timer) => timer.atMs - this.nowMs);
  }

  /** Moves the clock, running every timer due on the way (and letting their promises settle). */
  async advance(ms: number): Promise<void> {
    const until = this.nowMs + ms;
    for (;;) {
      const due = [...this.pending.entries()].filter(([, timer]) => timer.atMs <= until).sort((a, b) => a[1].atMs - b[1].atMs)[0];
      if (!due) break;
      this.pending.delete(due[0]);
      this.nowMs = due[1].atMs;
      due[1].run();
      await settle();
    }
    this.nowMs = until;
    await settle();
  }
}

const settle = () => new Promise<void>((resolve) => setImmediate(resolve));
const options = { intervalMs: 1000, intervalMsMax: 8000 };

/** A sweeper whose rounds answer `open` (changeable) and are counted. */
function sweeperWith(timers: FakeTimers, open: () => number | Promise<number> = () => 0) {
  const rounds: number[] = [];
  const sweeper = new Sweeper(async () => {
    rounds.push(timers.now());
    return open();
  }, options, () => undefined, timers);
  return { sweeper, rounds };
}

describe('sweeper - schedule', () => {
  test('rounds that find nothing open double the wait, up to intervalMsMax', async () => {
    const timers = new FakeTimers();
    const { sweeper, rounds } = sweeperWith(timers);
    sweeper.start();
    await timers.advance(60_000);
    assert.deepEqual(rounds.slice(0, 6), [1000, 3000, 7000, 15_000, 23_000, 31_000]);
    assert.equal(sweeper.nextDelayMs, 8000);
    await sweeper.close();
  });

  test('a round that sees open records keeps the short wait', async () => {
    const timers = new FakeTimers();
    let open = 2;
    const { sweeper, rounds } = sweeperWith(timers, () => open);
    sweeper.start();
    await timers.advance(3000);
    assert.deepEqual(rounds, [1000, 2000, 3000]);
    open = 0;
    await timers.advance(4000);
    assert.deepEqual(rounds, [1000, 2000, 3000, 4000, 6000], 'backs off once the work is done');
    await sweeper.close();
  });

  test('wake() brings a far round back within intervalMs', async () => {
    const timers = new FakeTimers();
    const { sweeper, rounds } = sweeperWith(timers);
    sweeper.start();
    await timers.advance(15_000);
    assert.deepEqual(timers.dueInMs(), [8000]);
    sweeper.wake();
    assert.deepEqual(timers.dueInMs(), [1000], 'the far timer is replaced, not doubled');
    await timers.advance(1000);
    assert.equal(rounds.at(-1), 16_000);
    sweeper.wake();
    sweeper.wake();
    assert.deepEqual(timers.dueInMs(), [1000], 'a wake when already fast moves nothing');
    await sweeper.close();
  });

  test('a wake during a round that found nothing keeps the next wait short', async () => {
    const timers = new FakeTimers();
    let finish: (open: number) => void = () => undefined;
    const { sweeper, rounds } = sweeperWith(timers, () => new Promise<number>((resolve) => (finish = resolve)));
    sweeper.start();
    await timers.advance(1000);
    assert.equal(rounds.length, 1);
    sweeper.wake();
    finish(0);
    await settle();
    assert.deepEqual(timers.dueInMs(), [1000]);
    await sweeper.close();
  });

  test('no round starts while the last one still runs', async () => {
    const timers = new FakeTimers();
    let running = 0;
    let overlapped = false;
    let finish: () => void = () => undefined;
    const sweeper = new Sweeper(async () => {
      running++;
      overlapped ||= running > 1;
      await new Promise<void>((resolve) => (finish = resolve));
      running--;
      return 1;
    }, options, () => undefined, timers);
    sweeper.start();
    await timers.advance(1000);
    sweeper.wake();
    await timers.advance(20_000);
    assert.equal(running, 1);
    assert.deepEqual(timers.dueInMs(), [], 'the next round is set only when this one ends');
    finish();
    await settle();
    assert.deepEqual(timers.dueInMs(), [1000]);
    assert.equal(overlapped, false);
    await sweeper.close();
  });

  test('a failed round is reported and retried at the short wait', async () => {
    const timers = new FakeTimers();
    const errors: unknown[] = [];
    const sweeper = new Sweeper(async () => {
      throw new Error('data server down');
    }, options, (error) => errors.push(error), timers);
    sweeper.start();
    await timers.advance(3000);
    assert.equal(errors.length, 3);
    await sweeper.close();
  });

  test('close() waits for the round in progress and stops the timer', async () => {
    const timers = new FakeTimers();
    let finish: () => void = () => undefined;
    let ended = false;
    const { sweeper, rounds } = sweeperWith(timers, () => new Promise<number>((resolve) => (finish = () => resolve(0))));
    sweeper.start();
    await timers.advance(1000);
    const closing = sweeper.close().then(() => (ended = true));
    await settle();
    assert.equal(ended, false, 'close waits for the round');
    finish();
    await closing;
    sweeper.wake();
    sweeper.start();
    await timers.advance(60_000);
    assert.deepEqual(rounds, [1000]);
    assert.deepEqual(timers.dueInMs(), []);
  });
});

describe('sweeper - config', () => {
  test('the waits back off up to recoveryIntervalMsMax and seedSweepIntervalMsMax, never below their short waits', () => {
    const config = loadBusinessServerConfig({}, {});
    assert.deepEqual([config.recoveryIntervalMs, config.recoveryIntervalMsMax, config.seedSweepIntervalMs, config.seedSweepIntervalMsMax], [1000, 8000, 1000, 8000]);
    assert.doesNotThrow(() => loadBusinessServerConfig({ recoveryIntervalMs: 1000, recoveryIntervalMsMax: 1000 }, {}));
    assert.throws(() => loadBusinessServerConfig({ recoveryIntervalMs: 2000, recoveryIntervalMsMax: 1000 }, {}), ConfigError);
    assert.throws(() => loadBusinessServerConfig({ seedSweepIntervalMs: 2000, seedSweepIntervalMsMax: 1000 }, {}), ConfigError);
  });
});
