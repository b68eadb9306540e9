// Builds the dossier without listening: main.ts listens, tests use inject(). It is the
// consortium's OAuth2 authorization server and the builder of dossiers from every bank and the
// credit registry.
import type { FastifyInstance } from 'fastify';
import { Gauge, Histogram } from 'prom-client';
import { createServer } from '@banca/server-kit/create-server';
import { LoginLimiter } from '@banca/server-kit/login-limiter';
import { registerWebRoutes } from '@banca/server-kit/web-routes';
import { AdminSessions } from './application/admin-sessions.js';
import { ClientCredentials } from './application/client-credentials.js';
import { DossierBuilder } from './application/dossier-builder.js';
import { LocalAccessVerifier } from './application/access-verifier.js';
import { SelfToken } from './application/self-token.js';
import { TokenIssuer } from './application/token-issuer.js';
import type { DossierConfig } from './config.js';
import { SigningKeys } from './infra/signing-keys.js';
import { BankSource, RegistrySource, type SourceLimits } from './infra/sources.js';
import { registerAdminRoutes } from './routes/admin-routes.js';
import { registerDossierRoutes } from './routes/dossier-routes.js';
import { registerOAuthRoutes } from './routes/oauth-routes.js';

export interface DossierDeps {
  /** The clock of tokens, circuit breakers and log-in windows (tests move it). */
  now?: () => number;
}

export async function buildApp(config: DossierConfig, deps: DossierDeps = {}): Promise<FastifyInstance> {
  const now = deps.now ?? Date.now;
  const keys = await SigningKeys.load(config.oauth.signingKeyJwk);
  const app = await createServer({
    service: 'dossier',
    description: "The consortium's OAuth2 authorization server (client credentials, ES256 tokens, JWKS) and the dossier of a person: accounts at every bank and the credit registry's records.",
    logLevel: config.logLevel,
    bodyLimitBytes: config.bodyLimitBytes,
  });
  if (keys.ephemeral) {
    app.log.warn({ kid: keys.kid }, 'no oauth.signingKeyJwk (BANCA_OAUTH_SIGNING_KEY): signing with a key made at start, so every token dies with this process');
  }
  const issuer = new TokenIssuer(keys, { issuer: config.oauth.issuer, audience: config.oauth.audience, ttlSeconds: config.oauth.tokenTtlSeconds }, now);
  const loginLimits = {
    attemptsMax: config.admin.loginAttemptsMax, attemptsPerIpMax: config.admin.loginAttemptsPerIpMax, windowMs: config.admin.loginWindowMs,
    signUpsPerIpMax: 1, trustedProxies: config.admin.trustedProxies,
  };
  const limiter = new LoginLimiter(loginLimits, now, 'user name');
  // A client's secret is guessed no faster than the administrator's password.
  const clients = new ClientCredentials(config.oauth.clients, issuer, new LoginLimiter(loginLimits, now, 'client id', 'secret'));
  const sessions = new AdminSessions(config.admin, limiter, issuer);
  const verifier = new LocalAccessVerifier(keys, { issuer: config.oauth.issuer, audience: config.oauth.audience }, now);

  const limits: SourceLimits = { timeoutMs: config.sourceTimeoutMs, connectionsMax: config.sourceConnectionsMax, responseBytesMax: config.sourceResponseBytesMax };
  const banks = [...config.banks].sort((a, b) => a.bankId - b.bankId).map((bank) => new BankSource(bank, limits));
  const registry = new RegistrySource(config.registryUrl, limits);
  const sourceSeconds = new Histogram({
    name: 'banca_dossier_source_duration_seconds',
    help: 'How long a dossier waited for each source, by its outcome (ok, unavailable, circuit-open).',
    labelNames: ['source', 'status'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [app.metrics],
  });
  const builder = new DossierBuilder(banks, registry, new SelfToken(issuer, now), config.circuitBreaker, now, (report) => {
    sourceSeconds.observe({ source: report.source, status: report.status }, report.latencyMs / 1000);
  });
  new Gauge({
    name: 'banca_dossier_circuit_open',
    help: "1 while a source's circuit is open or half-open (the source is not asked, or only probed), else 0.",
    labelNames: ['source'],
    registers: [app.metrics],
    collect() {
      for (const circuit of builder.circuits()) this.set({ source: circuit.source }, circuit.state === 'closed' ? 0 : 1);
    },
  });

  await app.register(async (scope) => registerOAuthRoutes(scope, {
    clients, publicJwks: keys.publicJwks, issuer: config.oauth.issuer, publicUrl: config.publicUrl,
    clientAddress: (peer, forwardedFor) => limiter.clientAddress(peer, forwardedFor),
  }));
  await app.register(async (scope) => registerAdminRoutes(scope, sessions));
  await app.register(async (scope) => registerDossierRoutes(scope, builder, verifier));
  await app.register(async (scope) => registerWebRoutes(scope, { root: config.webRoot, page: 'dossier.html' }));
  app.addHook('onClose', async () => {
    await Promise.all([registry, ...banks].map((source) => source.close()));
  });
  return app;
}
