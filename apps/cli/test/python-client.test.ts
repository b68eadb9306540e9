// The Python client (clients/python) against a real bank: its check script must pass with the
// right key and fail, saying why, with a wrong one.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { startTestBank, type TestBank } from '@banca/testkit/testkit';

// This file runs from apps/cli/dist/test/.
const rootUrl = new URL('../../../../', import.meta.url);
const root = fileURLToPath(rootUrl);
const checkScript = fileURLToPath(new URL('clients/python/check.py', rootUrl));

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs check.py without waiting synchronously: the bank answers from this very process. */
function runCheck(args: string[]): Promise<Run> {
  // Only the arguments choose the bank and credentials, whatever the developer's shell exports.
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('BANCA_')));
  return new Promise((resolve, reject) => {
    execFile('python3', [checkScript, ...args], { cwd: root, timeout: 60_000, env: { ...env, PYTHONDONTWRITEBYTECODE: '1' } }, (error, stdout, stderr) => {
      if (error && typeof error.code !== 'number') reject(new Error(`python3 could not run: ${error.message}`, { cause: error }));
      else resolve({ code: error ? (error.code as number) : 0, stdout, stderr });
    });
  });
}

describe('python client', () => {
  let bank: TestBank;

  before(async () => {
    bank = await startTestBank();
  });
  after(async () => bank?.cleanup());

  test('python client - check script passes against a running bank', async () => {
    const run = await runCheck(['--url', bank.gateway.url]);
    assert.equal(run.code, 0, `check.py failed:\n${run.stdout}${run.stderr}`);
    assert.match(run.stdout, /^\d+ passed, 0 failed$/m);
    assert.doesNotMatch(run.stdout, /^FAIL /m);
  });

  test('python client - check script fails with a wrong key', async () => {
    const run = await runCheck(['--url', bank.gateway.url, '--key', 'wrong-key-0000000000']);
    assert.notEqual(run.code, 0, `check.py passed with a wrong key:\n${run.stdout}`);
    assert.match(run.stdout, /^FAIL .*UNAUTHENTICATED/m);
    assert.match(run.stdout, /^0 passed, [1-9]\d* failed$/m);
  });
});
