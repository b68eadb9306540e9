import assert from 'node:assert/strict';
import { test } from 'node:test';
import { inspect } from 'node:util';
import { canonicalJson } from '../src/canonical-json.js';

test('canonical json - the same value in any key order gives one text; arrays keep their order', () => {
  const one = { kind: 'pix', legs: [{ toBankId: 2, key: 'k', amountCents: 100, meta: { z: 1, a: [{ y: 2, b: 3 }] } }] };
  const other = { legs: [{ meta: { a: [{ b: 3, y: 2 }], z: 1 }, amountCents: 100, key: 'k', toBankId: 2 }], kind: 'pix' };
  assert.equal(canonicalJson(one), canonicalJson(other));
  assert.equal(canonicalJson(one), '{"kind":"pix","legs":[{"amountCents":100,"key":"k","meta":{"a":[{"b":3,"y":2}],"z":1},"toBankId":2}]}');
  assert.notEqual(canonicalJson([1, 2]), canonicalJson([2, 1]));
  assert.equal(canonicalJson(Object.assign(Object.create(null), { b: 1, a: 2 })), '{"a":2,"b":1}');
});

test('canonical json - strings and numbers as RFC 8785 writes them; keys sorted by UTF-16 code units', () => {
  // RFC 8785, section 3.2.2 and 3.2.3 examples.
  const input = JSON.parse('{"numbers":[333333333.33333329,1E30,4.50,2e-3,0.000000000000000000000000001],"string":"\\u20ac$\\u000F\\u000aA\'\\u0042\\u0022\\u005c\\\\\\"\\/","literals":[null,true,false]}');
  assert.equal(canonicalJson(input), '{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],"string":"€$\\u000f\\nA\'B\\"\\\\\\\\\\"/"}');
  const keys = JSON.parse('{"\\u20ac":"Euro Sign","\\r":"Carriage Return","\\ufb33":"Hebrew Letter Dalet With Dagesh","1":"One","\\ud83d\\ude00":"Emoji: Grinning Face","\\u0080":"Control","\\u00f6":"Latin Small Letter O With Diaeresis"}');
  assert.equal(
    canonicalJson(keys),
    '{"\\r":"Carriage Return","1":"One","\u0080":"Control","ö":"Latin Small Letter O With Diaeresis","€":"Euro Sign","😀":"Emoji: Grinning Face","דּ":"Hebrew Letter Dalet With Dagesh"}',
  );
  assert.equal(canonicalJson(-0), '0');
});

test('canonical json - flat arrays of strings and numbers are written exactly as JSON.stringify writes them', () => {
  for (const value of [['52998224725', 'debt', 1050, '2024-01-31', 'Loja "Centro"\u2028'], [], ['ação', 0.5, -3, true, null]]) {
    assert.equal(canonicalJson(value), JSON.stringify(value));
  }
});

test('canonical json - undefined, functions, non-finite numbers, bigints and class instances are refused', () => {
  for (const bad of [undefined, [1, undefined], () => 1, { a: { b: Number.NaN } }, Number.POSITIVE_INFINITY, 10n, new Date(0), new Map(), { a: [Symbol('s')] }]) {
    assert.throws(() => canonicalJson(bad), TypeError, inspect(bad));
  }
  assert.throws(() => canonicalJson({ legs: [{ amountCents: Number.NaN }] }), /\$\.legs\[0\]\.amountCents is NaN/);
  assert.equal(canonicalJson({ a: 1, gone: undefined }), '{"a":1}', 'an undefined property is an absent one, as in JSON.stringify');
});
