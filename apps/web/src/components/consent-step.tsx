// The payer's consent at another bank, in the packet's flow: the customer logs in there (that
// bank's e-mail and password, sent to that bank only) and that bank issues a consent to exactly
// these legs of this packet. Nothing moves until every bank paying a leg has consented.
import { useState, type FormEvent } from 'react';
import { api, ApiError } from '../api.js';
import { useApp } from '../app-context.js';
import { formatCents } from '../money.js';
import type { ConsentRequired } from '../types.js';
import { useAction } from '../use-action.js';
import { ErrorAlert } from './error-alert.js';

type ConsentBank = ConsentRequired['banks'][number];

export function ConsentStep({ request, bank, onGiven, onCancel }: {
  request: ConsentRequired;
  bank: ConsentBank;
  onGiven(token: string): void;
  onCancel(): void;
}) {
  const { bank: here, bankName } = useApp();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const { busy, error, run } = useAction();
  // The consortium list this page already has names the bank's address; the answer's is a fallback.
  const url = here.consortium.find((member) => member.bankId === bank.bankId)?.url ?? bank.url;
  const prefix = `consent-${bank.bankId}`;

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    await run(async () => {
      const session = await api<{ token: string }>('/v1/sessions', { method: 'POST', atBank: url, body: { email: email.trim(), password } });
      const consent = await api<{ token: string }>('/v1/me/consents', {
        method: 'POST', atBank: url, token: session.body.token,
        body: { packetId: request.packetId, coordinatorBank: request.coordinatorBank, payerAccount: bank.payerAccountId, legs: bank.legs },
      });
      setPassword('');
      onGiven(consent.body.token);
    }).then((done) => {
      if (!done) setPassword('');
    });
  };

  return (
    <form className="card consent" onSubmit={submit} aria-labelledby={`${prefix}-title`}>
      <h3 id={`${prefix}-title`}>Consent at {bank.name}</h3>
      <p>
        {bank.legs.length === 1 ? 'A transfer' : `${bank.legs.length} transfers`} of this packet {bank.legs.length === 1 ? 'is' : 'are'} paid from
        your account {bank.payerAccountId} at {bank.name}. Log in at {bank.name} to consent; nothing is sent until you do.
      </p>
      <ul>
        {bank.legs.map((leg) => <li key={leg.legId}>{formatCents(leg.amountCents)} to {leg.key} at {bankName(leg.toBank)}</li>)}
      </ul>
      <div className="field">
        <label htmlFor={`${prefix}-email`}>E-mail at {bank.name}</label>
        <input id={`${prefix}-email`} type="email" autoComplete="off" required maxLength={254} value={email} onChange={(event) => setEmail(event.target.value)} />
      </div>
      <div className="field">
        <label htmlFor={`${prefix}-password`}>Password at {bank.name}</label>
        <input id={`${prefix}-password`} type="password" autoComplete="off" required maxLength={200} value={password} onChange={(event) => setPassword(event.target.value)} />
      </div>
      <ErrorAlert error={refusal(error, bank.name)} />
      <div className="actions">
        <button type="submit" disabled={busy}>{busy ? `Asking ${bank.name}…` : `Log in and consent at ${bank.name}`}</button>
        <button type="button" className="secondary" disabled={busy} onClick={onCancel}>Cancel the packet</button>
      </div>
    </form>
  );
}

/** The other bank's refusal, said as such: its own message and code, and that nothing moved. */
function refusal(error: ApiError | Error | null, bankName: string): ApiError | Error | null {
  if (!error) return null;
  const message = `${bankName} refused: ${error.message} Nothing was moved.`;
  return error instanceof ApiError ? new ApiError(error.status, error.code, message, error.details) : new Error(message);
}
