// What every form does with a request: busy while it runs, its error kept to show, nothing else.
import { useCallback, useState } from 'react';
import type { ApiError } from './api.js';
import { asError } from './components/error-alert.js';

export interface Action {
  busy: boolean;
  error: ApiError | Error | null;
  setError: (error: ApiError | Error | null) => void;
  /** Runs the request; a throw becomes `error`. Resolves true when it succeeded. */
  run: (request: () => Promise<void>) => Promise<boolean>;
}

export function useAction(): Action {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | Error | null>(null);
  const run = useCallback(async (request: () => Promise<void>) => {
    setBusy(true);
    setError(null);
    try {
      await request();
      return true;
    } catch (caught) {
      setError(asError(caught));
      return false;
    } finally {
      setBusy(false);
    }
  }, []);
  return { busy, error, setError, run };
}
