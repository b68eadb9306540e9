// Keep-alive HTTP over undici Pools, failing on any non-2xx answer.
import { Pool } from 'undici';

/** Business server 1's development credentials, for talking to a data server directly. */
export const BUSINESS_HEADERS = {
  'business-id': '1',
  'auth-token': 'dev-insecure-business-1',
  'content-type': 'application/json',
} as const;

export function keepAlivePool(url: string, connections: number): Pool {
  return new Pool(new URL(url).origin, {
    connections,
    pipelining: 1,
    keepAliveTimeout: 60_000,
    keepAliveMaxTimeout: 600_000,
    headersTimeout: 30_000,
    bodyTimeout: 30_000,
  });
}

export class HttpStatusError extends Error {
  constructor(readonly status: number, body: string) {
    super(`HTTP ${status}: ${body.slice(0, 200)}`);
  }
}

/** POSTs a JSON body (already a string) and returns the parsed answer; throws on non-2xx. */
export async function postJson<T = unknown>(pool: Pool, path: string, headers: Record<string, string>, body: string): Promise<T> {
  const response = await pool.request({ method: 'POST', path, headers, body });
  const text = await response.body.text();
  if (response.statusCode < 200 || response.statusCode >= 300) throw new HttpStatusError(response.statusCode, text);
  return (text ? JSON.parse(text) : undefined) as T;
}

/** POSTs and drops the answer (the measured loops: no JSON parsing on the client side); throws on non-2xx. */
export async function postDiscard(pool: Pool, path: string, headers: Record<string, string>, body: string): Promise<void> {
  const response = await pool.request({ method: 'POST', path, headers, body });
  if (response.statusCode >= 200 && response.statusCode < 300) {
    // A large limit: past it undici would destroy the socket instead of reading to the end.
    await response.body.dump({ limit: 64 * 1024 * 1024 });
    return;
  }
  throw new HttpStatusError(response.statusCode, await response.body.text());
}

export async function getJson<T = unknown>(pool: Pool, path: string, headers: Record<string, string>): Promise<T> {
  const response = await pool.request({ method: 'GET', path, headers });
  const text = await response.body.text();
  if (response.statusCode < 200 || response.statusCode >= 300) throw new HttpStatusError(response.statusCode, text);
  return (text ? JSON.parse(text) : undefined) as T;
}
