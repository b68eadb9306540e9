// Seed 000's own kind of programs against banca, unchanged: a Python client written the way seed
// 000's is (requests, the key alone in `auth`, response.json()) through the gateway of a bank
// started with compat seed000; a Python business server written the way seed 000's is (lock,
// getAmount, add, setAmount, unlock) against that bank's data server, side by side with banca's
// own business servers; and seed 001's data-server forms. Without compat the same client fails,
// as it did before compat existed. Python's requests comes from Debian (python3-requests),
// installed by the test when missing.
import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { devBusinessKeys } from '@banca/core/auth';
import { pythonWithRequests } from '@banca/testkit/debian';
import { http, startTestBank, type TestBank } from '@banca/testkit/testkit';

// This file runs from apps/cli/dist/test/.
const root = fileURLToPath(new URL('../../../../', import.meta.url));
const script = (name: string) => fileURLToPath(new URL(`clients/python/seed/${name}`, new URL('../../../../', import.meta.url)));
const CLIENT_KEY = 'dev-insecure-client-a';
/** The Python business server's own id and key at the data server, beside banca's 1 to 3. */
const PYTHON_BUSINESS = { id: '9', key: 'python-business-server-key-0009' };
const PYTHON_CLIENT_KEY = 'python-business-client-key-0001';

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

let python = '';

function runPython(name: string, args: string[]): Promise<Run> {
  return new Promise((resolve, reject) => {
    execFile(python, [script(name), ...args], { cwd: root, timeout: 180_000, env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1' } }, (error, stdout, stderr) => {
      if (error && typeof error.code !== 'number') reject(new Error(`${python} could not run ${name}: ${error.message}`, { cause: error }));
      else resolve({ code: error ? (error.code as number) : 0, stdout, stderr });
    });
  });
}

function passedAll(run: Run, checks: number): void {
  assert.equal(run.code, 0, `the script failed:\n${run.stdout}${run.stderr}`);
  assert.match(run.stdout, new RegExp(`^${checks} passed, 0 failed$`, 'm'), run.stdout);
}

/** Starts seed000_business.py and waits for the address it prints. */
async function startPythonBusiness(dataUrl: string): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(python, [script('seed000_business.py'), '--data-url', dataUrl, '--business-id', PYTHON_BUSINESS.id,
    '--business-key', PYTHON_BUSINESS.key, '--client-key', PYTHON_CLIENT_KEY, '--port', '0'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout });
  const [line] = (await Promise.race([once(lines, 'line'), once(child, 'exit').then(() => { throw new Error('seed000_business.py exited before listening'); })])) as [string];
  const url = /listening on (\S+)/.exec(line)?.[1];
  assert.ok(url, `seed000_business.py printed ${JSON.stringify(line)}`);
  return { url, child };
}

describe('seed 000 compat', { timeout: 10 * 60_000 }, () => {
  let bank: TestBank;

  before(async () => {
    ({ python } = await pythonWithRequests());
    bank = await startTestBank({
      compat: 'seed000',
      queueMode: 'seed',
      dataServer: { businessKeys: { ...devBusinessKeys(3), [PYTHON_BUSINESS.id]: PYTHON_BUSINESS.key } },
    });
  });
  after(async () => bank?.cleanup());

  test("seed 000 compat - seed 000's client test passes through the gateway: its seven checks and its concurrency check", async () => {
    const run = await runPython('seed000_client.py', ['--url', bank.gateway.url, '--key', CLIENT_KEY]);
    passedAll(run, 8);
  });

  test("seed 000 compat - seed 001's data-server forms: getbalance, setBalance and unLock with JSON bodies, the key alone", async () => {
    const run = await runPython('seed001_client.py', ['--url', bank.dataServer.url, '--business-id', '2', '--key', devBusinessKeys(3)['2']!]);
    passedAll(run, 4);
  });

  test("seed 000 compat - a business server written like seed 000's moves money through banca's data server, alongside banca's own, and the ledger stays sound", async () => {
    const python = await startPythonBusiness(bank.dataServer.url);
    try {
      const post = (base: string, path: string, key: string) => http(`${base}${path}`, { method: 'POST', headers: { auth: key, 'content-type': 'application/x-www-form-urlencoded' }, body: '' });
      const pythonBalance = async (account: string) => (await http(`${python.url}/balance/${account}`, { headers: { auth: PYTHON_CLIENT_KEY } })).body as number;
      assert.equal(await pythonBalance('3'), 1000, "account 3 opens with 1000.00, as the seed's did");
      // 20 deposits of 1.5 at once to one account through the Python server, and 20 of 1 through
      // banca's gateway (4 groups of 5): the locks keep every one of them.
      const [viaPython, viaBanca] = await Promise.all([
        Promise.all(Array.from({ length: 20 }, () => post(python.url, '/deposit/3/1.5', PYTHON_CLIENT_KEY))),
        Promise.all(Array.from({ length: 20 }, () => post(bank.gateway.url, '/deposit/3/1', CLIENT_KEY))),
      ]);
      assert.deepEqual(viaPython.map((response) => response.status), Array(20).fill(204), JSON.stringify(viaPython.filter((response) => response.status !== 204).map((response) => response.body)));
      assert.deepEqual(viaBanca.map((response) => response.status), Array(20).fill(204));
      assert.equal(await pythonBalance('3'), 1050);
      assert.equal((await post(python.url, '/transfer/3/4/50.25', PYTHON_CLIENT_KEY)).status, 204);
      assert.equal((await post(python.url, '/withdrawal/4/5000', PYTHON_CLIENT_KEY)).status, 422, 'an overdraft is refused');
      assert.deepEqual([await pythonBalance('3'), await pythonBalance('4')], [999.75, 1050.25]);
      const seen = await http(`${bank.gateway.url}/balance/4`, { headers: { auth: CLIENT_KEY } });
      assert.deepEqual([seen.status, seen.body], [200, 1050.25], "banca's business servers see what the Python one wrote");
      const audit = await http(`${bank.dataServer.url}/v1/audit`, { headers: { 'business-id': '1', 'auth-token': devBusinessKeys(1)['1']! } });
      assert.equal(audit.status, 200);
      assert.equal(audit.body.balanceSumCents, 0, 'the ledger sums to zero');
      assert.deepEqual(audit.body.mismatchedAccounts, []);
    } finally {
      python.child.kill();
    }
  });
});

describe('seed 000 compat - off by default', { timeout: 5 * 60_000 }, () => {
  let bank: TestBank;

  before(async () => {
    ({ python } = await pythonWithRequests());
    bank = await startTestBank();
  });
  after(async () => bank?.cleanup());

  test("seed 000 compat - without it a bank answers banca's wire: seed 000's client passes only its no-key check", async () => {
    const run = await runPython('seed000_client.py', ['--url', bank.gateway.url, '--key', CLIENT_KEY]);
    assert.notEqual(run.code, 0);
    assert.match(run.stdout, /^PASS no key, no access$/m);
    assert.match(run.stdout, /^1 passed, 7 failed$/m, run.stdout);
    const balance = await http(`${bank.gateway.url}/balance/1`, { headers: { 'client-id': 'clientA', 'auth-token': CLIENT_KEY } });
    assert.equal(balance.status, 404, 'account 1 does not exist in a bank without compat');
  });
});
