// Listens, prints one machine-readable line with the bound address (tests and the launcher read
// it), and shuts down gracefully on SIGTERM/SIGINT: stop accepting, finish in-flight work, exit.
import type { FastifyInstance } from 'fastify';
import { messageOf } from '@banca/core/errors';

export interface ListenOptions {
  service: string;
  host: string;
  port: number;
  /** Longest a graceful shutdown may take before the process exits anyway. */
  shutdownTimeoutMs: number;
}

export async function runService(app: FastifyInstance, options: ListenOptions): Promise<void> {
  const url = await app.listen({ host: options.host, port: options.port });
  process.stdout.write(`${JSON.stringify({ event: 'listening', service: options.service, url, pid: process.pid })}\n`);
  let closing = false;
  const shutdown = (signal: string) => {
    if (closing) return;
    closing = true;
    app.log.info({ signal }, 'shutting down');
    const timer = setTimeout(() => {
      app.log.error('graceful shutdown timed out; exiting');
      process.exit(1);
    }, options.shutdownTimeoutMs);
    timer.unref();
    app.close().then(
      () => process.exit(0),
      (error: unknown) => {
        app.log.error({ err: error }, 'error during shutdown');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

/** Prints a start-up error a person can act on, then exits non-zero. */
export function exitOnStartupError(service: string) {
  return (error: unknown) => {
    const message = messageOf(error);
    process.stderr.write(`${service}: cannot start: ${message}\n`);
    process.exit(1);
  };
}
