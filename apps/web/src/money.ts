// Money on screen: integer cents in, Brazilian reais out ("R$ 1.234,56"). What a person types
// ("1.234,56", "1234.56", "10,5") becomes the API's "1234.56", or a message saying what is wrong.

const currency = new Intl.NumberFormat('pt-BR', { style: 'currency', currency: 'BRL' });

export function formatCents(cents: number): string {
  return currency.format(cents / 100);
}

export type ParsedAmount = { ok: true; amount: string; cents: number } | { ok: false; message: string };

export function parseAmountInput(input: string): ParsedAmount {
  const text = input.trim().replace(/^R\$\s*/, '').replace(/\s/g, '');
  if (text === '') return { ok: false, message: 'Enter an amount, for example 25,00.' };
  // The last of "," and "." is the decimal separator; the other one only groups thousands.
  const decimal = text.lastIndexOf(',') > text.lastIndexOf('.') ? ',' : '.';
  const grouping = decimal === ',' ? '.' : ',';
  const plain = text.split(grouping).join('').replace(decimal, '.');
  const match = /^(\d{1,13})(?:\.(\d{1,2}))?$/.exec(plain);
  if (!match) return { ok: false, message: 'Use digits with at most two decimal places, for example 1.234,56.' };
  const cents = Number(match[1]) * 100 + Number((match[2] ?? '0').padEnd(2, '0'));
  if (cents <= 0) return { ok: false, message: 'The amount must be more than zero.' };
  return { ok: true, amount: `${Math.floor(cents / 100)}.${String(cents % 100).padStart(2, '0')}`, cents };
}

export function formatDateTime(ms: number): string {
  return new Intl.DateTimeFormat('pt-BR', { dateStyle: 'short', timeStyle: 'short' }).format(new Date(ms));
}
