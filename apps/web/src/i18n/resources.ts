// Every language's catalogue, as i18next takes them, and the key types `t` checks against.
import type { Language } from './languages.js';
import { en } from './en.js';
import { ptBR, type Catalogue } from './pt-BR.js';

export const resources = {
  'pt-BR': { translation: ptBR },
  en: { translation: en },
} as const satisfies Record<Language, { translation: Catalogue }>;

declare module 'i18next' {
  interface CustomTypeOptions {
    defaultNS: 'translation';
    resources: { translation: Catalogue };
  }
}
