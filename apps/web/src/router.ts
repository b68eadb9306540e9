// A few pages under /app/, routed in the browser with the History API: links stay real links
// (open in a new tab, keyboard, reload), and the gateway answers index.html for any of them.
import { useCallback, useEffect, useState, type MouseEvent } from 'react';

export const BASE = '/app';

export type Page = 'welcome' | 'login' | 'signup' | 'dashboard' | 'transactions' | 'not-found';

const PAGES: Record<string, Page> = {
  '/': 'welcome',
  '/login': 'login',
  '/signup': 'signup',
  '/dashboard': 'dashboard',
  '/transactions': 'transactions',
};

export function pageOf(pathname: string): Page {
  const inner = pathname.startsWith(BASE) ? pathname.slice(BASE.length) || '/' : pathname;
  return PAGES[inner.replace(/(.)\/$/, '$1')] ?? 'not-found';
}

export function pathOf(page: Exclude<Page, 'not-found'>): string {
  return `${BASE}${Object.entries(PAGES).find(([, candidate]) => candidate === page)?.[0] ?? '/'}`;
}

export function useRouter() {
  const [location, setLocation] = useState(() => ({ pathname: window.location.pathname, search: window.location.search }));
  useEffect(() => {
    const onPop = () => setLocation({ pathname: window.location.pathname, search: window.location.search });
    window.addEventListener('popstate', onPop);
    return () => window.removeEventListener('popstate', onPop);
  }, []);
  const navigate = useCallback((path: string, options: { replace?: boolean } = {}) => {
    if (options.replace) window.history.replaceState(null, '', path);
    else window.history.pushState(null, '', path);
    const url = new URL(path, window.location.href);
    setLocation({ pathname: url.pathname, search: url.search });
    window.scrollTo(0, 0);
  }, []);
  return { page: pageOf(location.pathname), search: new URLSearchParams(location.search), navigate };
}

/** Turns a click on an in-app link into a navigation without reload (modified clicks keep their meaning). */
export function linkHandler(navigate: (path: string) => void) {
  return (event: MouseEvent<HTMLAnchorElement>) => {
    if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    event.preventDefault();
    navigate(event.currentTarget.pathname + event.currentTarget.search);
  };
}
