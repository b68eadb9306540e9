// Numbers as the page's language writes them, with Intl: money in reais (pt-BR "R$ 1.234,56",
// en "R$1,234.56"), dates and times (pt-BR dd/mm/aaaa), lists ("A e B", "A and B").
// (No DOM and no React here: the Node tests use it as it is.)
import type { Language } from './languages.js';

export interface Formats {
  money: (cents: number) => string;
  dateTime: (ms: number) => string;
  /** A calendar day written "2024-03-15" (the registry's), or the text as it is when it is not one. */
  day: (isoDate: string) => string;
  list: (items: readonly string[]) => string;
  /** A plain amount with two decimals, as examples for what to type: "1.234,56" or "1,234.56". */
  decimal: (value: number) => string;
}

const cache = new Map<Language, Formats>();

export function formatsFor(language: Language): Formats {
  let formats = cache.get(language);
  if (!formats) {
    const money = new Intl.NumberFormat(language, { style: 'currency', currency: 'BRL' });
    const dateTime = new Intl.DateTimeFormat(language, { dateStyle: 'short', timeStyle: 'short' });
    const day = new Intl.DateTimeFormat(language, { dateStyle: 'short', timeZone: 'UTC' });
    const list = new Intl.ListFormat(language, { style: 'long', type: 'conjunction' });
    const decimal = new Intl.NumberFormat(language, { minimumFractionDigits: 2, maximumFractionDigits: 2 });
    formats = {
      money: (cents) => money.format(cents / 100),
      dateTime: (ms) => dateTime.format(new Date(ms)),
      day: (isoDate) => (/^\d{4}-\d{2}-\d{2}$/.test(isoDate) ? day.format(new Date(`${isoDate}T00:00:00Z`)) : isoDate),
      list: (items) => list.format(items),
      decimal: (value) => decimal.format(value),
    };
    cache.set(language, formats);
  }
  return formats;
}
