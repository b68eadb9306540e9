// Runs the crash-recovery sweep (ConsortiumService.sweep) on a timer that backs off at rest: a
// round that saw nothing open doubles the wait before the next one, up to intervalMsMax; a round
// that saw something, or wake() (this server started interbank work), brings it back to
// intervalMs. A round never starts while the last one still runs, and close() waits for it.
export interface SweeperTimers {
  setTimeout(run: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
  now(): number;
}

export interface SweeperOptions {
  /** The wait between rounds while there is work open (and right after wake()). */
  intervalMs: number;
  /** The longest wait between rounds while rounds find nothing open. */
  intervalMsMax: number;
}

/** Node's own timers, unref'd so a sweeper alone never keeps a process alive. */
export const NODE_TIMERS: SweeperTimers = {
  setTimeout: (run, ms) => setTimeout(run, ms).unref(),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
  now: () => Date.now(),
};

export class Sweeper {
  private delayMs: number;
  private timer: unknown = null;
  private dueAtMs = 0;
  private running: Promise<void> | null = null;
  private woken = false;
  private closed = false;

  /** round: one sweep; resolves with how many open records it saw (0: nothing to do). */
  constructor(
    private readonly round: () => Promise<number>,
    private readonly options: SweeperOptions,
    private readonly onError: (error: unknown) => void = () => undefined,
    private readonly timers: SweeperTimers = NODE_TIMERS,
  ) {
    if (options.intervalMsMax < options.intervalMs) throw new Error('the sweeper\'s intervalMsMax is below its intervalMs');
    this.delayMs = options.intervalMs;
  }

  /** The wait before the next round, as it stands. */
  get nextDelayMs(): number {
    return this.delayMs;
  }

  start(): void {
    if (!this.closed && this.timer === null && this.running === null) this.schedule();
  }

  /** Work was started here: the next round comes within intervalMs, and rounds stay that close while they find work. */
  wake(): void {
    if (this.closed) return;
    this.delayMs = this.options.intervalMs;
    if (this.running) {
      this.woken = true;
      return;
    }
    // Cheap when already fast (every request under load calls this): only a far timer is moved.
    if (this.timer !== null && this.dueAtMs > this.timers.now() + this.options.intervalMs) {
      this.timers.clearTimeout(this.timer);
      this.schedule();
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer !== null) this.timers.clearTimeout(this.timer);
    this.timer = null;
    await this.running;
  }

  private schedule(): void {
    this.dueAtMs = this.timers.now() + this.delayMs;
    this.timer = this.timers.setTimeout(() => {
      this.timer = null;
      this.running = this.runRound().finally(() => {
        this.running = null;
        if (!this.closed) this.schedule();
      });
    }, this.delayMs);
  }

  private async runRound(): Promise<void> {
    this.woken = false;
    let open: number;
    try {
      open = await this.round();
    } catch (error) {
      // A failed round may have left anything open: try again soon.
      this.onError(error);
      open = 1;
    }
    const idle = open === 0 && !this.woken;
    this.delayMs = idle ? Math.min(this.delayMs * 2, this.options.intervalMsMax) : this.options.intervalMs;
  }
}
