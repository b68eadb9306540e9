// Several PostgreSQL servers behind one URL, the way libpq takes them and node-postgres does not
// (pg-connection-string reads one host): postgres://user:pw@h1:p1,h2:p2/db?target_session_attrs=read-write.
// New connections go to the server chosen last; with none chosen (at first, or after losing it)
// every listed server is tried at once and the first in the URL's order that fits
// target_session_attrs is chosen: 'any' (libpq's default) takes one that accepts a connection,
// 'primary' one not in recovery, 'read-write' one not in recovery whose sessions are not
// read-only. Every new connection is checked again before the pool hands it out. A connection
// that ends without being asked to (its server died or shut down), one that cannot be made and one
// found unfit make the pool choose again, so after a standby is promoted the next connections go
// to it without a restart. A query in flight on a server that died still fails: the caller sees a
// connection error (an unknown outcome for a write, safe to repeat where writes are idempotent).
import pg from 'pg';

export type TargetSessionAttrs = 'any' | 'read-write' | 'primary';
const TARGETS: readonly TargetSessionAttrs[] = ['any', 'read-write', 'primary'];

export interface PostgresHost {
  host: string;
  port: number;
}

export interface DatabaseUrl {
  hosts: PostgresHost[];
  target: TargetSessionAttrs;
  /** The URL naming this one server, without target_session_attrs: what node-postgres reads. */
  forHost(host: PostgresHost): string;
  /** The same servers and options, another database. */
  withDatabase(database: string): string;
}

const URL_SHAPE = /^(postgres(?:ql)?:\/\/)([^@/?#]*@)?([^/?#]*)([^?#]*)(\?[^#]*)?$/;
const DEFAULT_PORT = 5432;
/** How long one server may take to accept a probe's connection. */
const PROBE_TIMEOUT_MS = 3000;
/** After finding no server that fits, connections fail at once for this long (no probe storm). */
const NO_SERVER_PAUSE_MS = 250;

function parseHost(text: string, url: string): PostgresHost {
  const match = /^\[([^\]]+)\](?::(\d+))?$/.exec(text) ?? /^([^:[\]]+)(?::(\d+))?$/.exec(text);
  if (!match) throw new Error(`database URL: "${text}" is not a host[:port] (in ${redact(url)})`);
  return { host: decodeURIComponent(match[1]!), port: match[2] ? Number(match[2]) : DEFAULT_PORT };
}

function hostText(host: PostgresHost): string {
  return `${host.host.includes(':') ? `[${host.host}]` : host.host}:${host.port}`;
}

/** The URL without its password, for error messages. */
function redact(url: string): string {
  return url.replace(/^(postgres(?:ql)?:\/\/[^:@/]*):[^@/]*@/, '$1:***@');
}

/** Reads a postgres:// URL with one server or a comma-separated list of them. A URL of another
 *  shape (a Unix socket, no host) is one server, left to node-postgres as it is. */
export function parseDatabaseUrl(url: string): DatabaseUrl {
  const match = URL_SHAPE.exec(url);
  if (!match) return { hosts: [], target: 'any', forHost: () => url, withDatabase: () => url };
  const [, scheme, userinfo = '', hostList = '', path = '', query = ''] = match;
  const params = query ? query.slice(1).split('&') : [];
  const targetParam = params.find((param) => param.startsWith('target_session_attrs='));
  const target = decodeURIComponent(targetParam?.slice('target_session_attrs='.length) ?? 'any');
  if (!(TARGETS as readonly string[]).includes(target)) {
    throw new Error(`database URL: target_session_attrs=${target} is not supported (any, read-write or primary)`);
  }
  const others = params.filter((param) => param !== targetParam);
  const rest = others.length > 0 ? `?${others.join('&')}` : '';
  const hosts = hostList === '' ? [] : hostList.split(',').map((text) => parseHost(text, url));
  return {
    hosts,
    target: target as TargetSessionAttrs,
    forHost: (host) => `${scheme}${userinfo}${hostText(host)}${path}${rest}`,
    withDatabase: (database) => `${scheme}${userinfo}${hostList}/${encodeURIComponent(database)}${query}`,
  };
}

/** This database URL (one server or several) with another database name. */
export function withDatabase(url: string, database: string): string {
  return parseDatabaseUrl(url).withDatabase(database);
}

/** No listed server fits: SQLSTATE 08001, as libpq's "could not connect" (a connection error). */
export class NoServerError extends Error {
  readonly code = '08001';
}

class ServerFinder {
  private chosen: PostgresHost | null = null;
  private probing: Promise<PostgresHost> | null = null;
  private failed: { atMs: number; error: NoServerError } | null = null;

  constructor(private readonly url: DatabaseUrl) {}

  /** The server new connections go to: the one chosen, else the first in the URL's order that fits. */
  pick(): Promise<PostgresHost> {
    if (this.chosen) return Promise.resolve(this.chosen);
    this.probing ??= this.probe().finally(() => {
      this.probing = null;
    });
    return this.probing;
  }

  /** A connection to this server was lost, refused or found unfit: choose again next time. */
  forget(host: PostgresHost): void {
    if (this.chosen && this.chosen.host === host.host && this.chosen.port === host.port) this.chosen = null;
  }

  /** Why a connected session does not fit target_session_attrs, or null when it does. */
  async unfit(client: pg.ClientBase): Promise<string | null> {
    if (this.url.target === 'any') return null;
    const row = (await client.query<{ recovery: boolean; read_only: string }>(
      "SELECT pg_is_in_recovery() AS recovery, current_setting('transaction_read_only') AS read_only")).rows[0];
    if (row?.recovery) return 'a standby (in recovery)';
    if (this.url.target === 'read-write' && row?.read_only === 'on') return 'read-only sessions';
    return null;
  }

  private async probe(): Promise<PostgresHost> {
    if (this.failed && Date.now() - this.failed.atMs < NO_SERVER_PAUSE_MS) throw this.failed.error;
    const verdicts = await Promise.all(this.url.hosts.map((host) => this.check(host)));
    const index = verdicts.findIndex((verdict) => verdict === null);
    const chosen = this.url.hosts[index];
    if (chosen) {
      this.failed = null;
      this.chosen = chosen;
      return chosen;
    }
    const detail = this.url.hosts.map((host, i) => `${hostText(host)}: ${verdicts[i]}`).join('; ');
    const error = new NoServerError(`no PostgreSQL server with target_session_attrs=${this.url.target} (${detail})`);
    this.failed = { atMs: Date.now(), error };
    throw error;
  }

  private async check(host: PostgresHost): Promise<string | null> {
    const client = new pg.Client({ connectionString: this.url.forHost(host), connectionTimeoutMillis: PROBE_TIMEOUT_MS });
    client.on('error', () => {});
    try {
      await client.connect();
      return await this.unfit(client);
    } catch (error) {
      return error instanceof Error ? error.message || String((error as { code?: unknown }).code) : String(error);
    } finally {
      await client.end().catch(() => {});
    }
  }
}

/** Options of a pg.Pool whose connections go to the server of the URL that fits, and follow it. */
export function failoverPoolOptions(url: DatabaseUrl): pg.PoolConfig {
  const first = url.hosts[0];
  if (!first) throw new Error('database URL: a host list is needed');
  const finder = new ServerFinder(url);

  class FailoverClient extends pg.Client {
    server: PostgresHost | null = null;
    private asked = false;

    constructor(config?: string | pg.ClientConfig) {
      super(config);
      // Its server died or shut down: the next connection chooses again.
      this.on('end', () => {
        if (!this.asked && this.server) finder.forget(this.server);
      });
    }

    override connect(): Promise<pg.Client>;
    override connect(callback: (err: Error) => void): void;
    override connect(callback?: (err: Error) => void): Promise<pg.Client> | void {
      const connecting = finder.pick().then(async (server) => {
        this.server = server;
        this.host = server.host;
        this.port = server.port;
        try {
          return await super.connect();
        } catch (error) {
          finder.forget(server);
          throw error;
        }
      });
      if (!callback) return connecting;
      connecting.then(() => callback(undefined as unknown as Error), callback);
    }

    override end(): Promise<void>;
    override end(callback: (err: Error) => void): void;
    override end(callback?: (err: Error) => void): Promise<void> | void {
      this.asked = true;
      return callback ? super.end(callback) : super.end();
    }
  }

  /** Checked before the pool hands a new connection out: a server that became a standby is left. */
  const onConnect = async (client: FailoverClient): Promise<void> => {
    const reason = await finder.unfit(client);
    if (reason === null) return;
    if (client.server) finder.forget(client.server);
    throw new NoServerError(`${client.server ? hostText(client.server) : 'the server'} does not fit target_session_attrs=${url.target}: ${reason}`);
  };

  return {
    connectionString: url.forHost(first),
    Client: FailoverClient,
    onConnect: onConnect as unknown as pg.PoolConfig['onConnect'],
  };
}
