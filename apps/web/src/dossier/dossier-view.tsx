// One person's dossier: derived figures first, then where they come from (each source and its
// state), the accounts at every bank with their latest transactions, and the registry's records.
import { useTranslation } from 'react-i18next';
import { TransactionList } from '../components/transaction-list.js';
import { useFormats } from '../i18n/index.js';
import type { Dossier, RegistryItem, SourceReport } from './types.js';

export function DossierView({ dossier }: { dossier: Dossier }) {
  const { t } = useTranslation();
  const { money, dateTime, day, list } = useFormats();
  const bankName = (bankId: number) => dossier.banks.find((bank) => bank.bankId === bankId)?.bankName ?? t('common.bank', { id: bankId });
  // The registry names itself in English; banks by their own names.
  const sourceName = (source: SourceReport) => (source.source === 'registry' ? t('dossier.registry') : source.name);
  const missing = dossier.sources.filter((source) => source.status !== 'ok');
  const figures = [
    [t('dossier.totalBalance'), dossier.totals.balanceCents, 'total-balance'],
    [t('dossier.totalDebt'), dossier.totals.debtCents, 'total-debt'],
    [t('dossier.totalAssets'), dossier.totals.assetCents, 'total-assets'],
    [t('dossier.monthlyIncome'), dossier.totals.monthlyIncomeCents, 'monthly-income'],
    [t('dossier.netWorth'), dossier.totals.netWorthCents, 'net-worth'],
  ] as const;
  return (
    <article aria-labelledby="person-name">
      <h2 id="person-name" className="person">{dossier.name ?? t('dossier.noName')} <span className="muted">{dossier.documentMasked}</span></h2>
      <p className="muted small">{t('dossier.gathered', { at: dateTime(dossier.generatedAtMs) })}</p>
      {!dossier.complete && (
        <div className="alert error" role="alert" data-testid="incomplete">
          <p>{t('dossier.incomplete', { sources: list(missing.map((source) => `${sourceName(source)} (${t(`dossier.sourceStatus.${source.status}`)})`)) })}</p>
        </div>
      )}
      <section className="figures" aria-label={t('dossier.figures')}>
        {figures.map(([label, cents, id]) => (
          <div key={id} className="figure">
            <p className="label" id={`${id}-label`}>{label}</p>
            <p className="value" aria-labelledby={`${id}-label`} data-testid={id}>{money(cents)}</p>
          </div>
        ))}
      </section>
      <section className="card" aria-labelledby="sources-title">
        <h2 id="sources-title">{t('dossier.sources')}</h2>
        <ul className="sources" aria-label={t('dossier.sources')}>
          {dossier.sources.map((source) => (
            <li key={source.source} data-source={source.source}>
              <span>{sourceName(source)}</span>
              <span className={`status ${source.status === 'ok' ? 'completed' : 'failed'}`}>{t(`dossier.sourceStatus.${source.status}`)}</span>
              <span className="muted small">{t('dossier.latency', { ms: source.latencyMs })}{source.error ? ` · ${source.error.code}` : ''}</span>
            </li>
          ))}
        </ul>
      </section>
      {dossier.banks.map((bank) => (
        <section key={bank.bankId} className="card" aria-labelledby={`bank-${bank.bankId}-title`}>
          <h2 id={`bank-${bank.bankId}-title`}>{bank.bankName}</h2>
          {bank.status !== 'ok' && <p className="muted">{t('dossier.bankDown')}</p>}
          {bank.status === 'ok' && bank.accounts.length === 0 && <p className="muted">{t('dossier.noAccount')}</p>}
          {bank.accounts.map((account) => (
            <div key={account.accountId} className="account">
              <p>
                <strong>{t('dossier.account', { id: account.accountId })}</strong>
                {' · '}{account.type === 'company' || account.type === 'individual' ? t(`dossier.accountTypes.${account.type}`) : account.type}
                {account.joint && ` · ${t('dossier.joint')}`} · {list(account.holderNames)}
              </p>
              <p>{t('dossier.balance')} <strong data-testid={`balance-${bank.bankId}-${account.accountId}`}>{money(account.balanceCents)}</strong>
                {account.blockedCents > 0 && <> · {t('dossier.blocked', { amount: money(account.blockedCents) })}</>}</p>
              <TransactionList transactions={account.transactions} label={t('dossier.accountTransactions', { id: account.accountId })} bankName={bankName} />
            </div>
          ))}
        </section>
      ))}
      <Records id="debts" title={t('dossier.debts')} items={dossier.debts} describe={(item) => `${item.creditor ?? ''} · ${day(item.date ?? '')}`} />
      <Records id="assets" title={t('dossier.assets')} items={dossier.assets} describe={(item) => item.description ?? ''} />
      <Records id="incomes" title={t('dossier.incomes')} items={dossier.incomes} describe={(item) => item.description ?? ''} />
    </article>
  );
}

function Records({ id, title, items, describe }: { id: string; title: string; items: RegistryItem[]; describe: (item: RegistryItem) => string }) {
  const { t } = useTranslation();
  const { money } = useFormats();
  return (
    <section className="card" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>{title}</h2>
      {items.length === 0 ? <p className="muted">{t('dossier.none')}</p> : (
        <ul className="records" aria-label={title}>
          {items.map((item) => (
            <li key={item.id}><span>{describe(item)}</span><strong>{money(item.amountCents)}</strong></li>
          ))}
        </ul>
      )}
    </section>
  );
}
