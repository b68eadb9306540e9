// The dossier's HTTP client of one source (a bank's gateway, the credit registry), with undici:
// bounded connections, a deadline for the whole answer, a bounded answer size and a schema check.
// Failures come back as catalogue errors: UPSTREAM_TIMEOUT, UNAVAILABLE (cannot connect),
// BAD_GATEWAY (5xx, unreadable or unexpected answer) or the source's own code.
import { Pool, type Dispatcher } from 'undici';
import type { Static, TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { BancaError } from '@banca/core/errors';

export interface SourceClientOptions {
  /** How the source is named in error messages: "bank 2 (Banco Ipê)", "the credit registry". */
  what: string;
  timeoutMs: number;
  connectionsMax: number;
  responseBytesMax: number;
}

export class SourceClient<T extends TSchema> {
  private readonly pool: Pool;

  constructor(readonly url: string, private readonly schema: T, private readonly options: SourceClientOptions) {
    this.pool = new Pool(url, {
      connections: options.connectionsMax,
      headersTimeout: options.timeoutMs,
      bodyTimeout: options.timeoutMs,
      connectTimeout: Math.min(options.timeoutMs, 2000),
      maxResponseSize: options.responseBytesMax,
    });
  }

  /** GET path with the bearer token; the answer checked against the schema. */
  async get(path: string, token: string): Promise<Static<T>> {
    const signal = AbortSignal.timeout(this.options.timeoutMs);
    const { what } = this.options;
    let response: Dispatcher.ResponseData;
    try {
      response = await this.pool.request({ method: 'GET', path, headers: { authorization: `Bearer ${token}`, accept: 'application/json' }, signal });
    } catch (cause) {
      if (timedOut(signal, cause)) throw this.timeout(cause);
      throw new BancaError('UNAVAILABLE', `${capitalize(what)} cannot be reached: ${(cause as Error).message}.`, { cause });
    }
    let answer: unknown;
    try {
      answer = await response.body.json();
    } catch (cause) {
      if (timedOut(signal, cause)) throw this.timeout(cause);
      throw new BancaError('BAD_GATEWAY', `${capitalize(what)} answered ${response.statusCode} with a body that is not JSON (or too large).`, { cause });
    }
    if (response.statusCode < 200 || response.statusCode >= 300) throw BancaError.fromBody(response.statusCode, answer);
    if (!Value.Check(this.schema, answer)) {
      const first = Value.Errors(this.schema, answer).First();
      throw new BancaError('BAD_GATEWAY', `${capitalize(what)} answered in an unexpected shape (${first?.path || '/'}: ${first?.message ?? 'invalid'}).`);
    }
    return answer;
  }

  close(): Promise<void> {
    return this.pool.close();
  }

  private timeout(cause: unknown): BancaError {
    return new BancaError('UPSTREAM_TIMEOUT', `${capitalize(this.options.what)} did not answer within ${this.options.timeoutMs} ms.`, { cause });
  }
}

function timedOut(signal: AbortSignal, cause: unknown): boolean {
  const code = (cause as { code?: unknown } | null)?.code;
  return signal.aborted || code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT' || code === 'UND_ERR_CONNECT_TIMEOUT';
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
