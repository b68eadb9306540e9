// The banca CLI as a person uses it: `banca start` brings a bank up and prints its addresses,
// the money commands work against it, `banca check` passes in both queue modes, Ctrl-C stops all.
import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { after, describe, test } from 'node:test';
import { tempDir } from '@banca/testkit/testkit';

const cli = fileURLToPath(new URL('../src/main.js', import.meta.url));
const started: ChildProcess[] = [];

function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('BANCA_')));
  return new Promise((resolve) => {
    execFile(process.execPath, [cli, ...args], { env, timeout: 60_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr });
    });
  });
}

/** `banca start` on free ports; resolves with the gateway URL once everything listens. */
async function startBank(extra: string[]): Promise<{ child: ChildProcess; gateway: string; output: string[] }> {
  const dir = tempDir();
  const child = spawn(process.execPath, [cli, 'start', '--random-ports', '--data-dir', dir.path, '--log-level', 'warn', ...extra], { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  started.push(child);
  child.once('exit', () => dir.remove());
  const output: string[] = [];
  const gateway = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`banca start did not finish starting:\n${output.join('\n')}`)), 90_000);
    createInterface({ input: child.stdout }).on('line', (line) => {
      output.push(line);
      if (line.includes('Ctrl-C stops everything')) {
        clearTimeout(timer);
        const url = output.map((text) => /gateway\s+(http:\/\/\S+)/.exec(text)?.[1]).find(Boolean);
        if (url) resolve(url);
        else reject(new Error(`no gateway address printed:\n${output.join('\n')}`));
      }
    });
  });
  return { child, gateway, output };
}

after(() => {
  // The whole process group: banca start and every service it spawned, even if it died first.
  for (const child of started) {
    try {
      if (child.pid) process.kill(-child.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
});

describe('cli', () => {
  test('cli - banca start prints every address; money commands, status and check work; Ctrl-C stops all', async () => {
    const { child, gateway, output } = await startBank([]);
    // A consortium of 3 banks, each with its 3 business servers.
    assert.equal(output.filter((line) => /^bank \d: Banco /.test(line)).length, 3);
    assert.equal(output.filter((line) => /business server \d http:\/\/127\.0\.0\.1:\d+/.test(line)).length, 9);
    assert.ok(output.some((line) => /data server\s+http:\/\/127\.0\.0\.1:\d+/.test(line)));
    const deposit = await run(['--url', gateway, 'deposit', '1', '10.50']);
    assert.equal(deposit.code, 0, deposit.stderr);
    assert.equal(JSON.parse(deposit.stdout).balance, '10.50');
    assert.equal((await run(['--url', gateway, 'transfer', '1', '2', '5'])).code, 0);
    assert.equal(JSON.parse((await run(['--url', gateway, 'balance', '1'])).stdout).balance, '5.50');
    const overdraft = await run(['--url', gateway, 'withdraw', '1', '100']);
    assert.equal(overdraft.code, 1);
    assert.match(overdraft.stderr, /INSUFFICIENT_FUNDS/);
    const status = JSON.parse((await run(['--url', gateway, 'status'])).stdout);
    assert.equal(status.ready, true);
    assert.equal(status.upstreams.filter((upstream: { healthy: boolean }) => upstream.healthy).length, 3);
    const check = await run(['--url', gateway, 'check']);
    assert.equal(check.code, 0, check.stdout);
    assert.match(check.stdout, /^7 passed, 0 failed$/m);
    const wrongKey = await run(['--url', gateway, '--key', 'wrong-key-000000000000', 'check']);
    assert.equal(wrongKey.code, 1);
    assert.match(wrongKey.stdout, /FAIL/);

    child.kill('SIGINT');
    const [code] = await once(child, 'exit');
    assert.equal(code, 0);
    const after = await run(['--url', gateway, 'balance', '1']);
    assert.equal(after.code, 1, 'nothing answers once stopped');
  });

  test('cli - banca check passes against a bank in seed mode (the queue of 5)', async () => {
    const { child, gateway } = await startBank(['--queue-mode', 'seed', '--store', 'memory']);
    const check = await run(['--url', gateway, 'check']);
    assert.equal(check.code, 0, check.stdout);
    assert.match(check.stdout, /checking seed mode/);
    assert.match(check.stdout, /^7 passed, 0 failed$/m);
    child.kill('SIGINT');
    assert.deepEqual(await once(child, 'exit'), [0, null]);
  });
});
