// The catalogues as the tests read them: every message by its key, a `t` per language (i18next
// itself, with the page's own catalogues), the phrases a language says that another does not (to
// find text left in the wrong language on a page), and the literal words written into the
// components' JSX (which belong in the catalogues).
import { createInstance, type TFunction } from 'i18next';
import ts from 'typescript';
import { LANGUAGES, type Language } from '../src/i18n/languages.js';
import { resources } from '../src/i18n/resources.js';

export type Messages = Map<string, string>;

/** Every message of a catalogue by its dotted key ("pix.send"), plural forms as i18next names them ("packet.total_one"). */
export function messagesOf(catalogue: object, prefix = ''): Messages {
  const messages: Messages = new Map();
  for (const [key, value] of Object.entries(catalogue)) {
    const path = prefix === '' ? key : `${prefix}.${key}`;
    if (typeof value === 'string') messages.set(path, value);
    else for (const [inner, message] of messagesOf(value as object, path)) messages.set(inner, message);
  }
  return messages;
}

export const catalogues: Record<Language, Messages> = Object.fromEntries(
  LANGUAGES.map(({ code }) => [code, messagesOf(resources[code].translation)]),
) as Record<Language, Messages>;

/** What a message puts in or wraps around: {{values}} and <markup>. */
export function slotsOf(message: string): string[] {
  return [...message.matchAll(/\{\{\s*([^},\s]+)[^}]*\}\}|<\/?(\w+)>/g)].map((match) => match[1] ?? `<${match[2]}>`).sort();
}

/** i18next's `t` in one language, set up as the page sets it up. */
export function translator(language: Language): TFunction {
  const i18n = createInstance();
  void i18n.init({ resources, lng: language, fallbackLng: false, interpolation: { escapeValue: false }, initAsync: false });
  return i18n.t;
}

/** The words of a message as a page shows them: what is between its values and markup, trimmed. */
function phrasesOfMessage(message: string): string[] {
  return message
    .split(/\{\{[^}]*\}\}|<\/?\w+>/)
    .map((piece) => piece.trim().replace(/^[\s.,:;·()]+|[\s,:;·(]+$/gu, ''))
    .filter((piece) => (piece.match(/\p{L}/gu) ?? []).length >= 4);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Finds `phrase` as whole words (a letter or digit on neither side), however the spaces are written. */
function wordsPattern(phrase: string): RegExp {
  return new RegExp(`(?<![\\p{L}\\p{N}])${escapeRegExp(phrase).replace(/ /g, '\\s+')}(?![\\p{L}\\p{N}])`, 'u');
}

/**
 * The phrases of `language` that no other language says: not words of any other language's
 * message ("Pix", "E-mail", "Boleto" are shared; English "Total" is in Portuguese "Total de").
 */
export function ownPhrases(language: Language): string[] {
  const known = ownPhrasesCache.get(language);
  if (known) return known;
  const elsewhere = LANGUAGES.filter(({ code }) => code !== language).flatMap(({ code }) => [...catalogues[code].values()]);
  const phrases = [...new Set([...catalogues[language].values()].flatMap(phrasesOfMessage))]
    .filter((phrase) => !elsewhere.some((message) => wordsPattern(phrase).test(message)));
  ownPhrasesCache.set(language, phrases);
  return phrases;
}
const ownPhrasesCache = new Map<Language, string[]>();

/** The phrases of another language than `language` found in `text` (whole words, whitespace made plain). */
export function foreignPhrasesIn(text: string, language: Language): { language: Language; phrase: string }[] {
  const plain = text.replace(/\s+/g, ' ');
  return LANGUAGES.filter(({ code }) => code !== language).flatMap(({ code }) => ownPhrases(code)
    .filter((phrase) => wordsPattern(phrase).test(plain))
    .map((phrase) => ({ language: code, phrase })));
}

const SPOKEN_ATTRIBUTES = new Set(['aria-label', 'aria-description', 'placeholder', 'title', 'alt', 'label']);

/** Words written straight into JSX (text between tags, or a spoken attribute's literal): each should be a catalogue message. */
export function jsxLiterals(fileName: string, source: string): string[] {
  const file = ts.createSourceFile(fileName, source, ts.ScriptTarget.Latest, true, ts.ScriptKind.TSX);
  const found: string[] = [];
  const hasWords = (text: string) => /\p{L}{2,}/u.test(text);
  const where = (node: ts.Node) => `${fileName}:${file.getLineAndCharacterOfPosition(node.getStart()).line + 1}`;
  const visit = (node: ts.Node) => {
    if (ts.isJsxText(node) && hasWords(node.text)) found.push(`${where(node)} ${node.text.trim()}`);
    if (ts.isJsxExpression(node) && node.expression && ts.isJsxElement(node.parent) && ts.isStringLiteralLike(node.expression) && hasWords(node.expression.text)) {
      found.push(`${where(node)} ${node.expression.text}`);
    }
    if (ts.isJsxAttribute(node) && SPOKEN_ATTRIBUTES.has(node.name.getText(file)) && node.initializer) {
      const value = ts.isStringLiteral(node.initializer) ? node.initializer
        : ts.isJsxExpression(node.initializer) && node.initializer.expression && ts.isStringLiteralLike(node.initializer.expression) ? node.initializer.expression : null;
      if (value && hasWords(value.text)) found.push(`${where(node)} ${node.name.getText(file)}="${value.text}"`);
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
  return found;
}
