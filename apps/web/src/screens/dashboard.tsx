// Seed 003's dashboard: balance, blocked balance, latest transactions with their status, a
// deposit and a quick Pix from this account. Everything refreshes on its own.
import { useTranslation } from 'react-i18next';
import { useApp } from '../app-context.js';
import { Balances } from '../components/balances.js';
import { DepositForm } from '../components/deposit-form.js';
import { ErrorAlert } from '../components/error-alert.js';
import { QuickPix } from '../components/quick-pix.js';
import { TransactionList } from '../components/transaction-list.js';
import { useFormats } from '../i18n/index.js';
import { linkHandler, pathOf } from '../router.js';
import type { Session } from '../types.js';
import { useLiveAccount } from '../use-live-account.js';

export function Dashboard({ session }: { session: Session }) {
  const { t } = useTranslation();
  const formats = useFormats();
  const { bank, navigate, bankName } = useApp();
  const live = useLiveAccount(session.token, 10);
  const welcome = new URLSearchParams(window.location.search).get('welcome') === '1';
  const account = live.account;
  const { holders, joint, type, accountId } = session.account;
  const names = formats.list(holders.map((holder) => holder.name));
  return (
    <>
      {welcome && <p className="alert success" role="status">{t('dashboard.welcome', { bank: bank.name })}</p>}
      <p className="muted">
        {joint ? t('dashboard.jointHolders', { names }) : names} · {type === 'company' ? t('dashboard.companyAccount', { id: accountId }) : t('dashboard.individualAccount', { id: accountId })}
      </p>
      <ErrorAlert error={live.error} />
      {account ? <Balances account={account} /> : <p role="status">{t('dashboard.loadingBalance')}</p>}
      <div className="grid">
        <DepositForm token={session.token} onDone={live.refresh} />
        <QuickPix token={session.token} onDone={live.refresh} />
      </div>
      <section className="card" aria-labelledby="latest-title">
        <h2 id="latest-title">{t('dashboard.latest')}</h2>
        <TransactionList transactions={live.transactions} label={t('dashboard.latest')} bankName={bankName} />
        <p><a href={pathOf('transactions')} onClick={linkHandler(navigate)}>{t('dashboard.allTransactions')}</a></p>
      </section>
      <section className="card" aria-labelledby="keys-title">
        <h2 id="keys-title">{t('dashboard.pixKeys')}</h2>
        <dl className="keys">
          {session.account.pixKeys.map((pixKey) => (
            <div key={`${pixKey.kind}:${pixKey.value}`}>
              <dt>{t(`dashboard.keyKinds.${pixKey.kind}`)}</dt>
              <dd><code>{pixKey.value}</code></dd>
            </div>
          ))}
        </dl>
      </section>
    </>
  );
}
