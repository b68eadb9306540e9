// `banca start`: the whole system on this machine, one process per service, addresses printed.
// Service logs go to files under the data directory; a service that dies is restarted.
import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { join } from 'node:path';
import { defaultPorts } from '@banca/core/config';
import { startBank, type BankOptions, type RunningBank } from '@banca/launcher/bank';
import { memberOptions, planConsortium, type Coordination } from '@banca/launcher/consortium';
import { devInterbankKeys } from '@banca/launcher/interbank-keys';
import { planServices, startConsortiumServices, type RunningServices } from '@banca/launcher/consortium-services';
import { startEmbeddedPostgres } from '@banca/launcher/embedded-postgres';
import { debianPostgresBinDir, MISSING_BINARIES, startReplicatedPostgres } from '@banca/launcher/replicated-postgres';
import { withDatabase } from '@banca/store-kit/failover';
import type { Compat } from '@banca/core/seed000';
import { messageOf } from '@banca/core/errors';

export interface StartOptions {
  banks: number;
  store: 'sqlite' | 'memory' | 'postgres';
  /** Data servers per bank (several share the postgres store). */
  dataServers: number | undefined;
  /** Standbys of each bank's PostgreSQL (0 or 1): 1 runs a primary and a synchronous standby. */
  replicas: number;
  dataDir: string;
  businessServers: number;
  /** Default: seed with compat seed000, else batch. */
  queueMode: 'batch' | 'seed' | undefined;
  /** seed000: every bank speaks seed 000's wire too (see the README). */
  compat: Compat;
  coordination: Coordination;
  randomPorts: boolean;
  logLevel: string;
  verbose: boolean;
}

interface Stoppable {
  stop(): Promise<void>;
}

export async function start(options: StartOptions, print: (line: string) => void): Promise<void> {
  if (options.replicas !== 0 && options.replicas !== 1) throw new Error('--replicas is 0 or 1 (one synchronous standby).');
  if (options.replicas > 0 && options.store !== 'postgres') throw new Error('--replicas needs --store postgres.');
  if (options.replicas > 0 && process.env.DATABASE_URL) {
    throw new Error('--replicas starts its own PostgreSQL pair; with DATABASE_URL give your own servers instead: postgres://user:pw@host1:port1,host2:port2/db?target_session_attrs=read-write');
  }
  if (options.replicas > 0 && !debianPostgresBinDir()) throw new Error(`--replicas 1: ${MISSING_BINARIES}.`);
  const queueMode = options.queueMode ?? (options.compat === 'seed000' ? 'seed' : 'batch');
  if (options.compat === 'seed000' && queueMode !== 'seed') {
    throw new Error('--compat seed000 runs the queue of 5 (--queue-mode seed): seed 000 applies operations in groups of 5.');
  }
  const logDir = join(options.dataDir, 'logs');
  mkdirSync(logDir, { recursive: true });
  const logs = new Map<string, WriteStream>();
  const onLine = (name: string) => (line: string) => {
    if (options.verbose) print(`[${name}] ${line}`);
    let stream = logs.get(name);
    if (!stream) {
      stream = createWriteStream(join(logDir, `${name}.log`), { flags: 'a' });
      logs.set(name, stream);
    }
    stream.write(`${line}\n`);
  };
  const banks: RunningBank[] = [];
  const databases: Stoppable[] = [];
  let services: RunningServices | null = null;
  let stopping = false;
  const stopAll = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    print(`\n${signal}: stopping (in-flight batches finish first)...`);
    await services?.stop();
    await Promise.all(banks.map((bank) => bank.stop()));
    await Promise.all(databases.map((database) => database.stop()));
    for (const stream of logs.values()) stream.end();
    print('stopped.');
    process.exit(0);
  };
  process.on('SIGINT', () => void stopAll('SIGINT'));
  process.on('SIGTERM', () => void stopAll('SIGTERM'));

  const members = await planConsortium(options.banks, options.randomPorts ? 'random' : 'default');
  const plan = await planServices(options.randomPorts ? 'random' : 'default');
  // Each bank's own interbank key pair, made under data/ on first start and reused after.
  const keys = devInterbankKeys(options.dataDir, members.map((member) => member.bankId));
  for (const member of members) {
    const bankId = member.bankId;
    const databaseUrl = options.store === 'postgres' ? await bankDatabase(bankId, options, databases, print) : undefined;
    const bankOptions: BankOptions = {
      bankId,
      ports: options.randomPorts ? 'random' : 'default',
      store: options.store,
      ...(databaseUrl ? { databaseUrl } : {}),
      dataServers: options.dataServers ?? (options.store === 'postgres' ? 2 : 1),
      dataDir: options.dataDir,
      businessServers: options.businessServers,
      queueMode,
      compat: options.compat,
      logLevel: options.logLevel,
      onLine: (line) => onLine(`bank${bankId}`)(line),
      ...memberOptions(member, members, options.coordination, keys, {}, plan.jwksUrl),
    };
    print(`starting bank ${bankId}, ${member.name} (${options.store} store${options.replicas ? ' on a primary and a synchronous standby' : ''}, ${queueMode} mode, ${options.coordination} coordination${options.compat === 'seed000' ? ", seed 000's wire" : ''})...`);
    const bank = await startBank(bankOptions).catch(async (error: unknown) => {
      await Promise.all(banks.map((started) => started.stop()));
      await Promise.all(databases.map((database) => database.stop()));
      const message = messageOf(error);
      const hint = message.includes('EADDRINUSE') ? '\nA port is taken: is banca already running? Stop it, or use --random-ports.' : '';
      throw new Error(`bank ${bankId} could not start: ${message}${hint}`, { cause: error });
    });
    banks.push(bank);
    supervise(bank, print, () => stopping);
    print(`bank ${bankId}: ${member.name}`);
    print(`  gateway          ${bank.gateway.url}   <- clients connect here; web: ${bank.gateway.url}/app/`);
    bank.businessServers.forEach((server, index) => print(`  business server ${index + 1} ${server.url}`));
    const where = { sqlite: join(options.dataDir, `bank-${bankId}`, 'ledger.sqlite'), memory: 'in memory', postgres: options.replicas ? 'replicated PostgreSQL' : 'PostgreSQL' }[options.store];
    bank.dataServers.forEach((server, index) => print(`  data server ${bank.dataServers.length > 1 ? index + 1 : ' '}    ${server.url}   (${where})`));
  }
  print('starting the credit registry and the dossier...');
  services = await startConsortiumServices(plan, {
    ports: options.randomPorts ? 'random' : 'default',
    dataDir: options.dataDir,
    seedDemo: true,
    banks: members,
    logLevel: options.logLevel,
    onLine: (line) => onLine('services')(line),
  }).catch(async (error: unknown) => {
    await Promise.all(banks.map((started) => started.stop()));
    await Promise.all(databases.map((database) => database.stop()));
    const message = messageOf(error);
    throw new Error(`the consortium's services could not start: ${message}`, { cause: error });
  });
  superviseServices(services, print, () => stopping);
  const admin = process.env.BANCA_DOSSIER_ADMIN_PASSWORD ? 'admin / (BANCA_DOSSIER_ADMIN_PASSWORD)' : 'admin / dev-insecure-admin';
  print('consortium services:');
  print(`  dossier          ${services.dossier.url}/app/   <- log in as ${admin}; OAuth2 tokens at ${services.dossier.url}/oauth/token`);
  print(`  credit registry  ${services.registry.url}   (${join(options.dataDir, 'credit-registry', 'registry.sqlite')}, demo records)`);
  print(`\nlogs: ${logDir}/   API docs: <gateway>/openapi.json and each service's /openapi.json`);
  if (options.compat === 'seed000') {
    print(`seed 000's wire: curl -X POST -d '' -H 'auth: dev-insecure-client-a' ${banks[0]?.gateway.url}/deposit/1/10.5   |   curl -H 'auth: dev-insecure-client-a' ${banks[0]?.gateway.url}/balance/1`);
    print(`                 python3 clients/python/seed/seed000_client.py --url ${banks[0]?.gateway.url}   (needs Python's requests)`);
  }
  print(`try:  npm run banca -- deposit 1 10.50   |   npm run banca -- check\nCtrl-C stops everything.`);
}

/** The bank's PostgreSQL database: DATABASE_URL's server when set, else an embedded PostgreSQL
 *  kept under the data directory (durable: fsync on), started here and stopped with the bank. */
async function bankDatabase(bankId: number, options: StartOptions, databases: Stoppable[], print: (line: string) => void): Promise<string> {
  const database = `banca_bank_${bankId}`;
  const external = process.env.DATABASE_URL;
  if (external) return options.banks > 1 ? withDatabase(external, database) : external;
  if (options.replicas > 0) {
    const dir = join(options.dataDir, `bank-${bankId}`, 'postgres-pair');
    print(`  starting PostgreSQL for bank ${bankId}: a primary and a synchronous standby (Debian's PostgreSQL, ${dir})...`);
    const pair = await startReplicatedPostgres({
      dir, persistent: true, durable: true,
      ports: options.randomPorts ? [0, 0] : [defaultPorts.postgres(bankId), defaultPorts.postgresReplica(bankId)],
    });
    databases.push(pair);
    for (const node of pair.nodes) print(`  PostgreSQL ${node.role.padEnd(7)}  127.0.0.1:${node.port}   (${node.dataDir}, log ${node.logFile})`);
    return pair.databaseUrl(database);
  }
  const dir = join(options.dataDir, `bank-${bankId}`, 'postgres');
  print(`  starting PostgreSQL for bank ${bankId} (embedded, ${dir})...`);
  const server = await startEmbeddedPostgres({ dir, port: options.randomPorts ? 0 : defaultPorts.postgres(bankId), persistent: true, durable: true });
  databases.push(server);
  return server.databaseUrl(database);
}

type Watched = () => { child: { once: (event: 'exit', fn: (code: number | null) => void) => void }; name: string };

/** Restarts a service that exits on its own (a crash), at most once a second. */
function watcher(print: (line: string) => void, stopping: () => boolean) {
  const watch = (getProcess: Watched, restart: () => Promise<unknown>) => {
    const current = getProcess();
    current.child.once('exit', (code) => {
      if (stopping()) return;
      print(`${current.name} exited (code ${code}); restarting in 1 s`);
      setTimeout(() => {
        restart().then(() => watch(getProcess, restart), (error: unknown) => print(`${current.name} could not restart: ${String(error)}`));
      }, 1000);
    });
  };
  return watch;
}

function superviseServices(services: RunningServices, print: (line: string) => void, stopping: () => boolean): void {
  const watch = watcher(print, stopping);
  watch(() => services.registry, () => services.restartRegistry());
  watch(() => services.dossier, () => services.restartDossier());
}

function supervise(bank: RunningBank, print: (line: string) => void, stopping: () => boolean): void {
  const watch = watcher(print, stopping);
  bank.dataServers.forEach((_, index) => watch(() => bank.dataServers[index]!, () => bank.restartDataServer(index)));
  bank.businessServers.forEach((_, index) => watch(() => bank.businessServers[index]!, () => bank.restartBusinessServer(index)));
  watch(() => bank.gateway, () => bank.restartGateway());
}
