// Opening an account: an individual (CPF) or a company (CNPJ), with one holder or two (a joint
// account). The bank checks the documents' check digits and answers in its own words.
import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../api.js';
import { useApp } from '../app-context.js';
import { ErrorAlert } from '../components/error-alert.js';
import { useAction } from '../use-action.js';
import { pathOf } from '../router.js';
import type { Session } from '../types.js';

interface HolderInput {
  name: string;
  document: string;
}

const PASSWORD_MIN = 8;
const EXAMPLES = { individual: '123.456.789-09', company: '11.222.333/0001-81', phone: '+5575999990000' } as const;

export function SignUp() {
  const { t } = useTranslation();
  const { bank, setSession, navigate } = useApp();
  const [type, setType] = useState<'individual' | 'company'>('individual');
  const [holders, setHolders] = useState<HolderInput[]>([{ name: '', document: '' }, { name: '', document: '' }]);
  const [joint, setJoint] = useState(false);
  const [email, setEmail] = useState('');
  const [phone, setPhone] = useState('');
  const [password, setPassword] = useState('');
  const { busy, error, run } = useAction();

  const document = type === 'individual' ? t('documents.cpf') : t('documents.cnpj');
  const setHolder = (index: number, change: Partial<HolderInput>) =>
    setHolders((current) => current.map((holder, at) => (at === index ? { ...holder, ...change } : holder)));

  const submit = (event: FormEvent) => {
    event.preventDefault();
    void run(async () => {
      await api('/v1/customers', {
        method: 'POST',
        body: {
          type,
          holders: (joint ? holders : holders.slice(0, 1)).map((holder) => ({ name: holder.name.trim(), document: holder.document.trim() })),
          email: email.trim(),
          password,
          ...(phone.trim() === '' ? {} : { phone: phone.trim() }),
        },
      });
      const { body } = await api<Session>('/v1/sessions', { method: 'POST', body: { email: email.trim(), password } });
      setSession(body);
      navigate(`${pathOf('dashboard')}?welcome=1`);
    });
  };

  return (
    <form className="card narrow" onSubmit={submit}>
      <p className="muted">{t('signUp.intro', { bank: bank.name })}</p>
      <fieldset>
        <legend>{t('signUp.accountType')}</legend>
        <label className="choice">
          <input type="radio" name="type" value="individual" checked={type === 'individual'} onChange={() => setType('individual')} /> {t('signUp.individual')}
        </label>
        <label className="choice">
          <input type="radio" name="type" value="company" checked={type === 'company'} onChange={() => setType('company')} /> {t('signUp.company')}
        </label>
      </fieldset>
      {(joint ? [0, 1] : [0]).map((index) => (
        <fieldset key={index}>
          <legend>{joint ? t('signUp.holderN', { n: index + 1 }) : t('signUp.holder')}</legend>
          <label htmlFor={`holder-${index}-name`}>{index === 1 ? t('signUp.name') : type === 'company' ? t('signUp.companyName') : t('signUp.fullName')}</label>
          <input id={`holder-${index}-name`} required maxLength={200} autoComplete={index === 0 ? 'name' : 'off'}
            value={holders[index]!.name} onChange={(event) => setHolder(index, { name: event.target.value })} />
          {/* The account's own document sets its type; a second holder may be a person or a company. */}
          <label htmlFor={`holder-${index}-document`}>{index === 1 ? t('documents.either') : document}</label>
          <input id={`holder-${index}-document`} required inputMode="numeric" maxLength={32} aria-describedby="document-hint"
            value={holders[index]!.document} onChange={(event) => setHolder(index, { document: event.target.value })} />
        </fieldset>
      ))}
      <p id="document-hint" className="hint">{t('signUp.documentHint', { example: EXAMPLES[type] })}</p>
      <label className="choice">
        <input type="checkbox" checked={joint} onChange={(event) => setJoint(event.target.checked)} /> {t('signUp.joint')}
      </label>
      <label htmlFor="signup-email">{t('common.email')}</label>
      <input id="signup-email" type="email" required autoComplete="email" maxLength={254} value={email} onChange={(event) => setEmail(event.target.value)} />
      <label htmlFor="signup-phone">{t('signUp.phone')}</label>
      <input id="signup-phone" type="tel" autoComplete="tel" maxLength={32} aria-describedby="phone-hint" value={phone} onChange={(event) => setPhone(event.target.value)} />
      <p id="phone-hint" className="hint">{t('signUp.phoneHint', { example: EXAMPLES.phone })}</p>
      <label htmlFor="signup-password">{t('common.password')}</label>
      <input id="signup-password" type="password" required minLength={PASSWORD_MIN} maxLength={200} autoComplete="new-password" aria-describedby="password-hint"
        value={password} onChange={(event) => setPassword(event.target.value)} />
      <p id="password-hint" className="hint">{t('signUp.passwordHint', { count: PASSWORD_MIN })}</p>
      <ErrorAlert error={error} />
      <button type="submit" disabled={busy}>{busy ? t('signUp.submitting') : t('signUp.submit')}</button>
    </form>
  );
}
