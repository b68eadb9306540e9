// Seed 003's dashboard: balance, blocked balance, latest transactions with their status, a
// deposit and a quick Pix from this account. Everything refreshes on its own.
import { useApp } from '../app-context.js';
import { Balances } from '../components/balances.js';
import { DepositForm } from '../components/deposit-form.js';
import { ErrorAlert } from '../components/error-alert.js';
import { QuickPix } from '../components/quick-pix.js';
import { TransactionList } from '../components/transaction-list.js';
import { linkHandler, pathOf } from '../router.js';
import type { Session } from '../types.js';
import { useLiveAccount } from '../use-live-account.js';

const KEY_KINDS = { cpf: 'CPF', cnpj: 'CNPJ', email: 'E-mail', phone: 'Phone', random: 'Random key' } as const;

export function Dashboard({ session }: { session: Session }) {
  const { bank, navigate, bankName } = useApp();
  const live = useLiveAccount(session.token, 10);
  const welcome = new URLSearchParams(window.location.search).get('welcome') === '1';
  const account = live.account;
  return (
    <>
      {welcome && <p className="alert success" role="status">Your account at {bank.name} is open. Your Pix keys are listed below.</p>}
      <p className="muted">
        {session.account.holders.map((holder) => holder.name).join(' and ')}
        {session.account.joint ? ' (joint account)' : ''} · {session.account.type === 'company' ? 'company' : 'individual'} account {session.account.accountId}
      </p>
      <ErrorAlert error={live.error} />
      {account ? <Balances account={account} /> : <p role="status">Loading your balance…</p>}
      <div className="grid">
        <DepositForm token={session.token} onDone={live.refresh} />
        <QuickPix token={session.token} onDone={live.refresh} />
      </div>
      <section className="card" aria-labelledby="latest-title">
        <h2 id="latest-title">Latest transactions</h2>
        <TransactionList transactions={live.transactions} label="Latest transactions" bankName={bankName} />
        <p><a href={pathOf('transactions')} onClick={linkHandler(navigate)}>All transactions and packets of Pix</a></p>
      </section>
      <section className="card" aria-labelledby="keys-title">
        <h2 id="keys-title">Your Pix keys</h2>
        <dl className="keys">
          {session.account.pixKeys.map((pixKey) => (
            <div key={`${pixKey.kind}:${pixKey.value}`}>
              <dt>{KEY_KINDS[pixKey.kind]}</dt>
              <dd><code>{pixKey.value}</code></dd>
            </div>
          ))}
        </dl>
      </section>
    </>
  );
}
