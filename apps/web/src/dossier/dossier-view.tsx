// One person's dossier: derived figures first, then where they come from (each source and its
// state), the accounts at every bank with their latest transactions, and the registry's records.
import { TransactionList } from '../components/transaction-list.js';
import { formatCents, formatDateTime } from '../money.js';
import type { Dossier, RegistryItem } from './types.js';

const STATUS = { ok: 'answered', unavailable: 'unavailable', 'circuit-open': 'not asked (circuit open)' } as const;

export function DossierView({ dossier }: { dossier: Dossier }) {
  const bankName = (bankId: number) => dossier.banks.find((bank) => bank.bankId === bankId)?.bankName ?? `Bank ${bankId}`;
  const missing = dossier.sources.filter((source) => source.status !== 'ok');
  const figures = [
    ['Total balance', dossier.totals.balanceCents, 'total-balance'],
    ['Total debt', dossier.totals.debtCents, 'total-debt'],
    ['Assets', dossier.totals.assetCents, 'total-assets'],
    ['Monthly income', dossier.totals.monthlyIncomeCents, 'monthly-income'],
    ['Net worth', dossier.totals.netWorthCents, 'net-worth'],
  ] as const;
  return (
    <article aria-labelledby="person-name">
      <h2 id="person-name" className="person">{dossier.name ?? 'No name known'} <span className="muted">{dossier.documentMasked}</span></h2>
      <p className="muted small">Gathered {formatDateTime(dossier.generatedAtMs)}</p>
      {!dossier.complete && (
        <div className="alert error" role="alert" data-testid="incomplete">
          <p>Incomplete: {missing.map((source) => `${source.name} (${STATUS[source.status]})`).join(', ')} did not answer. The figures leave them out.</p>
        </div>
      )}
      <section className="figures" aria-label="Figures">
        {figures.map(([label, cents, id]) => (
          <div key={id} className="figure">
            <p className="label" id={`${id}-label`}>{label}</p>
            <p className="value" aria-labelledby={`${id}-label`} data-testid={id}>{formatCents(cents)}</p>
          </div>
        ))}
      </section>
      <section className="card" aria-labelledby="sources-title">
        <h2 id="sources-title">Sources</h2>
        <ul className="sources" aria-label="Sources">
          {dossier.sources.map((source) => (
            <li key={source.source} data-source={source.source}>
              <span>{source.name}</span>
              <span className={`status ${source.status === 'ok' ? 'completed' : 'failed'}`}>{STATUS[source.status]}</span>
              <span className="muted small">{source.latencyMs} ms{source.error ? ` · ${source.error.code}` : ''}</span>
            </li>
          ))}
        </ul>
      </section>
      {dossier.banks.map((bank) => (
        <section key={bank.bankId} className="card" aria-labelledby={`bank-${bank.bankId}-title`}>
          <h2 id={`bank-${bank.bankId}-title`}>{bank.bankName}</h2>
          {bank.status !== 'ok' && <p className="muted">This bank did not answer.</p>}
          {bank.status === 'ok' && bank.accounts.length === 0 && <p className="muted">No account here.</p>}
          {bank.accounts.map((account) => (
            <div key={account.accountId} className="account">
              <p>
                <strong>Account {account.accountId}</strong> · {account.type}{account.joint ? ' · joint' : ''} · {account.holderNames.join(' and ')}
              </p>
              <p>Balance <strong data-testid={`balance-${bank.bankId}-${account.accountId}`}>{formatCents(account.balanceCents)}</strong>
                {account.blockedCents > 0 && <> · blocked {formatCents(account.blockedCents)}</>}</p>
              <TransactionList transactions={account.transactions} label={`Latest transactions of account ${account.accountId}`} bankName={bankName} />
            </div>
          ))}
        </section>
      ))}
      <Records title="Debts" items={dossier.debts} describe={(item) => `${item.creditor ?? ''} · ${item.date ?? ''}`} />
      <Records title="Assets" items={dossier.assets} describe={(item) => item.description ?? ''} />
      <Records title="Income sources (monthly)" items={dossier.incomes} describe={(item) => item.description ?? ''} />
    </article>
  );
}

function Records({ title, items, describe }: { title: string; items: RegistryItem[]; describe(item: RegistryItem): string }) {
  const id = title.toLowerCase().replace(/\W+/g, '-');
  return (
    <section className="card" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>{title}</h2>
      {items.length === 0 ? <p className="muted">None recorded.</p> : (
        <ul className="records" aria-label={title}>
          {items.map((item) => (
            <li key={item.id}><span>{describe(item)}</span><strong>{formatCents(item.amountCents)}</strong></li>
          ))}
        </ul>
      )}
    </section>
  );
}
