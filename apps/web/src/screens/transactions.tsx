// Seed 003's transactions screen: build and send a packet of Pix; the account's history below.
import { useTranslation } from 'react-i18next';
import { useApp } from '../app-context.js';
import { Balances } from '../components/balances.js';
import { ErrorAlert } from '../components/error-alert.js';
import { PacketBuilder } from '../components/packet-builder.js';
import { TransactionList } from '../components/transaction-list.js';
import type { Session } from '../types.js';
import { useLiveAccount } from '../use-live-account.js';

export function Transactions({ session }: { session: Session }) {
  const { t } = useTranslation();
  const { bankName } = useApp();
  const live = useLiveAccount(session.token, 50);
  return (
    <>
      <ErrorAlert error={live.error} />
      {live.account && <Balances account={live.account} />}
      <PacketBuilder token={session.token} accountId={session.account.accountId} onDone={live.refresh} />
      <section className="card" aria-labelledby="history-title">
        <h2 id="history-title">{t('transactions.history')}</h2>
        <TransactionList transactions={live.transactions} label={t('transactions.all')} bankName={bankName} />
      </section>
    </>
  );
}
