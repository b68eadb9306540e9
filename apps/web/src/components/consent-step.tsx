// The payer's consent at another bank, in the packet's flow: the customer logs in there (that
// bank's e-mail and password, sent to that bank only) and that bank issues a consent to exactly
// these legs of this packet. Nothing moves until every bank paying a leg has consented.
import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../api.js';
import { useApp } from '../app-context.js';
import { useFormats } from '../i18n/index.js';
import type { ConsentRequired } from '../types.js';
import { useAction } from '../use-action.js';
import { ErrorAlert } from './error-alert.js';

type ConsentBank = ConsentRequired['banks'][number];

export function ConsentStep({ request, bank, onGiven, onCancel }: {
  request: ConsentRequired;
  bank: ConsentBank;
  onGiven: (token: string) => void;
  onCancel: () => void;
}) {
  const { t } = useTranslation();
  const { money } = useFormats();
  const { bank: here, bankName } = useApp();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const { busy, error, run } = useAction();
  // The consortium list this page already has names the bank's address; the answer's is a fallback.
  const url = here.consortium.find((member) => member.bankId === bank.bankId)?.url ?? bank.url;
  const prefix = `consent-${bank.bankId}`;
  const named = { bank: bank.name };

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    await run(async () => {
      const session = await api<{ token: string }>('/v1/sessions', { method: 'POST', atBank: url, body: { email: email.trim(), password } });
      const consent = await api<{ token: string }>('/v1/me/consents', {
        method: 'POST', atBank: url, token: session.body.token,
        body: { packetId: request.packetId, coordinatorBank: request.coordinatorBank, payerAccount: bank.payerAccountId, legs: bank.legs },
      });
      setPassword('');
      onGiven(consent.body.token);
    }).then((done) => {
      if (!done) setPassword('');
    });
  };

  return (
    <form className="card consent" onSubmit={(event) => void submit(event)} aria-labelledby={`${prefix}-title`}>
      <h3 id={`${prefix}-title`}>{t('consent.title', named)}</h3>
      <p>{t('consent.legs', { count: bank.legs.length, account: bank.payerAccountId, bank: bank.name })}</p>
      <ul>
        {bank.legs.map((leg) => <li key={leg.legId}>{t('consent.leg', { amount: money(leg.amountCents), key: leg.key, bank: bankName(leg.toBank) })}</li>)}
      </ul>
      <div className="field">
        <label htmlFor={`${prefix}-email`}>{t('consent.email', named)}</label>
        <input id={`${prefix}-email`} type="email" autoComplete="off" required maxLength={254} value={email} onChange={(event) => setEmail(event.target.value)} />
      </div>
      <div className="field">
        <label htmlFor={`${prefix}-password`}>{t('consent.password', named)}</label>
        <input id={`${prefix}-password`} type="password" autoComplete="off" required maxLength={200} value={password} onChange={(event) => setPassword(event.target.value)} />
      </div>
      {/* The other bank's refusal, said as such: its reason and code, and that nothing moved. */}
      <ErrorAlert error={error} frame={(message) => t('consent.refused', { bank: bank.name, message })} />
      <div className="actions">
        <button type="submit" disabled={busy}>{busy ? t('consent.submitting', named) : t('consent.submit', named)}</button>
        <button type="button" className="secondary" disabled={busy} onClick={onCancel}>{t('consent.cancel')}</button>
      </div>
    </form>
  );
}
