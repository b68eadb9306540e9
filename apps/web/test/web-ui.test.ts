// The web interface in real Chromium against a real consortium of two banks: customers open
// accounts at both, deposit, send a Pix and packets (one refused whole), and every screen is
// checked for what a person sees: balances, statuses, error codes, labels, keyboard and phone width.
// Then the dossier page: an administrator sees one customer across both banks and the credit
// registry, and still sees a dossier, marked incomplete, with a bank down.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { startTestConsortium, type TestConsortium } from '@banca/testkit/testkit';
import { DOCUMENTS, deposit, me, signUp, type TestCustomer } from '@banca/testkit/consortium';
import { launchChromium } from './chromium.js';

const SCREENSHOTS = fileURLToPath(new URL('../../screenshots/', import.meta.url));
const PASSWORD = 'correct horse battery';
const WAIT_MS = 15_000;

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

/** The real money in a screen's balance: "R$ 1.234,56" -> 123456. */
function cents(text: string): number {
  return Number(text.replace(/[^\d,]/g, '').replace(',', ''));
}

/** Every form control on the page has a label a screen reader reads. */
async function unlabelled(page: Page): Promise<string[]> {
  return page.evaluate(() => [...document.querySelectorAll('input, select, textarea')]
    .filter((control) => (control as HTMLInputElement).labels?.length === 0 && !control.getAttribute('aria-label'))
    .map((control) => control.outerHTML.slice(0, 80)));
}

describe('web - the consortium in a real browser', { timeout: 10 * 60_000 }, () => {
  let consortium: TestConsortium;
  let browser: Browser;
  let alice: BrowserContext;
  let bruno: BrowserContext;
  let alicePage: Page;
  let brunoPage: Page;
  let brunoEmail: string;
  let aliceAtBank2: TestCustomer;
  let dossierPage: Page;
  const aliceEmail = `alice.${Date.now()}@example.com`;

  before(async () => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    browser = await launchChromium();
    consortium = await startTestConsortium(2, 'holds', { services: { seedDemo: true } });
    alice = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    bruno = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    alicePage = await alice.newPage();
    brunoPage = await bruno.newPage();
  });

  after(async () => {
    await browser?.close();
    await consortium?.cleanup();
  });

  it('web - the start page lists every bank of the consortium, in the bank\'s own colour', async () => {
    await alicePage.goto(`${consortium.url(1)}/`);
    assert.equal(new URL(alicePage.url()).pathname, '/app/');
    await alicePage.getByRole('heading', { name: 'Choose your bank', level: 1 }).waitFor();
    const banks = alicePage.getByRole('list', { name: 'Banks of the consortium' }).getByRole('listitem');
    assert.equal(await banks.count(), 2);
    await textOf(banks.nth(0), 'Banco Aurora');
    await textOf(banks.nth(1), 'Banco Ipê');
    const header = await alicePage.locator('header.top').evaluate((element) => getComputedStyle(element).backgroundColor);
    assert.equal(header, 'rgb(11, 110, 79)', 'bank 1 wears its colour');
    await shot(alicePage, '01-choose-bank');
  });

  it('web - a customer opens an individual account at bank 1 and lands on the dashboard', async () => {
    await alicePage.getByRole('link', { name: 'Use Banco Aurora' }).click();
    await alicePage.getByRole('heading', { name: 'Log in', level: 1 }).waitFor();
    await shot(alicePage, '02-login');
    await alicePage.getByRole('main').getByRole('link', { name: 'Open an account' }).click();
    await alicePage.getByRole('heading', { name: 'Open an account', level: 1 }).waitFor();
    assert.deepEqual(await unlabelled(alicePage), []);
    await alicePage.getByLabel('Full name').fill('Alice Andrade');
    await alicePage.getByLabel('CPF', { exact: true }).fill('111.444.777-35');
    await alicePage.getByLabel('E-mail').fill(aliceEmail);
    await alicePage.getByLabel('Password').fill(PASSWORD);
    await shot(alicePage, '03-sign-up');
    await alicePage.getByRole('button', { name: 'Open account' }).click();
    await alicePage.getByRole('heading', { name: 'Your account', level: 1 }).waitFor();
    await textOf(alicePage.getByTestId('balance'), 'R$');
    assert.equal(cents(await textOf(alicePage.getByTestId('balance'), 'R$')), 0);
    await textOf(alicePage.locator('.keys'), aliceEmail);
    assert.deepEqual(await unlabelled(alicePage), []);
  });

  it('web - a sign-up with a wrong CPF is refused with the bank\'s code and opens nothing', async () => {
    const page = await bruno.newPage();
    await page.goto(`${consortium.url(2)}/app/signup`);
    await page.getByLabel('Full name').fill('Nobody');
    await page.getByLabel('CPF', { exact: true }).fill('111.444.777-36');
    await page.getByLabel('E-mail').fill('nobody@example.com');
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Open account' }).click();
    const alert = await textOf(page.getByRole('alert'), 'Error code');
    assert.match(alert, /INVALID_DOCUMENT|INVALID_REQUEST/);
    assert.equal(new URL(page.url()).pathname, '/app/signup');
    await shot(page, '04-sign-up-error');
    await page.close();
  });

  it('web - a company opens a joint account with two holders and a phone, and gets every Pix key', async () => {
    const page = await bruno.newPage();
    await page.goto(`${consortium.url(1)}/app/signup`);
    await page.getByLabel('Company (CNPJ)').check();
    await page.getByLabel('Joint account (two holders)').check();
    await page.getByLabel('Company name').fill('Carla Dias Ltda');
    await page.getByLabel('CNPJ', { exact: true }).fill('11.222.333/0001-81');
    await page.getByLabel('Name', { exact: true }).fill('Carla Dias');
    await page.getByLabel('CPF or CNPJ').fill('390.533.447-05');
    await page.getByLabel('E-mail').fill(`carla.${Date.now()}@example.com`);
    await page.getByLabel('Phone (optional)').fill('+5575999990000');
    await page.getByLabel('Password').fill(PASSWORD);
    assert.deepEqual(await unlabelled(page), []);
    await shot(page, '04b-sign-up-company-joint');
    await page.getByRole('button', { name: 'Open account' }).click();
    await page.getByRole('heading', { name: 'Your account', level: 1 }).waitFor();
    await textOf(page.getByRole('main'), 'Carla Dias Ltda and Carla Dias (joint account) · company account');
    const keys = await textOf(page.locator('.keys'), '11222333000181');
    assert.match(keys, /\+5575999990000/);
    await page.close();
  });

  it('web - a second customer goes from the start page to bank 2, which shows its own name and colour', async () => {
    await brunoPage.goto(`${consortium.url(1)}/app/`);
    await brunoPage.getByRole('link', { name: 'Go to Banco Ipê' }).click();
    await brunoPage.getByRole('heading', { name: 'Log in', level: 1 }).waitFor();
    assert.equal(new URL(brunoPage.url()).origin, new URL(consortium.url(2)).origin);
    await textOf(brunoPage.locator('header.top'), 'Banco Ipê');
    const header = await brunoPage.locator('header.top').evaluate((element) => getComputedStyle(element).backgroundColor);
    assert.equal(header, 'rgb(184, 51, 106)');
    brunoEmail = `bruno.${Date.now()}@example.com`;
    await brunoPage.getByRole('main').getByRole('link', { name: 'Open an account' }).click();
    await brunoPage.getByLabel('Full name').fill('Bruno Barros');
    await brunoPage.getByLabel('CPF', { exact: true }).fill(DOCUMENTS.cpf[1]!);
    await brunoPage.getByLabel('E-mail').fill(brunoEmail);
    await brunoPage.getByLabel('Password').fill(PASSWORD);
    await brunoPage.getByRole('button', { name: 'Open account' }).click();
    await brunoPage.getByRole('heading', { name: 'Your account', level: 1 }).waitFor();
    await shot(brunoPage, '05-dashboard-bank-2');
  });

  it('web - a deposit shows in the balance and in the latest transactions as completed', async () => {
    await alicePage.getByLabel('Amount (R$)').first().fill('150,00');
    await alicePage.getByLabel('Method').selectOption('boleto');
    await alicePage.getByRole('button', { name: 'Deposit', exact: true }).click();
    await textOf(alicePage.getByTestId('balance'), 'R$ 150,00');
    const latest = alicePage.getByRole('list', { name: 'Latest transactions' });
    await textOf(latest, 'Deposit');
    await textOf(latest, 'by boleto');
    await textOf(latest.locator('.status').first(), 'completed');
  });

  it('web - an unknown Pix key is answered with the bank\'s error code, and nothing is sent', async () => {
    await alicePage.getByLabel("Receiver's bank").selectOption({ label: 'Banco Ipê' });
    await alicePage.getByLabel('Pix key', { exact: true }).fill('nobody-here@example.com');
    await alicePage.locator('#pix-amount').fill('5');
    await alicePage.getByRole('button', { name: 'Continue' }).click();
    await textOf(alicePage.getByRole('alert'), 'PIX_KEY_NOT_FOUND');
    await shot(alicePage, '06-pix-key-not-found');
    assert.equal(cents(await alicePage.getByTestId('balance').textContent() ?? ''), 15000);
  });

  it('web - a quick Pix to bank 2 shows the receiver before it is sent, and both screens update by themselves', async () => {
    await alicePage.getByLabel('Pix key', { exact: true }).fill(brunoEmail);
    await alicePage.locator('#pix-amount').fill('30,50');
    await alicePage.getByRole('button', { name: 'Continue' }).click();
    await textOf(alicePage.getByTestId('receiver-name'), 'Bruno Barros');
    await textOf(alicePage.getByRole('definition').nth(1), '***');
    await shot(alicePage, '07-pix-confirm');
    await alicePage.getByRole('button', { name: 'Send R$ 30,50' }).click();
    await textOf(alicePage.getByRole('status').filter({ hasText: 'Sent' }), 'Bruno Barros');
    await textOf(alicePage.getByTestId('balance'), 'R$ 119,50');
    await textOf(alicePage.getByRole('list', { name: 'Latest transactions' }), 'Pix sent to Bruno Barros · Banco Ipê');
    // Bruno's page was not reloaded: it polls.
    await textOf(brunoPage.getByTestId('balance'), 'R$ 30,50');
    await textOf(brunoPage.getByRole('list', { name: 'Latest transactions' }), 'Pix received');
    await shot(alicePage, '08-dashboard-after-pix');
    await shot(brunoPage, '09-receiver-after-pix');
  });

  it('web - a packet paid from accounts at two banks completes as a whole', async () => {
    aliceAtBank2 = await signUp(consortium.url(2), 2, 'Alice Andrade', DOCUMENTS.cpf[0]!);
    await deposit(consortium.url(2), aliceAtBank2, '50.00');
    await alicePage.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Transactions' }).click();
    await alicePage.getByRole('heading', { name: 'Transactions', level: 1 }).waitFor();
    const from2 = `2:${aliceAtBank2.accountId}`;
    await alicePage.locator(`#leg-1-from option[value="${from2}"]`).waitFor({ state: 'attached' });
    await alicePage.getByLabel('From').selectOption({ index: 0 });
    await alicePage.locator('#leg-1-bank').selectOption({ label: 'Banco Ipê' });
    await alicePage.locator('#leg-1-key').fill(brunoEmail);
    await alicePage.locator('#leg-1-amount').fill('10');
    await alicePage.getByRole('button', { name: 'Add a transfer' }).click();
    await alicePage.locator('#leg-2-from').selectOption(from2);
    await alicePage.locator('#leg-2-bank').selectOption({ label: 'Banco Ipê' });
    await alicePage.locator('#leg-2-key').fill(brunoEmail);
    await alicePage.locator('#leg-2-amount').fill('5,25');
    assert.deepEqual(await unlabelled(alicePage), []);
    await shot(alicePage, '10-packet-builder');
    await alicePage.getByRole('button', { name: 'Send packet' }).click();
    // Transfer 2 is paid at bank 2: Alice logs in there, in the same flow, and bank 2 gives its consent.
    const consent = alicePage.getByRole('form', { name: 'Consent at Banco Ipê' });
    await textOf(consent, 'R$ 5,25');
    assert.deepEqual(await unlabelled(alicePage), []);
    await shot(alicePage, '10b-packet-consent');
    await alicePage.getByLabel('E-mail at Banco Ipê').fill(aliceAtBank2.email);
    await alicePage.getByLabel('Password at Banco Ipê').fill('correct horse');
    await alicePage.getByRole('button', { name: 'Log in and consent at Banco Ipê' }).click();
    await textOf(alicePage.getByRole('status').filter({ hasText: 'Packet' }), 'Packet completed: 2 transfers');
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
    await alicePage.getByRole('button', { name: 'Add a transfer' }).click();
    await alicePage.locator('#leg-2-from').selectOption(from2);
    await alicePage.locator('#leg-2-bank').selectOption({ label: 'Banco Ipê' });
    await alicePage.locator('#leg-2-key').fill(brunoEmail);
    await alicePage.locator('#leg-2-amount').fill('2');
    await alicePage.getByRole('button', { name: 'Send packet' }).click();
    const consent = alicePage.getByRole('form', { name: 'Consent at Banco Ipê' });
    await alicePage.getByLabel('E-mail at Banco Ipê').fill(aliceAtBank2.email);
    await alicePage.getByLabel('Password at Banco Ipê').fill('not her password');
    await alicePage.getByRole('button', { name: 'Log in and consent at Banco Ipê' }).click();
    const refused = await textOf(consent.getByRole('alert'), 'INVALID_CREDENTIALS');
    assert.match(refused, /Banco Ipê refused: .*Nothing was moved\./);
    await shot(alicePage, '11b-consent-refused');
    assert.equal(new URL(alicePage.url()).pathname.endsWith('/transactions'), true, 'a refusal at bank 2 does not end the session at bank 1');
    await alicePage.getByRole('button', { name: 'Cancel the packet' }).click();
    await textOf(alicePage.getByRole('alert'), 'The packet was not sent: you did not consent at Banco Ipê. Nothing was moved at any bank.');
    assert.equal(await consent.count(), 0);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    assert.equal(cents(await textOf(alicePage.getByTestId('balance'), 'R$')), 109_50);
    assert.equal(cents(await textOf(brunoPage.getByTestId('balance'), 'R$')), 45_75);
    const atBank2 = await me(consortium.url(2), aliceAtBank2);
    assert.deepEqual([atBank2.balanceCents, atBank2.blockedCents], [50_00 - 5_25, 0]);
    await alicePage.getByRole('button', { name: 'Remove transfer 2' }).click();
  });

  it('web - a packet with a leg that cannot be paid is refused whole, the leg is marked, and no balance moves', async () => {
    await alicePage.locator('#leg-1-bank').selectOption({ label: 'Banco Ipê' });
    await alicePage.locator('#leg-1-key').fill(brunoEmail);
    await alicePage.locator('#leg-1-amount').fill('10');
    await alicePage.getByRole('button', { name: 'Add a transfer' }).click();
    await alicePage.locator('#leg-2-bank').selectOption({ label: 'Banco Ipê' });
    await alicePage.locator('#leg-2-key').fill(brunoEmail);
    await alicePage.locator('#leg-2-amount').fill('5.000,00');
    await alicePage.getByRole('button', { name: 'Send packet' }).click();
    const alert = await textOf(alicePage.getByRole('alert'), 'PACKET_REFUSED');
    assert.match(alert, /Transfer 2 of the packet failed \(INSUFFICIENT_FUNDS\)/);
    await textOf(alicePage.getByRole('listitem', { name: 'Transfer 2' }).locator('.row-error'), 'INSUFFICIENT_FUNDS');
    assert.equal(await alicePage.locator('#leg-2-amount').getAttribute('aria-invalid'), 'true');
    await shot(alicePage, '12-packet-refused');
    // Give a wrongly applied first leg time to show, then check nothing moved on either screen.
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    assert.equal(cents(await textOf(alicePage.getByTestId('balance'), 'R$')), 109_50);
    assert.equal(cents(await textOf(alicePage.getByTestId('blocked'), 'R$')), 0);
    assert.equal(cents(await textOf(brunoPage.getByTestId('balance'), 'R$')), 45_75);
    // The refused packet's first transfer was held and then released: the history says it moved nothing.
    await textOf(alicePage.getByRole('list', { name: 'All transactions' }).locator('[data-status="failed"]').first(), 'Pix not sent');
  });

  it('web - a wrong password is refused with INVALID_CREDENTIALS; the login works from the keyboard alone', async () => {
    const page = await alice.newPage();
    await page.goto(`${consortium.url(1)}/app/login`);
    await page.getByLabel('E-mail').fill(aliceEmail);
    await page.getByLabel('Password').fill('not the password');
    await page.getByRole('button', { name: 'Log in' }).click();
    await textOf(page.getByRole('alert'), 'INVALID_CREDENTIALS');
    await page.goto(`${consortium.url(1)}/app/login`);
    // The page renders the form once the bank has answered: tab only when it is there.
    await page.getByLabel('E-mail').waitFor();
    const focused = () => page.evaluate(() => document.activeElement?.id ?? '');
    for (let presses = 0; presses < 12 && (await focused()) !== 'login-email'; presses++) await page.keyboard.press('Tab');
    assert.equal(await focused(), 'login-email', 'the e-mail field is reachable with Tab');
    await page.keyboard.type(aliceEmail);
    await page.keyboard.press('Tab');
    assert.equal(await focused(), 'login-password');
    await page.keyboard.type(PASSWORD);
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Your account', level: 1 }).waitFor();
    await page.close();
  });

  it('web - at phone width the dashboard fits the screen without sideways scrolling', async () => {
    const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 });
    const page = await phone.newPage();
    await page.goto(`${consortium.url(2)}/app/login`);
    await page.getByLabel('E-mail').fill(brunoEmail);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Log in' }).click();
    await textOf(page.getByTestId('balance'), 'R$ 45,75');
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `the page is ${overflow}px wider than the phone`);
    await shot(page, '13-phone-dashboard');
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Transactions' }).click();
    await page.getByRole('heading', { name: 'Transactions', level: 1 }).waitFor();
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
    await brunoPage.getByRole('heading', { name: 'Log in', level: 1 }).waitFor();
    await textOf(brunoPage.getByRole('status'), 'Your session has ended');
  });

  it('web - the dossier page refuses a wrong administrator password with the dossier\'s code', async () => {
    const page = await alice.newPage();
    await page.goto(`${consortium.services!.dossier.url}/app/`);
    await page.getByRole('heading', { name: 'Administrator log-in', level: 1 }).waitFor();
    assert.deepEqual(await unlabelled(page), []);
    await page.getByLabel('User name').fill('admin');
    await page.getByLabel('Password').fill('not-the-admin-password');
    await page.getByRole('button', { name: 'Log in' }).click();
    await textOf(page.getByRole('alert'), 'INVALID_CREDENTIALS');
    await shot(page, '15-dossier-login-refused');
    await page.close();
  });

  it('web - behind the admin login, a dossier shows the customer at both banks and in the credit registry, with the derived figures', async () => {
    dossierPage = await alice.newPage();
    const page = dossierPage;
    await page.goto(`${consortium.services!.dossier.url}/app/`);
    await page.getByLabel('User name').fill('admin');
    await page.getByLabel('Password').fill('dev-insecure-admin');
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('heading', { name: 'Dossier', level: 1 }).waitFor();
    await page.getByLabel('CPF or CNPJ').fill('111.444.777-35');
    await page.getByRole('button', { name: 'Show dossier' }).click();
    await textOf(page.locator('#person-name'), 'Alice Andrade');
    // 109,50 at bank 1 and 44,75 at bank 2; the registry's demo records: debts 1.350,90, assets 57.000,00.
    await textOf(page.getByTestId('total-balance'), 'R$ 154,25');
    await textOf(page.getByTestId('total-debt'), 'R$ 1.350,90');
    await textOf(page.getByTestId('total-assets'), 'R$ 57.000,00');
    await textOf(page.getByTestId('monthly-income'), 'R$ 5.200,00');
    await textOf(page.getByTestId('net-worth'), 'R$ 55.803,35');
    await textOf(page.getByRole('list', { name: 'Debts' }), 'Financeira Horizonte');
    await textOf(page.getByRole('region', { name: 'Banco Ipê' }), 'R$ 44,75');
    await textOf(page.getByRole('region', { name: 'Banco Aurora' }), 'Pix sent to Bruno Barros');
    assert.equal(await page.getByTestId('incomplete').count(), 0);
    assert.equal(await page.getByRole('list', { name: 'Sources' }).getByText('answered').count(), 3);
    await shot(page, '16-dossier');
  });

  it('web - with bank 2 down, the dossier still answers, names the missing bank and leaves it out of the figures', async () => {
    await consortium.bank(2).kill();
    const page = dossierPage;
    // The same tab (the administrator's session lives in it), reloaded: the dossier is asked again.
    await page.reload();
    await textOf(page.getByTestId('incomplete'), 'Banco Ipê');
    await textOf(page.getByTestId('total-balance'), 'R$ 109,50');
    await textOf(page.getByTestId('total-debt'), 'R$ 1.350,90');
    await textOf(page.getByRole('list', { name: 'Sources' }).locator('[data-source="bank:2"]'), 'unavailable');
    await shot(page, '17-dossier-bank-down');
  });
});
