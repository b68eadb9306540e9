// Seed 003's packet of transactions: several Pix, each paid from any of the customer's accounts
// at any bank of the consortium, sent as one request and applied all or nothing.
import { useEffect, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { api, ApiError } from '../api.js';
import { useApp } from '../app-context.js';
import { PageError, amountError, errorMessage } from '../error-message.js';
import { useFormats, useLanguage } from '../i18n/index.js';
import { parseAmountInput } from '../money.js';
import type { BankAccounts, ConsentRequired, PacketView } from '../types.js';
import { useIdempotencyKey } from '../use-idempotency-key.js';
import { useAction } from '../use-action.js';
import { ConsentStep } from './consent-step.js';
import { ErrorAlert, asError } from './error-alert.js';

interface Row {
  id: number;
  from: string;
  toBankId: number;
  key: string;
  amount: string;
}

const ROWS_MAX = 20;

type Transfer = { fromBankId: number; fromAccountId: string | undefined; toBankId: number; key: string; amount: string };

/** A packet waiting for the payer's consent at other banks: asked of them one after another. */
interface PendingConsent {
  request: ConsentRequired;
  transfers: Transfer[];
  given: { bankId: number; token: string }[];
}
let nextRowId = 1;

export function PacketBuilder({ token, accountId, onDone }: { token: string; accountId: string; onDone: () => void }) {
  const { t } = useTranslation();
  const language = useLanguage();
  const formats = useFormats();
  const { money } = formats;
  const { bank, bankName } = useApp();
  const own = `${bank.bankId}:${accountId}`;
  const newRow = (): Row => ({ id: nextRowId++, from: own, toBankId: bank.bankId, key: '', amount: '' });
  const [sources, setSources] = useState<BankAccounts[] | null>(null);
  const [rows, setRows] = useState<Row[]>(() => [newRow()]);
  /** A row's own problem: its amount (PageError), or the bank's refusal of its transfer (ApiError). */
  const [rowErrors, setRowErrors] = useState<Record<number, ApiError | PageError>>({});
  const { busy, error, setError, run } = useAction();
  const [result, setResult] = useState<PacketView | null>(null);
  const [pending, setPending] = useState<PendingConsent | null>(null);
  const key = useIdempotencyKey();

  useEffect(() => {
    api<{ banks: BankAccounts[] }>('/v1/me/banks', { token }).then(({ body }) => setSources(body.banks), (caught) => setError(asError(caught)));
  }, [token]);

  const change = (id: number, patch: Partial<Row>) => {
    key.reset();
    setPending(null);
    setResult(null);
    setRows((current) => current.map((row) => (row.id === id ? { ...row, ...patch } : row)));
  };

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setResult(null);
    const parsed = rows.map((row) => parseAmountInput(row.amount, language));
    const errors: Record<number, PageError> = {};
    parsed.forEach((amount, index) => {
      if (!amount.ok) errors[rows[index]!.id] = amountError(amount.problem);
    });
    setRowErrors(errors);
    if (Object.keys(errors).length > 0) return setError(new PageError((t) => t('packet.invalidRows')));
    await run(async () => {
      const transfers = rows.map((row, index) => {
        const [fromBankId, fromAccountId] = row.from.split(':');
        const amount = parsed[index]!;
        return { fromBankId: Number(fromBankId), fromAccountId, toBankId: row.toBankId, key: row.key.trim(), amount: amount.ok ? amount.amount : '' };
      });
      await send(transfers, []);
    });
    onDone();
  };

  /** Sends the packet (the same idempotency key on every try); CONSENT_REQUIRED opens the consent steps. */
  const send = async (transfers: Transfer[], consents: { bankId: number; token: string }[]) => {
    try {
      const { body } = await api<PacketView>('/v1/me/packets', {
        method: 'POST', token, idempotencyKey: key.current(), body: { transfers, ...(consents.length > 0 ? { consents } : {}) },
      });
      key.reset();
      setPending(null);
      setResult(body);
      if (body.status === 'completed') setRows([newRow()]);
    } catch (failure) {
      if (failure instanceof ApiError && failure.code === 'CONSENT_REQUIRED') {
        setPending({ request: failure.details as unknown as ConsentRequired, transfers, given: consents });
        return;
      }
      setPending(null);
      // A refused packet names its failed transfer: mark that row too.
      const leg = failure instanceof ApiError ? Number(failure.details.failedLeg) : NaN;
      const row = Number.isInteger(leg) ? rows[leg - 1] : undefined;
      if (row && failure instanceof ApiError) {
        const { code, message } = failure.details;
        setRowErrors({ [row.id]: typeof code === 'string' ? new ApiError(failure.status, code, typeof message === 'string' ? message : '') : failure });
      }
      throw failure;
    }
  };

  const consented = async (bankId: number, consentToken: string) => {
    if (!pending) return;
    const given = [...pending.given.filter((consent) => consent.bankId !== bankId), { bankId, token: consentToken }];
    const missing = pending.request.banks.filter((bank) => !given.some((consent) => consent.bankId === bank.bankId));
    if (missing.length > 0) return setPending({ ...pending, given });
    await run(() => send(pending.transfers, given));
    onDone();
  };

  const cancelConsent = () => {
    const waiting = pending?.request.banks.find((bank) => !pending.given.some((consent) => consent.bankId === bank.bankId));
    setPending(null);
    setError(new PageError((t) => t('packet.notConsented', { bank: waiting?.name ?? t('packet.thePayingBank') })));
  };
  const asking = pending?.request.banks.find((bank) => !pending.given.some((consent) => consent.bankId === bank.bankId));

  const accounts = (sources ?? []).flatMap((source) => (source.accounts ?? []).map((account) => ({ source, account })));
  const total = rows.reduce((sum, row) => {
    const amount = parseAmountInput(row.amount, language);
    return amount.ok ? sum + amount.cents : sum;
  }, 0);
  const rowErrorText = (rowError: ApiError | PageError) => {
    const message = errorMessage(rowError, t, formats);
    return rowError instanceof ApiError ? `${rowError.code}: ${message}` : message;
  };
  return (
    <>
      <form className="card" onSubmit={(event) => void submit(event)} aria-labelledby="packet-title">
        <h2 id="packet-title">{t('packet.title')}</h2>
        <p className="muted">{t('packet.intro')}</p>
        {sources?.some((source) => source.unavailable) && (
          <p className="alert info" role="status">
            {t('packet.unreachable', { banks: formats.list(sources.filter((source) => source.unavailable).map((source) => source.bankName)) })}
          </p>
        )}
        <ol className="packet-rows">
          {rows.map((row, index) => {
            const prefix = `leg-${index + 1}`;
            const rowError = rowErrors[row.id];
            return (
              <li key={row.id} className="packet-row" aria-label={t('packet.transfer', { n: index + 1 })} data-invalid={rowError ? 'true' : undefined}>
                <div className="field">
                  <label htmlFor={`${prefix}-from`}>{t('packet.from')}</label>
                  <select id={`${prefix}-from`} value={row.from} onChange={(event) => change(row.id, { from: event.target.value })}>
                    {accounts.length === 0 && <option value={own}>{t('packet.account', { bank: bank.name, account: accountId })}</option>}
                    {accounts.map(({ source, account }) => (
                      <option key={`${source.bankId}:${account.accountId}`} value={`${source.bankId}:${account.accountId}`}>
                        {t(account.joint ? 'packet.jointAccount' : 'packet.account', { bank: source.bankName, account: account.accountId })}
                      </option>
                    ))}
                  </select>
                </div>
                <div className="field">
                  <label htmlFor={`${prefix}-bank`}>{t('packet.toBank')}</label>
                  <select id={`${prefix}-bank`} value={row.toBankId} onChange={(event) => change(row.id, { toBankId: Number(event.target.value) })}>
                    {bank.consortium.map((member) => <option key={member.bankId} value={member.bankId}>{member.name}</option>)}
                  </select>
                </div>
                <div className="field">
                  <label htmlFor={`${prefix}-key`}>{t('pix.key')}</label>
                  <input id={`${prefix}-key`} required autoComplete="off" maxLength={254} value={row.key} onChange={(event) => change(row.id, { key: event.target.value })} />
                </div>
                <div className="field">
                  <label htmlFor={`${prefix}-amount`}>{t('common.amount')}</label>
                  <input id={`${prefix}-amount`} inputMode="decimal" autoComplete="off" placeholder={formats.decimal(0)} required value={row.amount}
                    aria-invalid={rowError ? true : undefined} aria-describedby={rowError ? `${prefix}-error` : undefined}
                    onChange={(event) => change(row.id, { amount: event.target.value })} />
                </div>
                {rows.length > 1 && (
                  <button type="button" className="secondary remove" onClick={() => { key.reset(); setRows(rows.filter((other) => other.id !== row.id)); }}>
                    {t('packet.remove', { n: index + 1 })}
                  </button>
                )}
                {rowError && <p className="row-error" id={`${prefix}-error`}>{rowErrorText(rowError)}</p>}
              </li>
            );
          })}
        </ol>
        <div className="actions">
          <button type="button" className="secondary" disabled={rows.length >= ROWS_MAX} onClick={() => { key.reset(); setRows([...rows, newRow()]); }}>
            {t('packet.add')}
          </button>
          <p className="muted">{t('packet.total', { amount: money(total), count: rows.length })}</p>
        </div>
        <ErrorAlert error={error} />
        {result && (
          <div className={`alert ${result.status === 'completed' ? 'success' : 'info'}`} role="status">
            <p>
              {result.status === 'completed'
                ? t('packet.completed', { count: result.transfers.length, amount: money(result.transfers.reduce((sum, leg) => sum + leg.amountCents, 0)) })
                : t('packet.settling')}
            </p>
            <ul>
              {result.transfers.map((leg, index) => (
                <li key={index}>
                  {t('packet.leg', { amount: money(leg.amountCents), from: bankName(leg.fromBankId), to: leg.receiverName ?? t('packet.theReceiver'), bank: bankName(leg.toBankId) })}
                </li>
              ))}
            </ul>
          </div>
        )}
        <button type="submit" disabled={busy || pending !== null}>{busy ? t('packet.sending') : t('packet.send')}</button>
      </form>
      {pending && asking && (
        <ConsentStep key={`${pending.request.packetId}:${asking.bankId}`} request={pending.request} bank={asking}
          onGiven={(consentToken) => void consented(asking.bankId, consentToken)} onCancel={cancelConsent} />
      )}
    </>
  );
}
