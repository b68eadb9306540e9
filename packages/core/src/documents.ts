// Brazilian documents and Pix keys: CPF (people, 11 digits) and CNPJ (companies, 14 digits) with
// their check digits, and the key types a Pix can be sent to. Documents are kept as digits only;
// they are shown to other customers only masked.
import { createHash } from 'node:crypto';
import { BancaError } from './errors.js';

export type DocumentKind = 'cpf' | 'cnpj';
export type PixKeyKind = DocumentKind | 'email' | 'phone' | 'random';

export interface PixKey {
  kind: PixKeyKind;
  /** The canonical form: digits for documents, lowercase e-mail, +digits phone, lowercase UUID. */
  value: string;
}

function checkDigit(digits: string, weights: readonly number[]): number {
  let sum = 0;
  for (let i = 0; i < weights.length; i++) sum += Number(digits[i]) * (weights[i] ?? 0);
  const rest = sum % 11;
  return rest < 2 ? 0 : 11 - rest;
}

const CPF_WEIGHTS_1 = [10, 9, 8, 7, 6, 5, 4, 3, 2];
const CPF_WEIGHTS_2 = [11, 10, 9, 8, 7, 6, 5, 4, 3, 2];
const CNPJ_WEIGHTS_1 = [5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2];
const CNPJ_WEIGHTS_2 = [6, 5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2];

export function isValidCpf(digits: string): boolean {
  if (!/^\d{11}$/.test(digits) || /^(\d)\1{10}$/.test(digits)) return false;
  return checkDigit(digits, CPF_WEIGHTS_1) === Number(digits[9]) && checkDigit(digits, CPF_WEIGHTS_2) === Number(digits[10]);
}

export function isValidCnpj(digits: string): boolean {
  if (!/^\d{14}$/.test(digits) || /^(\d)\1{13}$/.test(digits)) return false;
  return checkDigit(digits, CNPJ_WEIGHTS_1) === Number(digits[12]) && checkDigit(digits, CNPJ_WEIGHTS_2) === Number(digits[13]);
}

/** Accepts "111.444.777-35", "11144477735", "11.222.333/0001-81"; returns the kind and digits. */
export function parseDocument(value: unknown, field = 'document'): { kind: DocumentKind; digits: string } {
  const text = typeof value === 'string' ? value.trim() : '';
  if (text.length > 0 && text.length <= 20 && /^[\d.\-/ ]+$/.test(text)) {
    const digits = text.replace(/\D/g, '');
    if (digits.length === 11 && isValidCpf(digits)) return { kind: 'cpf', digits };
    if (digits.length === 14 && isValidCnpj(digits)) return { kind: 'cnpj', digits };
  }
  throw new BancaError(
    'INVALID_DOCUMENT',
    `The ${field} ${JSON.stringify(value)?.slice(0, 24)} is not a valid CPF (11 digits) or CNPJ (14 digits): check the digits.`,
  );
}

/** Shows only the middle of a document, as Pix key lookups do: ***.444.777-** */
export function maskDocument(digits: string): string {
  if (digits.length === 11) return `***.${digits.slice(3, 6)}.${digits.slice(6, 9)}-**`;
  if (digits.length === 14) return `**.${digits.slice(2, 5)}.${digits.slice(5, 8)}/${digits.slice(8, 12)}-**`;
  return '***';
}

export function formatDocument(digits: string): string {
  if (digits.length === 11) return `${digits.slice(0, 3)}.${digits.slice(3, 6)}.${digits.slice(6, 9)}-${digits.slice(9)}`;
  if (digits.length === 14) return `${digits.slice(0, 2)}.${digits.slice(2, 5)}.${digits.slice(5, 8)}/${digits.slice(8, 12)}-${digits.slice(12)}`;
  return digits;
}

const EMAIL = /^[^\s@]{1,64}@[^\s@]{1,190}\.[^\s@]{2,63}$/;
const PHONE = /^\+\d{10,15}$/;
const RANDOM = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export function parseEmail(value: unknown): string {
  const text = typeof value === 'string' ? value.trim().toLowerCase() : '';
  if (!EMAIL.test(text)) throw new BancaError('INVALID_REQUEST', 'The e-mail address is not valid.');
  return text;
}

export function parsePhone(value: unknown): string {
  const text = typeof value === 'string' ? value.replace(/[\s()-]/g, '') : '';
  if (!PHONE.test(text)) throw new BancaError('INVALID_REQUEST', 'The phone must be in international form, e.g. +5575999990000.');
  return text;
}

/** Classifies a Pix key: a CPF/CNPJ (any punctuation), an e-mail, a +phone or a random UUID key. */
export function parsePixKey(value: unknown): PixKey {
  const text = typeof value === 'string' ? value.trim() : '';
  if (text.length === 0 || text.length > 254) throw new BancaError('INVALID_PIX_KEY', 'The Pix key is empty or too long.');
  if (text.includes('@')) {
    if (EMAIL.test(text.toLowerCase())) return { kind: 'email', value: text.toLowerCase() };
  } else if (text.startsWith('+')) {
    const phone = text.replace(/[\s()-]/g, '');
    if (PHONE.test(phone)) return { kind: 'phone', value: phone };
  } else if (RANDOM.test(text.toLowerCase())) {
    return { kind: 'random', value: text.toLowerCase() };
  } else if (/^[\d.\-/ ]+$/.test(text)) {
    try {
      const document = parseDocument(text, 'Pix key');
      return { kind: document.kind, value: document.digits };
    } catch {
      throw new BancaError('INVALID_PIX_KEY', `The Pix key ${JSON.stringify(text.slice(0, 24))} looks like a CPF/CNPJ but its check digits are wrong.`);
    }
  }
  throw new BancaError('INVALID_PIX_KEY', `The Pix key ${JSON.stringify(text.slice(0, 40))} is not a CPF, CNPJ, e-mail, +phone or random key.`);
}

/** A storage key for a Pix key or e-mail that fits record keys whatever characters it has. */
export function lookupKey(kind: string, value: string): string {
  return `${kind}.${createHash('sha256').update(value).digest('hex').slice(0, 40)}`;
}
