// Seed 003's first screen: which bank of the consortium to use. Each bank serves this app from
// its own address, so choosing one goes there.
import { useApp } from '../app-context.js';
import { linkHandler, pathOf } from '../router.js';

export function ChooseBank() {
  const { bank, session, navigate } = useApp();
  const follow = linkHandler(navigate);
  return (
    <>
      <p className="lead">
        Banca is a consortium of {bank.consortium.length} banks. Pix between them is instant and all-or-nothing.
        Choose the bank where you have, or want, an account.
      </p>
      {session && (
        <p className="alert info">
          You are logged in at {bank.name}. <a href={pathOf('dashboard')} onClick={follow}>Go to your account</a>.
        </p>
      )}
      <ul className="bank-list" aria-label="Banks of the consortium">
        {bank.consortium.map((member) => {
          const here = member.bankId === bank.bankId;
          return (
            <li key={member.bankId} className={here ? 'bank-card here' : 'bank-card'}>
              <h2>{member.name}</h2>
              <p className="muted">Bank {member.bankId}{here ? ' · you are here' : ''}</p>
              {here ? (
                <a className="button" href={pathOf('login')} onClick={follow}>Use {member.name}</a>
              ) : (
                <a className="button secondary" href={`${member.url.replace(/\/$/, '')}${pathOf('login')}`}>Go to {member.name}</a>
              )}
            </li>
          );
        })}
      </ul>
    </>
  );
}
