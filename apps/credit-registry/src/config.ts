// The credit registry's config: validated once at start-up, unknown keys refused, units in names.
// Storage is PostgreSQL when databaseUrl (or DATABASE_URL) is set, else the SQLite file at
// databasePath (":memory:" keeps nothing).
import { Type } from '@sinclair/typebox';
import { compileConfig, defaultPorts } from '@banca/core/config';
import { OAUTH_DEFAULTS } from '@banca/server-kit/oauth-verifier';

export const CreditRegistryConfigSchema = Type.Object(
  {
    host: Type.String({ default: '127.0.0.1' }),
    port: Type.Integer({ minimum: 0, maximum: 65535, default: defaultPorts.creditRegistry }),
    databasePath: Type.String({ minLength: 1, default: 'data/credit-registry/registry.sqlite' }),
    /** postgres://user:password@host:port/database; DATABASE_URL overrides. */
    databaseUrl: Type.Optional(Type.String({ minLength: 1 })),
    /** Where the dossier publishes the keys that sign access tokens; BANCA_OAUTH_JWKS_URL overrides. */
    oauth: Type.Object(
      {
        jwksUrl: Type.String({ pattern: '^https?://', default: OAUTH_DEFAULTS.jwksUrl }),
        issuer: Type.String({ minLength: 1, default: OAUTH_DEFAULTS.issuer }),
        audience: Type.String({ minLength: 1, default: OAUTH_DEFAULTS.audience }),
      },
      { additionalProperties: false, default: {} },
    ),
    /** Records the demo people's debts, assets and incomes at start-up (idempotent). */
    seedDemo: Type.Boolean({ default: false }),
    /** Debts, assets and incomes together; keeps a person's answer and totals bounded. */
    itemsPerPersonMax: Type.Integer({ minimum: 1, maximum: 10_000, default: 1000 }),
    bodyLimitBytes: Type.Integer({ minimum: 1024, maximum: 1024 * 1024, default: 16 * 1024 }),
    shutdownTimeoutMs: Type.Integer({ minimum: 100, default: 10_000 }),
    logLevel: Type.Union(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((level) => Type.Literal(level)), { default: 'info' }),
  },
  { additionalProperties: false },
);

export type CreditRegistryConfig = ReturnType<typeof loadCreditRegistryConfig>;

export function loadCreditRegistryConfig(raw: Record<string, unknown>, env: NodeJS.ProcessEnv = process.env) {
  const input = { ...raw };
  if (env.DATABASE_URL) input.databaseUrl = env.DATABASE_URL;
  // Merged only into an object (or nothing): any other oauth value is left for the schema to refuse.
  if (env.BANCA_OAUTH_JWKS_URL && (input.oauth === undefined || (typeof input.oauth === 'object' && input.oauth !== null))) {
    input.oauth = { ...input.oauth, jwksUrl: env.BANCA_OAUTH_JWKS_URL };
  }
  return compileConfig(CreditRegistryConfigSchema, input, 'credit-registry');
}
