import { useState, type FormEvent } from 'react';
import { Trans, useTranslation } from 'react-i18next';
import { api } from '../api.js';
import { useApp } from '../app-context.js';
import { ErrorAlert } from '../components/error-alert.js';
import { useAction } from '../use-action.js';
import { linkHandler, pathOf } from '../router.js';
import type { Session } from '../types.js';

export function Login({ sessionEnded }: { sessionEnded: boolean }) {
  const { t } = useTranslation();
  const { bank, setSession, navigate } = useApp();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const { busy, error, run } = useAction();

  const submit = (event: FormEvent) => {
    event.preventDefault();
    void run(async () => {
      const { body } = await api<Session>('/v1/sessions', { method: 'POST', body: { email, password } });
      setSession(body);
      navigate(pathOf('dashboard'));
    });
  };

  return (
    <form className="card narrow" onSubmit={submit} aria-describedby={error ? 'login-error' : undefined}>
      {sessionEnded && <p className="alert info" role="status">{t('common.sessionEnded')}</p>}
      <p className="muted">{t('login.intro', { bank: bank.name })}</p>
      <label htmlFor="login-email">{t('common.email')}</label>
      <input id="login-email" type="email" autoComplete="username" required value={email} onChange={(event) => setEmail(event.target.value)} />
      <label htmlFor="login-password">{t('common.password')}</label>
      <input id="login-password" type="password" autoComplete="current-password" required value={password} onChange={(event) => setPassword(event.target.value)} />
      <ErrorAlert error={error} id="login-error" />
      <button type="submit" disabled={busy}>{busy ? t('common.loggingIn') : t('common.logIn')}</button>
      <p className="muted">
        <Trans i18nKey="login.noAccount" components={{ a: <a href={pathOf('signup')} onClick={linkHandler(navigate)} /> }} />
      </p>
    </form>
  );
}
