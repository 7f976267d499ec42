// Every callback's contract on a real database (SQLite, MariaDB, PostgreSQL when found).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import request from 'supertest';
import { databaseLegs } from '@anchor/support/testing';
import { seedCustomers } from '../src/sample.js';
import {
  ALICE,
  BOB,
  DOMAIN,
  ISSUER,
  encodeForm,
  receiveFields,
  sign,
  startHarness,
  type Harness,
} from './helpers.js';
import { Keypair } from '@stellar/stellar-sdk';

const FORM = 'application/x-www-form-urlencoded';

describe.each(databaseLegs())('callbacks on $type', (leg) => {
  let h: Harness;

  beforeAll(async () => {
    if (leg.unavailable) return;
    h = await startHarness(leg, 30);
    await seedCustomers(h.deps.customers, [ALICE, BOB]);
  });
  afterAll(async () => {
    await h?.close();
  });

  const balanceOf = async (route: string) => {
    const customer = (await h.deps.customers.list()).find((c) => c.route === route);
    return customer?.balances ?? [];
  };

  const postReceive = (fields: Record<string, string>, mac?: string | null, path = '/receive') => {
    const body = encodeForm(fields);
    const req = request(h.app).post(path).set('Content-Type', FORM);
    if (mac !== null) req.set('X-Payload-Mac', mac ?? sign(body));
    return req.send(body);
  };

  describe.skipIf(leg.unavailable)('POST /receive', () => {
    it('credits the customer of the route once, however often the payment is delivered', async () => {
      const fields = receiveFields({ id: 'op-three-times', amount: '10.5' });
      const answers = [];
      for (let i = 0; i < 3; i++) answers.push(await postReceive(fields));
      expect(answers.map((a) => a.status)).toEqual([200, 200, 200]);
      expect(answers.map((a) => a.body.status)).toEqual(['credited', 'already_credited', 'already_credited']);
      expect(answers[0]?.body.customer).toBe(`alice*${DOMAIN}`);
      expect(await balanceOf('1001')).toEqual([
        { asset_code: 'USD', asset_issuer: ISSUER, balance: '10.5000000' },
      ]);
      const [payment] = (await h.deps.payments.listIncoming(100)).filter(
        (p) => p.payment_id === 'op-three-times',
      );
      expect(payment?.deliveries).toBe(3);
      expect(payment?.status).toBe('credited');
    });

    it('credits once when the same payment arrives concurrently', async () => {
      const before = await balanceOf('1001');
      const fields = receiveFields({ id: 'op-concurrent', amount: '1.0000001' });
      const answers = await Promise.all(Array.from({ length: 8 }, () => postReceive(fields)));
      expect(answers.every((a) => a.status === 200)).toBe(true);
      expect(answers.filter((a) => a.body.status === 'credited')).toHaveLength(1);
      const after = await balanceOf('1001');
      const usd = (list: typeof after) => list.find((b) => b.asset_code === 'USD')?.balance;
      expect(usd(before)).toBe('10.5000000');
      expect(usd(after)).toBe('11.5000001');
    });

    it('adds distinct concurrent payments exactly (BigInt stroops, no lost update)', async () => {
      const answers = await Promise.all(
        Array.from({ length: 6 }, (_, i) =>
          postReceive(
            receiveFields({
              id: `op-parallel-${i}`,
              route: '1002',
              amount: '0.1',
              asset_code: '',
              asset_issuer: '',
            }),
          ),
        ),
      );
      expect(answers.map((a) => a.body.status)).toEqual(Array(6).fill('credited'));
      expect(await balanceOf('1002')).toEqual([
        { asset_code: 'XLM', asset_issuer: '', balance: '0.6000000' },
      ]);
    });

    it('refuses a missing or wrong MAC with 403 and credits nothing', async () => {
      const fields = receiveFields({ id: 'op-bad-mac', amount: '99' });
      const body = encodeForm(fields);
      const missing = await postReceive(fields, null);
      const wrongKey = await postReceive(fields, sign(body, Keypair.random().secret()));
      const tampered = await postReceive({ ...fields, amount: '990' }, sign(body));
      const garbage = await postReceive(fields, 'not base64 at all');
      for (const answer of [missing, wrongKey, tampered, garbage]) {
        expect(answer.status).toBe(403);
        expect(answer.body).toEqual({ code: 'forbidden', message: 'Missing or invalid X-Payload-Mac.' });
      }
      expect((await h.deps.payments.listIncoming(100)).some((p) => p.payment_id === 'op-bad-mac')).toBe(
        false,
      );
      expect((await balanceOf('1001')).find((b) => b.asset_code === 'USD')?.balance).toBe('11.5000001');
    });

    it('accepts the legacy X_PAYLOAD_MAC header too', async () => {
      const body = encodeForm(receiveFields({ id: 'op-legacy-header', amount: '1' }));
      const answer = await request(h.app)
        .post('/receive')
        .set('Content-Type', FORM)
        .set('X_PAYLOAD_MAC', sign(body))
        .send(body);
      expect(answer.status).toBe(200);
      expect(answer.body.status).toBe('credited');
    });

    it.each([
      [{ id: '' }, 'missing_parameter', 'id'],
      [{ amount: '' }, 'missing_parameter', 'amount'],
      [{ amount: '-1' }, 'invalid_parameter', 'amount'],
      [{ amount: '1.12345678' }, 'invalid_parameter', 'amount'],
      [{ amount: 'ten' }, 'invalid_parameter', 'amount'],
      [{ asset_code: 'USD', asset_issuer: '' }, 'invalid_parameter', 'asset_issuer'],
      [{ asset_code: 'TOOLONGASSETCODE' }, 'invalid_parameter', 'asset_code'],
      [{ asset_issuer: 'GNOTANISSUER' }, 'invalid_parameter', 'asset_issuer'],
      [{ from: 'nobody' }, 'invalid_parameter', 'from'],
      [{ transaction_id: 'xyz' }, 'invalid_parameter', 'transaction_id'],
    ])('answers a malformed body %j with 400 %s naming the field', async (override, code, name) => {
      const answer = await postReceive(receiveFields({ id: 'op-malformed', ...override }));
      expect(answer.status).toBe(400);
      expect(answer.headers['content-type']).toMatch(/application\/json/);
      expect(answer.body).toMatchObject({ code, data: { name } });
    });

    it('answers a signed JSON body (only forms are documented) with 415 JSON', async () => {
      const body = JSON.stringify(receiveFields({ id: 'op-json' }));
      const answer = await request(h.app)
        .post('/receive')
        .set('Content-Type', 'application/json')
        .set('X-Payload-Mac', sign(body))
        .send(body);
      expect(answer.status).toBe(415);
      expect(answer.body.code).toBe('unsupported_media_type');
    });

    it('answers an oversized body with 413 JSON', async () => {
      const body = encodeForm(receiveFields({ id: 'op-huge', data: 'x'.repeat(200_000) }));
      const answer = await request(h.app)
        .post('/receive')
        .set('Content-Type', FORM)
        .set('X-Payload-Mac', sign(body))
        .send(body);
      expect(answer.status).toBe(413);
      expect(answer.body.code).toBe('request_too_large');
    });

    it('keeps a payment for an unknown route visible with 404 and credits it once the route exists', async () => {
      const fields = receiveFields({ id: 'op-unknown-route', route: '4242', amount: '3' });
      const first = await postReceive(fields);
      expect(first.status).toBe(404);
      expect(first.body).toMatchObject({ code: 'unknown_route', data: { route: '4242' } });
      expect((await postReceive(fields)).status).toBe(404);
      const recorded = (await h.deps.payments.listIncoming(100)).find(
        (p) => p.payment_id === 'op-unknown-route',
      );
      expect(recorded).toMatchObject({ status: 'unrouted', deliveries: 2, customer_id: null });

      await seedCustomers(h.deps.customers, [
        { ...ALICE, name: 'dave', route: '4242', email: 'dave@example.com' },
      ]);
      const answers = await Promise.all([postReceive(fields), postReceive(fields)]);
      expect(answers.map((a) => a.status)).toEqual([200, 200]);
      expect(answers.map((a) => a.body.status).sort()).toEqual(['already_credited', 'credited']);
      expect(await balanceOf('4242')).toEqual([
        { asset_code: 'USD', asset_issuer: ISSUER, balance: '3.0000000' },
      ]);
    });

    it('answers an empty route with 404 too', async () => {
      const answer = await postReceive(receiveFields({ id: 'op-no-route', route: '' }));
      expect(answer.status).toBe(404);
    });
  });

  describe.skipIf(leg.unavailable)('POST /error', () => {
    it('records a rejected payment once for the operator, MAC checked', async () => {
      const fields = {
        ...receiveFields({ id: 'op-rejected', asset_code: 'EUR' }),
        error: 'Asset not allowed',
      };
      expect((await postReceive(fields, null, '/error')).status).toBe(403);
      const first = await postReceive(fields, undefined, '/error');
      const again = await postReceive(fields, undefined, '/error');
      expect([first.status, again.status]).toEqual([200, 200]);
      expect([first.body.status, again.body.status]).toEqual(['recorded', 'already_recorded']);
      const [rejected] = (await h.deps.payments.listRejected(10)).filter(
        (r) => r.payment_id === 'op-rejected',
      );
      expect(rejected).toMatchObject({ reason: 'Asset not allowed', deliveries: 2, asset_code: 'EUR' });
      expect(JSON.parse(rejected?.fields ?? '{}')).toMatchObject({
        id: 'op-rejected',
        error: 'Asset not allowed',
      });
    });

    it('credits a payment whose id repeats one from before a network reset (other transaction_id); a real redelivery still not', async () => {
      const usd = async () => (await balanceOf('1001')).find((b) => b.asset_code === 'USD')?.balance;
      const before = await usd();
      const first = receiveFields({
        id: 'op-reused-after-reset',
        amount: '2',
        transaction_id: 'c1'.repeat(32),
      });
      // The same operation id on the reset network: another transaction.
      const afterReset = { ...first, amount: '3', transaction_id: 'c2'.repeat(32) };
      const answers = [];
      for (const fields of [first, first, afterReset, afterReset]) answers.push(await postReceive(fields));
      expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200]);
      expect(answers.map((a) => a.body.status)).toEqual([
        'credited',
        'already_credited',
        'credited',
        'already_credited',
      ]);
      expect(Number(await usd()) - Number(before)).toBeCloseTo(5, 7);
      const rows = (await h.deps.payments.listIncoming(100)).filter(
        (p) => p.payment_id === 'op-reused-after-reset',
      );
      expect(rows.map((r) => [r.transaction_id, r.deliveries]).sort()).toEqual([
        ['c1'.repeat(32), 2],
        ['c2'.repeat(32), 2],
      ]);
      // A rejected payment with a reused id is recorded again too.
      const rejected = { ...first, asset_code: 'EUR', error: 'Asset not allowed' };
      const r1 = await postReceive(rejected, undefined, '/error');
      const r2 = await postReceive({ ...rejected, transaction_id: 'c3'.repeat(32) }, undefined, '/error');
      expect([r1.body.status, r2.body.status]).toEqual(['recorded', 'recorded']);
    });

    it('needs an id', async () => {
      const answer = await postReceive({ error: 'x' }, undefined, '/error');
      expect(answer.status).toBe(400);
      expect(answer.body).toMatchObject({ code: 'missing_parameter', data: { name: 'id' } });
    });
  });

  describe.skipIf(leg.unavailable)('POST /sanctions', () => {
    const screen = (sender: unknown) =>
      request(h.app)
        .post('/sanctions')
        .type('form')
        .send({ sender: typeof sender === 'string' ? sender : JSON.stringify(sender) });

    it('lets a sender who is not listed through with 200', async () => {
      const answer = await screen({ first_name: 'Aldi', last_name: 'Dobbs', country: 'US' });
      expect(answer.status).toBe(200);
    });

    it('denies an exact match with 403, in any name order, case, accents or punctuation', async () => {
      for (const sender of [
        { first_name: 'Ivan', middle_name: 'Petrovich', last_name: 'Volkov' },
        { first_name: 'KHALID', last_name: 'al-Rashid' },
        { first_name: 'Hans Dieter', last_name: 'Muller' },
        { company_name: 'Blackwater Harbour Trading, LLC' },
        { first_name: 'Ivan', last_name: 'Volkoff' }, // an alias from alt.csv
      ]) {
        const answer = await screen(sender);
        expect(answer.status, JSON.stringify(sender)).toBe(403);
      }
    });

    it('holds a close match pending until an operator clears it, then answers 200', async () => {
      const sender = { first_name: 'Petra', last_name: 'Nowak', date_of_birth: '1980-01-01' };
      const first = await screen(sender);
      expect(first.status).toBe(202);
      expect(first.body).toEqual({ pending: 30 });
      expect((await screen(sender)).status).toBe(202);
      const hits = await h.deps.sanctions.list();
      const hit = hits.find((x) => x.screened_name === 'Petra Nowak');
      expect(hit).toMatchObject({ kind: 'fuzzy', status: 'pending', entry_id: '9006' });
      expect(await h.deps.sanctions.decide(hit!.id, 'cleared')).toBe(true);
      expect((await screen(sender)).status).toBe(200);
    });

    it('holds a partial name pending and refuses it with 403 once confirmed', async () => {
      const sender = { first_name: 'Carla', last_name: 'Morales' };
      expect((await screen(sender)).status).toBe(202);
      const hit = (await h.deps.sanctions.list()).find((x) => x.screened_name === 'Carla Morales');
      await h.deps.sanctions.decide(hit!.id, 'confirmed');
      expect((await screen(sender)).status).toBe(403);
    });

    it.each([
      ['', 'missing_parameter'],
      ['not json', 'invalid_parameter'],
      ['[1,2]', 'invalid_parameter'],
      ['{"first_name": 7}', 'invalid_parameter'],
      ['{"country": "US"}', 'invalid_parameter'],
    ])('answers sender %j with 400 and an error text', async (sender, code) => {
      const answer = await screen(sender);
      expect(answer.status).toBe(400);
      expect(answer.body).toMatchObject({ code, data: { name: 'sender' } });
      expect(answer.body.error).toEqual(expect.stringContaining('sender'));
    });
  });

  describe.skipIf(leg.unavailable)('POST /ask_user', () => {
    const ask = (fields: Record<string, string>) =>
      request(h.app)
        .post('/ask_user')
        .type('form')
        .send({
          amount: '25',
          asset_code: 'USD',
          asset_issuer: ISSUER,
          sender: JSON.stringify({ first_name: 'Aldi', last_name: 'Dobbs' }),
          note: 'rent',
          ...fields,
        });

    it('answers 200 for a customer whose details are public', async () => {
      expect((await ask({ route: '1001' })).status).toBe(200);
    });

    it('answers 200 for an allowed institution or an allowed user of one', async () => {
      expect((await ask({ route: '1002', sender_address: 'anyone*trusted-bank.test' })).status).toBe(200);
      expect((await ask({ route: '1002', sender_address: 'carol*bank-a.test' })).status).toBe(200);
    });

    it('records a request and answers 202 until the decision, then 200 (approved) or 403 (denied)', async () => {
      const approveMe = { route: '1002', sender_address: 'aldi*bank-a.test' };
      const first = await ask(approveMe);
      expect(first.status).toBe(202);
      expect(first.body).toEqual({ pending: 30 });
      expect((await ask(approveMe)).status).toBe(202);
      const denyMe = { route: '1002', sender_address: 'aldi*bank-a.test', amount: '26' };
      expect((await ask(denyMe)).status).toBe(202);

      const pending = await h.deps.approvals.pending();
      expect(pending).toHaveLength(2);
      const byAmount = (amount: string) => pending.find((p) => p.amount === amount)!;
      expect(byAmount('25.0000000')).toMatchObject({
        customer_name: `bob*${DOMAIN}`,
        sender_name: 'Aldi Dobbs',
        sender_address: 'aldi*bank-a.test',
        note: 'rent',
      });
      expect(await h.deps.approvals.decide(byAmount('25.0000000').id, 'approved')).toBe(true);
      expect(await h.deps.approvals.decide(byAmount('26.0000000').id, 'denied')).toBe(true);
      expect(await h.deps.approvals.decide(byAmount('26.0000000').id, 'approved')).toBe(false);

      expect((await ask(approveMe)).status).toBe(200);
      expect((await ask(denyMe)).status).toBe(403);
      expect(await h.deps.approvals.countPending()).toBe(0);
    });

    it('asks again for a different payment from the same sender', async () => {
      expect((await ask({ route: '1002', sender_address: 'aldi*bank-a.test', note: 'another' })).status).toBe(
        202,
      );
    });

    it.each([
      [{ route: '' }, 'missing_parameter', 'route'],
      [{ route: '999999' }, 'invalid_parameter', 'route'],
      [{ route: '1001', sender: '' }, 'missing_parameter', 'sender'],
      [{ route: '1001', sender: '{' }, 'invalid_parameter', 'sender'],
      [{ route: '1001', amount: '1e5' }, 'invalid_parameter', 'amount'],
      [{ route: '1001', asset_issuer: '' }, 'invalid_parameter', 'asset_issuer'],
      [{ route: '1001', sender_address: 'no-star' }, 'invalid_parameter', 'sender_address'],
    ])('answers %j with 400 naming the field', async (fields, code, name) => {
      const answer = await ask(fields);
      expect(answer.status).toBe(400);
      expect(answer.body).toMatchObject({ code, data: { name } });
      expect(typeof answer.body.error).toBe('string');
    });
  });

  describe.skipIf(leg.unavailable)('POST /fetch_info', () => {
    const fetchInfo = (address?: string) =>
      request(h.app)
        .post('/fetch_info')
        .type('form')
        .send(address === undefined ? {} : { address });

    it('answers our customer by stellar address (sending side) as a flat object of strings', async () => {
      const answer = await fetchInfo(`Alice*${DOMAIN.toUpperCase()}`);
      expect(answer.status).toBe(200);
      expect(answer.body).toEqual({
        first_name: 'Alice',
        last_name: 'Martin',
        address: '12 Market Street',
        city: 'San Francisco',
        country: 'US',
        email: 'alice@example.com',
        date_of_birth: '1985-04-12',
      });
      expect(Object.values(answer.body).every((v) => typeof v === 'string')).toBe(true);
    });

    it('answers by route (receiving side)', async () => {
      const answer = await fetchInfo('1002');
      expect(answer.status).toBe(200);
      expect(answer.body).toMatchObject({ first_name: 'Bob', last_name: 'Okafor', country: 'NG' });
    });

    it('answers 404 JSON for an unknown customer and 400 without an address', async () => {
      const unknown = await fetchInfo(`nobody*${DOMAIN}`);
      expect(unknown.status).toBe(404);
      expect(unknown.body.code).toBe('customer_not_found');
      const missing = await fetchInfo();
      expect(missing.status).toBe(400);
      expect(missing.body).toMatchObject({ code: 'missing_parameter', data: { name: 'address' } });
    });
  });

  describe.skipIf(leg.unavailable)('GET /tx_status', () => {
    it('answers delivered for a credited payment, pending for an unrouted one, failed for a rejected one', async () => {
      const delivered = '12'.repeat(32);
      await postReceive(receiveFields({ id: 'op-delivered-status', transaction_id: delivered }));
      const pendingTx = 'cd'.repeat(32);
      const failedTx = 'ef'.repeat(32);
      await postReceive(receiveFields({ id: 'op-unrouted-status', route: '777', transaction_id: pendingTx }));
      await postReceive(
        {
          ...receiveFields({ id: 'op-failed-status', transaction_id: failedTx }),
          error: 'Asset not allowed',
        },
        undefined,
        '/error',
      );
      const status = (id: string) => request(h.app).get('/tx_status').query({ id });
      expect((await status(delivered)).body).toEqual({
        status: 'delivered',
        msg: "credited to the recipient's account",
      });
      expect((await status(pendingTx.toUpperCase())).body.status).toBe('pending');
      expect((await status(failedTx)).body).toEqual({ status: 'failed', msg: 'Asset not allowed' });
      expect((await status('00'.repeat(32))).body).toEqual({ status: 'unknown' });
    });

    it('answers 400 without an id or with a malformed one', async () => {
      const missing = await request(h.app).get('/tx_status');
      expect(missing.status).toBe(400);
      expect(missing.body).toMatchObject({ code: 'missing_parameter', data: { name: 'id' } });
      expect((await request(h.app).get('/tx_status?id=zz')).status).toBe(400);
    });
  });

  describe.skipIf(leg.unavailable)('robustness', () => {
    it('answers garbage of every kind with JSON and no 500', async () => {
      const paths = ['/receive', '/error', '/sanctions', '/ask_user', '/fetch_info'];
      const bodies: [string, string][] = [
        ['application/x-www-form-urlencoded', '%%%&&&==='],
        ['application/json', '{"broken":'],
        ['text/plain', '\u0000\u0001binary'],
        ['application/x-www-form-urlencoded', 'sender=%7B%22a%22%3A%5B%5D%7D&address=%00'],
        ['application/x-www-form-urlencoded', 'sender=%7B%22first_name%22%3A%22a%5Cu0000b%22%7D&route=%00'],
      ];
      for (const path of paths) {
        for (const [type, body] of bodies) {
          const answer = await request(h.app).post(path).set('Content-Type', type).send(body);
          expect(answer.status, `${path} ${body}`).toBeLessThan(500);
          expect(answer.headers['content-type']).toMatch(/json/);
        }
      }
    });
  });
});
