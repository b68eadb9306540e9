// Shared-key authentication between banca's services. Keys are compared in constant time, and
// development keys (which ship in the repository) are refused when NODE_ENV is production.
import { createHash, timingSafeEqual } from 'node:crypto';

export const DEV_KEY_PREFIX = 'dev-insecure-';

export type KeyRing = Readonly<Record<string, string>>;

/** Parses "1:key,2:key" into { "1": "key", "2": "key" }. */
export function parseKeyList(text: string, variable: string): Record<string, string> {
  const keys: Record<string, string> = {};
  for (const item of text.split(',').map((part) => part.trim()).filter(Boolean)) {
    const colon = item.indexOf(':');
    if (colon <= 0 || colon === item.length - 1) {
      throw new Error(`${variable}: "${item.slice(0, 20)}..." must look like "id:key", comma separated.`);
    }
    keys[item.slice(0, colon)] = item.slice(colon + 1);
  }
  return keys;
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

/** Constant-time check that `presented` is the key registered for `id`. */
export function verifyKey(ring: KeyRing, id: string | undefined, presented: string | undefined): boolean {
  if (id === undefined || presented === undefined) return false;
  const expected = Object.hasOwn(ring, id) ? ring[id] : undefined;
  // Compare against something even for unknown ids so timing does not reveal which ids exist.
  const equal = timingSafeEqual(digest(expected ?? '\0unknown'), digest(presented));
  return equal && expected !== undefined;
}

/**
 * The id whose key is `presented`, for callers that send only a key (seed 000's `auth` header).
 * Every key is compared, in constant time, whichever matches; a ring must have distinct keys
 * (`refuseSharedKeys`) for a key to name one id.
 */
export function identifyByKey(ring: KeyRing, presented: string | undefined): string | undefined {
  if (presented === undefined) return undefined;
  const wanted = digest(presented);
  let found: string | undefined;
  for (const [id, key] of Object.entries(ring)) {
    if (timingSafeEqual(digest(key), wanted) && found === undefined) found = id;
  }
  return found;
}

/** Throws when two ids share a key: a key alone would not say who calls. */
export function refuseSharedKeys(ring: KeyRing, what: string): void {
  const owners = new Map<string, string>();
  for (const [id, key] of Object.entries(ring)) {
    const other = owners.get(key);
    if (other !== undefined) throw new Error(`${what}: ${other} and ${id} have the same key; with compat seed000 a key alone names its owner, so every key must be distinct.`);
    owners.set(key, id);
  }
}

/** Throws when development keys would be used in production. */
export function refuseDevKeysInProduction(ring: KeyRing, what: string, env: NodeJS.ProcessEnv = process.env): void {
  if (env.NODE_ENV !== 'production') return;
  const dev = Object.entries(ring).filter(([, key]) => key.startsWith(DEV_KEY_PREFIX));
  if (dev.length > 0) {
    throw new Error(
      `${what}: development keys (${dev.map(([id]) => id).join(', ')}) are refused when NODE_ENV=production; set real keys.`,
    );
  }
}

/** The development keys `npm start` uses when no keys are configured. Never for production. */
export function devBusinessKeys(count: number): Record<string, string> {
  const keys: Record<string, string> = {};
  for (let i = 1; i <= count; i++) keys[String(i)] = `${DEV_KEY_PREFIX}business-${i}`;
  return keys;
}

export const DEV_CLIENT_KEYS: KeyRing = Object.freeze({
  clientA: `${DEV_KEY_PREFIX}client-a`,
  clientB: `${DEV_KEY_PREFIX}client-b`,
});
