// One bank: its data servers (one, or several sharing a PostgreSQL database), N business servers
// and a gateway, each a process of this machine, on 127.0.0.1 unless the bank is given a host of
// its own (an address to bind, maybe a network namespace). Keys come from BANCA_BUSINESS_KEYS /
// BANCA_CLIENT_KEYS when set, else development keys.
import { join } from 'node:path';
import { devBusinessKeys, parseKeyList } from '@banca/core/auth';
import { defaultPorts } from '@banca/core/config';
import type { Compat } from '@banca/core/seed000';
import type { ServiceHost } from './host.js';
import { spawnService, type ServiceProcess, type SpawnOptions } from './spawn-service.js';

export interface BankOptions {
  bankId: number;
  /** 'default': the documented ports (bank 1: 8100...); 'random': chosen by the OS at run time. */
  ports: 'default' | 'random';
  store: 'sqlite' | 'memory' | 'postgres';
  /** The PostgreSQL database of the postgres store. */
  databaseUrl?: string;
  /** Data-server instances (more than one needs the postgres store). Default 1. */
  dataServers?: number;
  dataDir: string;
  businessServers: number;
  queueMode: 'batch' | 'seed';
  /** seed000: the bank speaks seed 000's wire too (its data server and business servers; seed mode). */
  compat?: Compat;
  logLevel: string;
  /** Where every process of the bank runs and binds (default: 127.0.0.1 of this machine). Its
   *  business servers then believe X-Forwarded-For from that address only: their gateway's. */
  host?: ServiceHost;
  dataServer?: Record<string, unknown>;
  businessServer?: Record<string, unknown>;
  gateway?: Record<string, unknown>;
  onLine?: SpawnOptions['onLine'];
  env?: NodeJS.ProcessEnv;
}

export interface RunningBank {
  options: BankOptions;
  /** The first data server. */
  readonly dataServer: ServiceProcess;
  dataServers: ServiceProcess[];
  businessServers: ServiceProcess[];
  gateway: ServiceProcess;
  /** Restarts a data server (same store, same port) after a crash or a stop. */
  restartDataServer(index?: number): Promise<ServiceProcess>;
  restartBusinessServer(index: number): Promise<ServiceProcess>;
  restartGateway(): Promise<ServiceProcess>;
  /** SIGKILL of every process of the bank: the crash of a whole bank. */
  kill(): Promise<void>;
  /** Restarts whatever of the bank is not running, in order: data servers, business servers, gateway. */
  restartStopped(): Promise<void>;
  stop(): Promise<void>;
}

function portOf(url: string): number {
  return Number(new URL(url).port);
}

export async function startBank(options: BankOptions): Promise<RunningBank> {
  const env = { ...process.env, ...options.env };
  const businessKeys = env.BANCA_BUSINESS_KEYS ? parseKeyList(env.BANCA_BUSINESS_KEYS, 'BANCA_BUSINESS_KEYS') : devBusinessKeys(options.businessServers);
  const businessIds = Object.keys(businessKeys).slice(0, options.businessServers);
  if (businessIds.length < options.businessServers) {
    throw new Error(`BANCA_BUSINESS_KEYS has ${businessIds.length} keys; ${options.businessServers} business servers need one each.`);
  }
  const port = (fixed: number) => (options.ports === 'default' ? fixed : 0);
  const started: ServiceProcess[] = [];
  const host = options.host;
  const bound = host ? { host: host.address } : {};
  const spawn = async (service: Parameters<typeof spawnService>[0], name: string, config: Record<string, unknown>) => {
    const process = await spawnService(service, {
      name, config: { logLevel: options.logLevel, ...config }, env, onLine: options.onLine, ...(host?.netns !== undefined ? { netns: host.netns } : {}),
    });
    started.push(process);
    return process;
  };
  const dataServerCount = options.dataServers ?? 1;
  if (dataServerCount > 1 && options.store !== 'postgres') {
    throw new Error(`${dataServerCount} data servers need the postgres store: the ${options.store} store lives in one process.`);
  }
  if (options.store === 'postgres' && !options.databaseUrl) throw new Error('the postgres store needs a databaseUrl');
  const dataConfigs = Array.from({ length: dataServerCount }, (_, index) => ({
    ...bound,
    port: port(defaultPorts.dataServer(options.bankId, index + 1)),
    store: options.store,
    sqliteFile: join(options.dataDir, `bank-${options.bankId}`, 'ledger.sqlite'),
    ...(options.databaseUrl ? { databaseUrl: options.databaseUrl } : {}),
    businessKeys,
    ...(options.compat ? { compat: options.compat } : {}),
    ...options.dataServer,
  }));
  const dataName = (index: number) => `bank${options.bankId}-data${dataServerCount > 1 ? index + 1 : ''}`;
  try {
    // One after the other: the first creates the PostgreSQL schema.
    const dataServers: ServiceProcess[] = [];
    for (const [index, config] of dataConfigs.entries()) {
      const server = await spawn('data-server', dataName(index), config);
      config.port = portOf(server.url);
      dataServers.push(server);
    }
    const businessConfigs = businessIds.map((businessId, index) => ({
      ...bound,
      ...(host ? { loginTrustedProxies: [host.address] } : {}),
      port: port(defaultPorts.businessServer(options.bankId, index + 1)),
      businessId,
      businessKey: businessKeys[businessId],
      dataServerUrls: dataServers.map((server) => server.url),
      queueMode: options.queueMode,
      ...(options.compat ? { compat: options.compat } : {}),
      ...options.businessServer,
    }));
    const settled = await Promise.allSettled(
      businessConfigs.map((config, index) => spawn('business-server', `bank${options.bankId}-business${index + 1}`, config)),
    );
    const businessServers = settled.map((outcome) => {
      if (outcome.status === 'rejected') throw outcome.reason;
      return outcome.value;
    });
    businessServers.forEach((server, index) => (businessConfigs[index]!.port = portOf(server.url)));
    const gatewayConfig = {
      ...bound,
      port: port(defaultPorts.gateway(options.bankId)),
      upstreams: businessServers.map((server) => server.url),
      ...options.gateway,
    };
    const gateway = await spawn('gateway', `bank${options.bankId}-gateway`, gatewayConfig);
    gatewayConfig.port = portOf(gateway.url);

    const bank: RunningBank = {
      options,
      get dataServer() {
        return bank.dataServers[0]!;
      },
      dataServers,
      businessServers,
      gateway,
      async restartDataServer(index = 0) {
        const config = dataConfigs[index];
        if (!config) throw new Error(`no data server ${index}`);
        await bank.dataServers[index]?.stop();
        bank.dataServers[index] = await spawn('data-server', dataName(index), config);
        return bank.dataServers[index];
      },
      async restartBusinessServer(index: number) {
        const previous = bank.businessServers[index];
        if (!previous) throw new Error(`no business server ${index}`);
        await previous.stop();
        const next = await spawn('business-server', `bank${options.bankId}-business${index + 1}`, businessConfigs[index]!);
        bank.businessServers[index] = next;
        return next;
      },
      async restartGateway() {
        await bank.gateway.stop();
        bank.gateway = await spawn('gateway', `bank${options.bankId}-gateway`, gatewayConfig);
        return bank.gateway;
      },
      async kill() {
        await Promise.all([bank.gateway.kill(), ...bank.businessServers.map((server) => server.kill()), ...bank.dataServers.map((server) => server.kill())]);
      },
      async restartStopped() {
        for (const [index, server] of bank.dataServers.entries()) if (server.exited()) await bank.restartDataServer(index);
        for (const [index, server] of bank.businessServers.entries()) if (server.exited()) await bank.restartBusinessServer(index);
        if (bank.gateway.exited()) await bank.restartGateway();
      },
      async stop() {
        await bank.gateway.stop();
        await Promise.all(bank.businessServers.map((server) => server.stop()));
        await Promise.all(bank.dataServers.map((server) => server.stop()));
      },
    };
    return bank;
  } catch (error) {
    // A bank that cannot start whole leaves nothing running behind.
    await Promise.all(started.map((service) => service.kill()));
    throw error;
  }
}
