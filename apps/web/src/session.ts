// The customer's session lives in this tab only (sessionStorage): closing the tab logs out, and
// each bank (its own origin) has its own. The token is short-lived; the bank decides when it ends.
import type { Session } from './types.js';

const KEY = 'banca.session';

export function loadSession(): Session | null {
  try {
    const session = JSON.parse(sessionStorage.getItem(KEY) ?? 'null') as Session | null;
    return session && session.expiresAtMs > Date.now() ? session : null;
  } catch {
    return null;
  }
}

export function saveSession(session: Session | null): void {
  if (session) sessionStorage.setItem(KEY, JSON.stringify(session));
  else sessionStorage.removeItem(KEY);
}
