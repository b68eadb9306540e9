// The shell: loads the bank this page is served by (name, colour, consortium), then shows the
// page the address names. Pages that need a customer send a visitor to the login first.
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { Trans, useTranslation } from 'react-i18next';
import { api, whenSessionEnds, type ApiError } from './api.js';
import { AppContext, type AppContextValue } from './app-context.js';
import { linkHandler, pathOf, useRouter, type Page } from './router.js';
import { sessionStore } from './session.js';
import type { BankInfo, Session } from './types.js';
import { ErrorAlert } from './components/error-alert.js';
import { LanguageSwitch } from './components/language-switch.js';
import { ChooseBank } from './screens/choose-bank.js';
import { Login } from './screens/login.js';
import { SignUp } from './screens/sign-up.js';
import { Dashboard } from './screens/dashboard.js';
import { Transactions } from './screens/transactions.js';

const CUSTOMER_PAGES: ReadonlySet<Page> = new Set(['dashboard', 'transactions']);
const sessions = sessionStore<Session>('banca.session');

export function App() {
  const { t } = useTranslation();
  const { page, search, navigate } = useRouter();
  const [bank, setBank] = useState<BankInfo | null>(null);
  const [bankError, setBankError] = useState<ApiError | null>(null);
  const [session, setSessionState] = useState<Session | null>(sessions.load);

  const setSession = useCallback((next: Session | null) => {
    sessions.save(next);
    setSessionState(next);
  }, []);

  useEffect(() => {
    api<BankInfo>('/v1/bank').then(({ body }) => setBank(body), (error: ApiError) => setBankError(error));
  }, []);

  useEffect(() => {
    whenSessionEnds(() => {
      setSession(null);
      navigate(`${pathOf('login')}?ended=1`, { replace: true });
    });
    return () => whenSessionEnds(null);
  }, [navigate, setSession]);

  useEffect(() => {
    if (!bank) return;
    document.documentElement.style.setProperty('--brand', bank.color);
    document.title = `${t(`app.titles.${page}`)} · ${bank.name}`;
  }, [bank, page, t]);

  const needsLogin = CUSTOMER_PAGES.has(page) && !session;
  useEffect(() => {
    if (needsLogin) navigate(pathOf('login'), { replace: true });
  }, [needsLogin, navigate]);

  // Moves focus to the new page's heading, so screen readers and keyboards start there.
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => heading.current?.focus(), [page]);

  const context = useMemo<AppContextValue | null>(() => bank && {
    bank,
    session,
    setSession,
    navigate,
    bankName: (bankId) => bank.consortium.find((member) => member.bankId === bankId)?.name ?? t('common.bank', { id: bankId }),
  }, [bank, session, setSession, navigate, t]);

  if (bankError) {
    return (
      <main className="page narrow">
        <h1>{t('common.brand')}</h1>
        <ErrorAlert error={bankError} />
      </main>
    );
  }
  if (!context || !bank) return <main className="page narrow" aria-busy="true"><p role="status">{t('app.connecting')}</p></main>;

  const follow = linkHandler(navigate);
  const logOut = () => {
    setSession(null);
    navigate(pathOf('login'));
  };
  return (
    <AppContext.Provider value={context}>
      <a className="skip-link" href="#content">{t('common.skipToContent')}</a>
      <header className="top">
        <div className="top-inner">
          <a className="brand" href={pathOf(session ? 'dashboard' : 'welcome')} onClick={follow}>
            <span className="brand-mark" aria-hidden="true">{bank.name.replace(/^Banco\s+/, '').slice(0, 1)}</span>
            <span>{bank.name}</span>
          </a>
          <nav aria-label={t('common.mainNav')}>
            {session ? (
              <ul>
                <li><a href={pathOf('dashboard')} onClick={follow} aria-current={page === 'dashboard' ? 'page' : undefined}>{t('app.nav.dashboard')}</a></li>
                <li><a href={pathOf('transactions')} onClick={follow} aria-current={page === 'transactions' ? 'page' : undefined}>{t('app.nav.transactions')}</a></li>
                <li><button type="button" className="link" onClick={logOut}>{t('common.logOut')}</button></li>
              </ul>
            ) : (
              <ul>
                <li><a href={pathOf('welcome')} onClick={follow} aria-current={page === 'welcome' ? 'page' : undefined}>{t('app.nav.banks')}</a></li>
                <li><a href={pathOf('login')} onClick={follow} aria-current={page === 'login' ? 'page' : undefined}>{t('common.logIn')}</a></li>
                <li><a href={pathOf('signup')} onClick={follow} aria-current={page === 'signup' ? 'page' : undefined}>{t('app.nav.openAccount')}</a></li>
              </ul>
            )}
          </nav>
          <LanguageSwitch />
        </div>
      </header>
      <main id="content" className="page">
        <h1 ref={heading} tabIndex={-1}>{t(`app.titles.${page}`)}</h1>
        {page === 'welcome' && <ChooseBank />}
        {page === 'login' && <Login sessionEnded={search.get('ended') === '1'} />}
        {page === 'signup' && <SignUp />}
        {page === 'dashboard' && session && <Dashboard session={session} />}
        {page === 'transactions' && session && <Transactions session={session} />}
        {page === 'not-found' && <p><Trans i18nKey="app.notFound" components={{ a: <a href={pathOf('welcome')} onClick={follow} /> }} /></p>}
      </main>
      <footer className="bottom">
        <p>{t('app.footer', { bank: bank.name, count: bank.consortium.length })}</p>
      </footer>
    </AppContext.Provider>
  );
}
