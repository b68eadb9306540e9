// Forwards one client request to a business server chosen by the balanced pool. A failed attempt
// is retried on another server only when that is safe: the request never reached a server
// (connection refused), or it is a read, or it carries an Idempotency-Key the servers dedupe on.
import type { IncomingHttpHeaders } from 'node:http';
import type { Dispatcher } from 'undici';
import { BancaError } from '@banca/core/errors';
import type { Upstreams } from '../infra/upstreams.js';

export interface ForwardRequest {
  method: Dispatcher.HttpMethod;
  path: string;
  headers: IncomingHttpHeaders;
  body: Buffer | undefined;
  requestId: string;
  /** The address the request came from; appended to X-Forwarded-For like any proxy does. */
  clientAddress?: string;
}

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'te', 'trailer', 'host', 'content-length']);
const CONNECT_ERRORS = new Set(['ECONNREFUSED', 'UND_ERR_CONNECT_TIMEOUT', 'BalancedPoolMissingUpstreamError', 'UND_ERR_BPL_MISSING_UPSTREAM']);

export function isSafeToRetry(request: Pick<ForwardRequest, 'method' | 'headers'>): boolean {
  return request.method === 'GET' || request.method === 'HEAD' || request.headers['idempotency-key'] !== undefined;
}

export function forwardHeaders(headers: IncomingHttpHeaders, requestId: string, clientAddress?: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || HOP_BY_HOP.has(name)) continue;
    out[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  out['x-request-id'] = requestId;
  // The business servers limit logins per client address: the last entry is the one this gateway
  // saw, which a client cannot forge (entries it sends itself come before it).
  if (clientAddress) out['x-forwarded-for'] = out['x-forwarded-for'] ? `${out['x-forwarded-for']}, ${clientAddress}` : clientAddress;
  return out;
}

export async function forward(upstreams: Upstreams, request: ForwardRequest, retriesMax: number): Promise<Dispatcher.ResponseData> {
  const headers = forwardHeaders(request.headers, request.requestId, request.clientAddress);
  const safe = isSafeToRetry(request);
  upstreams.noteRequest();
  let lastError: unknown;
  for (let attempt = 0; attempt <= retriesMax; attempt++) {
    if (upstreams.healthyCount() === 0) break;
    try {
      const response = await upstreams.pool.request({ method: request.method, path: request.path, headers, body: request.body });
      if (response.statusCode === 503 && safe && attempt < retriesMax) {
        await response.body.dump();
        continue;
      }
      return response;
    } catch (error) {
      lastError = error;
      const code = (error as { code?: string; name?: string }).code ?? (error as { name?: string }).name ?? '';
      const neverSent = CONNECT_ERRORS.has(code);
      if (!neverSent && !safe) {
        throw new BancaError('BAD_GATEWAY', 'The business server failed while handling this request and it is not safe to repeat; send an Idempotency-Key to make retries safe, then check the balance or retry.', { cause: error });
      }
    }
  }
  if (upstreams.healthyCount() === 0) {
    throw new BancaError('UNAVAILABLE', 'No business server is available right now; retry shortly.', { cause: lastError });
  }
  const timedOut = ['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT'].includes((lastError as { code?: string })?.code ?? '');
  throw new BancaError(timedOut ? 'UPSTREAM_TIMEOUT' : 'BAD_GATEWAY', 'The business servers could not answer this request; retry shortly.', { cause: lastError });
}
