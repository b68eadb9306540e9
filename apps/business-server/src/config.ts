// A business server's config: validated once at start-up, unknown keys refused, units in names.
import { Type } from '@sinclair/typebox';
import { DEV_CLIENT_KEYS, devBusinessKeys, parseKeyList, refuseDevKeysInProduction } from '@banca/core/auth';
import { compileConfig, ConfigError, defaultPorts } from '@banca/core/config';

export const BusinessServerConfigSchema = Type.Object(
  {
    host: Type.String({ default: '127.0.0.1' }),
    port: Type.Integer({ minimum: 0, maximum: 65535, default: defaultPorts.businessServer(1, 1) }),
    businessId: Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$', default: '1' }),
    /** This server's key at the data server; BANCA_BUSINESS_KEY (or BANCA_BUSINESS_KEYS) overrides. */
    businessKey: Type.String({ minLength: 16, default: devBusinessKeys(1)['1'] }),
    /** The bank's data servers; with several (a PostgreSQL store), requests are spread over them
     *  and one that cannot be reached is skipped. BANCA_DATA_SERVER_URLS="http://a:8101,..." overrides. */
    dataServerUrls: Type.Array(Type.String({ pattern: '^https?://' }), { minItems: 1, maxItems: 64, default: [`http://127.0.0.1:${defaultPorts.dataServer(1)}`] }),
    /** client id -> key; BANCA_CLIENT_KEYS="clientA:key,..." overrides. */
    clientKeys: Type.Record(Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$' }), Type.String({ minLength: 16 }), {
      default: { ...DEV_CLIENT_KEYS },
    }),
    /** batch: answer after the operation's group is durably saved. seed: answer at once, apply every 5. */
    queueMode: Type.Union([Type.Literal('batch'), Type.Literal('seed')], { default: 'batch' }),
    batchSizeMax: Type.Integer({ minimum: 1, maximum: 1000, default: 5 }),
    batchLingerMs: Type.Integer({ minimum: 0, maximum: 1000, default: 2 }),
    batchesInFlightMax: Type.Integer({ minimum: 1, maximum: 64, default: 4 }),
    pendingOperationsMax: Type.Integer({ minimum: 1, maximum: 1_000_000, default: 10_000 }),
    leaseMs: Type.Integer({ minimum: 50, maximum: 60_000, default: 3000 }),
    /** How long a lock conflict is retried before the client gets ACCOUNT_LOCKED. */
    lockRetryMsMax: Type.Integer({ minimum: 0, maximum: 60_000, default: 1000 }),
    dataServerTimeoutMs: Type.Integer({ minimum: 100, maximum: 120_000, default: 5000 }),
    seedSweepIntervalMs: Type.Integer({ minimum: 50, maximum: 600_000, default: 1000 }),
    bodyLimitBytes: Type.Integer({ minimum: 1024, maximum: 16 * 1024 * 1024, default: 64 * 1024 }),
    shutdownTimeoutMs: Type.Integer({ minimum: 100, default: 10_000 }),
    logLevel: Type.Union(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((level) => Type.Literal(level)), { default: 'info' }),
  },
  { additionalProperties: false },
);

export type BusinessServerConfig = ReturnType<typeof loadBusinessServerConfig>;

export function loadBusinessServerConfig(raw: Record<string, unknown>, env: NodeJS.ProcessEnv = process.env) {
  const input = { ...raw };
  if (env.BANCA_CLIENT_KEYS) input.clientKeys = parseKeyList(env.BANCA_CLIENT_KEYS, 'BANCA_CLIENT_KEYS');
  if (env.BANCA_DATA_SERVER_URLS) input.dataServerUrls = env.BANCA_DATA_SERVER_URLS.split(',').map((url) => url.trim()).filter(Boolean);
  if (env.BANCA_BUSINESS_KEY) input.businessKey = env.BANCA_BUSINESS_KEY;
  else if (env.BANCA_BUSINESS_KEYS) {
    const keys = parseKeyList(env.BANCA_BUSINESS_KEYS, 'BANCA_BUSINESS_KEYS');
    const businessId = String(input.businessId ?? '1');
    if (!keys[businessId]) throw new ConfigError(`BANCA_BUSINESS_KEYS has no key for business id ${businessId}`);
    input.businessKey = keys[businessId];
  }
  const config = compileConfig(BusinessServerConfigSchema, input, 'business-server');
  refuseDevKeysInProduction(config.clientKeys, 'business-server clientKeys', env);
  refuseDevKeysInProduction({ [config.businessId]: config.businessKey }, 'business-server businessKey', env);
  return config;
}
