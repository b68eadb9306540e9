// The page's language, for every component through react-i18next: chosen once as the page
// loads (the choice remembered in localStorage, else the browser's languages, else pt-BR),
// changed by the language switch and remembered for the next visit. <html lang> follows it.
import i18next from 'i18next';
import { initReactI18next, useTranslation } from 'react-i18next';
import { formatsFor, type Formats } from './format.js';
import { DEFAULT_LANGUAGE, LANGUAGES, isLanguage, pickLanguage, type Language } from './languages.js';
import { resources } from './resources.js';

export const LANGUAGE_STORAGE_KEY = 'banca.language';

function remembered(): string | null {
  try {
    return localStorage.getItem(LANGUAGE_STORAGE_KEY);
  } catch {
    return null; // storage disabled: the browser's languages decide
  }
}

i18next.on('languageChanged', (language) => {
  document.documentElement.lang = language;
});

void i18next.use(initReactI18next).init({
  resources,
  lng: pickLanguage(remembered(), navigator.languages?.length ? navigator.languages : [navigator.language]),
  fallbackLng: DEFAULT_LANGUAGE,
  supportedLngs: LANGUAGES.map((language) => language.code),
  load: 'currentOnly',
  // React escapes what it renders; escaping here too would show "&amp;".
  interpolation: { escapeValue: false },
  // The catalogues are bundled: everything is ready before the first render.
  initAsync: false,
});

/** The language switch's choice: shown at once, and kept for the next visit. */
export function chooseLanguage(language: Language): void {
  try {
    localStorage.setItem(LANGUAGE_STORAGE_KEY, language);
  } catch {
    // not remembered, but still shown
  }
  void i18next.changeLanguage(language);
}

/** The page's language now (re-rendering the component when it changes). */
export function useLanguage(): Language {
  const { i18n } = useTranslation();
  const language = i18n.resolvedLanguage ?? i18n.language;
  return isLanguage(language) ? language : DEFAULT_LANGUAGE;
}

/** Money, dates and lists in the page's language. */
export function useFormats(): Formats {
  return formatsFor(useLanguage());
}
