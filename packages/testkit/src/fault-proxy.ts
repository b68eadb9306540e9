// A fault-injecting TCP proxy put between banks (interbank calls go through it): it can add
// latency to every chunk, or drop connections (reset the open ones, refuse new ones) for a while.
// It listens on 127.0.0.1 and forwards to 127.0.0.1 unless told other addresses; its normal mode
// (what reset() goes back to) is to pass everything, or e.g. a delay standing for a distance.
import { createServer, connect, type Server, type Socket } from 'node:net';
import { httpUrl } from '@banca/launcher/host';

export type ProxyMode = { kind: 'pass' } | { kind: 'delay'; ms: number } | { kind: 'drop' };

export interface FaultProxyOptions {
  /** The address to listen on (default 127.0.0.1). */
  host?: string;
  /** The target's address (default 127.0.0.1). */
  targetHost?: string;
  /** The mode at start and after reset() (default: pass). */
  normal?: ProxyMode;
}

export class FaultProxy {
  private mode: ProxyMode;
  private readonly normal: ProxyMode;
  private readonly sockets = new Set<Socket>();
  private server: Server | null = null;
  private readonly host: string;
  private readonly targetHost: string;
  port = 0;

  constructor(private readonly targetPort: number, options: FaultProxyOptions = {}) {
    this.host = options.host ?? '127.0.0.1';
    this.targetHost = options.targetHost ?? '127.0.0.1';
    this.normal = options.normal ?? { kind: 'pass' };
    this.mode = this.normal;
  }

  async start(port = 0): Promise<void> {
    this.server = createServer((client) => this.accept(client));
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(port, this.host, () => resolve());
    });
    const address = this.server.address();
    this.port = typeof address === 'object' && address ? address.port : port;
  }

  /** http://<listening address>:<port>, once started. */
  get url(): string {
    return httpUrl(this.host, this.port);
  }

  set(mode: ProxyMode): void {
    this.mode = mode;
    if (mode.kind === 'drop') for (const socket of this.sockets) socket.resetAndDestroy();
  }

  /** Back to the normal mode. */
  reset(): void {
    this.set(this.normal);
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private accept(client: Socket): void {
    if (this.mode.kind === 'drop') {
      client.resetAndDestroy();
      return;
    }
    const upstream = connect(this.targetPort, this.targetHost);
    for (const socket of [client, upstream]) {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
      socket.on('error', () => undefined);
    }
    const pipe = (from: Socket, to: Socket) => {
      from.on('data', (chunk) => {
        const mode = this.mode;
        if (mode.kind === 'delay') {
          from.pause();
          setTimeout(() => {
            if (!to.destroyed) to.write(chunk);
            from.resume();
          }, mode.ms);
        } else if (!to.destroyed) {
          to.write(chunk);
        }
      });
      from.on('end', () => to.end());
      from.on('close', () => to.destroy());
    };
    pipe(client, upstream);
    pipe(upstream, client);
  }
}
