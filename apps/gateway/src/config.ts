// The gateway's config: validated once at start-up, unknown keys refused, units in names.
import { Type } from '@sinclair/typebox';
import { compileConfig, ConfigError, defaultPorts } from '@banca/core/config';
import { webRoot } from '@banca/web/web-root';

export const GatewayConfigSchema = Type.Object(
  {
    host: Type.String({ default: '127.0.0.1' }),
    port: Type.Integer({ minimum: 0, maximum: 65535, default: defaultPorts.gateway(1) }),
    /** Business servers to balance over. */
    upstreams: Type.Array(Type.String({ pattern: '^https?://' }), {
      minItems: 1,
      default: [1, 2, 3].map((index) => `http://127.0.0.1:${defaultPorts.businessServer(1, index)}`),
    }),
    /** The wait between health checks of a business server while requests flow, and of one that is down or failed its last check. */
    healthIntervalMs: Type.Integer({ minimum: 20, maximum: 60_000, default: 150 }),
    /** While no request flows, the wait between checks of a healthy server doubles up to this (a closed connection is checked at once). */
    healthIdleIntervalMsMax: Type.Integer({ minimum: 20, maximum: 60_000, default: 2_000 }),
    healthTimeoutMs: Type.Integer({ minimum: 20, maximum: 60_000, default: 200 }),
    /** Consecutive failed health checks (timeouts) before an upstream is dropped; a refused connection drops it at once. */
    unhealthyAfterFailures: Type.Integer({ minimum: 1, maximum: 100, default: 2 }),
    /** Further attempts on another business server, for requests that are safe to retry. */
    retriesMax: Type.Integer({ minimum: 0, maximum: 10, default: 2 }),
    upstreamTimeoutMs: Type.Integer({ minimum: 100, maximum: 600_000, default: 15_000 }),
    connectionsPerUpstream: Type.Integer({ minimum: 1, maximum: 1024, default: 64 }),
    bodyLimitBytes: Type.Integer({ minimum: 1024, maximum: 16 * 1024 * 1024, default: 64 * 1024 }),
    shutdownTimeoutMs: Type.Integer({ minimum: 100, default: 10_000 }),
    /** The built web interface, served under /app/ (default: this checkout's apps/web build); "" serves none. */
    webRoot: Type.String({ default: webRoot }),
    /** The other banks of the consortium (their URLs), which the bank's page may call: the payer's consent is asked at the paying bank. */
    connectOrigins: Type.Array(Type.String({ pattern: '^https?://', maxLength: 2048 }), { maxItems: 99, default: [] }),
    logLevel: Type.Union(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((level) => Type.Literal(level)), { default: 'info' }),
  },
  { additionalProperties: false },
);

export type GatewayConfig = ReturnType<typeof loadGatewayConfig>;

export function loadGatewayConfig(raw: Record<string, unknown>, env: NodeJS.ProcessEnv = process.env) {
  const input = { ...raw };
  if (env.BANCA_WEB_ROOT !== undefined) input.webRoot = env.BANCA_WEB_ROOT;
  if (env.BANCA_CONNECT_ORIGINS) input.connectOrigins = env.BANCA_CONNECT_ORIGINS.split(',').map((url) => url.trim()).filter(Boolean);
  if (env.BANCA_UPSTREAMS) input.upstreams = env.BANCA_UPSTREAMS.split(',').map((url) => url.trim()).filter(Boolean);
  const config = compileConfig(GatewayConfigSchema, input, 'gateway');
  if (config.healthIdleIntervalMsMax < config.healthIntervalMs) {
    throw new ConfigError(`gateway: healthIdleIntervalMsMax (${config.healthIdleIntervalMsMax}) must be at least healthIntervalMs (${config.healthIntervalMs})`);
  }
  return config;
}
