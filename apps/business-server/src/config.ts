// A business server's config: validated once at start-up, unknown keys refused, units in names.
import { Type, type Static } from '@sinclair/typebox';
import { readFileSync } from 'node:fs';
import { DEV_CLIENT_KEYS, DEV_KEY_PREFIX, devBusinessKeys, parseKeyList, refuseDevKeysInProduction, refuseSharedKeys } from '@banca/core/auth';
import { COMPAT_MODES } from '@banca/core/seed000';
import { refuseDevInterbankKeysInProduction } from '@banca/core/interbank-keys';
import { compileConfig, ConfigError, defaultPorts } from '@banca/core/config';
import { OAUTH_DEFAULTS } from '@banca/server-kit/oauth-verifier';
import { LOGIN_LIMIT_DEFAULTS, parseTrustedProxies } from './application/consortium/login-limiter.js';
import { SCAN_DEFAULTS } from './application/consortium/paged-scan.js';
import { STORE_BATCHING_DEFAULTS } from './application/consortium/bank-store.js';
import { INTERBANK_BATCH_MAX } from './application/consortium/leg-steps.js';

const jwkFields = {
  kty: Type.Literal('EC'), crv: Type.Literal('P-256'), x: Type.String({ minLength: 43, maxLength: 43 }), y: Type.String({ minLength: 43, maxLength: 43 }),
  kid: Type.String({ minLength: 1, maxLength: 128 }), alg: Type.Literal('ES256'), use: Type.Literal('sig', { default: 'sig' }),
};
/** A public key has no `d`: a private key offered as another bank's key is refused. */
const PublicJwk = Type.Object(jwkFields, { additionalProperties: false });
const PrivateJwk = Type.Object({ ...jwkFields, d: Type.String({ minLength: 43, maxLength: 43 }) }, { additionalProperties: false });

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
    /** client id -> ledger space: keys of one business may share a space. Default: each key its own (its client id). */
    clientSpaces: Type.Record(Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$' }), Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]{0,31}$' }), { default: {} }),
    /** Client ids that may also act on existing customer accounts (a bank's tellers); each movement is on the customer's statement. */
    tellers: Type.Array(Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$' }), { maxItems: 64, default: [] }),
    /** none: banca's wire. seed000: the seed routes speak seed 000's too (the `auth` key alone names
     *  the client, every key shares one space of accounts, amounts as Python prints numbers, 204 on a
     *  mutation, a balance as a bare number of reais, an account never written reads 0); implies
     *  queueMode seed. */
    compat: Type.Union(COMPAT_MODES.map((mode) => Type.Literal(mode)), { default: 'none' }),
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
    /** Seed mode: how often a server looks for full groups left by a crash, while operations arrive; at rest the wait doubles up to seedSweepIntervalMsMax. */
    seedSweepIntervalMs: Type.Integer({ minimum: 50, maximum: 600_000, default: 1000 }),
    seedSweepIntervalMsMax: Type.Integer({ minimum: 50, maximum: 600_000, default: 8000 }),
    bodyLimitBytes: Type.Integer({ minimum: 1024, maximum: 16 * 1024 * 1024, default: 64 * 1024 }),
    shutdownTimeoutMs: Type.Integer({ minimum: 100, default: 10_000 }),
    /** This bank's number in the consortium (1..N) and how it shows itself to customers. */
    bankId: Type.Integer({ minimum: 1, maximum: 99, default: 1 }),
    bankName: Type.String({ minLength: 1, maxLength: 40, default: 'Banca 1' }),
    bankColor: Type.String({ pattern: '^#[0-9a-fA-F]{6}$', default: '#0b6e4f' }),
    /** Every bank of the consortium, this one included, by the URL of its gateway. Empty: a lone bank. */
    consortium: Type.Array(
      Type.Object({ bankId: Type.Integer({ minimum: 1, maximum: 99 }), name: Type.String({ minLength: 1, maxLength: 40 }), url: Type.String({ pattern: '^https?://' }) }, { additionalProperties: false }),
      { maxItems: 99, default: [] },
    ),
    /** This bank's own ES256 private key(s), newest first: it signs with the first and publishes all.
     *  BANCA_INTERBANK_PRIVATE_KEY (a JWK, a list or a JWK Set, as JSON) or interbankPrivateKeyFile /
     *  BANCA_INTERBANK_PRIVATE_KEY_FILE (a file holding that JSON) override. A member of a consortium needs one. */
    interbankPrivateKeys: Type.Array(PrivateJwk, { maxItems: 8, default: [] }),
    interbankPrivateKeyFile: Type.Optional(Type.String({ minLength: 1, maxLength: 4096 })),
    /** bank id -> that bank's public keys (several during a rotation). A member not listed here is
     *  trusted through its JWKS, fetched from its gateway's /.well-known/banca-interbank-jwks.json. */
    interbankPeerKeys: Type.Record(Type.String({ pattern: '^[1-9][0-9]?$' }), Type.Array(PublicJwk, { minItems: 1, maxItems: 8 }), { default: {} }),
    /** A signature is accepted within this much of the receiver's clock, and its jti only once meanwhile. */
    interbankSignatureWindowMs: Type.Integer({ minimum: 1000, maximum: 600_000, default: 30_000 }),
    /** Signature ids remembered per business server within the window; past it, 503 until some expire. */
    interbankReplayCacheMax: Type.Integer({ minimum: 100, maximum: 10_000_000, default: 200_000 }),
    /** Fetching a peer's JWKS (peers without interbankPeerKeys): cache age, least time between refetches on an unknown kid, timeout. */
    interbankJwks: Type.Object(
      {
        cacheMaxAgeMs: Type.Integer({ minimum: 1000, maximum: 86_400_000, default: 600_000 }),
        cooldownMs: Type.Integer({ minimum: 0, maximum: 3_600_000, default: 30_000 }),
        timeoutMs: Type.Integer({ minimum: 100, maximum: 60_000, default: 2_000 }),
      },
      { additionalProperties: false, default: {} },
    ),
    /** Signs customers' bearer tokens (HS256); BANCA_CUSTOMER_TOKEN_SECRET overrides. */
    customerTokenSecret: Type.String({ minLength: 32, default: `${DEV_KEY_PREFIX}customer-token-secret-change-me` }),
    customerTokenTtlSeconds: Type.Integer({ minimum: 30, maximum: 86_400, default: 900 }),
    /** Failed log-ins per e-mail, and per client address, within loginWindowMs before 429 (counted at the bank's data server, shared by all its business servers). */
    loginAttemptsMax: Type.Integer({ minimum: 1, maximum: 1000, default: LOGIN_LIMIT_DEFAULTS.attemptsMax }),
    loginAttemptsPerIpMax: Type.Integer({ minimum: 1, maximum: 100_000, default: LOGIN_LIMIT_DEFAULTS.attemptsPerIpMax }),
    loginWindowMs: Type.Integer({ minimum: 1000, maximum: 86_400_000, default: LOGIN_LIMIT_DEFAULTS.windowMs }),
    /** Sign-ups (each hashes a password) per client address within loginWindowMs before 429. */
    signUpsPerIpMax: Type.Integer({ minimum: 1, maximum: 100_000, default: LOGIN_LIMIT_DEFAULTS.signUpsPerIpMax }),
    /** Peers whose X-Forwarded-For names the client (the gateway, nginx): addresses or CIDR ranges. */
    loginTrustedProxies: Type.Array(Type.String({ maxLength: 64 }), { maxItems: 64, default: [...LOGIN_LIMIT_DEFAULTS.trustedProxies] }),
    /** holds: two phases with holds, no global order. token-ring: only the bank holding seed 003's token runs interbank work. */
    coordination: Type.Union([Type.Literal('holds'), Type.Literal('token-ring')], { default: 'holds' }),
    /** A hold not posted within this time is voided by its bank, whatever happened to the coordinator. */
    holdTimeoutMs: Type.Integer({ minimum: 100, maximum: 3_600_000, default: 10_000 }),
    /** How long a packet may stay in its first phase before the coordinator gives up and voids it. */
    prepareTimeoutMs: Type.Integer({ minimum: 100, maximum: 3_600_000, default: 5_000 }),
    interbankTimeoutMs: Type.Integer({ minimum: 100, maximum: 120_000, default: 3_000 }),
    /** Interbank batching: the legs' steps bound for one bank go in one signed request of at most
     *  sizeMax steps and bytesMax bytes (under the peer gateway's body limit), gathered while
     *  others fly for at most lingerMs (none when nothing is in flight), at most inFlightMax such
     *  requests per peer at once and pendingMax steps waiting (beyond: TOO_MANY_REQUESTS). */
    interbankBatch: Type.Object(
      {
        sizeMax: Type.Integer({ minimum: 1, maximum: INTERBANK_BATCH_MAX, default: 64 }),
        bytesMax: Type.Integer({ minimum: 1024, maximum: 16 * 1024 * 1024, default: 48 * 1024 }),
        lingerMs: Type.Integer({ minimum: 0, maximum: 1000, default: 2 }),
        inFlightMax: Type.Integer({ minimum: 1, maximum: 1024, default: 8 }),
        pendingMax: Type.Integer({ minimum: 1, maximum: 1_000_000, default: 20_000 }),
      },
      { additionalProperties: false, default: {} },
    ),
    /** The bank store's batching: commits of concurrent callers (holds, credits, packet decisions)
     *  go in one data-server commit of at most sizeMax, same rules as interbankBatch. */
    storeBatch: Type.Object(
      {
        sizeMax: Type.Integer({ minimum: 1, maximum: 256, default: STORE_BATCHING_DEFAULTS.sizeMax }),
        lingerMs: Type.Integer({ minimum: 0, maximum: 1000, default: STORE_BATCHING_DEFAULTS.lingerMs }),
        inFlightMax: Type.Integer({ minimum: 1, maximum: 1024, default: STORE_BATCHING_DEFAULTS.inFlightMax }),
        pendingMax: Type.Integer({ minimum: 1, maximum: 1_000_000, default: STORE_BATCHING_DEFAULTS.pendingMax }),
      },
      { additionalProperties: false, default: {} },
    ),
    /** How often each business server looks for interbank work left unfinished by a crash, while
     *  there is interbank work open (and right after this server starts some). */
    recoveryIntervalMs: Type.Integer({ minimum: 50, maximum: 600_000, default: 1_000 }),
    /** Each recovery sweep (open holds, packets, pending credits) reads its records oldest first, at
     *  most recoveryPagesPerRound pages of recoveryPageRecords a round, and goes on where it
     *  stopped in the next round. Pending credits: one packet-state request per coordinating bank a page. */
    recoveryPageRecords: Type.Integer({ minimum: 1, maximum: 1000, default: SCAN_DEFAULTS.pageRecords }),
    recoveryPagesPerRound: Type.Integer({ minimum: 1, maximum: 1000, default: SCAN_DEFAULTS.pagesPerRound }),
    /** At rest the wait between two such rounds doubles after each round that finds nothing open, up to this. */
    recoveryIntervalMsMax: Type.Integer({ minimum: 50, maximum: 600_000, default: 8_000 }),
    /** How long a customer's request waits for its transfer to finish before answering 202 (pending). */
    transferWaitMs: Type.Integer({ minimum: 0, maximum: 120_000, default: 10_000 }),
    ring: Type.Object(
      {
        opsPerPass: Type.Integer({ minimum: 1, maximum: 10_000, default: 1 }),
        /** Lost-token timeout (the seed: 30 s); must outlast a pass, i.e. twice prepareTimeoutMs. */
        timeoutMs: Type.Integer({ minimum: 50, maximum: 600_000, default: 12_000 }),
        timeoutStepMs: Type.Integer({ minimum: 0, maximum: 60_000, default: 250 }),
        checkAttempts: Type.Integer({ minimum: 1, maximum: 10, default: 3 }),
        checkIntervalMs: Type.Integer({ minimum: 10, maximum: 60_000, default: 200 }),
        holdLeaseMs: Type.Integer({ minimum: 50, maximum: 600_000, default: 2_000 }),
        tickMs: Type.Integer({ minimum: 5, maximum: 60_000, default: 50 }),
      },
      { additionalProperties: false, default: {} },
    ),
    /** The consortium's OAuth2 tokens (issued by the dossier), for GET /v1/people/:document; BANCA_OAUTH_JWKS_URL overrides jwksUrl. */
    oauth: Type.Object(
      {
        jwksUrl: Type.String({ pattern: '^https?://', default: OAUTH_DEFAULTS.jwksUrl }),
        issuer: Type.String({ minLength: 1, default: OAUTH_DEFAULTS.issuer }),
        audience: Type.String({ minLength: 1, default: OAUTH_DEFAULTS.audience }),
      },
      { additionalProperties: false, default: {} },
    ),
    logLevel: Type.Union(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((level) => Type.Literal(level)), { default: 'info' }),
  },
  { additionalProperties: false },
);

export type BusinessServerConfig = ReturnType<typeof loadBusinessServerConfig>;

export function loadBusinessServerConfig(raw: Record<string, unknown>, env: NodeJS.ProcessEnv = process.env) {
  const input = { ...raw };
  if (env.BANCA_CLIENT_KEYS) input.clientKeys = parseKeyList(env.BANCA_CLIENT_KEYS, 'BANCA_CLIENT_KEYS');
  if (env.BANCA_DATA_SERVER_URLS) input.dataServerUrls = env.BANCA_DATA_SERVER_URLS.split(',').map((url) => url.trim()).filter(Boolean);
  if (env.BANCA_INTERBANK_PRIVATE_KEY_FILE) input.interbankPrivateKeyFile = env.BANCA_INTERBANK_PRIVATE_KEY_FILE;
  if (env.BANCA_INTERBANK_PRIVATE_KEY) input.interbankPrivateKeys = privateKeysFrom(env.BANCA_INTERBANK_PRIVATE_KEY, 'BANCA_INTERBANK_PRIVATE_KEY');
  else if (typeof input.interbankPrivateKeyFile === 'string') {
    input.interbankPrivateKeys = privateKeysFrom(readKeyFile(input.interbankPrivateKeyFile), input.interbankPrivateKeyFile);
  }
  if (env.BANCA_CUSTOMER_TOKEN_SECRET) input.customerTokenSecret = env.BANCA_CUSTOMER_TOKEN_SECRET;
  // Merged only into an object (or nothing): any other oauth value is left for the schema to refuse.
  if (env.BANCA_OAUTH_JWKS_URL && (input.oauth === undefined || (typeof input.oauth === 'object' && input.oauth !== null))) {
    input.oauth = { ...(input.oauth), jwksUrl: env.BANCA_OAUTH_JWKS_URL };
  }
  if (env.BANCA_BUSINESS_KEY) input.businessKey = env.BANCA_BUSINESS_KEY;
  else if (env.BANCA_BUSINESS_KEYS) {
    const keys = parseKeyList(env.BANCA_BUSINESS_KEYS, 'BANCA_BUSINESS_KEYS');
    const businessId = typeof input.businessId === 'string' ? input.businessId : '1';
    if (!keys[businessId]) throw new ConfigError(`BANCA_BUSINESS_KEYS has no key for business id ${businessId}`);
    input.businessKey = keys[businessId];
  }
  // Seed 000's queue of 5 is seed mode: compat seed000 chooses it unless told otherwise.
  if (input.compat === 'seed000' && input.queueMode === undefined) input.queueMode = 'seed';
  const config = compileConfig(BusinessServerConfigSchema, input, 'business-server');
  if (config.compat === 'seed000') {
    if (config.queueMode !== 'seed') throw new ConfigError('business-server: compat seed000 needs queueMode "seed" (seed 000 applies operations in groups of 5)');
    try {
      refuseSharedKeys(config.clientKeys, 'business-server clientKeys');
    } catch (error) {
      throw new ConfigError((error as Error).message);
    }
  }
  refuseDevKeysInProduction(config.clientKeys, 'business-server clientKeys', env);
  refuseDevKeysInProduction({ [config.businessId]: config.businessKey }, 'business-server businessKey', env);
  checkInterbankKeys(config, env);
  refuseDevKeysInProduction({ customerTokenSecret: config.customerTokenSecret }, 'business-server customerTokenSecret', env);
  for (const clientId of [...config.tellers, ...Object.keys(config.clientSpaces)]) {
    if (!Object.hasOwn(config.clientKeys, clientId)) throw new ConfigError(`business-server: tellers and clientSpaces name client ${clientId}, which has no key in clientKeys`);
  }
  if (config.consortium.length > 0 && !config.consortium.some((bank) => bank.bankId === config.bankId)) {
    throw new ConfigError(`business-server: consortium must list this bank (bankId ${config.bankId})`);
  }
  if (config.seedSweepIntervalMsMax < config.seedSweepIntervalMs) {
    throw new ConfigError(`business-server: seedSweepIntervalMsMax (${config.seedSweepIntervalMsMax}) must be at least seedSweepIntervalMs (${config.seedSweepIntervalMs})`);
  }
  if (config.recoveryIntervalMsMax < config.recoveryIntervalMs) {
    throw new ConfigError(`business-server: recoveryIntervalMsMax (${config.recoveryIntervalMsMax}) must be at least recoveryIntervalMs (${config.recoveryIntervalMs})`);
  }
  if (config.coordination === 'token-ring' && config.ring.timeoutMs <= 2 * config.prepareTimeoutMs) {
    throw new ConfigError(`business-server: ring.timeoutMs (${config.ring.timeoutMs}) must be above twice prepareTimeoutMs (${config.prepareTimeoutMs}): a pass may last that long, and a shorter timeout regenerates a token that is not lost`);
  }
  try {
    parseTrustedProxies(config.loginTrustedProxies);
  } catch (error) {
    throw new ConfigError(`business-server: loginTrustedProxies: ${(error as Error).message}`);
  }
  return config;
}

/** A JWK, a list of JWKs or a JWK Set, as JSON. */
function privateKeysFrom(text: string, where: string): unknown[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (cause) {
    throw new ConfigError(`business-server: ${where} is not JSON (a JWK, a list of JWKs or {"keys": [...]})`, { cause });
  }
  if (Array.isArray(parsed)) return parsed;
  if (typeof parsed === 'object' && parsed !== null && Array.isArray((parsed as { keys?: unknown }).keys)) return (parsed as { keys: unknown[] }).keys;
  return [parsed];
}

function readKeyFile(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (cause) {
    throw new ConfigError(`business-server: the interbank private key file ${path} cannot be read: ${(cause as Error).message}`, { cause });
  }
}

/** A lone bank signs nothing; a member signs with its own key and knows only the others' public keys. */
function checkInterbankKeys(config: Readonly<Static<typeof BusinessServerConfigSchema>>, env: NodeJS.ProcessEnv): void {
  const members = new Set(config.consortium.map((bank) => String(bank.bankId)));
  if (members.size > 0 && config.interbankPrivateKeys.length === 0) {
    throw new ConfigError('business-server: a member of a consortium needs its own interbank private key (interbankPrivateKeys, interbankPrivateKeyFile, BANCA_INTERBANK_PRIVATE_KEY or BANCA_INTERBANK_PRIVATE_KEY_FILE)');
  }
  const kids = new Set<string>();
  const allKids = [...config.interbankPrivateKeys.map((key) => key.kid), ...Object.values(config.interbankPeerKeys).flat().map((key) => key.kid)];
  for (const kid of allKids) {
    if (kids.has(kid)) throw new ConfigError(`business-server: interbank key id ${kid} is listed twice; each key has its own kid`);
    kids.add(kid);
  }
  for (const bankId of Object.keys(config.interbankPeerKeys)) {
    if (bankId === String(config.bankId)) throw new ConfigError('business-server: interbankPeerKeys lists this bank; its public keys come from its private keys');
    if (!members.has(bankId)) throw new ConfigError(`business-server: interbankPeerKeys lists bank ${bankId}, which is not in the consortium`);
  }
  refuseDevInterbankKeysInProduction(members.size > 0 ? allKids : [], 'business-server interbank keys', env);
}
