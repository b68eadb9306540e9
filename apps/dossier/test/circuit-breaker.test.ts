// The dossier's circuit breaker on its own, with a clock the test moves: it opens after N
// failures in a row, fails fast while open, lets one probe through when the time is up, and
// only the failures the caller classifies count.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { CircuitBreaker, CircuitOpenError } from '../src/application/circuit-breaker.js';

const fail = () => Promise.reject(new Error('down'));
const succeed = () => Promise.resolve('up');

function breaker(failuresToOpen = 3, openMs = 1000) {
  const clock = { now: 0 };
  return { clock, breaker: new CircuitBreaker({ failuresToOpen, openMs }, () => clock.now) };
}

describe('circuit breaker', () => {
  test('circuit breaker - opens after failuresToOpen failures in a row, then fails fast without calling', async () => {
    const { breaker: circuit } = breaker(3);
    for (let i = 0; i < 3; i++) await assert.rejects(circuit.run(fail), /down/);
    assert.equal(circuit.state.kind, 'open');
    let called = false;
    await assert.rejects(circuit.run(async () => {
      called = true;
      return 'x';
    }), CircuitOpenError);
    assert.equal(called, false);
  });

  test('circuit breaker - a success between failures starts the count again', async () => {
    const { breaker: circuit } = breaker(3);
    await assert.rejects(circuit.run(fail));
    await assert.rejects(circuit.run(fail));
    assert.equal(await circuit.run(succeed), 'up');
    await assert.rejects(circuit.run(fail));
    await assert.rejects(circuit.run(fail));
    assert.deepEqual(circuit.state, { kind: 'closed', failures: 2 });
  });

  test('circuit breaker - when openMs is up one probe goes through; others fail fast while it runs; its success closes', async () => {
    const { clock, breaker: circuit } = breaker(1, 1000);
    await assert.rejects(circuit.run(fail));
    clock.now = 999;
    await assert.rejects(circuit.run(succeed), (error: unknown) => error instanceof CircuitOpenError && error.retryInMs === 1);
    clock.now = 1000;
    let release: (value: string) => void = () => {};
    const probe = circuit.run(() => new Promise<string>((resolve) => (release = resolve)));
    await assert.rejects(circuit.run(succeed), CircuitOpenError, 'a second call while the probe runs');
    release('probe');
    assert.equal(await probe, 'probe');
    assert.deepEqual(circuit.state, { kind: 'closed', failures: 0 });
    assert.equal(await circuit.run(succeed), 'up');
  });

  test('circuit breaker - a failed probe opens the circuit again for openMs', async () => {
    const { clock, breaker: circuit } = breaker(2, 500);
    await assert.rejects(circuit.run(fail));
    await assert.rejects(circuit.run(fail));
    clock.now = 500;
    await assert.rejects(circuit.run(fail), /down/);
    assert.deepEqual(circuit.state, { kind: 'open', untilMs: 1000 });
    await assert.rejects(circuit.run(succeed), CircuitOpenError);
  });

  test('circuit breaker - errors the caller does not count (the source answered) keep it closed', async () => {
    const { breaker: circuit } = breaker(1);
    const refused = () => Promise.reject(Object.assign(new Error('bad request'), { status: 400 }));
    for (let i = 0; i < 5; i++) await assert.rejects(circuit.run(refused, (error) => (error as { status?: number }).status !== 400), /bad request/);
    assert.deepEqual(circuit.state, { kind: 'closed', failures: 0 });
  });

  test('circuit breaker - options are checked', () => {
    assert.throws(() => new CircuitBreaker({ failuresToOpen: 0, openMs: 10 }), RangeError);
    assert.throws(() => new CircuitBreaker({ failuresToOpen: 1, openMs: 0 }), RangeError);
  });
});
