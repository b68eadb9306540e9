// The dossier's config: validated once at start-up, unknown keys refused, units in names. It is
// the consortium's OAuth2 authorization server (clients, the signing key, the administrator) and
// the client of every bank and of the credit registry (the sources of a dossier).
import { Type } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { DEV_KEY_PREFIX, refuseDevKeysInProduction } from '@banca/core/auth';
import { compileConfig, ConfigError, defaultPorts } from '@banca/core/config';
import { LOGIN_LIMIT_DEFAULTS, parseTrustedProxies } from '@banca/server-kit/login-limiter';
import { webRoot } from '@banca/web/web-root';

const ClientId = Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$' });
const ScopeName = Type.String({ pattern: '^[\\x21\\x23-\\x5B\\x5D-\\x7E]{1,64}$', description: 'An RFC 6749 scope token, e.g. registry:read' });

/** A private ES256 key as a JWK: the dossier signs tokens with it and publishes its public half. */
const SigningKeyJwk = Type.Object(
  {
    kty: Type.Literal('EC'),
    crv: Type.Literal('P-256'),
    x: Type.String({ minLength: 1 }),
    y: Type.String({ minLength: 1 }),
    d: Type.String({ minLength: 1, description: 'The private part' }),
    kid: Type.String({ minLength: 1, maxLength: 128 }),
    alg: Type.Optional(Type.Literal('ES256')),
    use: Type.Optional(Type.Literal('sig')),
    key_ops: Type.Optional(Type.Array(Type.String(), { maxItems: 8 })),
    ext: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);

const Client = Type.Object(
  { clientId: ClientId, secret: Type.String({ minLength: 16, maxLength: 512 }), scopes: Type.Array(ScopeName, { minItems: 1, maxItems: 32 }) },
  { additionalProperties: false },
);

export const DEV_CLIENTS = [
  { clientId: 'registry-writer', secret: `${DEV_KEY_PREFIX}registry-writer`, scopes: ['registry:read', 'registry:write'] },
  { clientId: 'dossier-reader', secret: `${DEV_KEY_PREFIX}dossier-reader`, scopes: ['dossier:read'] },
];

export const DossierConfigSchema = Type.Object(
  {
    host: Type.String({ default: '127.0.0.1' }),
    port: Type.Integer({ minimum: 0, maximum: 65535, default: defaultPorts.dossier }),
    /** The address others reach this server at, for the RFC 8414 metadata; else taken from each request's Host. */
    publicUrl: Type.Optional(Type.String({ pattern: '^https?://[^/]+$' })),
    oauth: Type.Object(
      {
        issuer: Type.String({ minLength: 1, default: 'banca-dossier' }),
        audience: Type.String({ minLength: 1, default: 'banca' }),
        /** BANCA_OAUTH_SIGNING_KEY (JSON) overrides. Absent: a key made at start, so tokens die with the process. */
        signingKeyJwk: Type.Optional(SigningKeyJwk),
        tokenTtlSeconds: Type.Integer({ minimum: 30, maximum: 86_400, default: 300 }),
        /** BANCA_OAUTH_CLIENTS (JSON: [{clientId, secret, scopes}]) overrides. */
        clients: Type.Array(Client, { maxItems: 256, default: DEV_CLIENTS }),
      },
      { additionalProperties: false, default: {} },
    ),
    /** The web page's administrator; BANCA_DOSSIER_ADMIN_PASSWORD overrides the password. */
    admin: Type.Object(
      {
        username: Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9_.@-]{0,63}$', default: 'admin' }),
        password: Type.String({ minLength: 12, maxLength: 200, default: `${DEV_KEY_PREFIX}admin` }),
        /** Failed log-ins per user name, and per client address, within loginWindowMs before 429. */
        loginAttemptsMax: Type.Integer({ minimum: 1, maximum: 1000, default: LOGIN_LIMIT_DEFAULTS.attemptsMax }),
        loginAttemptsPerIpMax: Type.Integer({ minimum: 1, maximum: 100_000, default: LOGIN_LIMIT_DEFAULTS.attemptsPerIpMax }),
        loginWindowMs: Type.Integer({ minimum: 1000, maximum: 86_400_000, default: LOGIN_LIMIT_DEFAULTS.windowMs }),
        /** Peers whose X-Forwarded-For names the client (nginx in front): addresses or CIDR ranges. */
        trustedProxies: Type.Array(Type.String({ maxLength: 64 }), { maxItems: 64, default: [...LOGIN_LIMIT_DEFAULTS.trustedProxies] }),
      },
      { additionalProperties: false, default: {} },
    ),
    /** Every bank of the consortium by its gateway's URL; BANCA_DOSSIER_BANKS (JSON) overrides. */
    banks: Type.Array(
      Type.Object({ bankId: Type.Integer({ minimum: 1, maximum: 99 }), name: Type.String({ minLength: 1, maxLength: 40 }), url: Type.String({ pattern: '^https?://' }) }, { additionalProperties: false }),
      { maxItems: 99, default: [] },
    ),
    /** The credit registry; BANCA_REGISTRY_URL overrides. */
    registryUrl: Type.String({ pattern: '^https?://', default: `http://127.0.0.1:${defaultPorts.creditRegistry}` }),
    /** Longest one source may take to answer; past it the dossier marks it unavailable. */
    sourceTimeoutMs: Type.Integer({ minimum: 50, maximum: 60_000, default: 2000 }),
    /** Connections kept to each source, and the largest answer read from one. */
    sourceConnectionsMax: Type.Integer({ minimum: 1, maximum: 256, default: 8 }),
    sourceResponseBytesMax: Type.Integer({ minimum: 1024, maximum: 64 * 1024 * 1024, default: 4 * 1024 * 1024 }),
    circuitBreaker: Type.Object(
      {
        /** Consecutive failures of a source (unreachable, timed out, 5xx) before its circuit opens. */
        failuresToOpen: Type.Integer({ minimum: 1, maximum: 1000, default: 3 }),
        /** How long an open circuit answers "circuit-open" at once, before one probe is let through. */
        openMs: Type.Integer({ minimum: 10, maximum: 3_600_000, default: 10_000 }),
      },
      { additionalProperties: false, default: {} },
    ),
    bodyLimitBytes: Type.Integer({ minimum: 1024, maximum: 1024 * 1024, default: 16 * 1024 }),
    /** The built web interface: its dossier page is served under /app/ ("" serves none); BANCA_WEB_ROOT overrides. */
    webRoot: Type.String({ default: webRoot }),
    shutdownTimeoutMs: Type.Integer({ minimum: 100, default: 10_000 }),
    logLevel: Type.Union(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((level) => Type.Literal(level)), { default: 'info' }),
  },
  { additionalProperties: false },
);

export type DossierConfig = ReturnType<typeof loadDossierConfig>;

export function loadDossierConfig(raw: Record<string, unknown>, env: NodeJS.ProcessEnv = process.env) {
  const input: Record<string, unknown> = { ...raw };
  // Environment values are merged only into an object (or nothing): anything else is left for the schema to refuse.
  const oauth = objectOrEmpty(raw.oauth);
  if (oauth) {
    if (env.BANCA_OAUTH_SIGNING_KEY) oauth.signingKeyJwk = parseJsonEnv(env.BANCA_OAUTH_SIGNING_KEY, 'BANCA_OAUTH_SIGNING_KEY');
    if (env.BANCA_OAUTH_CLIENTS) oauth.clients = parseJsonEnv(env.BANCA_OAUTH_CLIENTS, 'BANCA_OAUTH_CLIENTS');
    // Scopes may be written as RFC 6749 does, one space-separated string.
    if (Array.isArray(oauth.clients)) {
      oauth.clients = oauth.clients.map((client: unknown) => {
        const scopes = (client as { scopes?: unknown } | null)?.scopes;
        return typeof scopes === 'string' ? { ...(client as object), scopes: scopes.split(' ').filter(Boolean) } : client;
      });
    }
    input.oauth = oauth;
  }
  const admin = objectOrEmpty(raw.admin);
  if (admin && env.BANCA_DOSSIER_ADMIN_PASSWORD) input.admin = { ...admin, password: env.BANCA_DOSSIER_ADMIN_PASSWORD };
  if (env.BANCA_DOSSIER_BANKS) input.banks = parseJsonEnv(env.BANCA_DOSSIER_BANKS, 'BANCA_DOSSIER_BANKS');
  if (env.BANCA_REGISTRY_URL) input.registryUrl = env.BANCA_REGISTRY_URL;
  if (env.BANCA_WEB_ROOT !== undefined) input.webRoot = env.BANCA_WEB_ROOT;
  checkSecretsQuietly(input);
  const config = compileConfig(DossierConfigSchema, input, 'dossier');
  refuseDevKeysInProduction(Object.fromEntries(config.oauth.clients.map((client) => [client.clientId, client.secret])), 'dossier oauth.clients', env);
  refuseDevKeysInProduction({ [config.admin.username]: config.admin.password }, 'dossier admin.password', env);
  const clientIds = config.oauth.clients.map((client) => client.clientId);
  const repeated = clientIds.find((clientId, index) => clientIds.indexOf(clientId) !== index);
  if (repeated !== undefined) throw new ConfigError(`dossier: oauth.clients lists client "${repeated}" twice`);
  const bankIds = config.banks.map((bank) => bank.bankId);
  const repeatedBank = bankIds.find((bankId, index) => bankIds.indexOf(bankId) !== index);
  if (repeatedBank !== undefined) throw new ConfigError(`dossier: banks lists bank ${repeatedBank} twice`);
  try {
    parseTrustedProxies(config.admin.trustedProxies);
  } catch (error) {
    throw new ConfigError(`dossier: admin.trustedProxies: ${(error as Error).message}`);
  }
  return config;
}

/**
 * The generic config errors quote the offending value: checked first here, the key, the clients'
 * secrets and the administrator's password are refused without being echoed.
 */
function checkSecretsQuietly(input: Record<string, unknown>): void {
  const oauth = input.oauth as { signingKeyJwk?: unknown; clients?: unknown } | undefined;
  if (oauth?.signingKeyJwk !== undefined && !Value.Check(SigningKeyJwk, oauth.signingKeyJwk)) {
    throw new ConfigError('Invalid dossier config: oauth.signingKeyJwk must be a private ES256 key as a JWK: {kty: "EC", crv: "P-256", x, y, d, kid} (alg "ES256", use "sig" allowed).');
  }
  if (Array.isArray(oauth?.clients)) {
    for (const [index, client] of oauth.clients.entries()) {
      const secret = (client as { secret?: unknown } | null)?.secret;
      if (typeof secret !== 'string' || secret.length < 16 || secret.length > 512) {
        throw new ConfigError(`Invalid dossier config: oauth.clients[${index}].secret must be a string of 16 to 512 characters.`);
      }
    }
  }
  const password = (input.admin as { password?: unknown } | undefined)?.password;
  if (password !== undefined && (typeof password !== 'string' || password.length < 12 || password.length > 200)) {
    throw new ConfigError('Invalid dossier config: admin.password must be a string of 12 to 200 characters.');
  }
}

function objectOrEmpty(value: unknown): Record<string, unknown> | null {
  if (value === undefined) return {};
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? { ...(value as Record<string, unknown>) } : null;
}

function parseJsonEnv(text: string, variable: string): unknown {
  try {
    return JSON.parse(text);
  } catch (cause) {
    // The value may hold a secret: never echo it.
    throw new ConfigError(`${variable} is not valid JSON`, { cause });
  }
}
