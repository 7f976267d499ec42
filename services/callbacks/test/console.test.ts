// The operator console over HTTP: sign-in, session cookie, CSRF, validation
// errors next to fields, escaping, decisions. (The real-browser run is in
// console.browser.test.ts.)
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import request from 'supertest';
import { databaseLegs } from '@anchor/support/testing';
import { seedCustomers } from '../src/sample.js';
import { ALICE, BOB, OPERATOR_PASSWORD, startHarness, type Harness } from './helpers.js';

function csrfOf(page: string): string {
  const match = /name="csrf" value="([^"]+)"/.exec(page);
  if (!match?.[1]) throw new Error('no csrf field on the page');
  return match[1];
}

async function signedIn(h: Harness) {
  const agent = request.agent(h.app);
  const form = await agent.get('/console/login');
  const answer = await agent
    .post('/console/login')
    .type('form')
    .send({ csrf: csrfOf(form.text), password: OPERATOR_PASSWORD });
  expect(answer.status).toBe(303);
  const page = await agent.get('/console/customers');
  return { agent, csrf: csrfOf(page.text) };
}

describe.each(databaseLegs(['sqlite3', 'mysql']))('console on $type', (leg) => {
  let h: Harness;

  beforeAll(async () => {
    if (leg.unavailable) return;
    h = await startHarness(leg);
    await seedCustomers(h.deps.customers, [ALICE, BOB]);
  });
  afterAll(async () => {
    await h?.close();
  });

  it.skipIf(leg.unavailable)(
    'sends an anonymous visitor to the sign-in page and refuses anonymous POSTs',
    async () => {
      for (const path of ['/console', '/console/customers', '/console/approvals', '/console/sanctions']) {
        const answer = await request(h.app).get(path);
        expect(answer.status, path).toBe(303);
        expect(answer.headers.location).toBe('/console/login');
      }
      const post = await request(h.app).post('/console/approvals/1/approve').type('form').send({ csrf: 'x' });
      expect(post.status).toBe(401);
    },
  );

  it.skipIf(leg.unavailable)(
    'signs in with the operator password only, with a hardened session cookie',
    async () => {
      const agent = request.agent(h.app);
      const form = await agent.get('/console/login');
      expect(form.status).toBe(200);
      expect(form.headers['content-security-policy']).toContain("default-src 'none'");
      expect(form.headers['x-frame-options']).toBe('DENY');

      const noToken = await agent.post('/console/login').type('form').send({ password: OPERATOR_PASSWORD });
      expect(noToken.status).toBe(403);

      const fresh = await agent.get('/console/login');
      const wrong = await agent
        .post('/console/login')
        .type('form')
        .send({ csrf: csrfOf(fresh.text), password: 'not the password' });
      expect(wrong.status).toBe(401);
      expect(wrong.text).toContain('Wrong password.');

      const again = await agent.get('/console/login');
      const right = await agent
        .post('/console/login')
        .type('form')
        .send({ csrf: csrfOf(again.text), password: OPERATOR_PASSWORD });
      expect(right.status).toBe(303);
      expect(right.headers.location).toBe('/console/customers');
      const cookie = ([] as string[])
        .concat(right.headers['set-cookie'] ?? [])
        .find((c) => c.startsWith('cb_session='));
      expect(cookie).toMatch(/HttpOnly/);
      expect(cookie).toMatch(/SameSite=Strict/);
      expect(cookie).toMatch(/Path=\/console/);
      expect(cookie).toMatch(/^cb_session=s%3A/); // signed
      expect((await agent.get('/console/customers')).status).toBe(200);
    },
  );

  it.skipIf(leg.unavailable)('refuses a forged session cookie', async () => {
    const answer = await request(h.app).get('/console/customers').set('Cookie', 'cb_session=forged');
    expect(answer.status).toBe(303);
  });

  it.skipIf(leg.unavailable)('checks the CSRF token on every POST', async () => {
    const { agent } = await signedIn(h);
    for (const path of [
      '/console/customers',
      '/console/approvals/1/approve',
      '/console/sanctions/1/clear',
      '/console/logout',
    ]) {
      const answer = await agent.post(path).type('form').send({ csrf: 'wrong' });
      expect(answer.status, path).toBe(403);
    }
  });

  it.skipIf(leg.unavailable)(
    'shows validation errors next to the fields and keeps what was typed',
    async () => {
      const { agent, csrf } = await signedIn(h);
      const answer = await agent.post('/console/customers').type('form').send({
        csrf,
        first_name: '<script>alert(1)</script>',
        last_name: '',
        email: 'not-an-email',
        date_of_birth: '2999-01-01',
        address: '1 Road',
        city: 'Town',
        country: 'USA',
        name: 'has space',
        route: 'abc',
        account_id: 'GNOPE',
        disclosure: 'public',
        allowed_senders: 'not a domain!',
      });
      expect(answer.status).toBe(400);
      const page = answer.text;
      const errorFor = (field: string) => new RegExp(`id="f-${field}-error">([^<]+)<`).exec(page)?.[1];
      expect(errorFor('last_name')).toBe('is required');
      expect(errorFor('email')).toBe('must be an email address');
      expect(errorFor('date_of_birth')).toBe('must be a past date as YYYY-MM-DD');
      expect(errorFor('country')).toBe('must be at most 2 characters');
      expect(errorFor('name')).toBe('must have no spaces, * or &gt;');
      expect(errorFor('route')).toMatch(/must be a number/);
      expect(errorFor('account_id')).toBe('must be an account id starting with G');
      expect(errorFor('allowed_senders')).toMatch(/one bank-a.test/);
      expect(page).not.toContain('<script>alert(1)</script>');
      expect(page).toContain('value="&lt;script&gt;alert(1)&lt;/script&gt;"');
    },
  );

  it.skipIf(leg.unavailable)(
    'creates a customer, resolvable at once, and reports a taken name next to the field',
    async () => {
      const { agent, csrf } = await signedIn(h);
      const fields = {
        csrf,
        first_name: 'Erin',
        last_name: 'Moss',
        email: 'erin@example.com',
        date_of_birth: '1990-02-28',
        address: '3 Elm Row',
        city: 'Leeds',
        country: 'gb',
        name: 'Erin',
        disclosure: 'allowed_only',
        allowed_senders: 'bank-a.test\ncarol*bank-c.test',
      };
      const created = await agent.post('/console/customers').type('form').send(fields);
      expect(created.status).toBe(303);
      expect(created.headers.location).toBe('/console/customers?notice=created');
      const list = await agent.get(String(created.headers.location));
      expect(list.text).toContain('Customer created.');
      expect(list.text).toContain('erin*bank-b.test');

      const erin = (await h.deps.customers.list()).find((c) => c.name === 'erin');
      expect(erin).toMatchObject({ domain: 'bank-b.test', country: 'GB', disclosure: 'allowed_only' });
      expect(erin?.route).toMatch(/^[1-9][0-9]{8}$/);
      expect(erin?.allowed).toEqual(
        expect.arrayContaining([
          { fi_domain: 'bank-a.test', user_name: '' },
          { fi_domain: 'bank-c.test', user_name: 'carol' },
        ]),
      );
      // The federation server's sample query finds the customer straight away.
      const row = await h.db.raw(
        "SELECT account_id AS id, 'id' AS memo_type, route AS memo FROM customers WHERE name = ? AND domain = ?",
        ['erin', 'bank-b.test'],
      );
      const rows = Array.isArray(row) ? (Array.isArray(row[0]) ? row[0] : row) : row.rows;
      expect(rows[0]).toMatchObject({ id: erin?.account_id, memo_type: 'id', memo: erin?.route });

      const duplicate = await agent
        .post('/console/customers')
        .type('form')
        .send({ ...fields, route: '1001' });
      expect(duplicate.status).toBe(400);
      expect(/id="f-route-error">([^<]+)</.exec(duplicate.text)?.[1]).toBe(
        'is already used by another customer',
      );
      const sameName = await agent.post('/console/customers').type('form').send(fields);
      expect(/id="f-name-error">([^<]+)</.exec(sameName.text)?.[1]).toBe('erin*bank-b.test is already taken');
    },
  );

  it.skipIf(leg.unavailable)('approves a pending request, after which ask_user answers 200', async () => {
    const ask = () =>
      request(h.app)
        .post('/ask_user')
        .type('form')
        .send({ route: '1002', sender: JSON.stringify({ first_name: 'Zed', last_name: 'Ng' }), amount: '5' });
    expect((await ask()).status).toBe(202);
    const { agent, csrf } = await signedIn(h);
    const page = await agent.get('/console/approvals');
    expect(page.text).toContain('Zed Ng');
    const id = /data-approval-id="(\d+)"/.exec(page.text)?.[1];
    const approved = await agent.post(`/console/approvals/${id}/approve`).type('form').send({ csrf });
    expect(approved.status).toBe(303);
    expect(approved.headers.location).toBe('/console/approvals?notice=approved');
    expect((await ask()).status).toBe(200);
    const twice = await agent.post(`/console/approvals/${id}/deny`).type('form').send({ csrf });
    expect(twice.headers.location).toBe('/console/approvals?notice=stale');
    expect((await ask()).status).toBe(200);
  });

  it.skipIf(leg.unavailable)('renders every page and signs out', async () => {
    const { agent, csrf } = await signedIn(h);
    for (const path of [
      '/console/customers',
      '/console/payments',
      '/console/approvals',
      '/console/sanctions',
      '/console/rejected',
    ]) {
      const answer = await agent.get(path);
      expect(answer.status, path).toBe(200);
      expect(answer.headers['content-type']).toMatch(/text\/html/);
      expect(answer.headers['cache-control']).toBe('no-store');
    }
    const css = await agent.get('/console/static/console.css');
    expect(css.headers['content-type']).toMatch(/text\/css/);
    const out = await agent.post('/console/logout').type('form').send({ csrf });
    expect(out.status).toBe(303);
    expect((await agent.get('/console/customers')).headers.location).toBe('/console/login');
  });
});
