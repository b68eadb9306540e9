// What the gateway passes on: hop-by-hop headers dropped, its request id, and the client's
// address appended to X-Forwarded-For (the business servers limit logins per address).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { forwardHeaders } from '../src/application/forward.js';

test('gateway - forwarded headers: hop-by-hop dropped, request id set, client address appended last', () => {
  const direct = forwardHeaders({ host: 'x', connection: 'keep-alive', 'content-type': 'application/json', 'x-request-id': 'client-id' }, 'req-1', '10.0.0.7');
  assert.deepEqual(direct, { 'content-type': 'application/json', 'x-request-id': 'req-1', 'x-forwarded-for': '10.0.0.7' });
  const forged = forwardHeaders({ 'x-forwarded-for': '1.2.3.4' }, 'req-2', '10.0.0.7');
  assert.equal(forged['x-forwarded-for'], '1.2.3.4, 10.0.0.7', 'what the client claims stays first; the address seen is last');
  assert.equal(forwardHeaders({}, 'req-3')['x-forwarded-for'], undefined);
});
