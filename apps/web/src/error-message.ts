// How an error is said in the page's language. The API's errors by their stable code, each with
// its catalogue message (the server's own words only for a code the catalogue does not know);
// the page's own errors (a mistyped amount, a packet not consented) as PageErrors.
import type { TFunction } from 'i18next';
import { ApiError } from './api.js';
import type { Formats } from './i18n/format.js';
import { ptBR, type Catalogue } from './i18n/pt-BR.js';
import type { AmountProblem } from './money.js';

type Say = (t: TFunction, formats: Formats) => string;

/** An error the page itself found, said in whatever language the page speaks when it is shown. */
export class PageError extends Error {
  override readonly name = 'PageError';
  constructor(readonly say: Say) {
    super('PageError');
  }
}

const AMOUNT_PROBLEMS: Record<AmountProblem, Say> = {
  empty: (t, formats) => t('amount.empty', { example: formats.decimal(25) }),
  format: (t, formats) => t('amount.format', { example: formats.decimal(1234.56) }),
  'not-positive': (t) => t('amount.notPositive'),
};

export function amountError(problem: AmountProblem): PageError {
  return new PageError(AMOUNT_PROBLEMS[problem]);
}

type ApiErrorCode = keyof Catalogue['apiErrors'];

function isApiErrorCode(code: string): code is ApiErrorCode {
  return Object.hasOwn(ptBR.apiErrors, code);
}

/** The catalogue's message for an API code, or the server's message for a code it lacks. */
export function apiErrorMessage(t: TFunction, code: string, serverMessage: string): string {
  return isApiErrorCode(code) ? t(`apiErrors.${code}`) : serverMessage;
}

export interface ErrorContext {
  /** A refused lone Pix is "the Pix", not "transfer 1 of the packet". */
  pix?: boolean;
}

export function errorMessage(error: ApiError | Error, t: TFunction, formats: Formats, context: ErrorContext = {}): string {
  if (error instanceof PageError) return error.say(t, formats);
  if (!(error instanceof ApiError)) return error.message;
  if (error.code === 'NETWORK') {
    const url = error.details.atBank;
    return typeof url === 'string' ? t('errors.networkAt', { url }) : t('errors.network');
  }
  if (/^HTTP_\d+$/.test(error.code)) return t('errors.http', { status: error.status });
  const { failedLeg, code, message } = error.details;
  if (error.code === 'PACKET_REFUSED' && typeof code === 'string') {
    const reason = apiErrorMessage(t, code, typeof message === 'string' ? message : '');
    if (context.pix || typeof failedLeg !== 'number') return t('errors.pixLeg', { code, reason });
    return t('errors.packetLeg', { leg: failedLeg, code, reason });
  }
  return apiErrorMessage(t, error.code, error.message);
}
