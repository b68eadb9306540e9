// Seed 000's numbers: amounts as Python prints them, balances as bare numbers of reais, and the
// key that alone names its owner.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { identifyByKey, refuseSharedKeys } from '../src/auth.js';
import { BancaError } from '../src/errors.js';
import { parsePythonAmount, parsePythonBalance, reaisNumber } from '../src/seed000.js';

const code = (work: () => unknown) => {
  try {
    work();
  } catch (error) {
    return error instanceof BancaError ? error.code : String(error);
  }
  return 'no error';
};

describe('seed 000 numbers', () => {
  test("seed 000 - amounts as Python's str() prints ints and floats", () => {
    const cases: [string, number][] = [['10', 1000], ['10.0', 1000], ['10.5', 1050], ['0.25', 25], ['1050.75', 105075],
      ['0.30000000000000004', 30], ['1099.9999999999998', 110000], ['1e-02', 1], ['1.5e+03', 150000]];
    for (const [text, cents] of cases) assert.equal(parsePythonAmount(text), cents, text);
  });

  test('seed 000 - a real third decimal, a sign, text or zero is INVALID_AMOUNT; past the limit AMOUNT_TOO_LARGE', () => {
    for (const text of ['10.005', '-1', '+1', 'ten', '', ' 1', '1,5', 'nan', 'inf', '0', '0.0', '1e-05']) {
      assert.equal(code(() => parsePythonAmount(text)), 'INVALID_AMOUNT', text);
    }
    assert.equal(code(() => parsePythonAmount('1000000001')), 'AMOUNT_TOO_LARGE');
    assert.equal(parsePythonBalance('0.0'), 0, 'a balance may be zero');
    assert.equal(parsePythonBalance('2000000000'), 200_000_000_000, 'a balance may pass the per-operation limit');
  });

  test('seed 000 - a balance is a bare number of reais that reads back as the same cents', () => {
    for (const cents of [0, 1, 7, 10, 99, 1050, 100_000, 123_456_789, 999_999_999_999_99]) {
      const number = reaisNumber(cents);
      assert.equal(Math.round(Number(JSON.stringify(number)) * 100), cents);
      assert.equal(parsePythonBalance(String(number)), cents, `${cents} cents print as ${number}`);
    }
    assert.equal(JSON.stringify(reaisNumber(1050)), '10.5');
    assert.equal(JSON.stringify(reaisNumber(100_000)), '1000');
  });

  test('seed 000 - a key alone names its owner, and a ring whose owners share a key is refused', () => {
    const ring = { clientA: 'key-of-a-0000000000', clientB: 'key-of-b-0000000000' };
    assert.equal(identifyByKey(ring, 'key-of-b-0000000000'), 'clientB');
    assert.equal(identifyByKey(ring, 'key-of-c-0000000000'), undefined);
    assert.equal(identifyByKey(ring, undefined), undefined);
    assert.doesNotThrow(() => refuseSharedKeys(ring, 'clientKeys'));
    assert.throws(() => refuseSharedKeys({ ...ring, clientC: 'key-of-a-0000000000' }, 'clientKeys'), /clientA and clientC have the same key/);
  });
});
