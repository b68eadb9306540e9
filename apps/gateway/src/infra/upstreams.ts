// The business servers behind the gateway: an undici BalancedPool holds the healthy ones, and a
// health checker polls each /health, dropping a server after failed checks (at once when its
// connection is refused) and adding it back when it answers again.
import { EventEmitter } from 'node:events';
import { BalancedPool, Pool } from 'undici';

export interface UpstreamOptions {
  urls: readonly string[];
  healthIntervalMs: number;
  healthTimeoutMs: number;
  unhealthyAfterFailures: number;
  connectionsPerUpstream: number;
  upstreamTimeoutMs: number;
}

interface Upstream {
  origin: string;
  probe: Pool;
  failures: number;
  healthy: boolean;
}

export class Upstreams extends EventEmitter {
  readonly pool: BalancedPool;
  private readonly upstreams: Upstream[];
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly options: UpstreamOptions) {
    super();
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
    }));
    this.pool.on('connectionError', (origin: URL | string) => this.markDown(String(origin instanceof URL ? origin.origin : origin), true));
  }

  /** Checks every upstream once, then keeps checking in the background. */
  async start(): Promise<void> {
    await this.checkAll();
    this.timer = setInterval(() => void this.checkAll(), this.options.healthIntervalMs);
    this.timer.unref();
  }

  healthyCount(): number {
    return this.upstreams.filter((upstream) => upstream.healthy).length;
  }

  status() {
    return this.upstreams.map(({ origin, healthy, failures }) => ({ url: origin, healthy, failures }));
  }

  /** A request failed to connect: drop the server now rather than at the next check. */
  markDown(origin: string, refused: boolean): void {
    const upstream = this.upstreams.find((candidate) => candidate.origin === new URL(origin).origin);
    if (!upstream) return;
    upstream.failures = refused ? this.options.unhealthyAfterFailures : upstream.failures + 1;
    if (upstream.healthy && upstream.failures >= this.options.unhealthyAfterFailures) {
      upstream.healthy = false;
      this.pool.removeUpstream(upstream.origin);
      this.emit('down', upstream.origin);
    }
  }

  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await Promise.all([this.pool.close(), ...this.upstreams.map((upstream) => upstream.probe.close())]);
  }

  private async checkAll(): Promise<void> {
    await Promise.all(this.upstreams.map((upstream) => this.check(upstream)));
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
