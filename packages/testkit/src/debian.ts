// What a test needs from Debian's packages (nginx, Python's requests), installed by the test
// itself with apt-get when missing, as CI runs as root on a fresh machine. No package's own
// service starts meanwhile: a policy-rc.d refuses every service start while apt-get runs.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, rmSync, writeFileSync } from 'node:fs';

export interface RunResult {
  code: number | null;
  output: string;
}

/** Runs a command to its end (or kills it after timeoutMs); keeps the last 4 KB of its output. */
export function run(command: string, args: string[], timeoutMs: number, env: NodeJS.ProcessEnv = process.env): Promise<RunResult> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], env });
    let output = '';
    const keep = (chunk: Buffer) => {
      output = (output + chunk.toString()).slice(-4096);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      resolve({ code: -1, output: `${output}\n${String(error)}` });
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

/**
 * Installs Debian packages with apt-get (root only), refreshing the package lists once if the
 * first try fails. Fails the test, saying what to install, when not root. Returns the time taken.
 */
export async function installDebianPackages(packages: readonly string[], why: string): Promise<number> {
  if (process.getuid?.() !== 0) {
    assert.fail(`${why}: this test is not running as root, so it cannot install it: install ${packages.join(' ')} (Debian: apt-get install ${packages.join(' ')}) and run the tests again.`);
  }
  const started = Date.now();
  const policy = '/usr/sbin/policy-rc.d';
  const ownPolicy = !existsSync(policy);
  if (ownPolicy) writeFileSync(policy, '#!/bin/sh\n# banca tests: no service starts while apt-get installs packages\nexit 101\n', { mode: 0o755 });
  try {
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    const install = () => run('apt-get', ['install', '-y', '--no-install-recommends', ...packages], 300_000, env);
    let result = await install();
    if (result.code !== 0) {
      const update = await run('apt-get', ['update'], 300_000, env);
      assert.equal(update.code, 0, `apt-get update failed:\n${update.output}`);
      result = await install();
    }
    assert.equal(result.code, 0, `apt-get install ${packages.join(' ')} failed:\n${result.output}`);
  } finally {
    if (ownPolicy) rmSync(policy, { force: true });
  }
  return Date.now() - started;
}

/** Debian's own Python (not a pyenv or venv one) with `requests`, installed when missing. */
export async function pythonWithRequests(): Promise<{ python: string; installMs: number }> {
  const python = '/usr/bin/python3';
  const hasRequests = async () => existsSync(python) && (await run(python, ['-c', 'import requests'], 30_000)).code === 0;
  if (await hasRequests()) return { python, installMs: 0 };
  const installMs = await installDebianPackages(['python3-requests'], "Python's requests package (python3-requests) is missing");
  assert.ok(await hasRequests(), `apt-get installed python3-requests but ${python} cannot import requests`);
  return { python, installMs };
}
