import assert from 'node:assert/strict';
import { test } from 'node:test';
import { inspect } from 'node:util';
import { BancaError } from '../src/errors.js';
import { AMOUNT_CENTS_MAX, asCents, formatCents, parseAmount, parseSignedAmount } from '../src/money.js';

test('money - decimal strings parse exactly into cents', () => {
  assert.equal(parseAmount('10.50'), 1050);
  assert.equal(parseAmount('10.5'), 1050);
  assert.equal(parseAmount('10'), 1000);
  assert.equal(parseAmount('0.01'), 1);
  assert.equal(parseAmount('0.29'), 29, 'no floating point rounding (0.29 * 100 = 28.999...)');
  assert.equal(parseAmount('1000000000.00'), AMOUNT_CENTS_MAX);
  assert.equal(parseSignedAmount('-3.25'), -325);
});

test('money - negative, zero, malformed and too large amounts are refused with a stable code', () => {
  for (const bad of ['-1', '0', '0.00', 'abc', '1.001', '1e3', '', ' ', '1,50', '0x10', 'NaN', 'Infinity', '١٠']) {
    assert.throws(() => parseAmount(bad), (error: unknown) => error instanceof BancaError && error.code === 'INVALID_AMOUNT', bad);
  }
  assert.throws(() => parseAmount('1000000000.01'), (error: unknown) => error instanceof BancaError && error.code === 'AMOUNT_TOO_LARGE');
  assert.throws(() => asCents(1.5), (error: unknown) => error instanceof BancaError && error.code === 'INVALID_AMOUNT');
  assert.throws(() => asCents(-1), (error: unknown) => error instanceof BancaError && error.code === 'INVALID_AMOUNT');
});

test('money - JSON numbers are refused with INVALID_AMOUNT: an amount is always a decimal string', () => {
  for (const number of [10, 10.5, 0.1 + 0.2, Number.NaN, -3.25, 0]) {
    for (const parse of [parseAmount, parseSignedAmount]) {
      assert.throws(() => parse(number), (error: unknown) => {
        assert.ok(error instanceof BancaError && error.code === 'INVALID_AMOUNT', `${parse.name}(${number}): ${String(error)}`);
        assert.match(error.message, /must be a string of a decimal like "10\.50"/);
        assert.ok(error.message.includes(`(got the number ${number})`), error.message);
        return true;
      });
    }
  }
  for (const other of [null, undefined, true, ['10.50'], { amount: '10.50' }, 10n]) {
    assert.throws(() => parseAmount(other), (error: unknown) => error instanceof BancaError && error.code === 'INVALID_AMOUNT' && /must be a string/.test(error.message), inspect(other));
  }
});

test('money - cents format back to decimal strings', () => {
  assert.equal(formatCents(1050), '10.50');
  assert.equal(formatCents(5), '0.05');
  assert.equal(formatCents(-5), '-0.05');
  assert.equal(formatCents(0), '0.00');
});
