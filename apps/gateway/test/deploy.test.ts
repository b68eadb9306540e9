// The deployment files (deploy/), checked without a container engine. Docker Compose v1 (Debian's
// docker-compose, installed with apt-get when missing and running as root) validates every compose
// file with its .env.example: schema, start order, volumes, secrets, variables. Then the files as
// compose resolves them are checked against the services' own code: every BANCA_CONFIG passes its
// config loader under NODE_ENV=production, every address a service is given names a service that
// listens there (on the same host, or published by the other host at the address its extra_hosts
// names), nginx balances over exactly the business servers, the PostgreSQL pair names each other.
// nginx -t runs on each nginx config, and the PostgreSQL settings on Debian's PostgreSQL binaries.
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { chmodSync, chownSync, copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { parse } from 'yaml';
import { loadBusinessServerConfig } from '@banca/business-server/config';
import { generateInterbankKeyPair } from '@banca/core/interbank-keys';
import { loadDataServerConfig } from '@banca/data-server/config';
import { parseDatabaseUrl } from '@banca/store-kit/failover';
import { installDebianPackages } from '@banca/testkit/debian';
import { debianPostgres } from '@banca/testkit/postgres';
import { tempDir } from '@banca/testkit/testkit';
import { ensureNginx, mainConfig, renderBancaConf } from './nginx-helpers.js';

// dist/test/deploy.test.js -> the repository root.
const root = fileURLToPath(new URL('../../../../', import.meta.url));
const deployDir = join(root, 'deploy');
const dir = tempDir('banca-deploy-');

/** Every compose file under deploy/; a layout is a folder: its files and its .env.example. */
function composeFiles(folder = deployDir): string[] {
  return readdirSync(folder, { withFileTypes: true }).flatMap((entry) => {
    const path = join(folder, entry.name);
    if (entry.isDirectory()) return composeFiles(path);
    return /\.ya?ml$/.test(entry.name) ? [path] : [];
  }).sort();
}

const layouts = [...new Set(composeFiles().map((file) => dirname(file)))].map((folder) => ({
  folder,
  name: relative(root, folder),
  files: composeFiles().filter((file) => dirname(file) === folder),
}));

function findOnPath(name: string): string | undefined {
  return (process.env.PATH ?? '').split(':').filter(Boolean).map((path) => join(path, name)).find((path) => existsSync(path));
}

/** Debian's docker-compose (Compose v1, Python), installed with apt-get when missing (root only). */
async function ensureDockerCompose(): Promise<string> {
  const found = findOnPath('docker-compose');
  if (found) return found;
  await installDebianPackages(['docker-compose'], 'docker-compose (Docker Compose v1, which validates the compose files without a Docker daemon) is not installed');
  const path = findOnPath('docker-compose');
  assert.ok(path, 'apt-get installed docker-compose but it is not on PATH');
  return path;
}

interface ComposeRun {
  code: number;
  stdout: string;
  stderr: string;
}

let dockerCompose = '';

/** docker-compose config, with the whole output (a resolved file is longer than testkit's run() keeps). */
function composeConfig(file: string, envFile: string, projectDir: string, quiet: boolean): Promise<ComposeRun> {
  const args = ['--project-directory', projectDir, '--env-file', envFile, '-f', file, 'config', ...(quiet ? ['-q'] : [])];
  return new Promise((resolve) => {
    // No variable of this process may stand in for one missing from the env file.
    const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: dir.path, LC_ALL: 'C.UTF-8' };
    execFile(dockerCompose, args, { env, timeout: 60_000, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

/** name=value lines of an env file, in order (compose's own reading of quotes is what counts). */
function envLines(file: string): [string, string][] {
  return readFileSync(file, 'utf8').split('\n').flatMap((line) => {
    const match = /^([A-Z0-9_]+)=(.*)$/.exec(line.trim());
    return match ? [[match[1]!, match[2]!] as [string, string]] : [];
  });
}

/** The example env of a layout, with its secret files made here (a real, non-development key). */
function testEnvFile(layout: (typeof layouts)[number], without: string[] = []): string {
  const lines = envLines(join(layout.folder, '.env.example')).filter(([name]) => !without.includes(name)).map(([name, value]) => {
    if (name !== 'BANCA_INTERBANK_PRIVATE_KEY_HOST_FILE') return `${name}=${value}`;
    const bankId = Number(envLines(join(layout.folder, '.env.example')).find(([other]) => other === 'BANCA_BANK_ID')?.[1] ?? 1);
    const keyFile = join(dir.path, `${basename(layout.folder)}-interbank-private-key.jwk.json`);
    writeFileSync(keyFile, JSON.stringify(generateInterbankKeyPair(bankId, { dev: false })), { mode: 0o600 });
    return `${name}=${keyFile}`;
  });
  const file = join(dir.path, `${basename(layout.folder)}${without.length ? `-without-${without.join('-')}` : ''}.env`);
  writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

// --- the compose files as compose resolves them --------------------------------------------------

interface Service {
  file: string;
  name: string;
  image?: string;
  command?: string[];
  environment: Record<string, string>;
  extraHosts: Map<string, string>;
  /** Its published ports: a host address ('' for every address), the host's port, the container's. */
  published: { address: string; hostPort: number; target: number }[];
  volumes: string[];
  secrets: string[];
  healthcheck?: { test: string[] | string };
  restart?: string;
  dependsOn: string[];
}

interface Resolved {
  file: string;
  services: Map<string, Service>;
  secretFiles: Map<string, string>;
  volumes: string[];
}

function listOf(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

function toService(file: string, name: string, raw: Record<string, unknown>): Service {
  const environment = Object.fromEntries(Object.entries((raw.environment ?? {}) as Record<string, unknown>).map(([key, value]) => [key, String(value)]));
  const extraHosts = new Map(listOf(raw.extra_hosts).map((entry) => {
    const text = String(entry);
    return [text.slice(0, text.indexOf(':')), text.slice(text.indexOf(':') + 1)] as [string, string];
  }));
  const published = listOf(raw.ports).map((port) => {
    // v1 prints "address:published:target/tcp" or "published:target/tcp"; the long form has fields.
    if (typeof port === 'object' && port !== null) {
      const long = port as { host_ip?: string; published?: unknown; target?: unknown };
      return { address: long.host_ip ?? '', hostPort: Number(long.published), target: Number(long.target) };
    }
    const parts = String(port).replace(/\/tcp$/, '').split(':');
    return { address: parts.length === 3 ? parts[0]! : '', hostPort: Number(parts.at(-2)), target: Number(parts.at(-1)) };
  });
  return {
    file, name,
    ...(typeof raw.image === 'string' ? { image: raw.image } : {}),
    ...(Array.isArray(raw.command) ? { command: raw.command.map(String) } : {}),
    environment, extraHosts, published,
    volumes: listOf(raw.volumes).map((volume) => (typeof volume === 'string' ? volume : `${String((volume as { source: unknown }).source)}:${String((volume as { target: unknown }).target)}`)),
    secrets: listOf(raw.secrets).map((secret) => (typeof secret === 'string' ? secret : String((secret as { source: unknown }).source))),
    ...(raw.healthcheck ? { healthcheck: raw.healthcheck as { test: string[] } } : {}),
    ...(typeof raw.restart === 'string' ? { restart: raw.restart } : {}),
    dependsOn: Array.isArray(raw.depends_on) ? raw.depends_on.map(String) : Object.keys(raw.depends_on ?? {}),
  };
}

async function resolve(layout: (typeof layouts)[number], file: string): Promise<Resolved> {
  const result = await composeConfig(file, testEnvFile(layout), layout.folder, false);
  assert.equal(result.code, 0, `${relative(root, file)}: ${result.stderr}`);
  const compose = parse(result.stdout) as { services: Record<string, Record<string, unknown>>; secrets?: Record<string, { file: string }>; volumes?: Record<string, unknown> };
  return {
    file,
    services: new Map(Object.entries(compose.services).map(([name, raw]) => [name, toService(file, name, raw)])),
    secretFiles: new Map(Object.entries(compose.secrets ?? {}).map(([name, secret]) => [name, secret.file])),
    volumes: Object.keys(compose.volumes ?? {}),
  };
}

const isDataServer = (service: Service) => service.command?.[0] === 'apps/data-server/dist/src/main.js';
const isBusinessServer = (service: Service) => service.command?.[0] === 'apps/business-server/dist/src/main.js';
const isPostgres = (service: Service) => /^postgres:/.test(service.image ?? '');
const isNginx = (service: Service) => /^nginx:/.test(service.image ?? '');

/** Where a service's environment sends a connection to name:port: a service of the same file, or
 *  the other host's, reached through extra_hosts at an address where that host publishes the port. */
function serviceAt(files: Resolved[], from: Service, name: string, port: number, what: string): Service {
  const here = files.find((file) => file.file === from.file)!;
  const local = here.services.get(name);
  if (local) return local;
  const address = from.extraHosts.get(name);
  assert.ok(address, `${from.name} (${basename(from.file)}) reaches ${name}:${port} for ${what}, but ${name} is neither a service of its file nor in its extra_hosts`);
  const remote = files.filter((file) => file !== here).map((file) => file.services.get(name)).find(Boolean);
  assert.ok(remote, `${from.name} reaches ${name} through extra_hosts, but no other compose file of the layout has a service ${name}`);
  // The same port outside as inside: a name:port then means the same on both hosts.
  const published = remote.published.find((entry) => entry.hostPort === port && (entry.address === address || entry.address === ''));
  assert.ok(published, `${from.name} (${basename(from.file)}) reaches ${name}:${port} at ${address}, but ${name} (${basename(remote.file)}) publishes ${remote.published.map((entry) => `${entry.address}:${entry.hostPort}->${entry.target}`).join(', ') || 'nothing'}`);
  assert.equal(published.target, port, `${name} (${basename(remote.file)}) publishes its host port ${port} to another port inside`);
  return remote;
}

function listenPort(service: Service): number {
  if (isPostgres(service)) return 5432;
  const config = JSON.parse(service.environment.BANCA_CONFIG ?? '{}') as { port?: number };
  assert.equal(typeof config.port, 'number', `${service.name}'s BANCA_CONFIG has its port`);
  return config.port!;
}

/** The service's environment as its process sees it: secrets' container paths mapped to the files here. */
function processEnv(resolved: Resolved, service: Service): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...service.environment, NODE_ENV: 'production' };
  for (const [key, value] of Object.entries(env)) {
    const secret = /^\/run\/secrets\/(.+)$/.exec(value ?? '')?.[1];
    if (!secret) continue;
    assert.ok(service.secrets.includes(secret), `${service.name}'s ${key} names secret ${secret}, which it is not given`);
    const file = resolved.secretFiles.get(secret);
    assert.ok(file, `secret ${secret} is declared`);
    env[key] = file;
  }
  return env;
}

before(async () => {
  dockerCompose = await ensureDockerCompose();
  chmodSync(dir.path, 0o755);
});

after(() => dir.remove());

describe('deploy - compose files', () => {
  test('deploy - the Dockerfile copies every workspace\'s manifest before npm ci (npm ci refuses a lock file whose workspaces are missing)', () => {
    const workspaces = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { workspaces: string[] }).workspaces;
    const dockerfile = readFileSync(join(deployDir, 'Dockerfile'), 'utf8');
    const beforeInstall = dockerfile.slice(0, dockerfile.indexOf('RUN npm ci'));
    assert.ok(beforeInstall.length > 0 && beforeInstall.length < dockerfile.length, 'the Dockerfile runs npm ci');
    const copied = [...beforeInstall.matchAll(/^COPY (\S+)\/package\.json \1\/$/gm)].map((match) => match[1]);
    assert.deepEqual([...copied].sort(), [...workspaces].sort(), 'the manifests copied before npm ci are the workspaces of package.json');
  });

  test('deploy - compose finds every file valid with its .env.example', async () => {
    assert.ok(layouts.length >= 2, `the single-host and the several-hosts layouts (${layouts.map((layout) => layout.name).join(', ')})`);
    const runs = await Promise.all(layouts.flatMap((layout) => layout.files.map(async (file) => ({ file, result: await composeConfig(file, testEnvFile(layout), layout.folder, true) }))));
    for (const { file, result } of runs) assert.equal(result.code, 0, `docker-compose config -q ${relative(root, file)}:\n${result.stderr}`);
    // Every variable a file uses is in the example, whatever its default.
    for (const layout of layouts) {
      const documented = new Set(envLines(join(layout.folder, '.env.example')).map(([name]) => name));
      for (const file of layout.files) {
        for (const [, name] of readFileSync(file, 'utf8').matchAll(/\$\{([A-Z0-9_]+)/g)) {
          assert.ok(documented.has(name!), `${relative(root, file)} uses \${${name}}, which ${layout.name}/.env.example lacks`);
        }
      }
    }
  });

  test('deploy - compose refuses a file with a variable missing, an undefined dependency or an undeclared volume', async () => {
    const checks = layouts.flatMap((layout) => layout.files.map(async (file) => {
      const text = readFileSync(file, 'utf8');
      const refused = async (what: string, envFile: string, mutated: string | null, message: RegExp) => {
        let path = file;
        if (mutated !== null) {
          assert.notEqual(mutated, text, `${relative(root, file)}: the mutation (${what}) changed nothing`);
          path = join(dir.path, `${basename(layout.folder)}-${basename(file, '.yml')}-${what.replaceAll(' ', '-')}.yml`);
          writeFileSync(path, mutated);
        }
        const result = await composeConfig(path, envFile, layout.folder, true);
        assert.equal(result.code, 1, `${relative(root, file)} with ${what} was accepted`);
        assert.match(result.stderr, message, `${relative(root, file)} with ${what}`);
      };
      const required = /\$\{([A-Z0-9_]+):\?/.exec(text)?.[1];
      assert.ok(required, `${relative(root, file)} requires some variable`);
      const envFile = testEnvFile(layout);
      await refused(`no ${required}`, testEnvFile(layout, [required]), null, new RegExp(`${required}`));
      await refused('depends on data-7', envFile, text.replace(/(depends_on:\n\s+)[a-z0-9-]+:/, '$1data-7:'), /depends on service 'data-7' which is undefined/);
      await refused('an undeclared volume', envFile, text.replace(/^(volumes:\n\s+)[a-z0-9-]+:/m, '$1not-the-one-used:'), /no declaration was found in the volumes section/);
    }));
    await Promise.all(checks);
  });

  for (const layout of layouts) {
    test(`deploy - the ${layout.name}/ layout: every service's config passes its loader in production and reaches what it names`, async () => {
      const files = await Promise.all(layout.files.map((file) => resolve(layout, file)));
      const all = files.flatMap((file) => [...file.services.values()]);
      const postgres = all.filter(isPostgres);
      const dataServers = all.filter(isDataServer);
      const businessServers = all.filter(isBusinessServer);
      assert.ok(postgres.length >= 1 && dataServers.length >= 2 && businessServers.length >= 3, `${layout.name}: PostgreSQL, two data servers, three business servers or more`);
      // Names cross hosts (extra_hosts), so each means one service; each host has an nginx of its own.
      const named = all.filter((service) => !isNginx(service));
      assert.equal(new Set(named.map((service) => service.name)).size, named.length, 'each service name once in the layout');

      for (const service of all) {
        assert.ok(service.restart, `${service.name} has a restart policy`);
        if (isNginx(service)) continue;
        assert.ok(service.healthcheck?.test, `${service.name} has a healthcheck`);
        if (!isPostgres(service)) assert.match(JSON.stringify(service.healthcheck.test), new RegExp(`127\\.0\\.0\\.1:${listenPort(service)}/health\\b`), `${service.name}'s healthcheck hits its own /health`);
        const file = files.find((candidate) => candidate.file === service.file)!;
        for (const dependency of service.dependsOn) assert.ok(file.services.has(dependency), `${service.name} waits for ${dependency} of its own host`);
      }

      const businessKeys = new Map<string, string>();
      for (const service of dataServers) {
        const resolved = files.find((file) => file.file === service.file)!;
        const config = loadDataServerConfig(JSON.parse(service.environment.BANCA_CONFIG!) as Record<string, unknown>, processEnv(resolved, service));
        assert.equal(config.store, 'postgres');
        assert.equal(config.host, '0.0.0.0');
        const url = parseDatabaseUrl(config.databaseUrl ?? '');
        assert.deepEqual(url.hosts.map((host) => host.host).sort(), postgres.map((server) => server.name).sort(), `${service.name}'s DATABASE_URL names every PostgreSQL server of the layout`);
        if (postgres.length > 1) assert.equal(url.target, 'read-write', `${service.name} connects only to the server that takes writes`);
        for (const host of url.hosts) assert.ok(isPostgres(serviceAt(files, service, host.host, host.port, 'DATABASE_URL')));
        for (const [id, key] of Object.entries(config.businessKeys)) {
          if (businessKeys.has(id)) assert.equal(businessKeys.get(id), key, `the data servers agree on business ${id}'s key`);
          businessKeys.set(id, key);
        }
      }

      const upstreams = new Set<string>();
      for (const service of businessServers) {
        const resolved = files.find((file) => file.file === service.file)!;
        const env = processEnv(resolved, service);
        const config = loadBusinessServerConfig(JSON.parse(service.environment.BANCA_CONFIG!) as Record<string, unknown>, env);
        assert.equal(config.host, '0.0.0.0');
        assert.equal(config.businessKey, businessKeys.get(config.businessId), `${service.name}'s key is the data servers' key for business ${config.businessId}`);
        for (const url of config.dataServerUrls) {
          const { hostname, port } = new URL(url);
          const target = serviceAt(files, service, hostname, Number(port), 'dataServerUrls');
          assert.ok(isDataServer(target), `${service.name}'s ${url} is a data server`);
          assert.equal(listenPort(target), Number(port), `${target.name} listens on ${port}`);
        }
        if (config.consortium.length > 0) {
          // A member signs with its own key, from a secret file: the one made for this run, not a development one.
          assert.equal(config.interbankPrivateKeys.length, 1, `${service.name} has the bank's interbank private key`);
          const keyFile = env.BANCA_INTERBANK_PRIVATE_KEY_FILE ?? '';
          assert.equal(config.interbankPrivateKeys[0]!.kid, (JSON.parse(readFileSync(keyFile, 'utf8')) as { kid: string }).kid);
          assert.doesNotMatch(readFileSync(service.file, 'utf8'), /"d"\s*:/, 'no private key in the compose file');
        }
        upstreams.add(`${service.name}:${config.port}`);
      }
      const bankIds = new Set(businessServers.map((service) => loadBusinessServerConfig(JSON.parse(service.environment.BANCA_CONFIG!) as Record<string, unknown>, processEnv(files.find((file) => file.file === service.file)!, service)).bankId));
      assert.equal(bankIds.size, 1, 'every business server is the same bank');

      for (const nginx of all.filter(isNginx)) {
        const mount = nginx.volumes.find((volume) => /:\/etc\/nginx\/conf\.d\/[^:]+\.conf(:ro)?$/.test(volume));
        assert.ok(mount, `${nginx.name} mounts its config`);
        const source = mount.slice(0, mount.indexOf(':/etc/nginx'));
        const text = readFileSync(source, 'utf8');
        const servers = [...text.matchAll(/^\s*server (business-\d+):(\d+)\b/gm)].map((match) => `${match[1]}:${match[2]}`);
        assert.deepEqual(servers.sort(), [...upstreams].sort(), `${relative(root, source)} balances over exactly the business servers`);
        for (const server of servers) {
          const [name, port] = server.split(':') as [string, string];
          assert.ok(isBusinessServer(serviceAt(files, nginx, name, Number(port), 'its upstream')));
        }
        assert.ok(nginx.published.some((entry) => entry.target === 8100), `${nginx.name} publishes 8100`);
      }
      for (const file of files) {
        for (const server of [...file.services.values()].filter(isPostgres)) {
          assert.ok(server.volumes.some((volume) => /:\/var\/lib\/postgresql\/data(:rw)?$/.test(volume)), `${server.name} keeps its data in a volume`);
        }
      }
    });
  }

  test('deploy - the PostgreSQL pair: each names the other, one starts as the primary, the standby it waits for is the other one', async () => {
    const layout = layouts.find((candidate) => candidate.files.length > 1);
    assert.ok(layout, 'a several-hosts layout');
    const files = await Promise.all(layout.files.map((file) => resolve(layout, file)));
    const pair = files.flatMap((file) => [...file.services.values()].filter(isPostgres));
    assert.equal(pair.length, 2, 'a primary and a standby');
    const [a, b] = pair as [Service, Service];
    for (const [self, peer] of [[a, b], [b, a]] as const) {
      assert.notEqual(self.file, peer.file, 'on different hosts');
      assert.equal(self.environment.BANCA_DB_PEER_HOST, peer.name);
      assert.equal(self.environment.BANCA_DB_PEER_APPLICATION_NAME, peer.environment.BANCA_DB_APPLICATION_NAME, `${self.name} waits for ${peer.name}'s application_name`);
      serviceAt(files, self, peer.name, 5432, 'replication');
      assert.deepEqual(self.volumes.filter((volume) => volume.includes('/banca/') || volume.includes('initdb')).sort(),
        peer.volumes.filter((volume) => volume.includes('/banca/') || volume.includes('initdb')).sort(), 'the same scripts and settings on both');
      assert.match(self.environment.POSTGRES_PASSWORD ?? '', /./);
      assert.equal(self.environment.POSTGRES_PASSWORD, peer.environment.POSTGRES_PASSWORD);
    }
    assert.deepEqual([a, b].map((server) => server.environment.BANCA_DB_INIT).sort(), ['primary', 'standby']);
    const primary = [a, b].find((server) => server.environment.BANCA_DB_INIT === 'primary')!;
    const script = readFileSync(join(layout.folder, 'postgres', 'init-primary.sh'), 'utf8');
    assert.match(script, /write-role-conf "\$BANCA_DB_PEER_APPLICATION_NAME"/, 'the primary names its peer as the synchronous standby');
    assert.match(readFileSync(join(layout.folder, 'postgres', 'banca-postgres.sh'), 'utf8'), /-d "application_name=\$BANCA_DB_APPLICATION_NAME"/, 'the standby streams under its own application_name');
    assert.ok(primary.published.some((entry) => entry.target === 5432), 'the primary is reachable from the other host');
  });
});

// --- nginx -t, the PostgreSQL settings -----------------------------------------------------------

describe('deploy - nginx and PostgreSQL configs', () => {
  const nginxConfigs = layouts.flatMap((layout) => {
    const folder = join(layout.folder, 'nginx');
    return existsSync(folder) ? readdirSync(folder).filter((name) => name.endsWith('.conf')).map((name) => join(folder, name)) : [];
  });

  test('deploy - every nginx config passes nginx -t, rendered for 127.0.0.1', async () => {
    assert.ok(nginxConfigs.length >= 2, nginxConfigs.join(', '));
    const { path: nginx } = await ensureNginx();
    for (const [index, config] of nginxConfigs.entries()) {
      const text = readFileSync(config, 'utf8');
      const count = [...text.matchAll(/^\s*server business-\d+:/gm)].length;
      // Nothing listens there: nginx -t resolves and parses, it does not connect.
      const rendered = renderBancaConf(text, Array.from({ length: count }, (_, n) => `http://127.0.0.1:${20_000 + n}`), 20_100);
      const confDir = join(dir.path, `nginx-${index}`);
      mkdirSync(confDir, { recursive: true });
      writeFileSync(join(confDir, 'banca.conf'), rendered);
      writeFileSync(join(confDir, 'nginx.conf'), mainConfig(confDir));
      const result = await new Promise<{ code: number | null; output: string }>((resolve) => {
        const child = spawn(nginx, ['-t', '-e', join(confDir, 'error.log'), '-p', confDir, '-c', join(confDir, 'nginx.conf')], { stdio: ['ignore', 'pipe', 'pipe'] });
        let output = '';
        child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
        child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
        child.on('close', (code) => resolve({ code, output }));
      });
      assert.equal(result.code, 0, `nginx -t ${relative(root, config)}:\n${result.output}`);
      assert.match(result.output, /test is successful/);
    }
    // The configs differ in their upstream servers only (and the comments saying so).
    const body = (config: string) => readFileSync(config, 'utf8').split('\n').filter((line) => !/^\s*(#|server business-)/.test(line)).join('\n');
    for (const config of nginxConfigs.slice(1)) assert.equal(body(config), body(nginxConfigs[0]!), `${relative(root, config)} and ${relative(root, nginxConfigs[0]!)}`);
  });

  test('deploy - the replication settings and the role file load in Debian\'s PostgreSQL', async () => {
    const postgresDir = join(deployDir, 'two-hosts', 'postgres');
    const { binDir } = await debianPostgres();
    const passwd = readFileSync('/etc/passwd', 'utf8').split('\n').find((entry) => entry.startsWith('postgres:'))?.split(':');
    const user = process.getuid?.() === 0 && passwd ? { uid: Number(passwd[2]), gid: Number(passwd[3]) } : null;
    const runAs = (command: string, args: string[], env: NodeJS.ProcessEnv = {}) => new Promise<{ code: number | null; output: string }>((resolve) => {
      const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, LC_ALL: 'C', ...env }, ...(user ?? {}) });
      let output = '';
      child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
      child.on('close', (code) => resolve({ code, output }));
    });
    const dataDir = join(dir.path, 'pgdata');
    mkdirSync(dataDir, { mode: 0o700 });
    if (user) chownSync(dataDir, user.uid, user.gid);
    // Never started: postgres -C reads the config files only.
    const initdb = await runAs(join(binDir, 'initdb'), ['-D', dataDir, '-U', 'postgres', '--no-sync', '--no-locale', '--auth=trust']);
    assert.equal(initdb.code, 0, initdb.output);
    // What init-primary.sh does to the image's cluster, then the role file banca-postgres.sh writes.
    copyFileSync(join(postgresDir, 'replication.conf'), join(dataDir, 'banca-replication.conf'));
    if (user) chownSync(join(dataDir, 'banca-replication.conf'), user.uid, user.gid);
    writeFileSync(join(dataDir, 'postgresql.conf'), "\ninclude 'banca-replication.conf'\n", { flag: 'a' });
    const role = await runAs('bash', [join(postgresDir, 'banca-postgres.sh'), 'write-role-conf', 'banca_b'], { PGDATA: dataDir });
    assert.equal(role.code, 0, role.output);
    const setting = async (name: string) => {
      const result = await runAs(join(binDir, 'postgres'), ['-D', dataDir, '-C', name]);
      assert.equal(result.code, 0, `postgres -C ${name}: ${result.output}`);
      return result.output.trim();
    };
    assert.equal(await setting('synchronous_commit'), 'remote_apply');
    assert.equal(await setting('synchronous_standby_names'), '"banca_b"');
    assert.equal(await setting('wal_level'), 'replica');
    assert.equal(await setting('hot_standby'), 'on');
    assert.equal(await setting('wal_keep_size'), '512', 'in MB');
    const standby = await runAs('bash', [join(postgresDir, 'banca-postgres.sh'), 'write-role-conf', ''], { PGDATA: dataDir });
    assert.equal(standby.code, 0, standby.output);
    assert.equal(await setting('synchronous_standby_names'), '', 'a standby, promoted, runs alone');
  });
});
