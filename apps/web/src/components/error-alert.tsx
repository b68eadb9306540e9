// An error as a person should read it: in the page's language, with its stable code when the bank
// gave one (what support asks for). Announced at once to screen readers.
import { useTranslation } from 'react-i18next';
import { ApiError } from '../api.js';
import { errorMessage, type ErrorContext } from '../error-message.js';
import { useFormats } from '../i18n/index.js';

export function ErrorAlert({ error, id, context, frame }: {
  error: ApiError | Error | null;
  id?: string;
  context?: ErrorContext;
  /** Puts the message in a sentence: "Banco Ipê refused: … Nothing was moved." */
  frame?: (message: string) => string;
}) {
  const { t } = useTranslation();
  const formats = useFormats();
  if (!error) return null;
  const message = errorMessage(error, t, formats, context);
  const code = error instanceof ApiError ? error.code : null;
  return (
    <div className="alert error" role="alert" id={id}>
      <p>{frame ? frame(message) : message}</p>
      {code && <p className="code">{t('errors.codeLabel')} <code>{code}</code></p>}
    </div>
  );
}

export function asError(error: unknown): ApiError | Error {
  return error instanceof Error ? error : new Error(String(error));
}
