// The closed catalogue of error codes every banca service answers with. Each code has one HTTP
// status, one default message and says whether the same request may succeed if retried.
import { inspect } from 'node:util';

export const errorCatalogue = {
  INVALID_REQUEST: { status: 400, retryable: false, message: 'The request is malformed.' },
  INVALID_AMOUNT: { status: 400, retryable: false, message: 'The amount is not a valid positive decimal.' },
  AMOUNT_TOO_LARGE: { status: 400, retryable: false, message: 'The amount is above the per-operation limit.' },
  INVALID_ACCOUNT_ID: { status: 400, retryable: false, message: 'The account id is not valid.' },
  INVALID_BUSINESS_ID: { status: 400, retryable: false, message: 'The business id is not valid.' },
  INVALID_IDEMPOTENCY_KEY: { status: 400, retryable: false, message: 'The idempotency key is not valid.' },
  MISSING_IDEMPOTENCY_KEY: { status: 400, retryable: false, message: 'This request needs an Idempotency-Key header.' },
  SAME_ACCOUNT: { status: 400, retryable: false, message: 'Origin and target accounts must differ.' },
  TOO_MANY_ACCOUNTS: { status: 400, retryable: false, message: 'Too many accounts in one request.' },
  INVALID_DOCUMENT: { status: 400, retryable: false, message: 'The CPF or CNPJ is not valid (wrong length or check digits).' },
  INVALID_PIX_KEY: { status: 400, retryable: false, message: 'The Pix key is not a CPF, CNPJ, e-mail, phone or random key.' },
  UNSUPPORTED_GRANT_TYPE: { status: 400, retryable: false, message: 'The token endpoint does not support this grant_type.' },
  INVALID_SCOPE: { status: 400, retryable: false, message: 'A requested scope is unknown or not allowed for this client.' },
  UNAUTHENTICATED: { status: 401, retryable: false, message: 'Missing or wrong credentials.' },
  INVALID_CREDENTIALS: { status: 401, retryable: false, message: 'The e-mail or password is wrong.' },
  INVALID_CLIENT: { status: 401, retryable: false, message: 'The client id or secret (or the admin password) is wrong.' },
  INTERBANK_SIGNATURE_MISSING: { status: 401, retryable: false, message: "An interbank request must carry the calling bank's signature in the banca-interbank-signature header." },
  INTERBANK_SIGNATURE_INVALID: { status: 401, retryable: false, message: "The interbank signature is malformed, not made by the key it names, or not over this request (method, path, body, receiver)." },
  INTERBANK_SIGNATURE_EXPIRED: { status: 401, retryable: false, message: "The interbank signature's timestamp is outside the accepted window; sign the request again (check the clock)." },
  INTERBANK_SIGNATURE_REPLAYED: { status: 401, retryable: false, message: 'This interbank signature was already used; sign every request anew.' },
  INTERBANK_KEY_UNKNOWN: { status: 401, retryable: false, message: "The signing key is not one of the claimed sender bank's keys, or the sender is not a member of the consortium." },
  TOKEN_EXPIRED: { status: 401, retryable: false, message: "The access token expired; get a new one from the dossier's POST /oauth/token." },
  FORBIDDEN: { status: 403, retryable: false, message: 'The credentials do not allow this operation.' },
  INSUFFICIENT_SCOPE: { status: 403, retryable: false, message: 'The access token does not carry the scope this route needs.' },
  CONSENT_REQUIRED: { status: 403, retryable: false, message: "A leg is paid from an account at another bank: get that bank's consent (POST /v1/me/consents there) and send it with the packet." },
  CONSENT_INVALID: { status: 403, retryable: false, message: 'The paying bank refused the consent (bad signature, expired, or not for this packet, account, receiver or amount).' },
  BUSINESS_ID_MISMATCH: { status: 403, retryable: false, message: 'The business id in the path is not the authenticated one.' },
  ACCOUNT_NOT_FOUND: { status: 404, retryable: false, message: 'The account does not exist.' },
  OPERATION_NOT_FOUND: { status: 404, retryable: false, message: 'No operation has this id.' },
  PIX_KEY_NOT_FOUND: { status: 404, retryable: false, message: 'No account at this bank has this Pix key.' },
  BANK_NOT_FOUND: { status: 404, retryable: false, message: 'No bank of the consortium has this id.' },
  TRANSFER_NOT_FOUND: { status: 404, retryable: false, message: 'No interbank transfer has this id.' },
  CUSTOMER_NOT_FOUND: { status: 404, retryable: false, message: 'No customer of this bank has this document.' },
  ROUTE_NOT_FOUND: { status: 404, retryable: false, message: 'No such route.' },
  IDEMPOTENCY_CONFLICT: { status: 409, retryable: false, message: 'This id was already used for a different request.' },
  LOCK_NOT_HELD: { status: 409, retryable: false, message: 'The caller does not hold the lock on this account.' },
  STALE_FENCING_TOKEN: { status: 409, retryable: false, message: 'The fencing token is older than the current lock.' },
  VERSION_CONFLICT: { status: 409, retryable: false, message: 'The record changed since it was read; read it again.' },
  ALREADY_REGISTERED: { status: 409, retryable: false, message: 'This e-mail, document or Pix key already belongs to an account of this bank.' },
  HOLD_EXPIRED: { status: 409, retryable: false, message: 'The hold timed out before the transfer could complete; nothing was moved.' },
  STALE_TOKEN: { status: 409, retryable: false, message: 'The ring token is older than one this bank already saw.' },
  STALE_QUEUE_CLAIM: { status: 409, retryable: true, message: 'The queue claim expired or belongs to someone else.' },
  PAYLOAD_TOO_LARGE: { status: 413, retryable: false, message: 'The request body is too large.' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, retryable: false, message: 'The body must be application/json.' },
  INSUFFICIENT_FUNDS: { status: 422, retryable: false, message: 'The account balance is too low for this operation.' },
  BALANCE_LIMIT_EXCEEDED: { status: 422, retryable: false, message: 'The operation would take the balance above the limit.' },
  PACKET_REFUSED: { status: 422, retryable: false, message: 'A leg of the packet failed, so none of its transfers was applied.' },
  ACCOUNT_LOCKED: { status: 423, retryable: true, message: 'The account is locked by another business server.' },
  TOO_MANY_REQUESTS: { status: 429, retryable: true, message: 'Too many requests in flight; retry shortly.' },
  INTERNAL: { status: 500, retryable: true, message: 'Internal error.' },
  BAD_GATEWAY: { status: 502, retryable: true, message: 'An upstream service answered with an error.' },
  UNAVAILABLE: { status: 503, retryable: true, message: 'The service is unavailable; retry shortly.' },
  BANK_UNAVAILABLE: { status: 503, retryable: true, message: 'Another bank of the consortium cannot be reached; retry shortly.' },
  UPSTREAM_TIMEOUT: { status: 504, retryable: true, message: 'An upstream service did not answer in time.' },
} as const satisfies Record<string, { status: number; retryable: boolean; message: string }>;

export type ErrorCode = keyof typeof errorCatalogue;

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.hasOwn(errorCatalogue, value);
}

/** The JSON body of every error answer. */
export interface ErrorBody {
  error: { code: ErrorCode; message: string; retryable: boolean; details?: unknown };
  requestId?: string;
}

export class BancaError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly retryable: boolean;
  readonly details: unknown;

  constructor(code: ErrorCode, message?: string, options: { details?: unknown; cause?: unknown } = {}) {
    const entry = errorCatalogue[code];
    super(message ?? entry.message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'BancaError';
    this.code = code;
    this.status = entry.status;
    this.retryable = entry.retryable;
    this.details = options.details;
  }

  toBody(requestId?: string): ErrorBody {
    const error: ErrorBody['error'] = { code: this.code, message: this.message, retryable: this.retryable };
    if (this.details !== undefined) error.details = this.details;
    return requestId === undefined ? { error } : { error, requestId };
  }

  /** Rebuilds an error from another service's answer, keeping its code when it is ours. */
  static fromBody(status: number, body: unknown): BancaError {
    const error = (body as Partial<ErrorBody> | undefined)?.error;
    if (error && isErrorCode(error.code)) {
      return new BancaError(error.code, error.message, { details: error.details });
    }
    return new BancaError(status >= 500 ? 'BAD_GATEWAY' : 'INVALID_REQUEST', `Unexpected answer with status ${status}.`);
  }
}

export function assertNever(value: never): never {
  throw new Error(`Unexpected value: ${JSON.stringify(value)}`);
}

/** Broken invariants stop the process instead of answering. */
export function invariant(condition: unknown, message: string): asserts condition {
  if (!condition) throw new Error(`Invariant broken: ${message}`);
}

/** What went wrong, for a log line or a report: an Error's message, else the thrown value itself. */
export function messageOf(error: unknown): string {
  if (error instanceof Error) return error.message;
  if (typeof error === 'string') return error;
  return inspect(error, { depth: 2, breakLength: Infinity });
}
