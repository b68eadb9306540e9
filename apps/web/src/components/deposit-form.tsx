import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../api.js';
import { amountError } from '../error-message.js';
import { useFormats, useLanguage } from '../i18n/index.js';
import { parseAmountInput } from '../money.js';
import { useIdempotencyKey } from '../use-idempotency-key.js';
import { useAction } from '../use-action.js';
import { ErrorAlert } from './error-alert.js';

const METHODS = ['cash', 'qrcode', 'boleto'] as const;
type Method = (typeof METHODS)[number];

export function DepositForm({ token, onDone }: { token: string; onDone: () => void }) {
  const { t } = useTranslation();
  const language = useLanguage();
  const formats = useFormats();
  const [amount, setAmount] = useState('');
  const [method, setMethod] = useState<Method>('cash');
  const { busy, error, setError, run } = useAction();
  const [doneCents, setDoneCents] = useState<number | null>(null);
  const key = useIdempotencyKey();

  const submit = (event: FormEvent) => {
    event.preventDefault();
    setDoneCents(null);
    const parsed = parseAmountInput(amount, language);
    if (!parsed.ok) return setError(amountError(parsed.problem));
    void run(async () => {
      await api('/v1/me/deposits', { method: 'POST', token, idempotencyKey: key.current(), body: { amount: parsed.amount, method } });
      key.reset();
      setAmount('');
      setDoneCents(parsed.cents);
      onDone();
    });
  };

  return (
    <form className="card" onSubmit={submit} aria-labelledby="deposit-title">
      <h2 id="deposit-title">{t('deposit.title')}</h2>
      <label htmlFor="deposit-amount">{t('common.amount')}</label>
      <input id="deposit-amount" inputMode="decimal" autoComplete="off" placeholder={formats.decimal(0)} required value={amount}
        onChange={(event) => { setAmount(event.target.value); key.reset(); }} />
      <label htmlFor="deposit-method">{t('deposit.method')}</label>
      <select id="deposit-method" value={method} onChange={(event) => { setMethod(event.target.value as Method); key.reset(); }}>
        {METHODS.map((option) => <option key={option} value={option}>{t(`deposit.methods.${option}`)}</option>)}
      </select>
      <ErrorAlert error={error} />
      {doneCents !== null && <p className="alert success" role="status">{t('deposit.done', { amount: formats.money(doneCents) })}</p>}
      <button type="submit" disabled={busy}>{busy ? t('deposit.submitting') : t('deposit.submit')}</button>
    </form>
  );
}
