// A Pix from this account in two steps: look the key up (the receiver's name, bank and masked
// document are shown), then confirm. The Pix is all-or-nothing; 202 means it is still settling.
import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../api.js';
import { useApp } from '../app-context.js';
import { amountError } from '../error-message.js';
import { useFormats, useLanguage } from '../i18n/index.js';
import { parseAmountInput } from '../money.js';
import type { KeyLookup, PacketView, TransactionStatus } from '../types.js';
import { useIdempotencyKey } from '../use-idempotency-key.js';
import { useAction } from '../use-action.js';
import { ErrorAlert } from './error-alert.js';

interface Pending {
  receiver: KeyLookup;
  amount: string;
  cents: number;
}

/** What the last confirmed Pix came to: sent (200) or still settling (202). */
interface Outcome {
  name: string;
  cents: number;
  settling: TransactionStatus | null;
}

export function QuickPix({ token, onDone }: { token: string; onDone: () => void }) {
  const { t } = useTranslation();
  const language = useLanguage();
  const { money, decimal } = useFormats();
  const { bank } = useApp();
  const [toBankId, setToBankId] = useState(bank.bankId);
  const [pixKey, setPixKey] = useState('');
  const [amount, setAmount] = useState('');
  const [pending, setPending] = useState<Pending | null>(null);
  const { busy, error, setError, run } = useAction();
  const [done, setDone] = useState<Outcome | null>(null);
  const key = useIdempotencyKey();

  const lookUp = (event: FormEvent) => {
    event.preventDefault();
    setDone(null);
    const parsed = parseAmountInput(amount, language);
    if (!parsed.ok) return setError(amountError(parsed.problem));
    void run(async () => {
      const query = new URLSearchParams({ bankId: String(toBankId), key: pixKey.trim() });
      const { body } = await api<KeyLookup>(`/v1/pix-keys/lookup?${query}`, { token });
      key.reset();
      setPending({ receiver: body, amount: parsed.amount, cents: parsed.cents });
    });
  };

  const confirm = async () => {
    if (!pending) return;
    // The balance and the statement change either way (a refused Pix shows as failed).
    await run(async () => {
      const { status, body } = await api<PacketView>('/v1/me/pix', {
        method: 'POST', token, idempotencyKey: key.current(), body: { toBankId, key: pixKey.trim(), amount: pending.amount },
      });
      key.reset();
      setDone({ name: pending.receiver.name, cents: pending.cents, settling: status === 200 ? null : body.status });
      setPending(null);
      setPixKey('');
      setAmount('');
    });
    onDone();
  };

  if (pending) {
    return (
      <section className="card" aria-labelledby="pix-title">
        <h2 id="pix-title">{t('pix.confirmTitle')}</h2>
        <dl className="confirm" aria-label={t('pix.receiver')}>
          <dt>{t('pix.to')}</dt><dd data-testid="receiver-name">{pending.receiver.name}</dd>
          <dt>{t('pix.document')}</dt><dd>{pending.receiver.documentMasked}</dd>
          <dt>{t('pix.bank')}</dt><dd>{pending.receiver.bankName}</dd>
          <dt>{t('pix.amount')}</dt><dd>{money(pending.cents)}</dd>
        </dl>
        <ErrorAlert error={error} context={{ pix: true }} />
        <div className="actions">
          <button type="button" onClick={() => void confirm()} disabled={busy}>{busy ? t('pix.sending') : t('pix.send', { amount: money(pending.cents) })}</button>
          <button type="button" className="secondary" onClick={() => { setPending(null); setError(null); }} disabled={busy}>{t('common.cancel')}</button>
        </div>
      </section>
    );
  }
  return (
    <form className="card" onSubmit={lookUp} aria-labelledby="pix-title">
      <h2 id="pix-title">{t('pix.title')}</h2>
      <label htmlFor="pix-bank">{t('pix.receiverBank')}</label>
      <select id="pix-bank" value={toBankId} onChange={(event) => setToBankId(Number(event.target.value))}>
        {bank.consortium.map((member) => <option key={member.bankId} value={member.bankId}>{member.name}</option>)}
      </select>
      <label htmlFor="pix-key">{t('pix.key')}</label>
      <input id="pix-key" required autoComplete="off" maxLength={254} aria-describedby="pix-key-hint" value={pixKey} onChange={(event) => setPixKey(event.target.value)} />
      <p id="pix-key-hint" className="hint">{t('pix.keyHint')}</p>
      <label htmlFor="pix-amount">{t('common.amount')}</label>
      <input id="pix-amount" inputMode="decimal" autoComplete="off" placeholder={decimal(0)} required value={amount} onChange={(event) => setAmount(event.target.value)} />
      <ErrorAlert error={error} context={{ pix: true }} />
      {done && (
        <p className="alert success" role="status">
          {done.settling === null
            ? t('pix.sent', { amount: money(done.cents), name: done.name })
            : t('pix.settling', { amount: money(done.cents), name: done.name, status: t(`transactions.status.${done.settling}`) })}
        </p>
      )}
      <button type="submit" disabled={busy}>{busy ? t('pix.lookingUp') : t('pix.continue')}</button>
    </form>
  );
}
