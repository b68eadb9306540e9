// Seed 003's first screen: which bank of the consortium to use. Each bank serves this app from
// its own address, so choosing one goes there.
import { Trans, useTranslation } from 'react-i18next';
import { useApp } from '../app-context.js';
import { linkHandler, pathOf } from '../router.js';

export function ChooseBank() {
  const { t } = useTranslation();
  const { bank, session, navigate } = useApp();
  const follow = linkHandler(navigate);
  return (
    <>
      <p className="lead">{t('chooseBank.lead', { count: bank.consortium.length })}</p>
      {session && (
        <p className="alert info">
          <Trans i18nKey="chooseBank.loggedIn" values={{ bank: bank.name }} components={{ a: <a href={pathOf('dashboard')} onClick={follow} /> }} />
        </p>
      )}
      <ul className="bank-list" aria-label={t('chooseBank.listLabel')}>
        {bank.consortium.map((member) => {
          const here = member.bankId === bank.bankId;
          return (
            <li key={member.bankId} className={here ? 'bank-card here' : 'bank-card'}>
              <h2>{member.name}</h2>
              <p className="muted">{here ? t('chooseBank.here', { id: member.bankId }) : t('common.bank', { id: member.bankId })}</p>
              {here ? (
                <a className="button" href={pathOf('login')} onClick={follow}>{t('chooseBank.use', { bank: member.name })}</a>
              ) : (
                <a className="button secondary" href={`${member.url.replace(/\/$/, '')}${pathOf('login')}`}>{t('chooseBank.goTo', { bank: member.name })}</a>
              )}
            </li>
          );
        })}
      </ul>
    </>
  );
}
