import { useState, type FormEvent } from 'react';
import { api } from '../api.js';
import { formatCents, parseAmountInput } from '../money.js';
import { useIdempotencyKey } from '../use-idempotency-key.js';
import { useAction } from '../use-action.js';
import { ErrorAlert } from './error-alert.js';

export function DepositForm({ token, onDone }: { token: string; onDone(): void }) {
  const [amount, setAmount] = useState('');
  const [method, setMethod] = useState<'cash' | 'qrcode' | 'boleto'>('cash');
  const { busy, error, setError, run } = useAction();
  const [done, setDone] = useState<string | null>(null);
  const key = useIdempotencyKey();

  const submit = (event: FormEvent) => {
    event.preventDefault();
    setDone(null);
    const parsed = parseAmountInput(amount);
    if (!parsed.ok) return setError(new Error(parsed.message));
    void run(async () => {
      await api('/v1/me/deposits', { method: 'POST', token, idempotencyKey: key.current(), body: { amount: parsed.amount, method } });
      key.reset();
      setAmount('');
      setDone(`Deposited ${formatCents(parsed.cents)}.`);
      onDone();
    });
  };

  return (
    <form className="card" onSubmit={submit} aria-labelledby="deposit-title">
      <h2 id="deposit-title">Deposit</h2>
      <label htmlFor="deposit-amount">Amount (R$)</label>
      <input id="deposit-amount" inputMode="decimal" autoComplete="off" placeholder="0,00" required value={amount}
        onChange={(event) => { setAmount(event.target.value); key.reset(); }} />
      <label htmlFor="deposit-method">Method</label>
      <select id="deposit-method" value={method} onChange={(event) => { setMethod(event.target.value as typeof method); key.reset(); }}>
        <option value="cash">Cash</option>
        <option value="qrcode">QR code</option>
        <option value="boleto">Boleto</option>
      </select>
      <ErrorAlert error={error} />
      {done && <p className="alert success" role="status">{done}</p>}
      <button type="submit" disabled={busy}>{busy ? 'Depositing…' : 'Deposit'}</button>
    </form>
  );
}
