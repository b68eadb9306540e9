// The bank's customer API as the browser sees it: same origin (the bank's gateway), JSON in and
// out, errors turned into ApiError with the catalogue's stable code and the server's message
// (the page says it in its own language by the code: see error-message.ts).

/** The catalogue's error answer: { error: { code, message, retryable, details? }, requestId }. */
export interface ApiErrorBody {
  error?: { code?: string; message?: string; retryable?: boolean; details?: Record<string, unknown> };
  requestId?: string;
}

export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

export interface RequestOptions {
  method?: 'GET' | 'POST';
  body?: unknown;
  token?: string | null;
  idempotencyKey?: string;
  signal?: AbortSignal;
  /** Another bank of the consortium (its URL), asked from this page: its 401 does not end this bank's session. */
  atBank?: string;
}

/** Called when the bank says the session is no longer valid (expired or tampered token). */
let onSessionEnded: (() => void) | null = null;
export function whenSessionEnds(listener: (() => void) | null): void {
  onSessionEnded = listener;
}

export async function api<T>(path: string, options: RequestOptions = {}): Promise<{ status: number; body: T }> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  if (options.idempotencyKey) headers['idempotency-key'] = options.idempotencyKey;
  let response: Response;
  try {
    response = await fetch(options.atBank === undefined ? path : `${options.atBank.replace(/\/+$/, '')}${path}`, {
      method: options.method ?? 'GET',
      headers,
      body: options.body === undefined ? null : JSON.stringify(options.body),
      signal: options.signal ?? null,
    });
  } catch (cause) {
    if (cause instanceof DOMException && cause.name === 'AbortError') throw cause;
    const atBank = options.atBank === undefined ? {} : { atBank: options.atBank };
    throw new ApiError(0, 'NETWORK', `No answer from ${options.atBank ?? 'the bank'}.`, atBank);
  }
  const text = await response.text();
  let parsed: unknown;
  try {
    parsed = text === '' ? null : JSON.parse(text);
  } catch {
    parsed = null;
  }
  if (!response.ok) {
    const body = (parsed ?? {}) as ApiErrorBody;
    const error = typeof body.error === 'object' && body.error !== null ? body.error : {};
    const apiError = new ApiError(
      response.status,
      error.code ?? `HTTP_${response.status}`,
      error.message ?? `The bank answered ${response.status} ${response.statusText}.`,
      error.details ?? {},
    );
    if (response.status === 401 && options.token && options.atBank === undefined && onSessionEnded) onSessionEnded();
    throw apiError;
  }
  return { status: response.status, body: parsed as T };
}

/** A caller-chosen id for one mutation, reused when the same request is retried. */
export function newIdempotencyKey(): string {
  // crypto.randomUUID needs a secure context; a bank reached over plain HTTP by address is not one.
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[6] = (bytes[6]! & 0x0f) | 0x40;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = [...bytes].map((byte) => byte.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
