// When a queue that gathers work into batches sends what waits (the batcher, the bank store, the
// interbank client): at once when a batch is full; at the end of the current turn of the event
// loop when nothing is in flight (waiting longer would only add latency, nobody else is sending);
// otherwise after at most lingerMs, while earlier batches fly (each finishing batch sends again).
export class GatherTimer {
  private linger: NodeJS.Timeout | null = null;
  private soon: NodeJS.Immediate | null = null;

  constructor(private readonly lingerMs: number, private readonly send: () => void) {}

  /** Work was queued: `full` when a batch is ready, `idle` when nothing is in flight. */
  queued(full: boolean, idle: boolean): void {
    if (full || this.lingerMs === 0) {
      this.send();
    } else if (idle && !this.soon) {
      this.soon = setImmediate(this.send);
    } else if (!this.linger && !this.soon) {
      this.linger = setTimeout(this.send, this.lingerMs);
    }
  }

  /** A batch is waiting out its linger. */
  get lingering(): boolean {
    return this.linger !== null;
  }

  get armed(): boolean {
    return this.linger !== null || this.soon !== null;
  }

  /** The queue is sending now: nothing more is scheduled. */
  clear(): void {
    if (this.linger) clearTimeout(this.linger);
    if (this.soon) clearImmediate(this.soon);
    this.linger = null;
    this.soon = null;
  }
}
