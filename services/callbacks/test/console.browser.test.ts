// The operator console in a real headless Chromium (playwright-core): sign in,
// create a customer (a validation error first, then success), approve a pending
// request and see the next ask_user answer 200, and a screenshot of every page
// under test-artifacts/callbacks/. Skipped with a message when /usr/bin/chromium
// is absent, except under CI=true where its absence fails the run.
import { existsSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startServer, type RunningServer } from '@anchor/support';
import { databaseLegs } from '@anchor/support/testing';
import { seedCustomers } from '../src/sample.js';
import {
  ALICE,
  BOB,
  ISSUER,
  OPERATOR_PASSWORD,
  encodeForm,
  receiveFields,
  sign,
  startHarness,
  type Harness,
} from './helpers.js';

const CHROMIUM = '/usr/bin/chromium';
const HAS_CHROMIUM = existsSync(CHROMIUM);
const IN_CI = process.env.CI === 'true';
const ARTIFACTS = fileURLToPath(new URL('../../../test-artifacts/callbacks/', import.meta.url));

if (!HAS_CHROMIUM && !IN_CI) {
  console.warn(
    `[callbacks] browser tests skipped: ${CHROMIUM} not found (apt-get install -y chromium); under CI=true this fails`,
  );
}

const [sqlite] = databaseLegs(['sqlite3']);

describe.skipIf(!HAS_CHROMIUM && !IN_CI)('operator console in Chromium', () => {
  let h: Harness;
  let server: RunningServer;
  let browser: Browser;
  let page: Page;

  const shot = async (name: string) => {
    await page.screenshot({ path: `${ARTIFACTS}${name}.png`, fullPage: true });
  };

  const post = async (path: string, fields: Record<string, string>, signed = false) => {
    const body = encodeForm(fields);
    const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' };
    if (signed) headers['x-payload-mac'] = sign(body);
    return fetch(`${server.url}${path}`, { method: 'POST', headers, body });
  };

  beforeAll(async () => {
    if (!HAS_CHROMIUM) throw new Error(`CI=true but ${CHROMIUM} is missing: install chromium in .ci/run`);
    mkdirSync(ARTIFACTS, { recursive: true });
    h = await startHarness(sqlite!, 60);
    await seedCustomers(h.deps.customers, [ALICE, BOB]);
    server = await startServer(h.app, { port: 0, host: '127.0.0.1' });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    });
    page = await browser.newPage({ viewport: { width: 1360, height: 900 } });

    // Some traffic so that every page has something to show, through the real callbacks: payments
    // the bridge delivers to /receive (signed with X-Payload-Mac), one to an unknown route, one
    // delivered twice (credited once), a rejected payment posted to /error, and two senders the
    // compliance server screens through /sanctions (a close match and an exact one).
    for (const [i, route] of ['1001', '1002', '1001'].entries()) {
      const res = await post(
        '/receive',
        receiveFields({
          id: `9000000${i}`,
          route,
          amount: `${(i + 1) * 12.5}`,
          transaction_id: `${i}f`.repeat(32),
        }),
        true,
      );
      expect(res.status).toBe(200);
    }
    const again = await post(
      '/receive',
      receiveFields({ id: '90000000', route: '1001', amount: '12.5', transaction_id: '0f'.repeat(32) }),
      true,
    );
    expect(again.status).toBe(200);
    // No customer has route 31337: 404, so the bridge retries; the console shows it meanwhile.
    const unrouted = await post(
      '/receive',
      receiveFields({ id: '90000009', route: '31337', amount: '7' }),
      true,
    );
    expect(unrouted.status).toBe(404);
    const rejected = await post(
      '/error',
      {
        ...receiveFields({ id: '90000010', asset_code: 'EUR', asset_issuer: ISSUER, amount: '40' }),
        error: 'Asset not allowed',
      },
      true,
    );
    expect(await rejected.json()).toEqual({ status: 'recorded' });
    const closeMatch = await post('/sanctions', {
      sender: JSON.stringify({ first_name: 'Petra', last_name: 'Nowak', date_of_birth: '1980-05-01' }),
    });
    expect(await closeMatch.json()).toEqual({ pending: 60 });
    const exact = await post('/sanctions', {
      sender: JSON.stringify({ first_name: 'Ivan', middle_name: 'Petrovich', last_name: 'Volkov' }),
    });
    expect(exact.status).toBe(403);
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await h?.close();
  });

  it('signs in (after a wrong password)', async () => {
    await page.goto(`${server.url}/console`);
    expect(page.url()).toBe(`${server.url}/console/login`);
    await shot('01-sign-in');
    await page.fill('#password', 'wrong password');
    await page.click('button[type=submit]');
    await expect(page.locator('#password-error').textContent()).resolves.toBe('Wrong password.');
    await shot('02-sign-in-wrong-password');
    await page.fill('#password', OPERATOR_PASSWORD);
    await page.click('button[type=submit]');
    await page.waitForURL(`${server.url}/console/customers`);
    await expect(page.locator('h1').textContent()).resolves.toBe('Customers');
  });

  it('creates a customer: an error next to the field first, then success', async () => {
    await page.fill('#f-first_name', 'Grace');
    await page.fill('#f-last_name', 'Hopper');
    await page.fill('#f-date_of_birth', '1986-12-09');
    await page.fill('#f-email', 'grace-at-example');
    await page.fill('#f-address', '1 Harbour Lane');
    await page.fill('#f-city', 'Arlington');
    await page.fill('#f-country', 'US');
    await page.fill('#f-name', 'grace');
    await page.selectOption('#f-disclosure', 'allowed_only');
    await page.fill('#f-allowed_senders', 'trusted-bank.test');
    await page.click('form.stacked button[type=submit]');
    await expect(page.locator('#f-email-error').textContent()).resolves.toBe('must be an email address');
    await expect(page.inputValue('#f-first_name')).resolves.toBe('Grace');
    await shot('03-customers-validation-error');

    await page.fill('#f-email', 'grace@example.com');
    await page.click('form.stacked button[type=submit]');
    await page.waitForURL(/notice=created/);
    await expect(page.locator('.notice.ok').textContent()).resolves.toBe('Customer created.');
    await expect(page.locator('#customers-table').textContent()).resolves.toContain('grace*bank-b.test');
    await shot('04-customers');
  });

  it('approves a pending request, and the next ask_user answers 200', async () => {
    const grace = (await h.deps.customers.list()).find((c) => c.name === 'grace')!;
    const ask = () =>
      post('/ask_user', {
        route: grace.route,
        amount: '150',
        asset_code: 'USD',
        asset_issuer: ISSUER,
        sender: JSON.stringify({ first_name: 'Aldi', last_name: 'Dobbs', country: 'US' }),
        sender_address: 'aldi*bank-a.test',
        note: 'Invoice 2041',
      });
    const first = await ask();
    expect(first.status).toBe(202);
    expect(await first.json()).toEqual({ pending: 60 });
    // A second request that stays pending, for the screenshot.
    await post('/ask_user', {
      route: '1002',
      amount: '20',
      sender: JSON.stringify({ first_name: 'Mina', last_name: 'Sato' }),
      sender_address: 'mina*bank-c.test',
    });

    await page.click('nav >> text=Approvals');
    await page.waitForURL(`${server.url}/console/approvals`);
    await expect(page.locator('nav .count').first().textContent()).resolves.toBe('2');
    await shot('05-approvals-pending');
    const row = page.locator('#pending-approvals tr', { hasText: 'Aldi Dobbs' });
    await row.locator('button', { hasText: 'Approve' }).click();
    await page.waitForURL(/notice=approved/);
    await expect(page.locator('#decided-approvals').textContent()).resolves.toContain('approved');
    await shot('06-approvals-decided');

    expect((await ask()).status).toBe(200);
  });

  /** The text of each cell of the table row that contains `text`. */
  const rowCells = (table: string, text: string) =>
    page
      .locator(`#${table} tbody tr`, { hasText: text })
      .locator('td')
      .allInnerTexts()
      .then((cells) => cells.map((c) => c.replace(/\s+/g, ' ').trim()));

  it('lists the close-match sanctions hit for review, and clears it', async () => {
    await page.click('nav >> text=Sanctions hits');
    await page.waitForURL(`${server.url}/console/sanctions`);
    await expect(page.locator('nav a.active .count').textContent()).resolves.toBe('1');
    await expect(page.locator('#sanctions-hits tbody tr').count()).resolves.toBe(2);
    const petra = await rowCells('sanctions-hits', 'Petra Nowak');
    expect(petra.slice(1, 5)).toEqual([
      'Petra Nowak born 1980-05-01',
      'NOVAK, Petra entry 9006',
      expect.stringMatching(/^similar \d+\.\d%$/) as unknown,
      'pending review',
    ]);
    expect(petra[5]).toBe('Clear Confirm match');
    const ivan = await rowCells('sanctions-hits', 'Ivan Petrovich Volkov');
    expect(ivan.slice(2, 5)).toEqual(['VOLKOV, Ivan Petrovich entry 9001', 'exact 100.0%', 'confirmed']);
    await shot('07-sanctions');

    await page
      .locator('#sanctions-hits tr', { hasText: 'Petra Nowak' })
      .locator('button', { hasText: 'Clear' })
      .click();
    await page.waitForURL(/notice=cleared/);
    expect((await rowCells('sanctions-hits', 'Petra Nowak'))[4]).toBe('cleared');
    await expect(page.locator('nav a.active .count').count()).resolves.toBe(0);
    await shot('08-sanctions-cleared');
    // The compliance server's retry is now answered 200.
    const again = await post('/sanctions', {
      sender: JSON.stringify({ first_name: 'Petra', last_name: 'Nowak', date_of_birth: '1980-05-01' }),
    });
    expect(again.status).toBe(200);
  });

  it('lists the delivered payments, credited once each, and the one for an unknown route', async () => {
    await page.click('nav >> text=Incoming payments');
    await page.waitForURL(`${server.url}/console/payments`);
    await expect(page.locator('.stat .value').allInnerTexts()).resolves.toEqual(['4', '3', '1']);
    await expect(page.locator('#payments-table tbody tr').count()).resolves.toBe(4);
    const cells = (id: string) =>
      rowCells('payments-table', id).then((c) => [c[1], c[2], c[3], c[5], c[6], c[7]]);
    await expect(cells('90000000')).resolves.toEqual([
      '90000000',
      'alice*bank-b.test',
      '12.50 USD',
      '0f0f0f…0f0f0f',
      'credited',
      '2',
    ]);
    await expect(cells('90000001')).resolves.toEqual([
      '90000001',
      'bob*bank-b.test',
      '25.00 USD',
      '1f1f1f…1f1f1f',
      'credited',
      '1',
    ]);
    await expect(cells('90000002')).resolves.toEqual([
      '90000002',
      'alice*bank-b.test',
      '37.50 USD',
      '2f2f2f…2f2f2f',
      'credited',
      '1',
    ]);
    await expect(cells('90000009')).resolves.toEqual([
      '90000009',
      'route 31337',
      '7.00 USD',
      'ababab…ababab',
      'unknown route',
      '1',
    ]);
    await shot('09-payments');
  });

  it('lists the rejected payment with its reason', async () => {
    await page.click('nav >> text=Rejected payments');
    await page.waitForURL(`${server.url}/console/rejected`);
    await expect(page.locator('#rejected-table tbody tr').count()).resolves.toBe(1);
    const cells = await rowCells('rejected-table', '90000010');
    expect([cells[1], cells[2], cells[4], cells[5], cells[6]]).toEqual([
      '90000010',
      '40.00 EUR',
      '1001',
      'rejected Asset not allowed',
      '1',
    ]);
    await shot('10-rejected');

    await page.click('text=Sign out');
    await page.waitForURL(`${server.url}/console/login`);
  });
});
