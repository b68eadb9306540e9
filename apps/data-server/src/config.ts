// The data server's config: validated once at start-up, unknown keys refused, units in names.
import { Type } from '@sinclair/typebox';
import { devBusinessKeys, parseKeyList, refuseDevKeysInProduction, refuseSharedKeys } from '@banca/core/auth';
import { COMPAT_MODES } from '@banca/core/seed000';
import { compileConfig, ConfigError, defaultPorts } from '@banca/core/config';

export const DataServerConfigSchema = Type.Object(
  {
    host: Type.String({ default: '127.0.0.1' }),
    port: Type.Integer({ minimum: 0, maximum: 65535, default: defaultPorts.dataServer(1) }),
    store: Type.Union([Type.Literal('sqlite'), Type.Literal('memory'), Type.Literal('postgres')], { default: 'sqlite' }),
    sqliteFile: Type.String({ minLength: 1, default: 'data/bank-1/ledger.sqlite' }),
    /** The postgres store's connection URL (postgres://user:password@host:port/database); DATABASE_URL overrides. */
    databaseUrl: Type.Optional(Type.String({ minLength: 1 })),
    /** business id -> key; BANCA_BUSINESS_KEYS="1:key,2:key" overrides. */
    businessKeys: Type.Record(Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$' }), Type.String({ minLength: 16 }), {
      default: devBusinessKeys(3),
    }),
    /** none: banca's wire. seed000: seed 000's wire too (a key alone names the business; balances
     *  as bare JSON numbers; accounts 1 to 10 open with 1000.00, any other reads 0 until written). */
    compat: Type.Union(COMPAT_MODES.map((mode) => Type.Literal(mode)), { default: 'none' }),
    leaseMsDefault: Type.Integer({ minimum: 10, maximum: 600_000, default: 3000 }),
    leaseMsMax: Type.Integer({ minimum: 10, maximum: 600_000, default: 30_000 }),
    accountsPerRequestMax: Type.Integer({ minimum: 1, maximum: 10_000, default: 1000 }),
    transfersPerCommitMax: Type.Integer({ minimum: 1, maximum: 10_000, default: 1000 }),
    historyLimitMax: Type.Integer({ minimum: 1, maximum: 10_000, default: 500 }),
    bodyLimitBytes: Type.Integer({ minimum: 1024, maximum: 64 * 1024 * 1024, default: 1024 * 1024 }),
    shutdownTimeoutMs: Type.Integer({ minimum: 100, default: 10_000 }),
    logLevel: Type.Union(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((level) => Type.Literal(level)), { default: 'info' }),
  },
  { additionalProperties: false },
);

export type DataServerConfig = ReturnType<typeof loadDataServerConfig>;

export function loadDataServerConfig(raw: Record<string, unknown>, env: NodeJS.ProcessEnv = process.env) {
  const input = { ...raw };
  if (env.BANCA_BUSINESS_KEYS) input.businessKeys = parseKeyList(env.BANCA_BUSINESS_KEYS, 'BANCA_BUSINESS_KEYS');
  if (env.DATABASE_URL) input.databaseUrl = env.DATABASE_URL;
  const config = compileConfig(DataServerConfigSchema, input, 'data-server');
  if (config.store === 'postgres' && !config.databaseUrl) {
    throw new ConfigError('data-server config: store "postgres" needs databaseUrl (or the DATABASE_URL environment variable)');
  }
  if (config.leaseMsDefault > config.leaseMsMax) throw new Error('data-server config: leaseMsDefault must not exceed leaseMsMax');
  refuseDevKeysInProduction(config.businessKeys, 'data-server businessKeys', env);
  if (config.compat === 'seed000') {
    try {
      refuseSharedKeys(config.businessKeys, 'data-server businessKeys');
    } catch (error) {
      throw new ConfigError((error as Error).message);
    }
  }
  return config;
}
