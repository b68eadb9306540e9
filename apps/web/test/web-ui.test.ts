// The web interface in real Chromium against a real consortium of two banks: customers open
// accounts at both, deposit, send a Pix and packets (one refused whole), and every screen is
// checked for what a person sees: balances, statuses, error codes, labels, keyboard and phone width.
// Then the dossier page: an administrator sees one customer across both banks and the credit
// registry, and still sees a dossier, marked incomplete, with a bank down.
// All of it in Brazilian Portuguese (the default); the main flows again in English; the language
// switch and the browser's language. Every label the test looks for comes from the catalogues, and
// each screen is checked for words of the other language.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { startTestConsortium, type TestConsortium } from '@banca/testkit/testkit';
import { DOCUMENTS, deposit, me, signUp, type TestCustomer } from '@banca/testkit/consortium';
import type { Language } from '../src/i18n/languages.js';
import { launchChromium } from './chromium.js';
import { foreignPhrasesIn, translator } from './i18n-helpers.js';

const SCREENSHOTS = fileURLToPath(new URL('../../screenshots/', import.meta.url));
const PASSWORD = 'correct horse battery';
const WAIT_MS = 15_000;
/** Names the pages show as they are in every language. */
const BANK_NAMES = ['Banco Aurora', 'Banco Ipê'];

const pt = translator('pt-BR');
const en = translator('en');

async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: `${SCREENSHOTS}${name}.png`, fullPage: true });
}

/** Waits until the element's text contains `expected` (the app refreshes by itself). */
async function textOf(locator: Locator, expected: string | RegExp): Promise<string> {
  const deadline = Date.now() + WAIT_MS;
  let text = '';
  while (Date.now() < deadline) {
    // Currency is formatted with a no-break space ("R$\u00a0150,00").
    text = ((await locator.first().textContent({ timeout: WAIT_MS }).catch(() => '')) ?? '').replace(/\s/g, ' ');
    if (typeof expected === 'string' ? text.includes(expected) : expected.test(text)) return text;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  assert.fail(`expected ${String(expected)} in ${JSON.stringify(text)}`);
}

/** The real money in a screen's balance, in either language: "R$ 1.234,56" or "R$1,234.56" -> 123456. */
function cents(text: string): number {
  return Number(text.replace(/\D/g, ''));
}

/** The words a message links ("No account here? <a>Open an account</a>." -> "Open an account"). */
function linked(message: string): string {
  const match = /<a>(.*?)<\/a>/.exec(message);
  assert.ok(match, `no link in ${message}`);
  return match[1]!;
}

/** Every form control on the page has a label a screen reader reads. */
async function unlabelled(page: Page): Promise<string[]> {
  return page.evaluate(() => [...document.querySelectorAll('input, select, textarea')]
    .filter((control) => (control as HTMLInputElement).labels?.length === 0 && !control.getAttribute('aria-label'))
    .map((control) => control.outerHTML.slice(0, 80)));
}

/** The page is in `language`: <html lang> says so, and nothing it shows or reads out is in another language. */
async function speaks(page: Page, language: Language): Promise<void> {
  const { lang, text } = await page.evaluate(() => ({
    lang: document.documentElement.lang,
    text: [
      document.title,
      document.body.innerText,
      ...[...document.querySelectorAll('option')].map((option) => option.text),
      ...[...document.querySelectorAll('[aria-label], [placeholder], [title], [alt]')]
        .flatMap((element) => ['aria-label', 'placeholder', 'title', 'alt'].map((name) => element.getAttribute(name) ?? '')),
    ].join('\n'),
  }));
  assert.equal(lang, language, `<html lang> at ${page.url()}`);
  const found = foreignPhrasesIn(BANK_NAMES.reduce((rest, name) => rest.replaceAll(name, ''), text), language);
  assert.deepEqual(found, [], `the ${language} page at ${page.url()} shows words of another language`);
}

describe('web - the consortium in a real browser', { timeout: 10 * 60_000 }, () => {
  let consortium: TestConsortium;
  let browser: Browser;
  let alice: BrowserContext;
  let bruno: BrowserContext;
  let dana: BrowserContext;
  let alicePage: Page;
  let brunoPage: Page;
  let danaPage: Page;
  let brunoEmail: string;
  let aliceAtBank2: TestCustomer;
  let dossierPage: Page;
  const aliceEmail = `alice.${Date.now()}@example.com`;
  const danaEmail = `dana.${Date.now()}@example.com`;

  before(async () => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    browser = await launchChromium();
    consortium = await startTestConsortium(2, 'holds', { services: { seedDemo: true } });
    // Alice and Bruno's browsers speak Brazilian Portuguese; Dana's speaks English.
    alice = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'pt-BR' });
    bruno = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'pt-BR' });
    dana = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'en-US' });
    alicePage = await alice.newPage();
    brunoPage = await bruno.newPage();
    danaPage = await dana.newPage();
  });

  after(async () => {
    await browser?.close();
    await consortium?.cleanup();
  });

  it('web - the start page lists every bank of the consortium, in the bank\'s own colour', async () => {
    await alicePage.goto(`${consortium.url(1)}/`);
    assert.equal(new URL(alicePage.url()).pathname, '/app/');
    await alicePage.getByRole('heading', { name: pt('app.titles.welcome'), level: 1 }).waitFor();
    const banks = alicePage.getByRole('list', { name: pt('chooseBank.listLabel') }).getByRole('listitem');
    assert.equal(await banks.count(), 2);
    await textOf(banks.nth(0), 'Banco Aurora');
    await textOf(banks.nth(1), 'Banco Ipê');
    const header = await alicePage.locator('header.top').evaluate((element) => getComputedStyle(element).backgroundColor);
    assert.equal(header, 'rgb(11, 110, 79)', 'bank 1 wears its colour');
    await speaks(alicePage, 'pt-BR');
    await shot(alicePage, '01-choose-bank');
  });

  it('web - a customer opens an individual account at bank 1 and lands on the dashboard', async () => {
    await alicePage.getByRole('link', { name: pt('chooseBank.use', { bank: 'Banco Aurora' }) }).click();
    await alicePage.getByRole('heading', { name: pt('app.titles.login'), level: 1 }).waitFor();
    await speaks(alicePage, 'pt-BR');
    await shot(alicePage, '02-login');
    await alicePage.getByRole('main').getByRole('link', { name: linked(pt('login.noAccount')) }).click();
    await alicePage.getByRole('heading', { name: pt('app.titles.signup'), level: 1 }).waitFor();
    assert.deepEqual(await unlabelled(alicePage), []);
    await alicePage.getByLabel(pt('signUp.fullName')).fill('Alice Andrade');
    await alicePage.getByLabel(pt('documents.cpf'), { exact: true }).fill('111.444.777-35');
    await alicePage.getByLabel(pt('common.email')).fill(aliceEmail);
    await alicePage.getByLabel(pt('common.password')).fill(PASSWORD);
    await speaks(alicePage, 'pt-BR');
    await shot(alicePage, '03-sign-up');
    await alicePage.getByRole('button', { name: pt('signUp.submit') }).click();
    await alicePage.getByRole('heading', { name: pt('app.titles.dashboard'), level: 1 }).waitFor();
    await textOf(alicePage.getByTestId('balance'), 'R$');
    assert.equal(cents(await textOf(alicePage.getByTestId('balance'), 'R$')), 0);
    await textOf(alicePage.locator('.keys'), aliceEmail);
    assert.deepEqual(await unlabelled(alicePage), []);
    await speaks(alicePage, 'pt-BR');
  });

  it('web - a sign-up with a wrong CPF is refused with the bank\'s code, said in Portuguese, and opens nothing', async () => {
    const page = await bruno.newPage();
    await page.goto(`${consortium.url(2)}/app/signup`);
    await page.getByLabel(pt('signUp.fullName')).fill('Nobody');
    await page.getByLabel(pt('documents.cpf'), { exact: true }).fill('111.444.777-36');
    await page.getByLabel(pt('common.email')).fill('nobody@example.com');
    await page.getByLabel(pt('common.password')).fill(PASSWORD);
    await page.getByRole('button', { name: pt('signUp.submit') }).click();
    const alert = await textOf(page.getByRole('alert'), pt('errors.codeLabel'));
    const code = /INVALID_DOCUMENT|INVALID_REQUEST/.exec(alert)?.[0] as 'INVALID_DOCUMENT' | 'INVALID_REQUEST' | undefined;
    assert.ok(code, alert);
    assert.ok(alert.includes(pt(`apiErrors.${code}`)), alert);
    assert.equal(new URL(page.url()).pathname, '/app/signup');
    await speaks(page, 'pt-BR');
    await shot(page, '04-sign-up-error');
    await page.close();
  });

  it('web - a company opens a joint account with two holders and a phone, and gets every Pix key', async () => {
    const page = await bruno.newPage();
    await page.goto(`${consortium.url(1)}/app/signup`);
    await page.getByLabel(pt('signUp.company')).check();
    await page.getByLabel(pt('signUp.joint')).check();
    await page.getByLabel(pt('signUp.companyName')).fill('Carla Dias Ltda');
    await page.getByLabel(pt('documents.cnpj'), { exact: true }).fill('11.222.333/0001-81');
    await page.getByLabel(pt('signUp.name'), { exact: true }).fill('Carla Dias');
    await page.getByLabel(pt('documents.either')).fill('390.533.447-05');
    await page.getByLabel(pt('common.email')).fill(`carla.${Date.now()}@example.com`);
    await page.getByLabel(pt('signUp.phone')).fill('+5575999990000');
    await page.getByLabel(pt('common.password')).fill(PASSWORD);
    assert.deepEqual(await unlabelled(page), []);
    await speaks(page, 'pt-BR');
    await shot(page, '04b-sign-up-company-joint');
    await page.getByRole('button', { name: pt('signUp.submit') }).click();
    await page.getByRole('heading', { name: pt('app.titles.dashboard'), level: 1 }).waitFor();
    // The holders joined as Portuguese joins them (Intl.ListFormat): "A e B".
    await textOf(page.getByRole('main'), `${pt('dashboard.jointHolders', { names: 'Carla Dias Ltda e Carla Dias' })} · ${pt('dashboard.companyAccount', { id: '' })}`);
    const keys = await textOf(page.locator('.keys'), '11222333000181');
    assert.match(keys, /\+5575999990000/);
    await page.close();
  });

  it('web - a second customer goes from the start page to bank 2, which shows its own name and colour', async () => {
    await brunoPage.goto(`${consortium.url(1)}/app/`);
    await brunoPage.getByRole('link', { name: pt('chooseBank.goTo', { bank: 'Banco Ipê' }) }).click();
    await brunoPage.getByRole('heading', { name: pt('app.titles.login'), level: 1 }).waitFor();
    assert.equal(new URL(brunoPage.url()).origin, new URL(consortium.url(2)).origin);
    await textOf(brunoPage.locator('header.top'), 'Banco Ipê');
    const header = await brunoPage.locator('header.top').evaluate((element) => getComputedStyle(element).backgroundColor);
    assert.equal(header, 'rgb(184, 51, 106)');
    brunoEmail = `bruno.${Date.now()}@example.com`;
    await brunoPage.getByRole('main').getByRole('link', { name: linked(pt('login.noAccount')) }).click();
    await brunoPage.getByLabel(pt('signUp.fullName')).fill('Bruno Barros');
    await brunoPage.getByLabel(pt('documents.cpf'), { exact: true }).fill(DOCUMENTS.cpf[1]!);
    await brunoPage.getByLabel(pt('common.email')).fill(brunoEmail);
    await brunoPage.getByLabel(pt('common.password')).fill(PASSWORD);
    await brunoPage.getByRole('button', { name: pt('signUp.submit') }).click();
    await brunoPage.getByRole('heading', { name: pt('app.titles.dashboard'), level: 1 }).waitFor();
    await shot(brunoPage, '05-dashboard-bank-2');
  });

  it('web - a deposit typed "150,00" shows in the balance and in the latest transactions as completed, dated dd/mm/aaaa', async () => {
    await alicePage.getByLabel(pt('common.amount')).first().fill('150,00');
    await alicePage.getByLabel(pt('deposit.method')).selectOption('boleto');
    await alicePage.getByRole('button', { name: pt('deposit.submit'), exact: true }).click();
    await textOf(alicePage.getByTestId('balance'), 'R$ 150,00');
    const latest = alicePage.getByRole('list', { name: pt('dashboard.latest') });
    await textOf(latest, pt('transactions.types.deposit'));
    await textOf(latest, pt('transactions.by', { who: pt('transactions.methods.boleto') }));
    await textOf(latest.locator('.status').first(), pt('transactions.status.completed'));
    await textOf(latest.locator('.transaction .small').first(), /^\d{2}\/\d{2}\/\d{4}/);
    await speaks(alicePage, 'pt-BR');
  });

  it('web - an unknown Pix key is answered with the bank\'s error code and its message in Portuguese, and nothing is sent', async () => {
    await alicePage.getByLabel(pt('pix.receiverBank')).selectOption({ label: 'Banco Ipê' });
    await alicePage.getByLabel(pt('pix.key'), { exact: true }).fill('nobody-here@example.com');
    await alicePage.locator('#pix-amount').fill('5');
    await alicePage.getByRole('button', { name: pt('pix.continue') }).click();
    const alert = await textOf(alicePage.getByRole('alert'), 'PIX_KEY_NOT_FOUND');
    assert.ok(alert.includes(pt('apiErrors.PIX_KEY_NOT_FOUND')), alert);
    await speaks(alicePage, 'pt-BR');
    await shot(alicePage, '06-pix-key-not-found');
    assert.equal(cents(await alicePage.getByTestId('balance').textContent() ?? ''), 15000);
  });

  it('web - a quick Pix to bank 2 shows the receiver before it is sent, and both screens update by themselves', async () => {
    await alicePage.getByLabel(pt('pix.key'), { exact: true }).fill(brunoEmail);
    await alicePage.locator('#pix-amount').fill('30,50');
    await alicePage.getByRole('button', { name: pt('pix.continue') }).click();
    await textOf(alicePage.getByTestId('receiver-name'), 'Bruno Barros');
    await textOf(alicePage.getByRole('definition').nth(1), '***');
    await speaks(alicePage, 'pt-BR');
    await shot(alicePage, '07-pix-confirm');
    await alicePage.getByRole('button', { name: pt('pix.send', { amount: 'R$ 30,50' }) }).click();
    await textOf(alicePage.getByRole('status').filter({ hasText: 'Bruno Barros' }), pt('pix.sent', { amount: 'R$ 30,50', name: 'Bruno Barros' }));
    await textOf(alicePage.getByTestId('balance'), 'R$ 119,50');
    await textOf(alicePage.getByRole('list', { name: pt('dashboard.latest') }), `${pt('transactions.types.pix-out')} ${pt('transactions.to', { who: 'Bruno Barros · Banco Ipê' })}`);
    // Bruno's page was not reloaded: it polls.
    await textOf(brunoPage.getByTestId('balance'), 'R$ 30,50');
    await textOf(brunoPage.getByRole('list', { name: pt('dashboard.latest') }), pt('transactions.types.pix-in'));
    await speaks(alicePage, 'pt-BR');
    await speaks(brunoPage, 'pt-BR');
    await shot(alicePage, '08-dashboard-after-pix');
    await shot(brunoPage, '09-receiver-after-pix');
  });

  it('web - a packet paid from accounts at two banks completes as a whole', async () => {
    aliceAtBank2 = await signUp(consortium.url(2), 2, 'Alice Andrade', DOCUMENTS.cpf[0]!);
    await deposit(consortium.url(2), aliceAtBank2, '50.00');
    await alicePage.getByRole('navigation', { name: pt('common.mainNav') }).getByRole('link', { name: pt('app.nav.transactions') }).click();
    await alicePage.getByRole('heading', { name: pt('app.titles.transactions'), level: 1 }).waitFor();
    const from2 = `2:${aliceAtBank2.accountId}`;
    await alicePage.locator(`#leg-1-from option[value="${from2}"]`).waitFor({ state: 'attached' });
    await alicePage.getByLabel(pt('packet.from'), { exact: true }).selectOption({ index: 0 });
    await alicePage.locator('#leg-1-bank').selectOption({ label: 'Banco Ipê' });
    await alicePage.locator('#leg-1-key').fill(brunoEmail);
    await alicePage.locator('#leg-1-amount').fill('10');
    await alicePage.getByRole('button', { name: pt('packet.add') }).click();
    await alicePage.locator('#leg-2-from').selectOption(from2);
    await alicePage.locator('#leg-2-bank').selectOption({ label: 'Banco Ipê' });
    await alicePage.locator('#leg-2-key').fill(brunoEmail);
    await alicePage.locator('#leg-2-amount').fill('5,25');
    assert.deepEqual(await unlabelled(alicePage), []);
    await textOf(alicePage.getByRole('form', { name: pt('packet.title') }), pt('packet.total', { amount: 'R$ 15,25', count: 2 }));
    await speaks(alicePage, 'pt-BR');
    await shot(alicePage, '10-packet-builder');
    await alicePage.getByRole('button', { name: pt('packet.send') }).click();
    // Transfer 2 is paid at bank 2: Alice logs in there, in the same flow, and bank 2 gives its consent.
    const consent = alicePage.getByRole('form', { name: pt('consent.title', { bank: 'Banco Ipê' }) });
    await textOf(consent, 'R$ 5,25');
    await textOf(consent, pt('consent.legs', { count: 1, account: aliceAtBank2.accountId, bank: 'Banco Ipê' }));
    assert.deepEqual(await unlabelled(alicePage), []);
    await speaks(alicePage, 'pt-BR');
    await shot(alicePage, '10b-packet-consent');
    await alicePage.getByLabel(pt('consent.email', { bank: 'Banco Ipê' })).fill(aliceAtBank2.email);
    await alicePage.getByLabel(pt('consent.password', { bank: 'Banco Ipê' })).fill('correct horse');
    await alicePage.getByRole('button', { name: pt('consent.submit', { bank: 'Banco Ipê' }) }).click();
    await textOf(alicePage.getByRole('status').filter({ hasText: 'R$' }), pt('packet.completed', { count: 2, amount: 'R$ 15,25' }));
    assert.equal(await consent.count(), 0, 'the consent step closes once the packet is sent');
    await textOf(alicePage.getByTestId('balance'), 'R$ 109,50');
    await textOf(brunoPage.getByTestId('balance'), 'R$ 45,75');
    assert.equal((await me(consortium.url(2), aliceAtBank2)).balanceCents, 50_00 - 5_25);
    await shot(alicePage, '11-packet-completed');
  });

  it('web - a consent refused at the paying bank (wrong password, then cancelled) moves nothing at either bank', async () => {
    const from2 = `2:${aliceAtBank2.accountId}`;
    await alicePage.locator('#leg-1-bank').selectOption({ label: 'Banco Ipê' });
    await alicePage.locator('#leg-1-key').fill(brunoEmail);
    await alicePage.locator('#leg-1-amount').fill('1');
    await alicePage.getByRole('button', { name: pt('packet.add') }).click();
    await alicePage.locator('#leg-2-from').selectOption(from2);
    await alicePage.locator('#leg-2-bank').selectOption({ label: 'Banco Ipê' });
    await alicePage.locator('#leg-2-key').fill(brunoEmail);
    await alicePage.locator('#leg-2-amount').fill('2');
    await alicePage.getByRole('button', { name: pt('packet.send') }).click();
    const consent = alicePage.getByRole('form', { name: pt('consent.title', { bank: 'Banco Ipê' }) });
    await alicePage.getByLabel(pt('consent.email', { bank: 'Banco Ipê' })).fill(aliceAtBank2.email);
    await alicePage.getByLabel(pt('consent.password', { bank: 'Banco Ipê' })).fill('not her password');
    await alicePage.getByRole('button', { name: pt('consent.submit', { bank: 'Banco Ipê' }) }).click();
    const refused = await textOf(consent.getByRole('alert'), 'INVALID_CREDENTIALS');
    assert.ok(refused.includes(pt('consent.refused', { bank: 'Banco Ipê', message: pt('apiErrors.INVALID_CREDENTIALS') })), refused);
    await speaks(alicePage, 'pt-BR');
    await shot(alicePage, '11b-consent-refused');
    assert.equal(new URL(alicePage.url()).pathname.endsWith('/transactions'), true, 'a refusal at bank 2 does not end the session at bank 1');
    await alicePage.getByRole('button', { name: pt('consent.cancel') }).click();
    await textOf(alicePage.getByRole('alert'), pt('packet.notConsented', { bank: 'Banco Ipê' }));
    assert.equal(await consent.count(), 0);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    assert.equal(cents(await textOf(alicePage.getByTestId('balance'), 'R$')), 109_50);
    assert.equal(cents(await textOf(brunoPage.getByTestId('balance'), 'R$')), 45_75);
    const atBank2 = await me(consortium.url(2), aliceAtBank2);
    assert.deepEqual([atBank2.balanceCents, atBank2.blockedCents], [50_00 - 5_25, 0]);
    await alicePage.getByRole('button', { name: pt('packet.remove', { n: 2 }) }).click();
  });

  it('web - a packet with a leg that cannot be paid is refused whole, the leg is marked, and no balance moves', async () => {
    await alicePage.locator('#leg-1-bank').selectOption({ label: 'Banco Ipê' });
    await alicePage.locator('#leg-1-key').fill(brunoEmail);
    await alicePage.locator('#leg-1-amount').fill('10');
    await alicePage.getByRole('button', { name: pt('packet.add') }).click();
    await alicePage.locator('#leg-2-bank').selectOption({ label: 'Banco Ipê' });
    await alicePage.locator('#leg-2-key').fill(brunoEmail);
    await alicePage.locator('#leg-2-amount').fill('5.000,00');
    await alicePage.getByRole('button', { name: pt('packet.send') }).click();
    const alert = await textOf(alicePage.getByRole('alert'), 'PACKET_REFUSED');
    assert.ok(alert.includes(pt('errors.packetLeg', { leg: 2, code: 'INSUFFICIENT_FUNDS', reason: pt('apiErrors.INSUFFICIENT_FUNDS') })), alert);
    await textOf(alicePage.getByRole('listitem', { name: pt('packet.transfer', { n: 2 }) }).locator('.row-error'), `INSUFFICIENT_FUNDS: ${pt('apiErrors.INSUFFICIENT_FUNDS')}`);
    assert.equal(await alicePage.locator('#leg-2-amount').getAttribute('aria-invalid'), 'true');
    await speaks(alicePage, 'pt-BR');
    await shot(alicePage, '12-packet-refused');
    // Give a wrongly applied first leg time to show, then check nothing moved on either screen.
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    assert.equal(cents(await textOf(alicePage.getByTestId('balance'), 'R$')), 109_50);
    assert.equal(cents(await textOf(alicePage.getByTestId('blocked'), 'R$')), 0);
    assert.equal(cents(await textOf(brunoPage.getByTestId('balance'), 'R$')), 45_75);
    // The refused packet's first transfer was held and then released: the history says it moved nothing.
    await textOf(alicePage.getByRole('list', { name: pt('transactions.all') }).locator('[data-status="failed"]').first(), pt('transactions.failedTypes.pix-out'));
    await speaks(alicePage, 'pt-BR');
  });

  it('web - a wrong password is refused with INVALID_CREDENTIALS; the login works from the keyboard alone', async () => {
    const page = await alice.newPage();
    await page.goto(`${consortium.url(1)}/app/login`);
    await page.getByLabel(pt('common.email')).fill(aliceEmail);
    await page.getByLabel(pt('common.password')).fill('not the password');
    await page.getByRole('button', { name: pt('common.logIn') }).click();
    await textOf(page.getByRole('alert'), 'INVALID_CREDENTIALS');
    await page.goto(`${consortium.url(1)}/app/login`);
    // The page renders the form once the bank has answered: tab only when it is there.
    await page.getByLabel(pt('common.email')).waitFor();
    const focused = () => page.evaluate(() => document.activeElement?.id ?? '');
    for (let presses = 0; presses < 14 && (await focused()) !== 'login-email'; presses++) await page.keyboard.press('Tab');
    assert.equal(await focused(), 'login-email', 'the e-mail field is reachable with Tab');
    await page.keyboard.type(aliceEmail);
    await page.keyboard.press('Tab');
    assert.equal(await focused(), 'login-password');
    await page.keyboard.type(PASSWORD);
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: pt('app.titles.dashboard'), level: 1 }).waitFor();
    await page.close();
  });

  it('web - at phone width the dashboard fits the screen without sideways scrolling', async () => {
    const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2, locale: 'pt-BR' });
    const page = await phone.newPage();
    await page.goto(`${consortium.url(2)}/app/login`);
    await page.getByLabel(pt('common.email')).fill(brunoEmail);
    await page.getByLabel(pt('common.password')).fill(PASSWORD);
    await page.getByRole('button', { name: pt('common.logIn') }).click();
    await textOf(page.getByTestId('balance'), 'R$ 45,75');
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `the page is ${overflow}px wider than the phone`);
    await shot(page, '13-phone-dashboard');
    await page.getByRole('navigation', { name: pt('common.mainNav') }).getByRole('link', { name: pt('app.nav.transactions') }).click();
    await page.getByRole('heading', { name: pt('app.titles.transactions'), level: 1 }).waitFor();
    assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth));
    await shot(page, '14-phone-transactions');
    await phone.close();
  });

  it('web - when the bank no longer accepts the session, the customer is sent to log in again', async () => {
    await brunoPage.evaluate(() => {
      const session = JSON.parse(sessionStorage.getItem('banca.session')!);
      sessionStorage.setItem('banca.session', JSON.stringify({ ...session, token: `${session.token}x` }));
    });
    await brunoPage.reload();
    await brunoPage.getByRole('heading', { name: pt('app.titles.login'), level: 1 }).waitFor();
    await textOf(brunoPage.getByRole('status'), pt('common.sessionEnded'));
  });

  it('web - the dossier page refuses a wrong administrator password with the dossier\'s code', async () => {
    const page = await alice.newPage();
    await page.goto(`${consortium.services!.dossier.url}/app/`);
    await page.getByRole('heading', { name: pt('dossier.loginTitle'), level: 1 }).waitFor();
    assert.deepEqual(await unlabelled(page), []);
    await page.getByLabel(pt('dossier.username')).fill('admin');
    await page.getByLabel(pt('common.password')).fill('not-the-admin-password');
    await page.getByRole('button', { name: pt('common.logIn') }).click();
    await textOf(page.getByRole('alert'), 'INVALID_CREDENTIALS');
    await speaks(page, 'pt-BR');
    await shot(page, '15-dossier-login-refused');
    await page.close();
  });

  it('web - behind the admin login, a dossier shows the customer at both banks and in the credit registry, with the derived figures', async () => {
    dossierPage = await alice.newPage();
    const page = dossierPage;
    await page.goto(`${consortium.services!.dossier.url}/app/`);
    await page.getByLabel(pt('dossier.username')).fill('admin');
    await page.getByLabel(pt('common.password')).fill('dev-insecure-admin');
    await page.getByRole('button', { name: pt('common.logIn') }).click();
    await page.getByRole('heading', { name: pt('dossier.title'), level: 1 }).waitFor();
    await page.getByLabel(pt('documents.either')).fill('111.444.777-35');
    await page.getByRole('button', { name: pt('dossier.submit') }).click();
    await textOf(page.locator('#person-name'), 'Alice Andrade');
    // 109,50 at bank 1 and 44,75 at bank 2; the registry's demo records: debts 1.350,90, assets 57.000,00.
    await textOf(page.getByTestId('total-balance'), 'R$ 154,25');
    await textOf(page.getByTestId('total-debt'), 'R$ 1.350,90');
    await textOf(page.getByTestId('total-assets'), 'R$ 57.000,00');
    await textOf(page.getByTestId('monthly-income'), 'R$ 5.200,00');
    await textOf(page.getByTestId('net-worth'), 'R$ 55.803,35');
    const debts = page.getByRole('list', { name: pt('dossier.debts') });
    await textOf(debts, 'Financeira Horizonte');
    await textOf(debts, '07/07/2024');
    await textOf(page.getByRole('region', { name: 'Banco Ipê' }), 'R$ 44,75');
    await textOf(page.getByRole('region', { name: 'Banco Aurora' }), `${pt('transactions.types.pix-out')} ${pt('transactions.to', { who: 'Bruno Barros' })}`);
    assert.equal(await page.getByTestId('incomplete').count(), 0);
    assert.equal(await page.getByRole('list', { name: pt('dossier.sources') }).getByText(pt('dossier.sourceStatus.ok'), { exact: true }).count(), 3);
    await textOf(page.getByRole('list', { name: pt('dossier.sources') }), pt('dossier.registry'));
    await speaks(page, 'pt-BR');
    await shot(page, '16-dossier');
  });

  it('web - en: a browser in English gets the pages in English, and a customer opens an account there', async () => {
    await danaPage.goto(`${consortium.url(1)}/app/`);
    await danaPage.getByRole('heading', { name: en('app.titles.welcome'), level: 1 }).waitFor();
    await speaks(danaPage, 'en');
    await shot(danaPage, '20-en-choose-bank');
    await danaPage.getByRole('link', { name: en('chooseBank.use', { bank: 'Banco Aurora' }) }).click();
    await danaPage.getByRole('heading', { name: en('app.titles.login'), level: 1 }).waitFor();
    await speaks(danaPage, 'en');
    await danaPage.getByRole('main').getByRole('link', { name: linked(en('login.noAccount')) }).click();
    await danaPage.getByRole('heading', { name: en('app.titles.signup'), level: 1 }).waitFor();
    await danaPage.getByLabel(en('signUp.fullName')).fill('Dana Duarte');
    await danaPage.getByLabel(en('documents.cpf'), { exact: true }).fill(DOCUMENTS.cpf[3]!);
    await danaPage.getByLabel(en('common.email')).fill(danaEmail);
    await danaPage.getByLabel(en('common.password')).fill(PASSWORD);
    assert.deepEqual(await unlabelled(danaPage), []);
    await speaks(danaPage, 'en');
    await danaPage.getByRole('button', { name: en('signUp.submit') }).click();
    await danaPage.getByRole('heading', { name: en('app.titles.dashboard'), level: 1 }).waitFor();
    await textOf(danaPage.getByRole('status'), en('dashboard.welcome', { bank: 'Banco Aurora' }));
    await textOf(danaPage.getByTestId('balance'), 'R$0.00');
    await speaks(danaPage, 'en');
    await shot(danaPage, '21-en-dashboard');
  });

  it('web - en: a deposit typed "80.25" is shown as R$80.25, in a statement dated the English way', async () => {
    await danaPage.getByLabel(en('common.amount')).first().fill('80.25');
    await danaPage.getByRole('button', { name: en('deposit.submit'), exact: true }).click();
    await textOf(danaPage.getByRole('status').filter({ hasText: 'R$' }), en('deposit.done', { amount: 'R$80.25' }));
    await textOf(danaPage.getByTestId('balance'), 'R$80.25');
    const latest = danaPage.getByRole('list', { name: en('dashboard.latest') });
    await textOf(latest, `${en('transactions.types.deposit')} ${en('transactions.by', { who: en('transactions.methods.cash') })}`);
    await textOf(latest.locator('.status').first(), en('transactions.status.completed'));
    await textOf(latest.locator('.transaction .small').first(), /^\d{1,2}\/\d{1,2}\/\d{2}, \d{1,2}:\d{2}\s[AP]M$/);
    await speaks(danaPage, 'en');
  });

  it('web - en: a Pix is refused in English for an unknown key, then sent to bank 2', async () => {
    await danaPage.getByLabel(en('pix.receiverBank')).selectOption({ label: 'Banco Ipê' });
    await danaPage.getByLabel(en('pix.key'), { exact: true }).fill('nobody-here@example.com');
    await danaPage.locator('#pix-amount').fill('1');
    await danaPage.getByRole('button', { name: en('pix.continue') }).click();
    await textOf(danaPage.getByRole('alert'), `${en('apiErrors.PIX_KEY_NOT_FOUND')}${en('errors.codeLabel')} PIX_KEY_NOT_FOUND`);
    await speaks(danaPage, 'en');
    await danaPage.getByLabel(en('pix.key'), { exact: true }).fill(brunoEmail);
    await danaPage.locator('#pix-amount').fill('10.50');
    await danaPage.getByRole('button', { name: en('pix.continue') }).click();
    await textOf(danaPage.getByTestId('receiver-name'), 'Bruno Barros');
    await speaks(danaPage, 'en');
    await shot(danaPage, '22-en-pix-confirm');
    await danaPage.getByRole('button', { name: en('pix.send', { amount: 'R$10.50' }) }).click();
    await textOf(danaPage.getByRole('status').filter({ hasText: 'Bruno Barros' }), en('pix.sent', { amount: 'R$10.50', name: 'Bruno Barros' }));
    await textOf(danaPage.getByTestId('balance'), 'R$69.75');
    await textOf(danaPage.getByRole('list', { name: en('dashboard.latest') }), `${en('transactions.types.pix-out')} ${en('transactions.to', { who: 'Bruno Barros · Banco Ipê' })}`);
    await speaks(danaPage, 'en');
  });

  it('web - en: the packet builder speaks English, down to a mistyped amount', async () => {
    await danaPage.getByRole('navigation', { name: en('common.mainNav') }).getByRole('link', { name: en('app.nav.transactions') }).click();
    await danaPage.getByRole('heading', { name: en('app.titles.transactions'), level: 1 }).waitFor();
    await danaPage.locator('#leg-1-key').fill(brunoEmail);
    await danaPage.locator('#leg-1-amount').fill('1.234');
    await danaPage.getByRole('button', { name: en('packet.send') }).click();
    await textOf(danaPage.getByRole('alert'), en('packet.invalidRows'));
    await textOf(danaPage.getByRole('listitem', { name: en('packet.transfer', { n: 1 }) }).locator('.row-error'), en('amount.format', { example: '1,234.56' }));
    await textOf(danaPage.getByRole('list', { name: en('transactions.all') }), en('transactions.types.pix-out'));
    assert.deepEqual(await unlabelled(danaPage), []);
    await speaks(danaPage, 'en');
    await shot(danaPage, '23-en-packet');
  });

  it('web - en: a wrong password is refused in English, and the right one logs in', async () => {
    const page = await dana.newPage();
    await page.goto(`${consortium.url(1)}/app/login`);
    await page.getByLabel(en('common.email')).fill(danaEmail);
    await page.getByLabel(en('common.password')).fill('not the password');
    await page.getByRole('button', { name: en('common.logIn') }).click();
    await textOf(page.getByRole('alert'), en('apiErrors.INVALID_CREDENTIALS'));
    await speaks(page, 'en');
    await page.getByLabel(en('common.password')).fill(PASSWORD);
    await page.getByRole('button', { name: en('common.logIn') }).click();
    await page.getByRole('heading', { name: en('app.titles.dashboard'), level: 1 }).waitFor();
    await textOf(page.getByTestId('balance'), 'R$69.75');
    await page.close();
  });

  it('web - en: the dossier page in English, with English figures and dates', async () => {
    const page = await dana.newPage();
    await page.goto(`${consortium.services!.dossier.url}/app/`);
    await page.getByRole('heading', { name: en('dossier.loginTitle'), level: 1 }).waitFor();
    await speaks(page, 'en');
    await page.getByLabel(en('dossier.username')).fill('admin');
    await page.getByLabel(en('common.password')).fill('dev-insecure-admin');
    await page.getByRole('button', { name: en('common.logIn') }).click();
    await page.getByRole('heading', { name: en('dossier.title'), level: 1 }).waitFor();
    await page.getByLabel(en('documents.either')).fill('111.444.777-35');
    await page.getByRole('button', { name: en('dossier.submit') }).click();
    await textOf(page.locator('#person-name'), 'Alice Andrade');
    await textOf(page.getByTestId('total-balance'), 'R$154.25');
    await textOf(page.getByTestId('total-debt'), 'R$1,350.90');
    await textOf(page.getByTestId('net-worth'), 'R$55,803.35');
    await textOf(page.getByRole('list', { name: en('dossier.debts') }), '7/7/24');
    assert.equal(await page.getByRole('list', { name: en('dossier.sources') }).getByText(en('dossier.sourceStatus.ok'), { exact: true }).count(), 3);
    await textOf(page.getByRole('list', { name: en('dossier.sources') }), en('dossier.registry'));
    await speaks(page, 'en');
    await shot(page, '24-en-dossier');
    await page.close();
  });

  it('web - a browser in neither language gets Brazilian Portuguese', async () => {
    const french = await browser.newContext({ locale: 'fr-FR' });
    const page = await french.newPage();
    await page.goto(`${consortium.url(1)}/app/`);
    await page.getByRole('heading', { name: pt('app.titles.welcome'), level: 1 }).waitFor();
    await speaks(page, 'pt-BR');
    await french.close();
  });

  it('web - the language switch changes the bank\'s page at once, sets <html lang>, and is remembered after a reload', async () => {
    const visitor = await browser.newContext({ locale: 'pt-BR' });
    const page = await visitor.newPage();
    await page.goto(`${consortium.url(2)}/app/login`);
    await page.getByRole('heading', { name: pt('app.titles.login'), level: 1 }).waitFor();
    await page.getByLabel(pt('language.label')).selectOption('en');
    await page.getByRole('heading', { name: en('app.titles.login'), level: 1 }).waitFor();
    await speaks(page, 'en');
    assert.equal(await page.title(), `${en('app.titles.login')} · Banco Ipê`);
    await page.reload();
    await page.getByRole('heading', { name: en('app.titles.login'), level: 1 }).waitFor();
    await speaks(page, 'en');
    await page.goto(`${consortium.url(2)}/app/signup`);
    await page.getByRole('heading', { name: en('app.titles.signup'), level: 1 }).waitFor();
    await speaks(page, 'en');
    await shot(page, '25-switched-to-en');
    // And back: Portuguese is remembered the same way.
    await page.getByLabel(en('language.label')).selectOption('pt-BR');
    await page.getByRole('heading', { name: pt('app.titles.signup'), level: 1 }).waitFor();
    await page.reload();
    await page.getByRole('heading', { name: pt('app.titles.signup'), level: 1 }).waitFor();
    await speaks(page, 'pt-BR');
    await visitor.close();
  });

  it('web - the dossier page has the switch too, and remembers it', async () => {
    const visitor = await browser.newContext({ locale: 'pt-BR' });
    const page = await visitor.newPage();
    await page.goto(`${consortium.services!.dossier.url}/app/`);
    await page.getByRole('heading', { name: pt('dossier.loginTitle'), level: 1 }).waitFor();
    assert.deepEqual(await unlabelled(page), []);
    await page.getByLabel(pt('language.label')).selectOption('en');
    await page.getByRole('heading', { name: en('dossier.loginTitle'), level: 1 }).waitFor();
    await page.reload();
    await page.getByRole('heading', { name: en('dossier.loginTitle'), level: 1 }).waitFor();
    await speaks(page, 'en');
    await visitor.close();
  });

  it('web - with bank 2 down, the dossier still answers, names the missing bank and leaves it out of the figures', async () => {
    await consortium.bank(2).kill();
    const page = dossierPage;
    // The same tab (the administrator's session lives in it), reloaded: the dossier is asked again.
    await page.reload();
    await textOf(page.getByTestId('incomplete'), 'Banco Ipê');
    await textOf(page.getByTestId('incomplete'), pt('dossier.incomplete', { sources: `Banco Ipê (${pt('dossier.sourceStatus.unavailable')})` }));
    await textOf(page.getByTestId('total-balance'), 'R$ 109,50');
    await textOf(page.getByTestId('total-debt'), 'R$ 1.350,90');
    await textOf(page.getByRole('list', { name: pt('dossier.sources') }).locator('[data-source="bank:2"]'), pt('dossier.sourceStatus.unavailable'));
    await speaks(page, 'pt-BR');
    await shot(page, '17-dossier-bank-down');
  });
});
