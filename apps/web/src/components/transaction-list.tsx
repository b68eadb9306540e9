// Transactions, newest first, each with its status: pending (money on hold), completed, failed.
import { formatCents, formatDateTime } from '../money.js';
import type { Transaction } from '../types.js';

const LABELS: Record<Transaction['type'], string> = {
  deposit: 'Deposit', 'pix-out': 'Pix sent', 'pix-in': 'Pix received',
  withdrawal: 'Withdrawal', 'transfer-out': 'Transfer out', 'transfer-in': 'Transfer in', adjustment: 'Adjustment',
};
/** A failed transfer moved nothing: it says so, and its amount is struck through. */
const FAILED_LABELS: Record<Transaction['type'], string> = {
  deposit: 'Deposit not made', 'pix-out': 'Pix not sent', 'pix-in': 'Incoming Pix cancelled',
  withdrawal: 'Withdrawal not made', 'transfer-out': 'Transfer not made', 'transfer-in': 'Transfer not made', adjustment: 'Adjustment not made',
};
const METHODS = { cash: 'cash', qrcode: 'QR code', boleto: 'boleto' } as const;

export function TransactionList({ transactions, label, bankName }: { transactions: Transaction[]; label: string; bankName(bankId: number): string }) {
  if (transactions.length === 0) return <p className="muted">No transactions yet.</p>;
  return (
    <ul className="transactions" aria-label={label}>
      {transactions.map((transaction) => {
        const outgoing = transaction.direction === 'out' || transaction.type === 'pix-out';
        // A movement the customer did not ask for names who made it: "Withdrawal by teller clientA".
        const detail = transaction.madeBy
          ? [`by ${transaction.madeBy}`, transaction.counterpart ? `${outgoing ? 'to' : 'from'} ${transaction.counterpart}` : null].filter(Boolean).join(' · ')
          : transaction.type === 'deposit'
          ? `by ${transaction.method ? METHODS[transaction.method] : 'deposit'}`
          : [outgoing ? 'to' : 'from', transaction.counterpart, transaction.counterpart && transaction.bankId !== null ? '·' : null, transaction.bankId === null ? null : bankName(transaction.bankId)]
            .filter(Boolean).join(' ');
        return (
          <li key={transaction.id} className="transaction" data-status={transaction.status}>
            <div>
              <p className="what">{(transaction.status === 'failed' ? FAILED_LABELS : LABELS)[transaction.type]} <span className="muted">{detail}</span></p>
              <p className="muted small">{formatDateTime(transaction.atMs)}</p>
            </div>
            <div className="right">
              <p className={outgoing ? 'amount out' : 'amount in'}>{outgoing ? '−' : '+'}{formatCents(transaction.amountCents)}</p>
              <span className={`status ${transaction.status}`}>{transaction.status}</span>
            </div>
          </li>
        );
      })}
    </ul>
  );
}
