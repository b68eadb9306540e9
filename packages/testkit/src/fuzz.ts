// Shared pieces of the property-based "bad input" tests (fast-check over fastify's inject()):
// the check that an answer is a refusal in the error catalogue's shape, generators of malformed
// amounts, ids, text and content types, and the run settings.
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { errorCatalogue, isErrorCode, type ErrorCode } from '@banca/core/errors';
import { AMOUNT_CENTS_MAX } from '@banca/core/money';

/** What inject() answers, reduced to what the checks need. */
export interface Answer {
  status: number;
  body: any;
  text: string;
  headers: Record<string, unknown>;
}

export function answerOf(response: { statusCode: number; body: string; headers: Record<string, unknown> }): Answer {
  let body: unknown;
  try {
    body = response.body ? JSON.parse(response.body) : undefined;
  } catch {
    body = undefined;
  }
  return { status: response.statusCode, body, text: response.body, headers: response.headers };
}

/**
 * fast-check settings: `numRuns` scaled by FUZZ_RUNS_FACTOR (e.g. 20 for a long local hunt) and
 * FUZZ_SEED to replay a failure (fast-check prints the seed and the shrunk counterexample).
 */
export function fuzzRuns(numRuns: number): { numRuns: number; seed?: number } {
  const factor = Number(process.env.FUZZ_RUNS_FACTOR ?? 1);
  const scaled = Math.max(1, Math.round(numRuns * (Number.isFinite(factor) && factor > 0 ? factor : 1)));
  const seed = process.env.FUZZ_SEED === undefined ? undefined : Number(process.env.FUZZ_SEED);
  return seed === undefined || !Number.isFinite(seed) ? { numRuns: scaled } : { numRuns: scaled, seed };
}

function explain(answer: Answer, context: string): string {
  return `${context}\n  -> ${answer.status} ${answer.text.slice(0, 300)}`;
}

/**
 * The answer is a refusal from the catalogue: a 4xx whose body is
 * {"error":{"code","message","retryable"},"requestId"}, the code known and carrying the answer's
 * status and retryability, the request id the one in the x-request-id header. With `codes`, the
 * code is one of them. Returns the code.
 */
export function assertRefused(answer: Answer, context: string, codes?: readonly ErrorCode[]): ErrorCode {
  const where = explain(answer, context);
  assert.ok(answer.status >= 400 && answer.status < 500, `expected a 4xx refusal: ${where}`);
  const error = answer.body?.error;
  assert.ok(error !== null && typeof error === 'object', `the body has no "error" object: ${where}`);
  assert.ok(isErrorCode(error.code), `"${String(error.code)}" is not in the error catalogue: ${where}`);
  const entry = errorCatalogue[error.code as ErrorCode];
  assert.equal(answer.status, entry.status, `status ${answer.status} is not the catalogue's ${entry.status} for ${error.code}: ${where}`);
  assert.equal(error.retryable, entry.retryable, `retryable is not the catalogue's for ${error.code}: ${where}`);
  assert.ok(typeof error.message === 'string' && error.message.trim().length > 0, `the error has no message: ${where}`);
  assert.ok(typeof answer.body.requestId === 'string' && answer.body.requestId.length > 0, `the body has no requestId: ${where}`);
  assert.equal(answer.body.requestId, answer.headers['x-request-id'], `requestId differs from the x-request-id header: ${where}`);
  if (codes) assert.ok(codes.includes(error.code), `expected one of ${codes.join(', ')}, got ${error.code}: ${where}`);
  return error.code as ErrorCode;
}

/** Never a 5xx; a 4xx is a catalogue refusal. Returns true when the request was refused. */
export function assertNoServerError(answer: Answer, context: string): boolean {
  assert.ok(answer.status < 500, `a server error for bad input: ${explain(answer, context)}`);
  if (answer.status >= 400) {
    assertRefused(answer, context);
    return true;
  }
  return false;
}

/** A compact description of a request for assertion messages. */
export function describeRequest(request: { method?: unknown; url?: unknown; headers?: unknown; payload?: unknown }): string {
  const payload = request.payload === undefined ? '' : typeof request.payload === 'string' ? request.payload : String(JSON.stringify(request.payload));
  const headers = request.headers ? ` ${JSON.stringify(request.headers).slice(0, 300)}` : '';
  const url = typeof request.url === 'string' ? request.url : JSON.stringify(request.url);
  return `${typeof request.method === 'string' ? request.method : 'GET'} ${url}${headers} ${payload.slice(0, 300)}${payload.length > 300 ? `... (${payload.length} chars)` : ''}`;
}

// ---------------------------------------------------------------------------------------------
// Oracles, written from the documented rules rather than taken from the parsers under test.

/**
 * A positive decimal with 1 to 15 integer digits and at most two decimals, above zero and at most
 * AMOUNT_CENTS_MAX. Surrounding white space (any Unicode space, as String.prototype.trim) is
 * tolerated because parseAmount trims: " 1" and "\u30001" are accepted as 1.00.
 */
export function isValidAmountText(text: string): boolean {
  const match = /^([0-9]{1,15})(?:\.([0-9]{1,2}))?$/.exec(text.trim());
  if (!match) return false;
  const cents = Number(match[1]) * 100 + Number((match[2] ?? '').padEnd(2, '0'));
  return cents > 0 && cents <= AMOUNT_CENTS_MAX;
}

/** A whole number of cents a JSON field may carry: a safe integer from 1 to AMOUNT_CENTS_MAX. */
export function isValidCents(value: unknown): boolean {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 1 && value <= AMOUNT_CENTS_MAX;
}

export const isValidAccountId = (value: string) => /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/.test(value);
/** The data server's ledger ids also take a client's space: `<space>:<account id>`. */
export const isValidLedgerAccountId = (value: string) => /^(?:[A-Za-z0-9][A-Za-z0-9_.-]{0,31}:)?[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/.test(value);
export const isValidOperationId = (value: string) => /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$/.test(value);
export const isValidBusinessId = (value: string) => /^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$/.test(value);

// ---------------------------------------------------------------------------------------------
// Generators.

/** Strings that break parsers: unicode look-alikes, control characters, injection, JS names. */
export const trickyStrings = [
  '', ' ', '\t', '\n', '\r\n', '\u0000', 'a\u0000b', '０１', '１', '١٢٣', '१२', '٫', 'Ⅻ', '½', '²', 'ﬀ', 'İ', 'ß', 'é', 'e\u0301',
  '💸', '👨‍👩‍👧', '\uFEFF', '\u200B', '\u3000', 'a b', 'a/b', 'a\\b', 'a?b', 'a#b', 'a%b', 'a+b', 'a;b', 'a,b', '..', '.', '../..', '-', '_',
  '<script>alert(1)</script>', "' OR 1=1 --", '"', '{}', '[]', 'null', 'undefined', 'true', 'NaN', 'Infinity', '-Infinity',
  '__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', '@cash', '@holds', '@adjustments', '@bank:1', '@bank:0', '@nope',
  'x'.repeat(65), 'x'.repeat(129), '9'.repeat(40),
] as const;

/** Text of every kind: curated traps, any unicode (well formed), ASCII, and raw UTF-16 (lone surrogates). */
export function anyText(maxLength = 40): fc.Arbitrary<string> {
  return fc.oneof(
    fc.constantFrom(...trickyStrings),
    fc.string({ unit: 'grapheme', maxLength }),
    fc.string({ unit: 'grapheme-ascii', maxLength }),
    fc.string({ unit: 'binary', maxLength }),
  );
}

/** Well-formed text only (percent-encodable: no lone surrogates), for paths and query strings. */
export function pathText(maxLength = 40): fc.Arbitrary<string> {
  return fc.oneof(
    fc.constantFrom(...trickyStrings),
    fc.string({ unit: 'grapheme', maxLength }),
    fc.string({ unit: 'grapheme-ascii', maxLength }),
  );
}

const badAmountExamples = [
  '-1', '-0', '-0.01', '-1.00', '0', '0.0', '0.00', '00', '000.00', '1.005', '0.001', '1.234', '10.999', '1e3', '1E3', '1e-2', '1e+2', '+1', '1.', '.5',
  '1,00', '1,5', '1 000', '1_000', '1.0.0', '--1', '1-', '0x10', '0b1', '0o7', '１', '０１', '１.００', '١', '١٫٥', '१', '五', 'NaN', 'Infinity',
  '-Infinity', '', ' ', '\t', 'abc', '1a', 'a1', '$1', '1$', 'R$1', '1.00 BRL', '99999999999999999999', '9999999999999999', '1000000000.01',
  '1000000000000000', '123456789012345678', '1000000001', '0.1.', '\u00001', '1\u0000', '⁹', '1/2', '½', 'null', 'true', '[1]', '{"a":1}',
];

/** Every curated bad amount: run as fast-check `examples` so that each one is tried on every route, not left to chance. */
export const BAD_AMOUNT_EXAMPLES: readonly string[] = badAmountExamples.filter((text) => !isValidAmountText(text));

/** The curated bad amounts that matter most (zero, negative, too precise, exponent, too large, look-alike digits, blank), for slower routes. */
export const KEY_BAD_AMOUNT_EXAMPLES: readonly string[] = ['0', '0.00', '-0', '-1', '-0.01', '1.005', '0.001', '1e3', '+1', '.5', '1.', '1,00', '１', '٫', '', ' ', 'NaN', '1000000000.01', '99999999999999999999', 'abc'];

/** Every curated bad whole number of cents (zero, negative, fractional, above the limit, unsafe). */
export const BAD_CENTS_EXAMPLES: readonly number[] = [0, -0, -1, 0.5, 1.005, 100.5, AMOUNT_CENTS_MAX + 1, Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER + 2, 2 ** 64, 1e21, 1e300, -1e300, Number.MIN_VALUE];

/** Amount text that is not a valid positive amount (by the oracle above); the curated traps weigh as much as the rest. */
export function badAmountText(): fc.Arbitrary<string> {
  const decimal = fc.tuple(fc.bigInt({ min: -(10n ** 25n), max: 10n ** 25n }), fc.string({ unit: fc.constantFrom(...'0123456789'), minLength: 0, maxLength: 6 }))
    .map(([units, fraction]) => (fraction === '' ? String(units) : `${units}.${fraction}`));
  return fc.oneof(
    { arbitrary: fc.constantFrom(...badAmountExamples), weight: 5 },
    fc.double().map((value) => String(value)),
    fc.double().map((value) => value.toExponential()),
    decimal,
    fc.integer({ min: -1_000_000, max: 0 }).map(String),
    anyText(24),
  ).filter((text) => !isValidAmountText(text));
}

/** JSON values for an amount field that must be a decimal string: every other JSON type, and bad strings. */
export function badAmountJson(): fc.Arbitrary<unknown> {
  return fc.oneof(
    { arbitrary: badAmountText(), weight: 6 },
    fc.double({ noNaN: true, noDefaultInfinity: true }), fc.integer(), fc.boolean(), fc.constant(null), fc.array(fc.integer(), { maxLength: 2 }), fc.dictionary(fc.string({ maxLength: 3 }), fc.integer(), { maxKeys: 2 }),
  );
}

/** Numbers that are not a valid whole number of cents: zero, negative, fractional, too large, unsafe. */
export function badCents(): fc.Arbitrary<number> {
  return fc.oneof(
    { arbitrary: fc.constantFrom(...BAD_CENTS_EXAMPLES), weight: 3 },
    fc.integer({ min: -1_000_000_000, max: 0 }),
    fc.double({ noNaN: true, noDefaultInfinity: true }),
  ).filter((value) => !isValidCents(value));
}

/** Account ids that break the rule (1 to 64 of [A-Za-z0-9_.-], starting with a letter or digit). */
export function badAccountId(): fc.Arbitrary<string> {
  return anyText(80).filter((text) => !isValidAccountId(text));
}

/** Ledger account ids the data server refuses (see isValidLedgerAccountId). */
export function badLedgerAccountId(): fc.Arbitrary<string> {
  return anyText(110).filter((text) => !isValidLedgerAccountId(text));
}

/** Operation ids / idempotency keys that break the rule (1 to 128 of [A-Za-z0-9_.:-]). */
export function badOperationId(): fc.Arbitrary<string> {
  return fc.oneof(anyText(40), fc.constant('k'.repeat(129))).filter((text) => !isValidOperationId(text));
}

/** Whether a string is well-formed UTF-16 (no lone surrogates), i.e. can be percent-encoded. */
export function isWellFormed(text: string): boolean {
  try {
    encodeURIComponent(text);
    return true;
  } catch {
    return false;
  }
}

/** Fastify refuses longer path parameters before routing (maxParamLength, default 100): see the BUG tests. */
export const PARAM_CHARS_MAX = 100;

/** A percent-encoded path segment; the generators below keep it within PARAM_CHARS_MAX. */
export function segment(text: string): string {
  return encodeURIComponent(text);
}

const fitsInPath = (text: string) => isWellFormed(text) && encodeURIComponent(text).length <= PARAM_CHARS_MAX;

/** Variants of the above for paths, headers and query strings: well formed, short enough for a path parameter. */
export function badAccountIdInPath(): fc.Arbitrary<string> {
  return pathText(40).filter((text) => fitsInPath(text) && !isValidAccountId(text));
}
export function badLedgerAccountIdInPath(): fc.Arbitrary<string> {
  return pathText(40).filter((text) => fitsInPath(text) && !isValidLedgerAccountId(text));
}
export function badOperationIdInPath(): fc.Arbitrary<string> {
  return pathText(40).filter((text) => fitsInPath(text) && !isValidOperationId(text));
}
export function badAmountInPath(): fc.Arbitrary<string> {
  return badAmountText().filter(fitsInPath);
}

/**
 * Header values that are valid HTTP (visible ASCII, inner spaces) yet wrong as credentials or keys.
 * Never with surrounding white space: HTTP parsers drop it (RFC 9110), so "k " over a socket is "k",
 * while inject() keeps it.
 */
export function headerText(maxLength = 40): fc.Arbitrary<string> {
  return fc.oneof(
    fc.constantFrom('', 'null', 'undefined', '__proto__', 'constructor', 'dev-insecure-', 'dev-insecure-business-', 'dev-insecure-client-', 'Bearer', "' OR 1=1 --", 'a b', 'x'.repeat(300)),
    fc.string({ unit: 'grapheme-ascii', maxLength }).map((text) => text.replace(/[^\x20-\x7e]/g, '').trim()),
  );
}

/** Content types that are not JSON (a body with one of them must get 415). */
export function nonJsonContentType(): fc.Arbitrary<string> {
  const token = fc.string({ unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz0123456789-.+'), minLength: 1, maxLength: 12 });
  return fc.oneof(
    fc.constantFrom(
      'text/plain', 'text/plain; charset=utf-8', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'text/html', 'application/xml',
      'text/json', 'application/octet-stream', 'application/jsonp', 'application/json-patch+json', 'application/vnd.api+json', 'application/javascript', 'image/png', '*/*',
    ),
    fc.tuple(token, token).map(([type, subtype]) => `${type}/${subtype}`),
  ).filter((type) => !/^application\/json\s*(;|$)/i.test(type.trim()));
}

/** Any JSON text at all, from fc.jsonValue (numbers, strings with unicode, nesting). */
export function jsonJunk(): fc.Arbitrary<unknown> {
  return fc.jsonValue({ maxDepth: 3 });
}

/**
 * A JSON object with the given valid fields where one field (of `bad`, possibly an optional one
 * absent from `valid`) gets a bad value, or a required field is removed, or an unknown field is added.
 */
export function corrupt<T extends Record<string, unknown>>(valid: T, bad: Record<string, fc.Arbitrary<unknown>>, options: { required?: readonly (keyof T)[] } = {}): fc.Arbitrary<Record<string, unknown>> {
  const replaced = Object.entries(bad).map(([field, values]) => values.map((value) => ({ ...valid, [field]: value })));
  const removed = (options.required ?? []).map((field) => fc.constant(Object.fromEntries(Object.entries(valid).filter(([name]) => name !== field))));
  const extra = fc.tuple(fc.string({ minLength: 1, maxLength: 12 }).filter((name) => !Object.hasOwn(valid, name) && name !== '__proto__'), jsonJunk())
    .map(([name, value]) => ({ ...valid, [name]: value }));
  return fc.oneof(...replaced, ...removed, extra);
}

/**
 * Bad amounts on every amount field of a service: each curated example on each field first (text
 * fields get `textExamples`, cents fields BAD_CENTS_EXAMPLES), then random bad text or cents.
 */
export function badAmountsOnFields<F extends string>(textFields: readonly F[], centsFields: readonly F[], textExamples: readonly string[]): {
  arbitrary: fc.Arbitrary<[F, string | number]>;
  examples: [[F, string | number]][];
} {
  const examples: [[F, string | number]][] = [
    ...textFields.flatMap((field) => textExamples.map((value): [[F, string | number]] => [[field, value]])),
    ...centsFields.flatMap((field) => BAD_CENTS_EXAMPLES.map((value): [[F, string | number]] => [[field, value]])),
  ];
  const arbitrary = fc.oneof(
    fc.tuple(fc.constantFrom<F>(...textFields), badAmountText() as fc.Arbitrary<string | number>),
    fc.tuple(fc.constantFrom<F>(...centsFields), badCents() as fc.Arbitrary<string | number>),
  );
  return { arbitrary, examples };
}
