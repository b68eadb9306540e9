// The web interface's languages without a browser: every catalogue has the same keys and the
// same values in them, every API error code has a message, the language a visitor gets, amounts
// typed and shown in each language, errors said by their code, and no words left in the JSX.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { errorCatalogue } from '@banca/core/errors';
import { ApiError } from '../src/api.js';
import { PageError, amountError, errorMessage } from '../src/error-message.js';
import { formatsFor } from '../src/i18n/format.js';
import { DEFAULT_LANGUAGE, LANGUAGES, pickLanguage } from '../src/i18n/languages.js';
import { resources } from '../src/i18n/resources.js';
import { parseAmountInput } from '../src/money.js';
import { catalogues, foreignPhrasesIn, jsxLiterals, messagesOf, ownPhrases, slotsOf, translator } from './i18n-helpers.js';

const SRC = fileURLToPath(new URL('../../src/', import.meta.url));
const plain = (text: string) => text.replace(/\s/g, ' ');

describe('web i18n - the catalogues', () => {
  const reference = catalogues[DEFAULT_LANGUAGE];

  it('web i18n - every language has exactly the keys of pt-BR', () => {
    for (const { code } of LANGUAGES) assert.deepEqual([...catalogues[code].keys()].sort(), [...reference.keys()].sort(), code);
  });

  it('web i18n - a message puts in the same values and markup in every language, and none is empty', () => {
    for (const { code } of LANGUAGES) {
      for (const [key, message] of catalogues[code]) {
        assert.notEqual(message.trim(), '', `${code} ${key} is empty`);
        assert.deepEqual(slotsOf(message), slotsOf(reference.get(key)!), `${code} ${key}: ${message}`);
      }
    }
  });

  it('web i18n - every code of the API error catalogue has a message, and nothing else is there', () => {
    for (const { code } of LANGUAGES) {
      assert.deepEqual(Object.keys(resources[code].translation.apiErrors).sort(), Object.keys(errorCatalogue).sort(), code);
    }
  });

  it('web i18n - a message is translated: only names and layout read the same in Portuguese and English', () => {
    // Left as they are on purpose: names (Banca, CPF, CNPJ, E-mail, QR code, boleto) and layout.
    // A message copied untranslated would read the same too, and would be missing here.
    const shared = [
      'common.brand', 'common.email', 'documents.cpf', 'documents.cnpj',
      'dashboard.keyKinds.cpf', 'dashboard.keyKinds.cnpj', 'dashboard.keyKinds.email',
      'deposit.methods.qrcode', 'deposit.methods.boleto', 'transactions.methods.qrcode', 'transactions.methods.boleto',
      'packet.account', 'dossier.latency',
    ];
    const same = [...catalogues.en].filter(([key, message]) => reference.get(key) === message).map(([key]) => key);
    assert.deepEqual(same.sort(), shared.sort());
    assert.ok(ownPhrases('en').includes('Available balance') && ownPhrases('pt-BR').includes('Saldo disponível'));
    assert.ok(!ownPhrases('en').includes('E-mail') && !ownPhrases('pt-BR').includes('Boleto'), 'words both languages say are not foreign to either');
  });

  it('web i18n - the check for text in the wrong language finds it, and only it', () => {
    assert.deepEqual(foreignPhrasesIn('Saldo disponível R$ 10,00 · Available balance', 'pt-BR'), [{ language: 'en', phrase: 'Available balance' }]);
    assert.deepEqual(foreignPhrasesIn('Available balance R$10.00', 'en'), []);
    assert.deepEqual(foreignPhrasesIn('E-mail · Boleto · Pix · CPF', 'en'), []);
    assert.deepEqual(foreignPhrasesIn('Total de R$ 15,25 em 2 transferências', 'pt-BR'), [], 'English "Total" is a Portuguese word too');
    assert.deepEqual(foreignPhrasesIn('Pix enviado · Bruno', 'en'), [{ language: 'pt-BR', phrase: 'Pix enviado' }]);
  });
});

describe('web i18n - the language a visitor gets', () => {
  it('web i18n - the remembered choice first', () => {
    assert.equal(pickLanguage('en', ['pt-BR']), 'en');
    assert.equal(pickLanguage('pt-BR', ['en-US']), 'pt-BR');
  });

  it('web i18n - else the first of the browser\'s languages the pages speak: pt* is pt-BR, en* is en', () => {
    assert.equal(pickLanguage(null, ['en-US', 'pt-BR']), 'en');
    assert.equal(pickLanguage(null, ['pt-PT']), 'pt-BR');
    assert.equal(pickLanguage(null, ['pt']), 'pt-BR');
    assert.equal(pickLanguage(null, ['en-GB']), 'en');
    assert.equal(pickLanguage(null, ['fr-FR', 'en-US']), 'en');
    assert.equal(pickLanguage('de', ['EN']), 'en', 'a remembered value that is no language of the pages is not a choice');
  });

  it('web i18n - anything else is pt-BR', () => {
    assert.equal(pickLanguage(null, ['fr-FR', 'de']), 'pt-BR');
    assert.equal(pickLanguage(null, []), 'pt-BR');
  });
});

describe('web i18n - amounts, dates and lists in each language', () => {
  const cents = (input: string, locale: string) => {
    const parsed = parseAmountInput(input, locale);
    return parsed.ok ? parsed.cents : parsed.problem;
  };

  it('web i18n - either decimal separator is typed in either language, the language\'s own thousands too', () => {
    for (const locale of ['pt-BR', 'en']) {
      assert.equal(cents('10,50', locale), 1050, locale);
      assert.equal(cents('10.50', locale), 1050, locale);
      assert.equal(cents('10,5', locale), 1050, locale);
      assert.equal(cents('R$ 25', locale), 2500, locale);
      assert.equal(cents('', locale), 'empty', locale);
      assert.equal(cents('0,00', locale), 'not-positive', locale);
      assert.equal(cents('abc', locale), 'format', locale);
      assert.equal(cents('1,2,3', locale), 'format', locale);
    }
    assert.equal(cents('1.234,56', 'pt-BR'), 123456);
    assert.equal(cents('1.234', 'pt-BR'), 123400, 'in pt-BR "." groups thousands');
    assert.equal(cents('1.234.567', 'pt-BR'), 123456700);
    assert.equal(cents('1,234', 'pt-BR'), 'format', 'in pt-BR "," is the decimal separator: three decimals are refused');
    assert.equal(cents('1,234.56', 'en'), 123456);
    assert.equal(cents('1,234', 'en'), 123400, 'in en "," groups thousands');
    assert.equal(cents('1.234', 'en'), 'format');
    const parsed = parseAmountInput('1.234,5', 'pt-BR');
    assert.deepEqual(parsed, { ok: true, amount: '1234.50', cents: 123450 });
  });

  it('web i18n - money, dates and lists are written as each language writes them', () => {
    const pt = formatsFor('pt-BR');
    const en = formatsFor('en');
    assert.equal(plain(pt.money(123456)), 'R$ 1.234,56');
    assert.equal(en.money(123456), 'R$1,234.56');
    const noon = Date.UTC(2024, 2, 15, 12);
    assert.match(pt.dateTime(noon), /^15\/03\/2024,? \d{2}:\d{2}$/);
    assert.match(plain(en.dateTime(noon)), /^3\/15\/24, \d{1,2}:\d{2} (AM|PM)$/);
    assert.equal(pt.day('2024-03-05'), '05/03/2024');
    assert.equal(en.day('2024-03-05'), '3/5/24');
    assert.equal(pt.day('soon'), 'soon');
    assert.equal(pt.list(['Ana', 'Bia']), 'Ana e Bia');
    assert.equal(en.list(['Ana', 'Bia']), 'Ana and Bia');
    assert.equal(pt.decimal(1234.56), '1.234,56');
    assert.equal(en.decimal(25), '25.00');
  });
});

describe('web i18n - errors in the page\'s language', () => {
  const t = { 'pt-BR': translator('pt-BR'), en: translator('en') };
  const say = (error: Error, language: 'pt-BR' | 'en', pix = false) => errorMessage(error, t[language], formatsFor(language), { pix });

  it('web i18n - an API error is said by its code, whatever the server wrote', () => {
    const error = new ApiError(422, 'INSUFFICIENT_FUNDS', 'The account balance is too low (server words).');
    assert.equal(say(error, 'pt-BR'), 'O saldo da conta é insuficiente para esta operação.');
    assert.equal(say(error, 'en'), 'The account balance is too low for this operation.');
  });

  it('web i18n - a code the catalogue does not know keeps the server\'s message', () => {
    assert.equal(say(new ApiError(418, 'TEAPOT', 'I am a teapot.'), 'pt-BR'), 'I am a teapot.');
  });

  it('web i18n - a refused packet names its transfer and why; a refused Pix is the Pix', () => {
    const refused = new ApiError(422, 'PACKET_REFUSED', 'Transfer 2 of the packet failed.', { failedLeg: 2, code: 'INSUFFICIENT_FUNDS', message: 'low' });
    assert.equal(say(refused, 'en'), 'Transfer 2 of the packet failed (INSUFFICIENT_FUNDS): The account balance is too low for this operation. Nothing was moved.');
    assert.match(say(refused, 'pt-BR'), /^A transferência 2 do pacote falhou \(INSUFFICIENT_FUNDS\): O saldo/);
    assert.match(say(new ApiError(422, 'PACKET_REFUSED', '', { failedLeg: 1, code: 'BANK_UNAVAILABLE' }), 'en', true), /^The Pix failed \(BANK_UNAVAILABLE\): Another bank/);
  });

  it('web i18n - no answer at all, and the page\'s own errors, are said in the language too', () => {
    assert.match(say(new ApiError(0, 'NETWORK', 'No answer.'), 'pt-BR'), /^Não foi possível falar com o banco\./);
    assert.match(say(new ApiError(0, 'NETWORK', 'No answer.', { atBank: 'http://b2' }), 'en'), /^Could not reach http:\/\/b2\./);
    assert.equal(say(new ApiError(502, 'HTTP_502', 'Bad Gateway'), 'en'), 'The bank answered with status 502.');
    assert.equal(say(amountError('empty'), 'pt-BR'), 'Informe um valor, por exemplo 25,00.');
    assert.equal(say(amountError('format'), 'en'), 'Use digits with at most two decimal places, for example 1,234.56.');
    const error = new PageError((tr) => tr('packet.notConsented', { bank: 'Banco Ipê' }));
    assert.match(say(error, 'pt-BR'), /^O pacote não foi enviado/);
    assert.match(say(error, 'en'), /^The packet was not sent/);
  });
});

describe('web i18n - no words written into the components', () => {
  it('web i18n - the check finds text between tags and in spoken attributes', () => {
    const found = jsxLiterals('x.tsx', 'const a = <p title="Hello there">{t("k")} Some words <b>{"quoted words"}</b> · {count}</p>;');
    assert.equal(found.length, 3, found.join('\n'));
    assert.deepEqual(jsxLiterals('y.tsx', 'const b = <p className="muted small">{t("k")} · <code>{code}</code></p>;'), []);
  });

  it('web i18n - every component of src says its words through the catalogues', () => {
    const files = (readdirSync(SRC, { recursive: true }) as string[]).filter((name) => name.endsWith('.tsx'));
    assert.ok(files.length > 15, `found only ${files.length} components`);
    const found = files.flatMap((name) => jsxLiterals(name, readFileSync(join(SRC, name), 'utf8')));
    assert.deepEqual(found, []);
  });

  it('web i18n - the catalogues\' keys are all used somewhere in src', () => {
    const source = (readdirSync(SRC, { recursive: true }) as string[])
      .filter((name) => /\.tsx?$/.test(name) && !name.startsWith('i18n'))
      .map((name) => readFileSync(join(SRC, name), 'utf8')).join('\n');
    // A key is used literally ('pix.send'), or built from a prefix (`apiErrors.${code}`).
    const unused = [...messagesOf(resources['pt-BR'].translation).keys()]
      .map((key) => key.replace(/_(one|other)$/, ''))
      .filter((key) => !source.includes(`'${key}'`) && !source.includes(`"${key}"`) && !source.includes(`\`${key.replace(/\.[^.]+$/, '.${')}`));
    assert.deepEqual([...new Set(unused)], []);
  });
});
