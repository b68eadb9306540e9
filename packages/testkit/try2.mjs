import { startTestConsortium, http } from '@banca/testkit/testkit';
const c = await startTestConsortium(2, 'holds');
try {
  const u = (i) => c.url(i);
  await http(`${u(1)}/v1/customers`, { method: 'POST', json: { type: 'individual', holders: [{ name: 'Ana Souza', document: '111.444.777-35' }], email: 'ana@example.com', password: 'secret123' } });
  const login = await http(`${u(1)}/v1/sessions`, { method: 'POST', json: { email: 'ana@example.com', password: 'secret123' } });
  const auth = { authorization: `Bearer ${login.body.token}` };
  await http(`${u(1)}/v1/me/deposits`, { method: 'POST', headers: { ...auth, 'idempotency-key': 'd1' }, json: { amount: '100.00', method: 'cash' } });
  const acct = login.body.account.accountId;
  const h = { 'bank-id': '2', 'auth-token': 'dev-insecure-interbank-2' };
  console.log((await http(`${u(1)}/interbank/v1/holds`, { method: 'POST', headers: h, json: { legId: 'x1.1', packetId: 'x1', coordinatorBank: 2, payerAccountId: acct, payerDocument: '11144477735', toBank: 2, amountCents: 500, receiverName: '' } })).body);
  console.log((await http(`${u(1)}/interbank/v1/holds/x1.1/post`, { method: 'POST', headers: h, json: {} })).body);
} finally { await c.cleanup(); }
