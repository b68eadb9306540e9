// Builds a business server without listening: main.ts listens, tests use inject().
import type { FastifyInstance } from 'fastify';
import { Histogram } from 'prom-client';
import { createServer } from '@banca/server-kit/create-server';
import { AccountGate } from './application/account-gate.js';
import { BankService } from './application/bank-service.js';
import { Batcher } from './application/batcher.js';
import { ClientSpaces } from './application/client-spaces.js';
import { SeedQueue } from './application/seed-queue.js';
import { Sweeper } from './application/sweeper.js';
import type { BusinessServerConfig } from './config.js';
import { DataClient } from './infra/data-client.js';
import { registerClientRoutes } from './routes/client-routes.js';
import { BankStore } from './application/consortium/bank-store.js';
import { ConsortiumService } from './application/consortium/consortium-service.js';
import { Coordinator } from './application/consortium/coordinator.js';
import { Customers } from './application/consortium/customers.js';
import { loginLimitsOf } from './application/consortium/login-limiter.js';
import { SharedLoginLimiter } from './application/consortium/shared-login-limiter.js';
import { Participant } from './application/consortium/participant.js';
import { DataRingStore } from './application/consortium/ring-store.js';
import { TokenRing, type RingPeersPort } from './application/consortium/token-ring.js';
import { ConsentTokens } from './infra/consent-tokens.js';
import { CustomerTokens } from './infra/customer-tokens.js';
import { interbankAuthOf, type InterbankAuth } from './infra/interbank-auth.js';
import { RemoteBank } from './infra/interbank-client.js';
import { registerConsentCors } from './routes/consent-cors.js';
import { registerCustomerRoutes } from './routes/customer-routes.js';
import { registerInterbankKeyRoutes } from './routes/interbank-key-routes.js';
import { registerInterbankRoutes } from './routes/interbank-routes.js';
import { registerPeopleRoutes } from './routes/people-routes.js';
import { createOAuthVerifier } from '@banca/server-kit/oauth-verifier';
import { BancaError } from '@banca/core/errors';

export async function buildApp(config: BusinessServerConfig): Promise<FastifyInstance> {
  const data = new DataClient({ urls: config.dataServerUrls, businessId: config.businessId, businessKey: config.businessKey, timeoutMs: config.dataServerTimeoutMs });
  const app = await createServer({
    service: 'business-server',
    description: `Business server ${config.businessId}: customers' deposits, withdrawals, transfers and balances (queue mode: ${config.queueMode}).`,
    logLevel: config.logLevel,
    bodyLimitBytes: config.bodyLimitBytes,
    isReady: () => data.ready(),
  });
  const batchSeconds = new Histogram({
    name: 'banca_batch_duration_seconds',
    help: 'Time from taking a batch to its durable commit.',
    labelNames: ['size'],
    buckets: [0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5],
    registers: [app.metrics],
  });
  // One gate for everything in this process that locks accounts (see AccountGate).
  const gate = new AccountGate();
  const saver = config.queueMode === 'batch'
    ? { mode: 'batch' as const, batcher: new Batcher(data, config, app.log, { batchCommitted: (size, seconds) => batchSeconds.observe({ size: String(size) }, seconds) }, gate) }
    : { mode: 'seed' as const, queue: new SeedQueue(data, config, app.log, gate) };
  const interbank = await interbankAuthOf(config);
  const consortium = buildConsortium(config, data, gate, app.log, interbank);
  const spaces = new ClientSpaces(config, (accountId) => consortium.service.accountExists(accountId));
  const bank = new BankService(data, saver, spaces, { unopenedReadsZero: config.compat === 'seed000' });
  await app.register(async (scope) => registerClientRoutes(scope, bank, config.clientKeys, config.compat));

  await app.register(async (scope) => {
    registerConsentCors(scope, config.consortium.map((bank) => bank.url));
    registerCustomerRoutes(
      scope, consortium.service, consortium.tokens, config.transferWaitMs, new SharedLoginLimiter(loginLimitsOf(config), data),
    );
  });
  // Only the other members of the consortium, each by its own signature, may call the interbank routes (a lone bank: nobody).
  await app.register(async (scope) => registerInterbankRoutes(scope, consortium.service, interbank.verifier, consortium.ring));
  await app.register(async (scope) => registerInterbankKeyRoutes(scope, interbank.publishedKeys));
  // The dossier reads a person's accounts here with its OAuth token (scope banks:read).
  await app.register(async (scope) => registerPeopleRoutes(scope, consortium.service, createOAuthVerifier(config.oauth)));
  // Crash recovery: often while interbank work is open, rarely at rest, at once when this server starts some.
  const staleMs = Math.max(config.interbankTimeoutMs, config.recoveryIntervalMs);
  const sweeper = new Sweeper(
    () => consortium.service.sweep(staleMs),
    { intervalMs: config.recoveryIntervalMs, intervalMsMax: config.recoveryIntervalMsMax },
    (error) => app.log.warn({ err: error }, 'recovery sweep failed'),
  );
  consortium.service.onWork(() => sweeper.wake());
  sweeper.start();
  app.addHook('onReady', async () => consortium.ring?.start());

  app.addHook('preClose', async () => {
    await sweeper.close();
    await consortium.ring?.stop();
    // In-flight batches finish before the server stops (graceful shutdown).
    if (saver.mode === 'batch') await saver.batcher.drain();
    else await saver.queue.close();
  });
  app.addHook('onClose', async () => {
    await Promise.all([...consortium.peers.values()].map((peer) => peer.close()));
    await data.close();
  });
  return app;
}

/** The consortium side of the business server: customers, Pix and packets, the interbank API, the token ring. */
function buildConsortium(config: BusinessServerConfig, data: DataClient, gate: AccountGate, log: FastifyInstance['log'], interbank: InterbankAuth) {
  const store = new BankStore(data, config, gate, config.storeBatch);
  const tokens = new CustomerTokens(config.customerTokenSecret, config.bankId, config.customerTokenTtlSeconds);
  const customers = new Customers(store, tokens);
  const consents = new ConsentTokens(config.customerTokenSecret, config.bankId);
  const scan = { pageRecords: config.recoveryPageRecords, pagesPerRound: config.recoveryPagesPerRound };
  const participant = new Participant(config.bankId, store, customers, config.holdTimeoutMs, consents, scan);
  const me = config.consortium.find((bank) => bank.bankId === config.bankId);
  const signer = interbank.signer;
  const peers = new Map(config.consortium.filter((bank) => bank.bankId !== config.bankId).map((bank) => {
    // The config refuses a member without its private key, so a bank with peers has a signer.
    if (!signer) throw new Error(`bank ${config.bankId} has peers but no interbank signing key`);
    return [bank.bankId, new RemoteBank(bank, { signer, timeoutMs: config.interbankTimeoutMs, batch: config.interbankBatch })] as const;
  }));
  const tokenRing = config.coordination === 'token-ring';
  const coordinator = new Coordinator(
    { bankId: config.bankId, queued: tokenRing, prepareTimeoutMs: config.prepareTimeoutMs, retryDelayMs: 20, scan },
    store,
    (bankId) => service.link(bankId),
    log,
    participant,
  );
  const service: ConsortiumService = new ConsortiumService(
    {
      bankId: config.bankId, name: me?.name ?? config.bankName, color: config.bankColor, coordination: config.coordination,
      consortium: config.consortium.map((bank) => ({ ...bank })),
    },
    store, customers, participant, coordinator, peers, log, consents, config.tellers,
  );
  let ring: TokenRing | null = null;
  if (tokenRing) {
    const ringPeers: RingPeersPort = {
      async sendToken(toBank, token) {
        const peer = peers.get(toBank);
        if (!peer) return 'unreachable';
        try {
          await peer.sendToken(token);
          return 'accepted';
        } catch (error) {
          return error instanceof BancaError && error.code === 'STALE_TOKEN' ? 'stale' : 'unreachable';
        }
      },
      ping: async (bank) => (await peers.get(bank)?.ping()) ?? false,
      status: async (bank) => (await peers.get(bank)?.ringStatus()) ?? null,
    };
    ring = new TokenRing(
      { ...config.ring, bankIndex: config.bankId, bankCount: Math.max(...config.consortium.map((bank) => bank.bankId), config.bankId), serverId: `bs-${config.businessId}-${process.pid}` },
      new DataRingStore(data),
      ringPeers,
      (budget) => coordinator.runQueued(budget),
      log,
    );
    coordinator.onQueued = () => ring?.nudge();
  }
  return { service, tokens, peers, ring };
}
