// What a person types as an amount becomes the API's "1234.56", or the reason it is not one.
// "10,50" and "10.50" are ten reais fifty in either language: the last of "," and "." is the
// decimal separator and the other one only groups thousands ("1.234,56", "1,234.56"). Only a
// number in groups of three with the language's own grouping separator is whole: "1.234" is
// 1234 in pt-BR, "1,234" is 1234 in en. (No DOM here: the Node tests use it as it is.)

export type AmountProblem = 'empty' | 'format' | 'not-positive';

export type ParsedAmount = { ok: true; amount: string; cents: number } | { ok: false; problem: AmountProblem };

/** The language's thousands separator, from Intl: "." in pt-BR, "," in en. */
function groupingOf(locale: string): string {
  return new Intl.NumberFormat(locale).formatToParts(1234567).find((part) => part.type === 'group')?.value ?? ',';
}

export function parseAmountInput(input: string, locale: string): ParsedAmount {
  const text = input.trim().replace(/^R\$\s*/, '').replace(/\s/g, '');
  if (text === '') return { ok: false, problem: 'empty' };
  const grouping = groupingOf(locale);
  const whole = (grouping === '.' || grouping === ',') && new RegExp(`^\\d{1,3}(?:\\${grouping}\\d{3})+$`).test(text);
  const decimal = whole ? null : text.lastIndexOf(',') > text.lastIndexOf('.') ? ',' : '.';
  const plain = decimal === null ? text.split(grouping).join('') : text.split(decimal === ',' ? '.' : ',').join('').replace(decimal, '.');
  const match = /^(\d{1,13})(?:\.(\d{1,2}))?$/.exec(plain);
  if (!match) return { ok: false, problem: 'format' };
  const cents = Number(match[1]) * 100 + Number((match[2] ?? '0').padEnd(2, '0'));
  if (cents <= 0) return { ok: false, problem: 'not-positive' };
  return { ok: true, amount: `${Math.floor(cents / 100)}.${String(cents % 100).padStart(2, '0')}`, cents };
}
