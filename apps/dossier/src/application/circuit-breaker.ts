// A circuit breaker for one source of the dossier: after `failuresToOpen` failures in a row the
// source is not called for `openMs` (calls fail at once with CircuitOpenError), so a dead source
// costs nothing; then one probe goes through (half-open) while other calls still fail fast: its
// success closes the circuit, its failure opens it again. Only failures the caller says are the
// source's fault count; any other outcome shows the source alive.
// (opossum opens on an error percentage over a rolling window, not on failures in a row, and
// needs Node 22 from version 10: this small state machine says exactly what the config says.)

export interface CircuitBreakerOptions {
  failuresToOpen: number;
  openMs: number;
}

export type CircuitState =
  | { kind: 'closed'; failures: number }
  | { kind: 'open'; untilMs: number }
  | { kind: 'half-open'; probing: boolean };

export class CircuitOpenError extends Error {
  override readonly name = 'CircuitOpenError';

  constructor(readonly retryInMs: number) {
    super(`The circuit is open after repeated failures; the next probe is in ${retryInMs} ms.`);
  }
}

export class CircuitBreaker {
  private current: CircuitState = { kind: 'closed', failures: 0 };

  constructor(private readonly options: CircuitBreakerOptions, private readonly now: () => number = Date.now) {
    if (!Number.isInteger(options.failuresToOpen) || options.failuresToOpen < 1) throw new RangeError('failuresToOpen must be a positive integer');
    if (!(options.openMs > 0)) throw new RangeError('openMs must be positive');
  }

  /** The state as of now: an open circuit whose time is up is half-open. */
  get state(): CircuitState {
    if (this.current.kind === 'open' && this.now() >= this.current.untilMs) this.current = { kind: 'half-open', probing: false };
    return this.current;
  }

  /**
   * Runs `action` unless the circuit is open (or half-open with its probe in flight), in which
   * case it throws CircuitOpenError without calling it. `isFailure` says which errors count.
   */
  async run<T>(action: () => Promise<T>, isFailure: (error: unknown) => boolean = () => true): Promise<T> {
    const state = this.state;
    if (state.kind === 'open') throw new CircuitOpenError(state.untilMs - this.now());
    if (state.kind === 'half-open') {
      if (state.probing) throw new CircuitOpenError(0);
      state.probing = true;
    }
    let result: T;
    try {
      result = await action();
    } catch (error) {
      if (isFailure(error)) this.failed();
      else this.succeeded();
      throw error;
    }
    this.succeeded();
    return result;
  }

  private succeeded(): void {
    this.current = { kind: 'closed', failures: 0 };
  }

  private failed(): void {
    const state = this.current;
    // A failure that ends after the circuit opened (a slow call started before) changes nothing.
    if (state.kind === 'open') return;
    const failures = state.kind === 'closed' ? state.failures + 1 : this.options.failuresToOpen;
    this.current = failures >= this.options.failuresToOpen
      ? { kind: 'open', untilMs: this.now() + this.options.openMs }
      : { kind: 'closed', failures };
  }
}
