// Transactions, newest first, each with its status: pending (money on hold), completed, failed.
import type { TFunction } from 'i18next';
import { useTranslation } from 'react-i18next';
import { useFormats } from '../i18n/index.js';
import type { Transaction } from '../types.js';

/** Who moved the money, and to or from whom: "by teller clientA · to Bruno", "by boleto", "to Bruno · Banco Ipê". */
function detailOf(transaction: Transaction, outgoing: boolean, t: TFunction, bankName: (bankId: number) => string): string {
  const direction = (who: string) => (outgoing ? t('transactions.to', { who }) : t('transactions.from', { who }));
  if (transaction.madeBy) {
    return [t('transactions.by', { who: transaction.madeBy }), transaction.counterpart ? direction(transaction.counterpart) : null].filter(Boolean).join(' · ');
  }
  if (transaction.type === 'deposit') return t('transactions.by', { who: t(`transactions.methods.${transaction.method ?? 'unknown'}`) });
  const who = [transaction.counterpart, transaction.bankId === null ? null : bankName(transaction.bankId)].filter(Boolean).join(' · ');
  return who === '' ? '' : direction(who);
}

export function TransactionList({ transactions, label, bankName }: { transactions: Transaction[]; label: string; bankName: (bankId: number) => string }) {
  const { t } = useTranslation();
  const { money, dateTime } = useFormats();
  if (transactions.length === 0) return <p className="muted">{t('transactions.none')}</p>;
  return (
    <ul className="transactions" aria-label={label}>
      {transactions.map((transaction) => {
        const outgoing = transaction.direction === 'out' || transaction.type === 'pix-out';
        // A failed transfer moved nothing: it says so, and its amount is struck through.
        const what = transaction.status === 'failed' ? t(`transactions.failedTypes.${transaction.type}`) : t(`transactions.types.${transaction.type}`);
        return (
          <li key={transaction.id} className="transaction" data-status={transaction.status}>
            <div>
              <p className="what">{what} <span className="muted">{detailOf(transaction, outgoing, t, bankName)}</span></p>
              <p className="muted small">{dateTime(transaction.atMs)}</p>
            </div>
            <div className="right">
              <p className={outgoing ? 'amount out' : 'amount in'}>{outgoing ? '−' : '+'}{money(transaction.amountCents)}</p>
              <span className={`status ${transaction.status}`}>{t(`transactions.status.${transaction.status}`)}</span>
            </div>
          </li>
        );
      })}
    </ul>
  );
}
