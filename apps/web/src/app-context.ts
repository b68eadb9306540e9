// What every screen needs: the bank it is at, the customer's session and navigation.
import { createContext, useContext } from 'react';
import type { BankInfo, Session } from './types.js';

export interface AppContextValue {
  bank: BankInfo;
  session: Session | null;
  setSession: (session: Session | null) => void;
  navigate: (path: string, options?: { replace?: boolean }) => void;
  bankName: (bankId: number) => string;
}

export const AppContext = createContext<AppContextValue | null>(null);

export function useApp(): AppContextValue {
  const value = useContext(AppContext);
  if (!value) throw new Error('useApp outside <AppContext>');
  return value;
}
