// The credit registry as a real process: `node apps/credit-registry/dist/src/main.js` on a
// 127.0.0.1 port chosen at run time, with a SQLite file in a temporary directory. It records and
// reads through HTTP, stops on SIGTERM with exit code 0, and finds its items again when restarted.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { http, tempDir } from '@banca/testkit/testkit';
import { startTokenIssuer, type TokenIssuer } from './token-issuer.js';

const MAIN = fileURLToPath(new URL('../src/main.js', import.meta.url));
const START_TIMEOUT_MS = 15_000;

interface Running {
  url: string;
  child: ChildProcess;
  /** SIGTERM, then the exit code. */
  stop(): Promise<number | null>;
}

async function startRegistry(config: Record<string, unknown>): Promise<Running> {
  // The test's own environment must not pick the store: no DATABASE_URL reaches the child.
  const { DATABASE_URL: _ignored, ...env } = process.env;
  const child = spawn(process.execPath, [MAIN], { env: { ...env, BANCA_CONFIG: JSON.stringify(config) }, stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = once(child, 'exit').then(([code]) => code as number | null);
  const output: string[] = [];
  createInterface({ input: child.stderr }).on('line', (line) => output.push(line));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`credit-registry did not start within ${START_TIMEOUT_MS} ms:\n${output.join('\n')}`)), START_TIMEOUT_MS);
    createInterface({ input: child.stdout }).on('line', (line) => {
      output.push(line);
      if (!line.startsWith('{"event":"listening"')) return;
      clearTimeout(timer);
      resolve((JSON.parse(line) as { url: string }).url);
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`credit-registry exited with code ${code} before listening:\n${output.join('\n')}`));
    });
  });
  return {
    url,
    child,
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
}

let issuer: TokenIssuer;
let dir: { path: string; remove: () => void };
let running: Running | undefined;

before(async () => {
  issuer = await startTokenIssuer();
  dir = tempDir();
});
after(async () => {
  await running?.stop();
  await issuer?.close();
  dir?.remove();
});

describe('credit registry process', () => {
  test('process - records and reads through HTTP on a run-time port, stops on SIGTERM, keeps its items across a restart', async () => {
    const config = { host: '127.0.0.1', port: 0, databasePath: join(dir.path, 'registry.sqlite'), oauth: { jwksUrl: issuer.jwksUrl }, logLevel: 'warn' };
    running = await startRegistry(config);
    assert.match(running.url, /^http:\/\/127\.0\.0\.1:\d+$/);
    const document = '71428793860';
    const recorded = await http(`${running.url}/v1/people/${document}/debts`, {
      method: 'POST',
      headers: { ...(await issuer.auth({ scope: 'registry:write' })), 'idempotency-key': randomUUID() },
      json: { amount: '123.45', date: '2024-01-31', creditor: 'Financeira Horizonte' },
    });
    assert.equal(recorded.status, 201, JSON.stringify(recorded.body));
    const reader = await issuer.auth({ scope: 'registry:read' });
    const read = await http(`${running.url}/v1/people/${document}`, { headers: reader });
    assert.equal(read.status, 200);
    assert.deepEqual(read.body.debts, [recorded.body]);
    assert.equal(read.body.totals.debt, '123.45');
    assert.equal((await http(`${running.url}/ready`)).status, 200);
    assert.equal(await running.stop(), 0);

    running = await startRegistry(config);
    const again = await http(`${running.url}/v1/people/${document}`, { headers: reader });
    assert.deepEqual(again.body.debts, [recorded.body]);
    assert.equal(await running.stop(), 0);
    running = undefined;
  });
});
