// One id per mutation the customer means: kept while the same request is retried (so a retry
// after a lost answer is not a second payment), replaced once it succeeded or the input changed.
import { useCallback, useRef } from 'react';
import { newIdempotencyKey } from './api.js';

export function useIdempotencyKey(): { current: () => string; reset: () => void } {
  const key = useRef<string | null>(null);
  const current = useCallback(() => (key.current ??= newIdempotencyKey()), []);
  const reset = useCallback(() => {
    key.current = null;
  }, []);
  return { current, reset };
}
