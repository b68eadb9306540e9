// The consortium-wide services of seed 004: the credit registry and the dossier (also the OAuth2
// authorization server). The dossier's address is fixed first, because every bank and the
// registry check tokens against its key set; it starts last, once it can reach them all. Both
// run on 127.0.0.1 of this machine unless given hosts of their own.
import { join } from 'node:path';
import { defaultPorts } from '@banca/core/config';
import { freePort } from './free-port.js';
import { httpUrl, LOCAL_ADDRESS, type ServiceHost } from './host.js';
import { spawnService, type ServiceProcess, type SpawnOptions } from './spawn-service.js';

export interface ServicesPlan {
  dossierPort: number;
  dossierUrl: string;
  /** Where banks and the registry fetch the dossier's public keys. */
  jwksUrl: string;
  /** The dossier's host, when not 127.0.0.1 of this machine. */
  dossierHost?: ServiceHost;
}

export async function planServices(ports: 'default' | 'random', dossierHost?: ServiceHost): Promise<ServicesPlan> {
  const dossierPort = ports === 'default' ? defaultPorts.dossier : await freePort();
  const dossierUrl = httpUrl(dossierHost?.address ?? LOCAL_ADDRESS, dossierPort);
  return { dossierPort, dossierUrl, jwksUrl: `${dossierUrl}/.well-known/jwks.json`, ...(dossierHost ? { dossierHost } : {}) };
}

export interface ServicesOptions {
  ports: 'default' | 'random';
  /** The registry's SQLite file goes under it (unless databaseUrl names a PostgreSQL database). */
  dataDir: string;
  databaseUrl?: string;
  /** Records a few debts, assets and incomes for the demo documents (idempotent). */
  seedDemo: boolean;
  banks: readonly { bankId: number; name: string; url: string }[];
  logLevel: string;
  registry?: Record<string, unknown>;
  dossier?: Record<string, unknown>;
  onLine?: SpawnOptions['onLine'];
  env?: NodeJS.ProcessEnv;
  /** The registry's host, when not 127.0.0.1 of this machine. */
  registryHost?: ServiceHost;
}

export interface RunningServices {
  plan: ServicesPlan;
  registry: ServiceProcess;
  dossier: ServiceProcess;
  restartRegistry(): Promise<ServiceProcess>;
  restartDossier(): Promise<ServiceProcess>;
  stop(): Promise<void>;
}

export async function startConsortiumServices(plan: ServicesPlan, options: ServicesOptions): Promise<RunningServices> {
  const spawn = (service: 'credit-registry' | 'dossier', config: Record<string, unknown>, host?: ServiceHost) =>
    spawnService(service, {
      name: service, config: { logLevel: options.logLevel, ...config }, env: { ...process.env, ...options.env }, onLine: options.onLine,
      ...(host?.netns !== undefined ? { netns: host.netns } : {}),
    });
  const { registryHost } = options;
  const { dossierHost } = plan;
  const registryConfig: Record<string, unknown> = {
    ...(registryHost ? { host: registryHost.address } : {}),
    port: options.ports === 'default' ? defaultPorts.creditRegistry : 0,
    databasePath: join(options.dataDir, 'credit-registry', 'registry.sqlite'),
    ...(options.databaseUrl ? { databaseUrl: options.databaseUrl } : {}),
    oauth: { jwksUrl: plan.jwksUrl },
    seedDemo: options.seedDemo,
    ...options.registry,
  };
  const registry = await spawn('credit-registry', registryConfig, registryHost);
  registryConfig.port = Number(new URL(registry.url).port);
  const dossierConfig = {
    ...(dossierHost ? { host: dossierHost.address } : {}),
    port: plan.dossierPort,
    banks: options.banks.map(({ bankId, name, url }) => ({ bankId, name, url })),
    registryUrl: registry.url,
    ...options.dossier,
  };
  const dossier = await spawn('dossier', dossierConfig, dossierHost).catch(async (error: unknown) => {
    await registry.kill();
    throw error;
  });
  const services: RunningServices = {
    plan,
    registry,
    dossier,
    async restartRegistry() {
      await services.registry.stop();
      services.registry = await spawn('credit-registry', registryConfig, registryHost);
      return services.registry;
    },
    async restartDossier() {
      await services.dossier.stop();
      services.dossier = await spawn('dossier', dossierConfig, dossierHost);
      return services.dossier;
    },
    async stop() {
      await services.dossier.stop();
      await services.registry.stop();
    },
  };
  return services;
}
