// The internal port's validation and error answers (/send, /receive,
// /allow_access, /remove_access) and the external SEP-4 GET /tx_status (§7.8 SE-1,
// §7.10 RC-1 and TS-1).
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Keypair } from '@stellar/stellar-sdk';
import { databaseLegs } from '@anchor/support/testing';
import { MESSAGES } from '@anchor/protocol';
import { startBank, type Bank } from './support/bank.js';
import { get, postForm, rows, startWorld, TX_STATUS_AUTH, type World } from './support/world.js';

const SOURCE = Keypair.random().publicKey();
const ISSUER = Keypair.random().publicKey();
let counter = 0;

describe.each(databaseLegs())('internal API and tx_status on $type', (leg) => {
  let w: World;
  let quiet: Bank; // tx_status_auth but no tx_status callback

  beforeAll(async () => {
    if (leg.unavailable) return;
    w = await startWorld(leg);
    const database = await leg.create();
    quiet = await startBank({
      name: 'quiet',
      database,
      callbacksServer: w.callbacks,
      txStatusAuth: TX_STATUS_AUTH,
    });
    const close = quiet.close.bind(quiet);
    quiet.close = async () => {
      await close();
      await database.drop();
    };
  });
  afterAll(async () => {
    await quiet?.close();
    await w?.close();
  });
  beforeEach(() => {
    if (leg.unavailable) return;
    w.callbacks.reset();
    w.callbacks.always('/a/fetch_info', { status: 200, body: '{"first_name":"Alice"}' });
    w.callbacks.always('/b/sanctions', { status: 200 });
    w.b.publishToml();
    w.a.publishToml();
    w.clearTomlCaches();
  });

  const validSend = (): Record<string, string> => ({
    id: `req-${Date.now()}-${++counter}`,
    source: SOURCE,
    sender: `alice*${w.a.domain}`,
    destination: `bob*${w.b.domain}`,
    amount: '10',
  });
  const send = (form: Record<string, string>) => postForm(`${w.a.internal.url}/send`, form);
  const without = (form: Record<string, string>, key: string) => {
    const copy = { ...form };
    delete copy[key];
    return copy;
  };

  describe('/send validation (form keys, fixed order)', () => {
    it.skipIf(leg.unavailable)('SE-1: missing id / source, invalid source', async () => {
      const missingId = await send(without(validSend(), 'id'));
      expect([missingId.status, missingId.json()]).toEqual([
        400,
        { code: 'missing_parameter', message: 'Required parameter is missing.', data: { name: 'id' } },
      ]);
      const missingSource = await send(without(validSend(), 'source'));
      expect(missingSource.json()).toMatchObject({ code: 'missing_parameter', data: { name: 'source' } });
      const badSource = await send({ ...validSend(), source: 'bad' });
      expect([badSource.status, badSource.json()]).toEqual([
        400,
        {
          code: 'invalid_parameter',
          message: 'Invalid parameter.',
          more_info: MESSAGES.accountId,
          data: { name: 'source' },
        },
      ]);
    });

    it.skipIf(leg.unavailable)(
      'every other parameter, and the first failing one is the one reported',
      async () => {
        const cases: [Record<string, string>, string, string][] = [
          [{ sender: 'alice' }, 'invalid_parameter', 'sender'],
          [{ destination: '' }, 'missing_parameter', 'destination'],
          [{ destination: SOURCE }, 'invalid_parameter', 'destination'],
          [{ amount: '' }, 'missing_parameter', 'amount'],
          [{ amount: '1.12345678' }, 'invalid_parameter', 'amount'],
          [{ amount: '-5' }, 'invalid_parameter', 'amount'],
          [{ asset_code: 'USD' }, 'missing_parameter', 'asset_issuer'],
          [{ asset_issuer: ISSUER }, 'missing_parameter', 'asset_code'],
          [{ asset_code: 'USD', asset_issuer: 'GBAD' }, 'invalid_parameter', 'asset_issuer'],
          [{ asset_code: 'TOO_LONG_CODE_X', asset_issuer: ISSUER }, 'invalid_parameter', 'asset_code'],
          [{ send_max: 'lots' }, 'invalid_parameter', 'send_max'],
          [{ send_max: '5', send_asset_code: 'EUR' }, 'missing_parameter', 'send_asset_issuer'],
          [
            { send_max: '5', 'path[0][asset_code]': 'EUR', 'path[0][asset_issuer]': 'nope' },
            'invalid_parameter',
            'path[0][asset_issuer]',
          ],
          // several bad at once: source comes first, then amount before asset
          [{ source: 'bad', amount: 'x' }, 'invalid_parameter', 'source'],
          [{ amount: 'x', asset_code: '!!', asset_issuer: 'x' }, 'invalid_parameter', 'amount'],
        ];
        for (const [patch, code, name] of cases) {
          const res = await send({ ...validSend(), ...patch });
          expect([res.status, res.json()], JSON.stringify(patch)).toEqual([
            400,
            expect.objectContaining({ code, data: { name } }),
          ]);
        }
        expect(await rows(w.a, 'auth_data')).toHaveLength(0);
        expect(w.callbacks.received).toHaveLength(0);
      },
    );
  });

  describe('/send failures on the way', () => {
    it.skipIf(leg.unavailable)(
      'unknown federation name, or destination domain without stellar.toml → cannot_resolve_destination',
      async () => {
        const unknown = await send({ ...validSend(), destination: `nobody*${w.b.domain}` });
        expect(unknown.status).toBe(400);
        expect(unknown.json()).toMatchObject({
          code: 'cannot_resolve_destination',
          message: 'Cannot resolve destination.',
        });

        w.b.web.toml = { kind: 'status', status: 404 };
        w.clearTomlCaches();
        const noToml = await send(validSend());
        expect(noToml.json()).toMatchObject({ code: 'cannot_resolve_destination' });
        expect(await rows(w.a, 'auth_data')).toHaveLength(0);
      },
    );

    it.skipIf(leg.unavailable)(
      'destination stellar.toml without AUTH_SERVER → auth_server_not_defined',
      async () => {
        w.b.publishToml({ AUTH_SERVER: undefined });
        w.clearTomlCaches();
        const res = await send(validSend());
        expect([res.status, res.json()]).toEqual([
          400,
          { code: 'auth_server_not_defined', message: 'No AUTH_SERVER defined in stellar.toml file.' },
        ]);
      },
    );

    it.skipIf(leg.unavailable)(
      'the receiver answers 400 (it cannot verify us) → 500 auth_server_error',
      async () => {
        w.a.web.toml = { kind: 'status', status: 404 }; // B cannot fetch A's stellar.toml
        const res = await send(validSend());
        expect(res.status).toBe(500);
        const body = res.json() as { code: string; more_info: string };
        expect(body.code).toBe('auth_server_error');
        expect(body.more_info).toMatch(/HTTP 400/);
        expect(body.more_info).toMatch(/data\.sender/);
      },
    );

    it.skipIf(leg.unavailable)(
      'our fetch_info answers something that is not a flat JSON object → 500 callback_failed',
      async () => {
        const before = (await rows(w.a, 'auth_data')).length;
        for (const body of ['<html>', '["a"]', '{"age":42}']) {
          w.callbacks.once('/a/fetch_info', { status: 200, body });
          const res = await send(validSend());
          expect(res.status).toBe(500);
          expect(res.json()).toMatchObject({
            code: 'callback_failed',
            message: 'The fetch_info callback failed.',
          });
        }
        expect(await rows(w.a, 'auth_data')).toHaveLength(before);
      },
    );
  });

  describe('/receive', () => {
    it.skipIf(leg.unavailable)(
      'RC-1: missing memo → 400; unknown memo → 404 transaction_not_found (exact body)',
      async () => {
        const missing = await postForm(`${w.b.internal.url}/receive`, {});
        expect(missing.json()).toEqual({
          code: 'missing_parameter',
          message: 'Required parameter is missing.',
          data: { name: 'memo' },
        });
        const unknown = await postForm(`${w.b.internal.url}/receive`, {
          memo: Buffer.alloc(32).toString('base64'),
        });
        expect(unknown.status).toBe(404);
        expect(unknown.text).toBe(
          '{\n  "code": "transaction_not_found",\n  "message": "Transaction not found."\n}',
        );
      },
    );

    it.skipIf(leg.unavailable)('RC-1: a known memo → 200 {"data": <raw auth data>} indented', async () => {
      await w.b.services.store.insertAuthorizedTransaction({
        transactionId: 'ab'.repeat(32),
        memo: 'bWVtbw==',
        transactionXdr: 'AAAA',
        authorizedAt: new Date(),
        data: 'hello world',
      });
      const res = await postForm(`${w.b.internal.url}/receive`, { memo: 'bWVtbw==' });
      expect([res.status, res.text]).toEqual([200, '{\n  "data": "hello world"\n}']);
    });
  });

  describe('/allow_access and /remove_access', () => {
    it.skipIf(leg.unavailable)(
      'validate their parameters, refuse a duplicate with 409, and remove idempotently',
      async () => {
        const url = `${w.b.internal.url}/allow_access`;
        const pk = Keypair.random().publicKey();
        expect((await postForm(url, { domain: 'x.com', public_key: pk })).json()).toMatchObject({
          data: { name: 'name' },
        });
        expect((await postForm(url, { name: 'X', public_key: pk })).json()).toMatchObject({
          data: { name: 'domain' },
        });
        expect(
          (await postForm(url, { name: 'X', domain: 'not a domain', public_key: pk })).json(),
        ).toMatchObject({
          code: 'invalid_parameter',
          data: { name: 'domain' },
        });
        expect(
          (await postForm(url, { name: 'X', domain: 'x.com', public_key: 'G123' })).json(),
        ).toMatchObject({
          code: 'invalid_parameter',
          data: { name: 'public_key' },
        });
        expect((await postForm(url, { name: 'X', domain: 'x.com', public_key: pk })).status).toBe(200);
        const again = await postForm(url, { name: 'X', domain: 'x.com', public_key: pk });
        expect([again.status, (again.json() as { code: string }).code]).toEqual([409, 'already_allowed']);
        expect((await rows(w.b, 'allowed_fi')).filter((r) => r.domain === 'x.com')).toHaveLength(1);

        const remove = `${w.b.internal.url}/remove_access`;
        expect((await postForm(remove, {})).json()).toMatchObject({
          code: 'missing_parameter',
          data: { name: 'domain' },
        });
        expect((await postForm(remove, { domain: 'x.com' })).status).toBe(200);
        expect((await postForm(remove, { domain: 'x.com' })).status).toBe(200);
        expect((await rows(w.b, 'allowed_fi')).filter((r) => r.domain === 'x.com')).toHaveLength(0);
      },
    );
  });

  describe('GET /tx_status (SEP-4)', () => {
    const basic = (user: string, password: string) => ({
      Authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`,
    });
    const good = () => basic(TX_STATUS_AUTH.username, TX_STATUS_AUTH.password);

    it.skipIf(leg.unavailable)(
      'TS-1: without or with wrong credentials → 401; without id → 400',
      async () => {
        const none = await get(`${w.b.external.url}/tx_status?id=abc`);
        expect(none.status).toBe(401);
        expect(none.headers.get('www-authenticate')).toMatch(/^Basic/);
        const wrong = await get(
          `${w.b.external.url}/tx_status?id=abc`,
          basic(TX_STATUS_AUTH.username, 'wrong'),
        );
        expect(wrong.status).toBe(401);
        const noId = await get(`${w.b.external.url}/tx_status`, good());
        expect([noId.status, noId.json()]).toEqual([
          400,
          { code: 'missing_parameter', message: 'Required parameter is missing.', data: { name: 'id' } },
        ]);
        expect(w.callbacks.received).toHaveLength(0);
      },
    );

    it.skipIf(leg.unavailable)(
      'TS-1: no tx_status callback → unknown; tx_status not configured → 404',
      async () => {
        const res = await get(`${quiet.external.url}/tx_status?id=abc`, good());
        expect([res.status, res.text]).toEqual([200, '{"status":"unknown"}\n']);
        const c = await get(`${w.c.external.url}/tx_status?id=abc`, good());
        expect(c.status).toBe(404);
      },
    );

    it.skipIf(leg.unavailable)(
      'TS-1: callback 400 → unknown, {} → unknown, delivered → passed through',
      async () => {
        const cases: [number, string, string][] = [
          [400, '{"status":"delivered"}', '{"status":"unknown"}\n'],
          [200, '{}', '{"status":"unknown"}\n'],
          [200, '{"status":"delivered","msg":"cash paid"}', '{"status":"delivered","msg":"cash paid"}\n'],
        ];
        for (const [status, body, expected] of cases) {
          w.callbacks.once('/b/tx_status', { status, body });
          const res = await get(`${w.b.external.url}/tx_status?id=abc123`, good());
          expect([res.status, res.text]).toEqual([200, expected]);
        }
        expect(w.callbacks.requests('/b/tx_status').map((r) => [r.method, r.query])).toEqual(
          cases.map(() => ['GET', { id: 'abc123' }]),
        );
      },
    );

    it.skipIf(leg.unavailable)('a tx_status callback answering garbage → 500 callback_failed', async () => {
      w.callbacks.once('/b/tx_status', { status: 200, body: 'garbage' });
      const res = await get(`${w.b.external.url}/tx_status?id=abc`, good());
      expect([res.status, (res.json() as { code: string }).code]).toEqual([500, 'callback_failed']);
    });
  });
});
