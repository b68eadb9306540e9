// Canonical JSON for request hashes (RFC 8785 JCS style): one text per value, whatever order its
// objects' keys were written in. Keys are sorted by UTF-16 code units at every depth, arrays keep
// their order, strings and numbers are written as JSON.stringify writes them. A value JSON cannot
// carry (undefined, a function, NaN, a bigint, a Date or Map) is a bug in the caller: it throws.

/**
 * The canonical JSON text of a JSON value. An object property whose value is undefined is left
 * out, as JSON.stringify leaves it out: it means the same as an absent optional field.
 * @example canonicalJson({ b: 1, a: [true, null] }) === '{"a":[true,null],"b":1}'
 */
export function canonicalJson(value: unknown): string {
  return write(value, '$');
}

function write(value: unknown, at: string): string {
  if (value === null || typeof value === 'boolean' || typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new TypeError(`canonicalJson: ${at} is ${value}, which JSON cannot carry.`);
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) return `[${value.map((item, index) => write(item, `${at}[${index}]`)).join(',')}]`;
  if (isPlainObject(value)) {
    const keys = Object.keys(value).filter((key) => value[key] !== undefined).sort();
    return `{${keys.map((key) => `${JSON.stringify(key)}:${write(value[key], `${at}.${key}`)}`).join(',')}}`;
  }
  const kind = typeof value === 'object' ? `a ${value.constructor?.name ?? 'object'}` : typeof value;
  throw new TypeError(`canonicalJson: ${at} is ${kind}, which is not a JSON value.`);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const prototype: unknown = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}
