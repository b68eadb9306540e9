// An error from the bank, as a person should read it: the bank's message, and its stable code
// (what support asks for). Announced at once to screen readers.
import { ApiError } from '../api.js';

export function ErrorAlert({ error, id }: { error: ApiError | Error | null; id?: string }) {
  if (!error) return null;
  const code = error instanceof ApiError ? error.code : null;
  return (
    <div className="alert error" role="alert" id={id}>
      <p>{error.message}</p>
      {code && <p className="code">Error code: <code>{code}</code></p>}
    </div>
  );
}

export function asError(error: unknown): ApiError | Error {
  return error instanceof Error ? error : new Error(String(error));
}
