// The language switch every page has: a labelled select, each language named in itself.
import { useTranslation } from 'react-i18next';
import { chooseLanguage, useLanguage } from '../i18n/index.js';
import { LANGUAGES, isLanguage } from '../i18n/languages.js';

export function LanguageSwitch() {
  const { t } = useTranslation();
  const language = useLanguage();
  return (
    <div className="language-switch">
      <label htmlFor="language">{t('language.label')}</label>
      <select id="language" value={language} onChange={(event) => isLanguage(event.target.value) && chooseLanguage(event.target.value)}>
        {LANGUAGES.map(({ code, name }) => <option key={code} value={code} lang={code}>{name}</option>)}
      </select>
    </div>
  );
}
