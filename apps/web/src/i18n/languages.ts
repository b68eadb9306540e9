// The languages the pages speak, and which one a visitor gets: the one they chose here before,
// else the first of the browser's languages the pages speak, else Brazilian Portuguese.
// (No DOM and no i18next here: the Node tests use it as it is.)

/** Each language named in itself, so that someone who cannot read the page's language finds theirs. */
export const LANGUAGES = [
  { code: 'pt-BR', name: 'Português (Brasil)' },
  { code: 'en', name: 'English' },
] as const;

export type Language = (typeof LANGUAGES)[number]['code'];

export const DEFAULT_LANGUAGE: Language = 'pt-BR';

export function isLanguage(value: unknown): value is Language {
  return LANGUAGES.some((language) => language.code === value);
}

/** The language a browser's tag asks for, by its first subtag ("pt-PT" and "pt" get pt-BR, "en-GB" gets en). */
export function languageOf(tag: string): Language | null {
  const primary = tag.trim().toLowerCase().split(/[-_]/)[0];
  return LANGUAGES.find((language) => language.code.toLowerCase().split('-')[0] === primary)?.code ?? null;
}

/** The remembered choice first, then the browser's languages in its order of preference. */
export function pickLanguage(remembered: string | null, browserLanguages: readonly string[]): Language {
  if (isLanguage(remembered)) return remembered;
  for (const tag of browserLanguages) {
    const language = languageOf(tag);
    if (language) return language;
  }
  return DEFAULT_LANGUAGE;
}
