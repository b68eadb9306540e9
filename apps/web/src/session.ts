// A session lives in this tab only (sessionStorage): closing the tab logs out, and each origin (a
// bank, the dossier) has its own. Tokens are short-lived; the server decides when they end, and
// one past its expiry is not even loaded.

export interface SessionStore<T extends { expiresAtMs: number }> {
  load: () => T | null;
  save: (session: T | null) => void;
}

export function sessionStore<T extends { expiresAtMs: number }>(key: string): SessionStore<T> {
  return {
    load() {
      try {
        const session = JSON.parse(sessionStorage.getItem(key) ?? 'null') as T | null;
        return session && session.expiresAtMs > Date.now() ? session : null;
      } catch {
        return null;
      }
    },
    save(session) {
      if (session) sessionStorage.setItem(key, JSON.stringify(session));
      else sessionStorage.removeItem(key);
    },
  };
}
