import { useTranslation } from 'react-i18next';
import { useFormats } from '../i18n/index.js';
import type { Account } from '../types.js';

/** Available, blocked (held for a Pix still settling) and incoming (credits still settling). */
export function Balances({ account }: { account: Account }) {
  const { t } = useTranslation();
  const { money } = useFormats();
  return (
    <section className="balances" aria-label={t('balances.label')} aria-live="polite">
      <div className="figure">
        <p className="label" id="balance-label">{t('balances.available')}</p>
        <p className="value" aria-labelledby="balance-label" data-testid="balance">{money(account.balanceCents)}</p>
      </div>
      <div className="figure">
        <p className="label" id="blocked-label">{t('balances.blocked')}</p>
        <p className="value small" aria-labelledby="blocked-label" data-testid="blocked">{money(account.blockedCents)}</p>
      </div>
      <div className="figure">
        <p className="label" id="incoming-label">{t('balances.incoming')}</p>
        <p className="value small" aria-labelledby="incoming-label" data-testid="incoming">{money(account.pendingIncomingCents)}</p>
      </div>
    </section>
  );
}
