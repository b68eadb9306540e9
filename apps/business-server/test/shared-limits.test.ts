// Log-in and sign-up limits hold across a bank's business servers: three real business server
// processes share one data server, and requests spread round-robin over them meet one count.
// Called directly, each request as if through a proxy on loopback (X-Forwarded-For names the
// client). Last, with the data server gone, a log-in or sign-up is a retryable 503, never let
// through unlimited.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { DOCUMENTS } from '@banca/testkit/consortium';
import { http, startTestBank, type TestBank } from '@banca/testkit/testkit';

let bank: TestBank;
let request = 0;
/** The next business server, round-robin. */
const nextServer = () => bank.businessServers[request++ % bank.businessServers.length]!.url;

const logIn = (email: string, password: string, client: string, url = nextServer()) =>
  http(`${url}/v1/sessions`, { method: 'POST', headers: { 'x-forwarded-for': client }, json: { email, password } });
const signUp = (index: number, client: string, url = nextServer()) => http(`${url}/v1/customers`, {
  method: 'POST', headers: { 'x-forwarded-for': client },
  json: { type: 'individual', holders: [{ name: `Person ${index}`, document: DOCUMENTS.cpf[index] }], email: `shared.${index}@example.com`, password: 'correct horse' },
});
const unknownEmail = () => `nobody.${randomUUID().slice(0, 8)}@example.com`;

before(async () => {
  bank = await startTestBank({
    store: 'sqlite', businessServers: 3,
    businessServer: { loginAttemptsMax: 5, loginAttemptsPerIpMax: 7, signUpsPerIpMax: 3 },
  });
});
after(async () => bank?.cleanup());

describe('shared limits - three business servers of one bank', () => {
  test('sign-ups per address: the 4th, on any server, is 429 and opens nothing; another address goes on', async () => {
    for (let i = 0; i < 3; i++) assert.equal((await signUp(i, '198.51.100.10')).status, 201, `sign-up ${i + 1}`);
    for (const server of bank.businessServers) {
      const refused = await signUp(3, '198.51.100.10', server.url);
      assert.deepEqual([refused.status, refused.body.error.code], [429, 'TOO_MANY_REQUESTS'], server.url);
      assert.match(String(refused.headers['retry-after']), /^[1-9][0-9]*$/);
    }
    assert.equal((await logIn('shared.3@example.com', 'correct horse', '198.51.100.99')).status, 401, 'the refused sign-ups opened no account');
    assert.equal((await signUp(3, '198.51.100.11')).status, 201);
  });

  test("failed log-ins per e-mail: five spread over the servers, then 429 at each, even with the right password", async () => {
    const email = 'shared.0@example.com';
    for (let i = 0; i < 5; i++) assert.equal((await logIn(email.toUpperCase(), 'wrong horse', `198.51.100.${20 + i}`)).status, 401, `failure ${i + 1}`);
    for (const server of bank.businessServers) {
      const refused = await logIn(email, 'correct horse', '198.51.100.30', server.url);
      assert.deepEqual([refused.status, refused.body.error.code], [429, 'TOO_MANY_REQUESTS'], server.url);
      assert.match(refused.body.error.message, /for this e-mail/);
    }
    // A restarted server forgets nothing: the count lives at the data server.
    await bank.restartBusinessServer(0);
    assert.equal((await logIn(email, 'correct horse', '198.51.100.30', bank.businessServers[0]!.url)).status, 429);
  });

  test('a successful log-in at one server clears the failures counted at the others', async () => {
    const email = 'shared.1@example.com';
    for (let round = 0; round < 2; round++) {
      for (let i = 0; i < 4; i++) assert.equal((await logIn(email, 'wrong horse', `198.51.100.${40 + round}`)).status, 401);
      assert.equal((await logIn(email, 'correct horse', `198.51.100.${40 + round}`)).status, 200, `round ${round}`);
    }
  });

  test('failed log-ins per address: seven over many e-mails and servers, then 429 for any e-mail', async () => {
    const spray = [];
    for (let i = 0; i < 7; i++) spray.push((await logIn(unknownEmail(), 'Summer2024!', '203.0.113.50')).status);
    assert.deepEqual([...new Set(spray)], [401]);
    const refused = await logIn('shared.2@example.com', 'correct horse', '203.0.113.50');
    assert.deepEqual([refused.status, refused.body.error.code], [429, 'TOO_MANY_REQUESTS']);
    assert.match(refused.body.error.message, /from your network address/);
    assert.equal((await logIn('shared.2@example.com', 'correct horse', '203.0.113.51')).status, 200, 'another address');
  });

  test('concurrent guesses at all three servers: exactly five are checked, the rest 429', async () => {
    const email = unknownEmail();
    const answers = await Promise.all(Array.from({ length: 15 }, (_, i) => logIn(email, 'wrong horse', `198.51.100.${60 + i}`)));
    assert.deepEqual(answers.map((answer) => answer.status).sort(), [...Array(5).fill(401), ...Array(10).fill(429)]);
  });

  test('the data server down: log-in and sign-up fail closed with a retryable 503', async () => {
    await bank.dataServer.stop();
    const login = await logIn('shared.2@example.com', 'correct horse', '198.51.100.80');
    assert.deepEqual([login.status, login.body.error.code, login.body.error.retryable], [503, 'UNAVAILABLE', true]);
    const created = await signUp(4, '198.51.100.81');
    assert.deepEqual([created.status, created.body.error.code, created.body.error.retryable], [503, 'UNAVAILABLE', true]);
  });
});
