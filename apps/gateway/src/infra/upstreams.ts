// The business servers behind the gateway: an undici BalancedPool holds the healthy ones, and a
// health checker polls each /health, dropping a server after failed checks (at once when its
// connection is refused) and adding it back when it answers again.
//
// Probes are fast (healthIntervalMs) while requests flow and for a server that is down or failed
// its last check; while no request flows, the wait before the next probe of a healthy server
// doubles, up to healthIdleIntervalMsMax. A request brings every probe back to the fast rate, and
// a connection to a server that closes (a killed process closes its sockets) is probed at once.
import { EventEmitter } from 'node:events';
import { BalancedPool, Pool } from 'undici';

export interface UpstreamOptions {
  urls: readonly string[];
  healthIntervalMs: number;
  healthIdleIntervalMsMax: number;
  healthTimeoutMs: number;
  unhealthyAfterFailures: number;
  connectionsPerUpstream: number;
  upstreamTimeoutMs: number;
}

export interface ProbeTimers {
  setTimeout(run: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
  now(): number;
}

/** Node's own timers, unref'd so probes alone never keep a process alive. */
const NODE_TIMERS: ProbeTimers = {
  setTimeout: (run, ms) => setTimeout(run, ms).unref(),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
  now: () => Date.now(),
};

interface Upstream {
  origin: string;
  probe: Pool;
  failures: number;
  healthy: boolean;
  /** The wait before the next probe. */
  delayMs: number;
  timer: unknown;
  dueAtMs: number;
  probing: boolean;
  /** A request was forwarded since this server's last probe ended. */
  requested: boolean;
}

export class Upstreams extends EventEmitter {
  readonly pool: BalancedPool;
  private readonly upstreams: Upstream[];
  private started = false;
  private closed = false;

  constructor(private readonly options: UpstreamOptions, private readonly timers: ProbeTimers = NODE_TIMERS) {
    super();
    if (options.healthIdleIntervalMsMax < options.healthIntervalMs) throw new Error('healthIdleIntervalMsMax is below healthIntervalMs');
    this.pool = new BalancedPool([], {
      connections: options.connectionsPerUpstream,
      headersTimeout: options.upstreamTimeoutMs,
      bodyTimeout: options.upstreamTimeoutMs,
      connectTimeout: 1000,
    });
    this.upstreams = options.urls.map((url) => ({
      origin: new URL(url).origin,
      probe: new Pool(url, { connections: 1, headersTimeout: options.healthTimeoutMs, bodyTimeout: options.healthTimeoutMs, connectTimeout: options.healthTimeoutMs }),
      failures: 0,
      healthy: false,
      delayMs: options.healthIntervalMs,
      timer: null,
      dueAtMs: 0,
      probing: false,
      requested: false,
    }));
    const originOf = (origin: URL | string) => String(origin instanceof URL ? origin.origin : origin);
    this.pool.on('connectionError', (origin: URL | string) => this.markDown(originOf(origin), true));
    this.pool.on('disconnect', (origin: URL | string) => this.probeNow(originOf(origin)));
    for (const upstream of this.upstreams) upstream.probe.on('disconnect', () => this.probeNow(upstream.origin));
  }

  /** Checks every upstream once, then keeps checking in the background. */
  async start(): Promise<void> {
    await Promise.all(this.upstreams.map((upstream) => this.check(upstream)));
    this.started = true;
    for (const upstream of this.upstreams) if (!this.closed) this.schedule(upstream);
  }

  healthyCount(): number {
    return this.upstreams.filter((upstream) => upstream.healthy).length;
  }

  status() {
    return this.upstreams.map(({ origin, healthy, failures }) => ({ url: origin, healthy, failures }));
  }

  /** The wait before each upstream's next probe, as it stands (for tests and the status page). */
  probeDelaysMs(): number[] {
    return this.upstreams.map((upstream) => upstream.delayMs);
  }

  /** A request is being forwarded: probes go back to the fast rate (cheap when they are already). */
  noteRequest(): void {
    for (const upstream of this.upstreams) {
      upstream.requested = true;
      this.hurry(upstream);
    }
  }

  /** A request failed to connect: drop the server now rather than at the next check. */
  markDown(origin: string, refused: boolean): void {
    const upstream = this.find(origin);
    if (!upstream) return;
    upstream.failures = refused ? this.options.unhealthyAfterFailures : upstream.failures + 1;
    this.hurry(upstream);
    if (upstream.healthy && upstream.failures >= this.options.unhealthyAfterFailures) {
      upstream.healthy = false;
      this.pool.removeUpstream(upstream.origin);
      this.emit('down', upstream.origin);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const upstream of this.upstreams) {
      if (upstream.timer !== null) this.timers.clearTimeout(upstream.timer);
      upstream.timer = null;
    }
    await Promise.all([this.pool.close(), ...this.upstreams.map((upstream) => upstream.probe.close())]);
  }

  private find(origin: string): Upstream | undefined {
    return this.upstreams.find((candidate) => candidate.origin === new URL(origin).origin);
  }

  /** Back to the fast rate: a probe set further away is moved to healthIntervalMs from now. */
  private hurry(upstream: Upstream): void {
    if (this.closed) return;
    upstream.delayMs = this.options.healthIntervalMs;
    if (upstream.timer !== null && upstream.dueAtMs > this.timers.now() + this.options.healthIntervalMs) {
      this.timers.clearTimeout(upstream.timer);
      this.schedule(upstream);
    }
  }

  /** A connection to a healthy server closed: it may have died, so it is checked without waiting. */
  private probeNow(origin: string): void {
    const upstream = this.find(origin);
    if (!upstream || !this.started || this.closed || !upstream.healthy || upstream.probing) return;
    if (upstream.timer !== null) this.timers.clearTimeout(upstream.timer);
    upstream.timer = null;
    void this.probeAndReschedule(upstream);
  }

  private schedule(upstream: Upstream): void {
    upstream.dueAtMs = this.timers.now() + upstream.delayMs;
    upstream.timer = this.timers.setTimeout(() => {
      upstream.timer = null;
      void this.probeAndReschedule(upstream);
    }, upstream.delayMs);
  }

  private async probeAndReschedule(upstream: Upstream): Promise<void> {
    upstream.probing = true;
    await this.check(upstream);
    upstream.probing = false;
    if (this.closed) return;
    const idle = upstream.healthy && upstream.failures === 0 && !upstream.requested;
    upstream.requested = false;
    upstream.delayMs = idle ? Math.min(upstream.delayMs * 2, this.options.healthIdleIntervalMsMax) : this.options.healthIntervalMs;
    if (upstream.timer === null) this.schedule(upstream);
  }

  private async check(upstream: Upstream): Promise<void> {
    try {
      const response = await upstream.probe.request({ method: 'GET', path: '/health' });
      await response.body.dump();
      if (response.statusCode !== 200) throw new Error(`health answered ${response.statusCode}`);
      upstream.failures = 0;
      if (!upstream.healthy) {
        upstream.healthy = true;
        this.pool.addUpstream(upstream.origin);
        this.emit('up', upstream.origin);
      }
    } catch (error) {
      const code = (error as { code?: string }).code;
      this.markDown(upstream.origin, code === 'ECONNREFUSED');
    }
  }
}
