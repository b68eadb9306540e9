// Seed 004's dossier page, served by the dossier service: the administrator logs in, asks for a
// CPF or CNPJ, and sees the person across the consortium and the credit registry. A source that
// did not answer is named, and the figures say they are incomplete.
import { useCallback, useEffect, useRef, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { api, whenSessionEnds, type ApiError } from '../api.js';
import { ErrorAlert, asError } from '../components/error-alert.js';
import { LanguageSwitch } from '../components/language-switch.js';
import { sessionStore } from '../session.js';
import { useAction } from '../use-action.js';
import type { AdminSession, Dossier, TokenAnswer } from './types.js';
import { DossierView } from './dossier-view.js';

const sessions = sessionStore<AdminSession>('banca.admin');

function documentOfUrl(): string {
  return new URLSearchParams(window.location.search).get('document') ?? '';
}

/** CPF/CNPJ punctuation is dropped for the address (a CNPJ's "/" would split the path). */
function forPath(document: string): string {
  const text = document.trim();
  return encodeURIComponent(/^[\d.\-/\s]+$/.test(text) ? text.replace(/\D/g, '') : text);
}

export function DossierApp() {
  const { t } = useTranslation();
  const [session, setSessionState] = useState<AdminSession | null>(sessions.load);
  const [ended, setEnded] = useState(false);
  const setSession = useCallback((next: AdminSession | null) => {
    sessions.save(next);
    setSessionState(next);
  }, []);
  useEffect(() => {
    whenSessionEnds(() => {
      setSession(null);
      setEnded(true);
    });
    return () => whenSessionEnds(null);
  }, [setSession]);
  useEffect(() => {
    document.title = session ? t('dossier.documentTitle') : t('dossier.documentTitleLogin');
  }, [session, t]);

  return (
    <>
      <a className="skip-link" href="#content">{t('common.skipToContent')}</a>
      <header className="top">
        <div className="top-inner">
          <span className="brand"><span className="brand-mark" aria-hidden="true">D</span><span>{t('dossier.brand')}</span></span>
          {session && (
            <nav aria-label={t('common.mainNav')}>
              <ul>
                <li><span>{session.username}</span></li>
                <li><button type="button" className="link" onClick={() => setSession(null)}>{t('common.logOut')}</button></li>
              </ul>
            </nav>
          )}
          <LanguageSwitch />
        </div>
      </header>
      <main id="content" className="page">
        {session ? <Search session={session} /> : <AdminLogin ended={ended} onSession={(next) => { setEnded(false); setSession(next); }} />}
      </main>
      <footer className="bottom"><p>{t('dossier.footer')}</p></footer>
    </>
  );
}

function AdminLogin({ ended, onSession }: { ended: boolean; onSession: (session: AdminSession) => void }) {
  const { t } = useTranslation();
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const { busy, error, run } = useAction();
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => heading.current?.focus(), []);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    void run(async () => {
      const { body } = await api<TokenAnswer>('/v1/admin/sessions', { method: 'POST', body: { username, password } });
      onSession({ token: body.access_token, username, expiresAtMs: Date.now() + body.expires_in * 1000 });
    });
  };
  return (
    <>
      <h1 ref={heading} tabIndex={-1}>{t('dossier.loginTitle')}</h1>
      <form className="card narrow" onSubmit={submit}>
        {ended && <p className="alert info" role="status">{t('common.sessionEnded')}</p>}
        <label htmlFor="admin-username">{t('dossier.username')}</label>
        <input id="admin-username" autoComplete="username" required value={username} onChange={(event) => setUsername(event.target.value)} />
        <label htmlFor="admin-password">{t('common.password')}</label>
        <input id="admin-password" type="password" autoComplete="current-password" required value={password} onChange={(event) => setPassword(event.target.value)} />
        <ErrorAlert error={error} />
        <button type="submit" disabled={busy}>{busy ? t('common.loggingIn') : t('common.logIn')}</button>
      </form>
    </>
  );
}

function Search({ session }: { session: AdminSession }) {
  const { t } = useTranslation();
  const [input, setInput] = useState(documentOfUrl);
  const [asked, setAsked] = useState(documentOfUrl);
  const [dossier, setDossier] = useState<Dossier | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | Error | null>(null);
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => heading.current?.focus(), []);

  useEffect(() => {
    const onPop = () => {
      setInput(documentOfUrl());
      setAsked(documentOfUrl());
    };
    window.addEventListener('popstate', onPop);
    return () => window.removeEventListener('popstate', onPop);
  }, []);

  useEffect(() => {
    if (asked.trim() === '') return setDossier(null);
    const controller = new AbortController();
    setBusy(true);
    setError(null);
    api<Dossier>(`/v1/dossiers/${forPath(asked)}`, { token: session.token, signal: controller.signal })
      .then(({ body }) => setDossier(body), (caught) => {
        if (controller.signal.aborted) return;
        setDossier(null);
        setError(asError(caught));
      })
      .finally(() => !controller.signal.aborted && setBusy(false));
    return () => controller.abort();
  }, [asked, session.token]);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    window.history.pushState(null, '', `?document=${encodeURIComponent(input.trim())}`);
    setAsked(input.trim());
  };
  return (
    <>
      <h1 ref={heading} tabIndex={-1}>{t('dossier.title')}</h1>
      <form className="card search" onSubmit={submit} role="search">
        <label htmlFor="dossier-document">{t('documents.either')}</label>
        <div className="actions">
          <input id="dossier-document" inputMode="numeric" required maxLength={32} value={input} onChange={(event) => setInput(event.target.value)} />
          <button type="submit" disabled={busy}>{busy ? t('dossier.submitting') : t('dossier.submit')}</button>
        </div>
      </form>
      <ErrorAlert error={error} />
      {busy && <p role="status">{t('dossier.asking')}</p>}
      {dossier && !busy && <DossierView dossier={dossier} />}
    </>
  );
}
