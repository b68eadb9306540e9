// The account and its latest transactions, kept fresh without reloading: polled every
// REFRESH_MS while the tab is visible, and at once after the customer does something.
// (Business servers are stateless behind a gateway, so polling needs nothing shared between them.)
import { useCallback, useEffect, useRef, useState } from 'react';
import { api, type ApiError } from './api.js';
import type { Account, Transaction } from './types.js';

export const REFRESH_MS = 2000;

export interface LiveAccount {
  account: Account | null;
  transactions: Transaction[];
  error: ApiError | null;
  refresh: () => void;
}

export function useLiveAccount(token: string, limit = 20): LiveAccount {
  const [account, setAccount] = useState<Account | null>(null);
  const [transactions, setTransactions] = useState<Transaction[]>([]);
  const [error, setError] = useState<ApiError | null>(null);
  const wake = useRef<() => void>(() => {});

  useEffect(() => {
    const controller = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const load = async () => {
      clearTimeout(timer);
      try {
        const [me, list] = await Promise.all([
          api<Account>('/v1/me', { token, signal: controller.signal }),
          api<{ transactions: Transaction[] }>(`/v1/me/transactions?limit=${limit}`, { token, signal: controller.signal }),
        ]);
        setAccount(me.body);
        setTransactions(list.body.transactions);
        setError(null);
      } catch (caught) {
        if (controller.signal.aborted) return;
        setError(caught as ApiError);
      }
      if (!controller.signal.aborted && document.visibilityState === 'visible') timer = setTimeout(() => void load(), REFRESH_MS);
    };
    wake.current = () => void load();
    const onVisible = () => document.visibilityState === 'visible' && void load();
    document.addEventListener('visibilitychange', onVisible);
    void load();
    return () => {
      controller.abort();
      clearTimeout(timer);
      document.removeEventListener('visibilitychange', onVisible);
    };
  }, [token, limit]);

  const refresh = useCallback(() => wake.current(), []);
  return { account, transactions, error, refresh };
}
