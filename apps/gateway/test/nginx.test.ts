// The production deployment (deploy/): the shipped nginx config in front of a real bank, and the
// compose file's structure. Docker is not available on the dev machines, so nginx runs here as
// a plain process (installed with apt-get when missing and running as root) on 127.0.0.1 ports
// chosen at run time, with the same deploy/nginx/banca.conf rendered for those ports.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { parse } from 'yaml';
import { loadBusinessServerConfig } from '@banca/business-server/config';
import { loadDataServerConfig } from '@banca/data-server/config';
import { freePort } from '@banca/launcher/free-port';
import { installDebianPackages, run } from '@banca/testkit/debian';
import { clientHeaders, http, startTestBank, tempDir, waitFor, type TestBank } from '@banca/testkit/testkit';

// dist/test/nginx.test.js -> the repository root.
const root = fileURLToPath(new URL('../../../../', import.meta.url));
const deployDir = join(root, 'deploy');
const shippedConfig = join(deployDir, 'nginx', 'banca.conf');

function findNginx(): string | undefined {
  const dirs = (process.env.PATH ?? '').split(':').filter(Boolean).concat(['/usr/sbin', '/usr/local/sbin', '/sbin']);
  return dirs.map((dir) => join(dir, 'nginx')).find((path) => existsSync(path));
}

/** nginx, installed with apt-get when missing (root only). */
async function ensureNginx(): Promise<{ path: string; installMs: number }> {
  const found = findNginx();
  if (found) return { path: found, installMs: 0 };
  const installMs = await installDebianPackages(['nginx'], 'nginx is not installed');
  // Should the package have started its service anyway, stop it: only our nginx may run.
  const systemPid = Number(existsSync('/run/nginx.pid') ? readFileSync('/run/nginx.pid', 'utf8').trim() : NaN);
  if (Number.isInteger(systemPid) && systemPid > 0) {
    try {
      process.kill(systemPid, 'SIGQUIT');
    } catch {
      // not running
    }
  }
  const path = findNginx();
  assert.ok(path, 'apt-get installed nginx but no nginx binary is on PATH or in /usr/sbin');
  return { path, installMs };
}

/** The shipped banca.conf with the business servers' and nginx's runtime addresses. */
function renderBancaConf(text: string, businessUrls: string[], listenPort: number): string {
  const servers = [...text.matchAll(/^\s*server business-(\d+):\d+\b/gm)];
  assert.equal(servers.length, businessUrls.length, `deploy/nginx/banca.conf lists ${servers.length} business servers, the bank runs ${businessUrls.length}`);
  assert.match(text, /^\s*listen 8100;/m, 'deploy/nginx/banca.conf listens on 8100');
  const rendered = text
    .replace(/^(\s*server )business-(\d+):\d+\b/gm, (_, prefix: string, n: string) => {
      const url = businessUrls[Number(n) - 1];
      assert.ok(url, `no business server ${n} in the test bank`);
      return `${prefix}${new URL(url).host}`;
    })
    .replace(/^(\s*)listen 8100;/m, `$1listen 127.0.0.1:${listenPort};`);
  assert.doesNotMatch(rendered, /business-\d+:/, 'every upstream address was rendered');
  return rendered;
}

function mainConfig(dir: string): string {
  return `daemon off;
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 256; }
http {
  access_log off;
  client_body_temp_path ${dir}/client_body_temp;
  proxy_temp_path ${dir}/proxy_temp;
  fastcgi_temp_path ${dir}/fastcgi_temp;
  uwsgi_temp_path ${dir}/uwsgi_temp;
  scgi_temp_path ${dir}/scgi_temp;
  include ${dir}/banca.conf;
}
`;
}

let bank: TestBank | undefined;
let nginx: ChildProcess | undefined;
let nginxUrl = '';
const dir = tempDir('banca-nginx-');

async function stopNginx(): Promise<void> {
  const child = nginx;
  nginx = undefined;
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGQUIT');
  const timedOut = await Promise.race([exited.then(() => false), new Promise<boolean>((resolve) => setTimeout(() => resolve(true), 5000).unref())]);
  if (timedOut) {
    child.kill('SIGKILL');
    await exited;
  }
}

describe('deploy - nginx in front of a real bank', () => {
  before(async () => {
    const setupStarted = Date.now();
    const { path: nginxPath, installMs } = await ensureNginx();
    bank = await startTestBank({ queueMode: 'batch', store: 'sqlite' });
    const port = await freePort();
    // nginx's workers may run as an unprivileged user when we are root: let them reach the temp dirs.
    chmodSync(dir.path, 0o755);
    writeFileSync(join(dir.path, 'banca.conf'), renderBancaConf(readFileSync(shippedConfig, 'utf8'), bank.businessServers.map((server) => server.url), port));
    writeFileSync(join(dir.path, 'nginx.conf'), mainConfig(dir.path));
    const errorLog = join(dir.path, 'error.log');
    const child = spawn(nginxPath, ['-e', errorLog, '-p', dir.path, '-c', join(dir.path, 'nginx.conf')], { stdio: ['ignore', 'ignore', 'pipe'] });
    nginx = child;
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    nginxUrl = `http://127.0.0.1:${port}`;
    try {
      await waitFor(async () => {
        if (child.exitCode !== null) throw new Error('nginx exited');
        return (await http(`${nginxUrl}/nginx-health`)).status === 200;
      }, 10_000, 'nginx to answer /nginx-health');
    } catch (error) {
      const log = existsSync(errorLog) ? readFileSync(errorLog, 'utf8') : '';
      throw new Error(`nginx did not start (exit ${child.exitCode}): ${stderr}\n${log}`, { cause: error });
    }
    console.log(`# nginx ready after ${Date.now() - setupStarted} ms (apt-get install: ${installMs} ms)`);
  });

  after(async () => {
    await stopNginx();
    await bank?.cleanup();
    dir.remove();
  });

  test('deploy - nginx answers /nginx-health itself and passes other paths through', async () => {
    const health = await http(`${nginxUrl}/nginx-health`);
    assert.equal(health.status, 200);
    assert.equal(health.body, 'ok\n');
    const upstream = await http(`${nginxUrl}/health`);
    assert.equal(upstream.status, 200, JSON.stringify(upstream.body));
    const openapi = await http(`${nginxUrl}/openapi.json`);
    assert.equal(openapi.status, 200);
    assert.ok(openapi.body.openapi, 'the business server OpenAPI document');
  });

  test('deploy - banca check through nginx: 7 passed, 0 failed', async () => {
    const result = await run(process.execPath, [join(root, 'apps/cli/dist/src/main.js'), '--url', nginxUrl, 'check'], 120_000);
    assert.equal(result.code, 0, result.output);
    assert.match(result.output, /^7 passed, 0 failed$/m, result.output);
  });

  test('deploy - x-request-id: kept when the client sends one, generated by nginx otherwise', async () => {
    const account = `ngx-${randomUUID().slice(0, 8)}`;
    const sent = `client-chosen-${randomUUID()}`;
    const kept = await http(`${nginxUrl}/balance/${account}`, { headers: { ...clientHeaders(), 'x-request-id': sent } });
    // An unknown account: 404 from the business server, whose error body carries its request id.
    assert.equal(kept.status, 404, JSON.stringify(kept.body));
    assert.equal(kept.headers['x-request-id'], sent);
    assert.equal(kept.body.requestId, sent, 'the business server saw the same id');

    const generated = await http(`${nginxUrl}/balance/${account}`, { headers: clientHeaders() });
    assert.equal(generated.status, 404, JSON.stringify(generated.body));
    const id = generated.headers['x-request-id'];
    assert.equal(typeof id, 'string');
    assert.match(id as string, /^[0-9a-f]{32}$/, 'nginx $request_id');
    assert.equal(generated.body.requestId, id, 'the business server saw the same id');

    const other = await http(`${nginxUrl}/balance/${account}`, { headers: clientHeaders() });
    assert.notEqual(other.headers['x-request-id'], id, 'a new id per request');
  });

  test('deploy - a body over 64 KiB is refused by nginx (413)', async () => {
    const response = await http(`${nginxUrl}/deposit/ngx-big/1.00`, {
      method: 'POST',
      headers: { ...clientHeaders(), 'idempotency-key': randomUUID(), 'content-type': 'application/json' },
      body: JSON.stringify({ padding: 'x'.repeat(70 * 1024) }),
    });
    assert.equal(response.status, 413);
  });

  test('deploy - with one business server killed, requests through nginx still answer (no 502)', async () => {
    assert.ok(bank);
    const account = `ngx-kill-${randomUUID().slice(0, 8)}`;
    await bank.businessServers[0]!.kill();
    // Let nginx notice the closed keep-alive connections of the dead server.
    await new Promise((resolve) => setTimeout(resolve, 200));
    for (let i = 0; i < 9; i++) {
      const balance = await http(`${nginxUrl}/balance/${account}`, { headers: clientHeaders() });
      assert.ok([200, 404].includes(balance.status), `GET ${i}: status ${balance.status} ${JSON.stringify(balance.body)}`);
    }
    // A POST to the dead server is refused before anything is sent, so nginx may and does retry
    // it on another server (non_idempotent is not needed for that).
    for (let i = 0; i < 6; i++) {
      const deposit = await http(`${nginxUrl}/deposit/${account}/1.00`, { method: 'POST', headers: { ...clientHeaders(), 'idempotency-key': randomUUID() } });
      assert.equal(deposit.status, 200, `POST ${i}: ${JSON.stringify(deposit.body)}`);
    }
    const balance = await http(`${nginxUrl}/balance/${account}`, { headers: clientHeaders() });
    assert.equal(balance.status, 200);
    assert.equal(balance.body.balanceCents, 600, 'each deposit applied once');
  });
});

// --- the compose file --------------------------------------------------------------------------

/** Every ${VAR...} of the compose file must be in .env.example; each gets a dummy production value. */
function dummyDotEnv(): Record<string, string> {
  const values: Record<string, string> = {};
  for (const line of readFileSync(join(deployDir, '.env.example'), 'utf8').split('\n')) {
    const match = /^([A-Z0-9_]+)=(.*)$/.exec(line.trim());
    if (!match) continue;
    const name = match[1]!;
    values[name] = name === 'BANCA_CLIENT_KEYS'
      ? 'clientA:test-client-key-a-0123456789,clientB:test-client-key-b-0123456789'
      : name === 'BANCA_HTTP_PORT'
        ? '8100'
        : `test-${name.toLowerCase().replaceAll('_', '-')}-0123456789`;
  }
  return values;
}

/** Compose's interpolation of ${VAR}, ${VAR:?message}, ${VAR:-default}. */
function interpolate(text: string, values: Record<string, string>): string {
  return text.replace(/\$\{([A-Z0-9_]+)(?::([?-])([^}]*))?\}/g, (_, name: string, kind: string | undefined, rest: string) => {
    const value = values[name];
    if (value !== undefined && value !== '') return value;
    if (kind === '-') return rest;
    throw new Error(`\${${name}} is used by deploy/docker-compose.yml but missing from deploy/.env.example`);
  });
}

function environmentOf(service: any): Record<string, string> {
  const environment = service.environment ?? {};
  if (Array.isArray(environment)) {
    return Object.fromEntries(environment.map((item: string) => [item.slice(0, item.indexOf('=')), item.slice(item.indexOf('=') + 1)]));
  }
  return Object.fromEntries(Object.entries(environment).map(([name, value]) => [name, String(value)]));
}

describe('deploy - compose', () => {
  test('deploy - the compose file has the services, healthchecks and no unknown config keys', () => {
    const compose = parse(readFileSync(join(deployDir, 'docker-compose.yml'), 'utf8'), { merge: true });
    const services = compose.services as Record<string, any>;
    const names = ['postgres', 'data-1', 'data-2', 'business-1', 'business-2', 'business-3', 'nginx'];
    for (const name of names) assert.ok(services[name], `service ${name}`);
    for (const [name, service] of Object.entries(services)) {
      assert.ok(service.restart, `${name} has a restart policy`);
      if (name === 'nginx') continue;
      assert.ok(service.healthcheck?.test, `${name} has a healthcheck`);
      if (name !== 'postgres') assert.match(JSON.stringify(service.healthcheck.test), /\/health\b/, `${name}'s healthcheck hits /health`);
    }

    const dotEnv = dummyDotEnv();
    for (const name of ['data-1', 'data-2']) {
      const env = Object.fromEntries(Object.entries(environmentOf(services[name])).map(([key, value]) => [key, interpolate(value, dotEnv)]));
      assert.deepEqual(services[name].command, ['apps/data-server/dist/src/main.js']);
      const config = loadDataServerConfig(JSON.parse(env.BANCA_CONFIG!), { ...env, NODE_ENV: 'production' });
      assert.equal(config.store, 'postgres');
      assert.equal(config.host, '0.0.0.0');
      assert.equal(config.port, 8101);
      assert.match(config.databaseUrl ?? '', /^postgres:\/\/banca:[^@]+@postgres:5432\/banca$/);
      assert.deepEqual(Object.keys(config.businessKeys).sort(), ['1', '2', '3']);
    }
    const dataServers = new Set(['data-1', 'data-2'].map((name) => `http://${name}:8101`));
    const upstreamLines = [...readFileSync(shippedConfig, 'utf8').matchAll(/^\s*server (business-\d+):(\d+)\b/gm)].map((match) => `${match[1]}:${match[2]}`);
    for (const [index, name] of ['business-1', 'business-2', 'business-3'].entries()) {
      const env = Object.fromEntries(Object.entries(environmentOf(services[name])).map(([key, value]) => [key, interpolate(value, dotEnv)]));
      assert.deepEqual(services[name].command, ['apps/business-server/dist/src/main.js']);
      const config = loadBusinessServerConfig(JSON.parse(env.BANCA_CONFIG!), { ...env, NODE_ENV: 'production' });
      assert.equal(config.businessId, String(index + 1));
      assert.equal(config.host, '0.0.0.0');
      assert.ok(upstreamLines.includes(`${name}:${config.port}`), `nginx's upstream has ${name}:${config.port}`);
      assert.equal(config.businessKey, dotEnv[`BANCA_BUSINESS_KEY_${index + 1}`]);
      const urls = config.dataServerUrls;
      for (const url of urls) assert.ok(dataServers.has(url), `${name} points at a data server (${url})`);
    }
    // The production check is live: a development key in the same config is refused.
    assert.throws(() => loadBusinessServerConfig({ host: '0.0.0.0' }, { NODE_ENV: 'production', BANCA_CLIENT_KEYS: 'clientA:test-client-key-a-0123456789' }), /development keys/);

    const nginx = services.nginx;
    assert.match(String(nginx.image), /^nginx:1\.27/);
    const mounts = (nginx.volumes ?? []).map((volume: any) => (typeof volume === 'string' ? volume : `${volume.source}:${volume.target}`));
    assert.ok(mounts.some((mount: string) => /^\.\/nginx\/banca\.conf:\/etc\/nginx\/conf\.d\/[^:]+\.conf(:ro)?$/.test(mount)), `nginx mounts deploy/nginx/banca.conf (${mounts.join(', ')})`);
    assert.ok((nginx.ports ?? []).some((port: unknown) => /:8100$/.test(String(port))), 'nginx publishes 8100');
    assert.ok(services.postgres.volumes?.length > 0, 'postgres keeps its data in a volume');
    assert.ok(compose.volumes && 'pgdata' in compose.volumes);
  });
});
