import { formatCents } from '../money.js';
import type { Account } from '../types.js';

/** Available, blocked (held for a Pix still settling) and incoming (credits still settling). */
export function Balances({ account }: { account: Account }) {
  return (
    <section className="balances" aria-label="Balances" aria-live="polite">
      <div className="figure">
        <p className="label" id="balance-label">Available balance</p>
        <p className="value" aria-labelledby="balance-label" data-testid="balance">{formatCents(account.balanceCents)}</p>
      </div>
      <div className="figure">
        <p className="label" id="blocked-label">Blocked</p>
        <p className="value small" aria-labelledby="blocked-label" data-testid="blocked">{formatCents(account.blockedCents)}</p>
      </div>
      <div className="figure">
        <p className="label" id="incoming-label">Incoming</p>
        <p className="value small" aria-labelledby="incoming-label" data-testid="incoming">{formatCents(account.pendingIncomingCents)}</p>
      </div>
    </section>
  );
}
