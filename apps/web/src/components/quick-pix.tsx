// A Pix from this account in two steps: look the key up (the receiver's name, bank and masked
// document are shown), then confirm. The Pix is all-or-nothing; 202 means it is still settling.
import { useState, type FormEvent } from 'react';
import { api } from '../api.js';
import { useApp } from '../app-context.js';
import { formatCents, parseAmountInput } from '../money.js';
import type { KeyLookup, PacketView } from '../types.js';
import { useIdempotencyKey } from '../use-idempotency-key.js';
import { useAction } from '../use-action.js';
import { ErrorAlert } from './error-alert.js';

interface Pending {
  receiver: KeyLookup;
  amount: string;
  cents: number;
}

export function QuickPix({ token, onDone }: { token: string; onDone(): void }) {
  const { bank } = useApp();
  const [toBankId, setToBankId] = useState(bank.bankId);
  const [pixKey, setPixKey] = useState('');
  const [amount, setAmount] = useState('');
  const [pending, setPending] = useState<Pending | null>(null);
  const { busy, error, setError, run } = useAction();
  const [done, setDone] = useState<string | null>(null);
  const key = useIdempotencyKey();

  const lookUp = (event: FormEvent) => {
    event.preventDefault();
    setDone(null);
    const parsed = parseAmountInput(amount);
    if (!parsed.ok) return setError(new Error(parsed.message));
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
      setDone(status === 200
        ? `Sent ${formatCents(pending.cents)} to ${pending.receiver.name}.`
        : `Your Pix of ${formatCents(pending.cents)} to ${pending.receiver.name} is being settled (${body.status}); its status updates below.`);
      setPending(null);
      setPixKey('');
      setAmount('');
    });
    onDone();
  };

  if (pending) {
    return (
      <section className="card" aria-labelledby="pix-title">
        <h2 id="pix-title">Confirm Pix</h2>
        <dl className="confirm" aria-label="Receiver">
          <dt>To</dt><dd data-testid="receiver-name">{pending.receiver.name}</dd>
          <dt>Document</dt><dd>{pending.receiver.documentMasked}</dd>
          <dt>Bank</dt><dd>{pending.receiver.bankName}</dd>
          <dt>Amount</dt><dd>{formatCents(pending.cents)}</dd>
        </dl>
        <ErrorAlert error={error} />
        <div className="actions">
          <button type="button" onClick={confirm} disabled={busy}>{busy ? 'Sending…' : `Send ${formatCents(pending.cents)}`}</button>
          <button type="button" className="secondary" onClick={() => { setPending(null); setError(null); }} disabled={busy}>Cancel</button>
        </div>
      </section>
    );
  }
  return (
    <form className="card" onSubmit={lookUp} aria-labelledby="pix-title">
      <h2 id="pix-title">Quick Pix</h2>
      <label htmlFor="pix-bank">Receiver's bank</label>
      <select id="pix-bank" value={toBankId} onChange={(event) => setToBankId(Number(event.target.value))}>
        {bank.consortium.map((member) => <option key={member.bankId} value={member.bankId}>{member.name}</option>)}
      </select>
      <label htmlFor="pix-key">Pix key</label>
      <input id="pix-key" required autoComplete="off" maxLength={254} aria-describedby="pix-key-hint" value={pixKey} onChange={(event) => setPixKey(event.target.value)} />
      <p id="pix-key-hint" className="hint">CPF, CNPJ, e-mail, phone (+55…) or random key.</p>
      <label htmlFor="pix-amount">Amount (R$)</label>
      <input id="pix-amount" inputMode="decimal" autoComplete="off" placeholder="0,00" required value={amount} onChange={(event) => setAmount(event.target.value)} />
      <ErrorAlert error={error} />
      {done && <p className="alert success" role="status">{done}</p>}
      <button type="submit" disabled={busy}>{busy ? 'Looking up…' : 'Continue'}</button>
    </form>
  );
}
