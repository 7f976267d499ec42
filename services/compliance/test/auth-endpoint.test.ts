// The external auth endpoint (POST /) of a receiving bank, driven with requests
// signed as the sending bank (whose stellar.toml is served over HTTP): every
// scenario of §7.9 and the bad-input list of issue #4.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Account, Asset, Keypair, Memo, Operation, TransactionBuilder } from '@stellar/stellar-sdk';
import { databaseLegs } from '@anchor/support/testing';
import {
  attachmentMemoHashBase64,
  authTransactionHash,
  createAuthRequest,
  encodeAuthRequest,
  type AuthData,
} from '@anchor/protocol';
import { CALLBACK_ERROR_TEXT } from '../src/services/auth.service.js';
import { buildAuthRequest, freshNonce, type AuthRequestInput } from './support/auth-requests.js';
import { NETWORK_PASSPHRASE, startBank, type Bank } from './support/bank.js';
import { postForm, rows, startWorld, type World } from './support/world.js';

const OK = '{"info_status":"ok","tx_status":"ok"}';

describe.each(databaseLegs())('auth endpoint on $type', (leg) => {
  let w: World;
  let impatient: Bank; // a receiver with a 300 ms outbound timeout

  beforeAll(async () => {
    if (leg.unavailable) return;
    w = await startWorld(leg);
    const database = await leg.create();
    impatient = await startBank({
      name: 'impatient',
      database,
      callbacksServer: w.callbacks,
      timeoutMs: 300,
    });
    const close = impatient.close.bind(impatient);
    impatient.close = async () => {
      await close();
      await database.drop();
    };
  });
  afterAll(async () => {
    await impatient?.close();
    await w?.close();
  });
  beforeEach(() => {
    if (leg.unavailable) return;
    w.callbacks.reset();
    w.callbacks.always('/a/fetch_info', { status: 200, body: 'user data' });
    w.callbacks.always('/b/sanctions', { status: 200 });
    w.callbacks.always('/b/fetch_info', { status: 200, body: 'user data' });
    w.callbacks.always('/c/sanctions', { status: 200 });
    w.callbacks.always('/c/fetch_info', { status: 200, body: 'user data' });
    w.a.publishToml();
    w.clearTomlCaches();
    impatient?.services.tomlResolver.clearCache();
  });

  /** A request signed by bank A for its customer alice. */
  const fromA = (input: Partial<AuthRequestInput> = {}) =>
    buildAuthRequest({ seed: w.a.keypair.secret(), sender: `alice*${w.a.domain}`, ...input });
  const auth = (bank: Bank, body: string | Record<string, string>) => postForm(`${bank.external.url}/`, body);

  async function persistedCounts(bank: Bank): Promise<[number, number]> {
    return [(await rows(bank, 'authorized_transaction')).length, (await rows(bank, 'auth_nonce')).length];
  }

  /** Sends `body` to B and expects a 400 naming `name`, with nothing stored. */
  async function expectRejected(
    body: string | Record<string, string>,
    name: string,
    moreInfo?: RegExp | string,
  ) {
    const before = await persistedCounts(w.b);
    const res = await auth(w.b, body);
    expect(res.status).toBe(400);
    const json = res.json() as { code: string; message: string; more_info?: string; data?: { name: string } };
    expect(json).toMatchObject({ code: 'invalid_parameter', message: 'Invalid parameter.', data: { name } });
    if (moreInfo) expect(json.more_info).toMatch(moreInfo);
    expect(res.text).toContain('\n  "code": "invalid_parameter"'); // legacy indented error JSON
    expect(await persistedCounts(w.b)).toEqual(before);
    expect(w.callbacks.requests('/b/sanctions')).toHaveLength(0);
  }

  /**
   * Sends `body` to B and expects the Go validator's answer byte for byte: 400, Go's
   * `more_info` text, no `data` member, `<>&` escaped as Go's encoding/json did; nothing stored.
   */
  async function expectGoRejected(body: string | Record<string, string>, moreInfo: string) {
    const before = await persistedCounts(w.b);
    const res = await auth(w.b, body);
    expect(res.status).toBe(400);
    const goJson = JSON.stringify(
      { code: 'invalid_parameter', message: 'Invalid parameter.', more_info: moreInfo },
      null,
      2,
    ).replace(/[<>&]/g, (c) => `\\u00${c.charCodeAt(0).toString(16)}`);
    expect(res.text).toBe(goJson);
    expect(await persistedCounts(w.b)).toEqual(before);
    expect(w.callbacks.requests('/b/sanctions')).toHaveLength(0);
  }

  describe('bad input: 400 with the Go answer or naming the failing field, nothing persisted', () => {
    it.skipIf(leg.unavailable)('AU-1: no parameters at all', async () => {
      await expectGoRejected({}, 'DataJSON: non zero value required;Signature: non zero value required');
    });

    it.skipIf(leg.unavailable)('AU-1: data=hello world (not JSON)', async () => {
      await expectGoRejected(
        { data: 'hello world', sig: 'bad sig' },
        'DataJSON: hello world does not validate as json;Signature: bad sig does not validate as base64',
      );
    });

    it.skipIf(leg.unavailable)(
      'data is truncated JSON / a JSON array / has a wrongly typed field',
      async () => {
        const sig = fromA().sig;
        await expectGoRejected(
          { data: '{"sender":"alice*x.com",', sig },
          'DataJSON: {"sender":"alice*x.com", does not validate as json',
        );
        await expectGoRejected(
          { data: '[1,2]', sig },
          'Data is not valid JSON: json: cannot unmarshal array into Go value of type compliance.AuthData',
        );
        await expectGoRejected(
          { data: '{"sender":"alice*x.com","need_info":"yes"}', sig },
          'Data is not valid JSON: json: cannot unmarshal string into Go struct field AuthData.need_info of type bool',
        );
        await expectGoRejected(
          { data: '{"tx":{}}', sig },
          'Data is not valid JSON: json: cannot unmarshal object into Go struct field AuthData.tx of type string',
        );
        await expectGoRejected(
          { data: 'null', sig },
          'Invalid Data: sender: non zero value required;tx: non zero value required;attachment: non zero value required',
        );
      },
    );

    it.skipIf(leg.unavailable)('sig missing, or not base64', async () => {
      const { data } = fromA();
      await expectGoRejected({ data }, 'Signature: non zero value required');
      await expectGoRejected(
        { data, sig: 'not base64 at all!' },
        'Signature: not base64 at all! does not validate as base64',
      );
    });

    it.skipIf(leg.unavailable)(
      'data.sender is not a stellar address; data.tx and data.attachment garbled',
      async () => {
        const seed = w.a.keypair.secret();
        const good = fromA();
        const parsed = JSON.parse(good.data) as AuthData;
        const variant = (patch: Partial<AuthData>) =>
          createAuthRequest(seed, { ...parsed, ...patch }) as unknown as Record<string, string>;
        // The vector of Go's TestValidateError, all three fields at once.
        await expectGoRejected(
          variant({ sender: 'bartekstellar.org', tx: '&^%', attachment: 'abc' }),
          'Invalid Data: sender: bartekstellar.org does not validate as stellar_address;' +
            'tx: &^% does not validate as base64;attachment: abc does not validate as json',
        );
        await expectGoRejected(
          variant({ tx: Buffer.from('not xdr').toString('base64') }),
          'Invalid Data: Tx is invalid: the XDR does not decode as a Transaction',
        );
        // An attachment that is JSON but not of the attachment's shape: Go answered 500 here.
        const wrongShape = fromA({ attachmentText: '{"nonce":5}' });
        await expectRejected(wrongShape.body, 'data.attachment', /nonce/);
      },
    );

    it.skipIf(leg.unavailable)('AU-2: a signature by another key', async () => {
      const forged = fromA({ seed: Keypair.random().secret() });
      await expectRejected(forged.body, 'sig', 'Invalid signature.');
    });

    it.skipIf(leg.unavailable)(
      'a memo that does not hash to the attachment, and a tx without a hash memo',
      async () => {
        await expectGoRejected(
          fromA({ memoHash: Buffer.alloc(32, 7) }).body,
          'Invalid Data: Attachment preimage hash does not equal Memo.Hash in Tx',
        );

        const attachment =
          '{"nonce":"1","transaction":{"sender_info":null,"route":"","note":"","extra":""},"operations":null}';
        const source = Keypair.random().publicKey();
        const textMemoTx = new TransactionBuilder(new Account(source, '-1'), {
          fee: '100',
          networkPassphrase: NETWORK_PASSPHRASE,
          timebounds: { minTime: 0, maxTime: 0 },
          memo: Memo.text('hello'),
        })
          .addOperation(Operation.payment({ destination: source, asset: Asset.native(), amount: '1' }))
          .build()
          .toEnvelope()
          .v1()
          .tx()
          .toXDR('base64');
        const request = createAuthRequest(w.a.keypair.secret(), {
          sender: `alice*${w.a.domain}`,
          need_info: false,
          tx: textMemoTx,
          attachment,
        });
        await expectGoRejected(encodeAuthRequest(request), 'Invalid Data: Memo.Hash is nil');
      },
    );

    it.skipIf(leg.unavailable)('an attachment without a nonce', async () => {
      await expectRejected(fromA({ attachment: { nonce: '' } }).body, 'data.attachment', /nonce is required/);
    });

    it.skipIf(leg.unavailable)(
      'AU-3: sender stellar.toml without SIGNING_KEY, or with an invalid one',
      async () => {
        w.a.publishToml({ SIGNING_KEY: undefined });
        await expectRejected(fromA().body, 'data.sender', 'SIGNING_KEY in stellar.toml of sender is invalid');
        w.clearTomlCaches();
        w.a.publishToml({ SIGNING_KEY: 'GD3YBOYIUVLU' });
        await expectRejected(fromA().body, 'data.sender', 'SIGNING_KEY in stellar.toml of sender is invalid');
      },
    );

    it.skipIf(leg.unavailable)(
      'sender stellar.toml missing (404) or redirecting (302, not followed)',
      async () => {
        w.a.web.toml = { kind: 'status', status: 404 };
        await expectRejected(fromA().body, 'data.sender', /Cannot get stellar.toml of sender.*HTTP 404/);
        w.clearTomlCaches(); // a failure is remembered for a while
        w.a.web.toml = { kind: 'redirect', location: `http://${w.b.domain}/.well-known/stellar.toml` };
        const bRequestsBefore = w.b.web.tomlRequests;
        await expectRejected(fromA().body, 'data.sender', /Cannot get stellar.toml of sender.*redirect/);
        expect(w.b.web.tomlRequests).toBe(bRequestsBefore);
      },
    );

    it.skipIf(leg.unavailable)(
      'sender stellar.toml over 100 KiB: declared, or streamed without a length',
      async () => {
        w.a.web.toml = { kind: 'huge', bytes: 150 * 1024, chunked: false };
        await expectRejected(fromA().body, 'data.sender', /exceeds 102400 bytes/);
        w.clearTomlCaches();
        w.a.web.toml = { kind: 'huge', bytes: 4 * 1024 * 1024, chunked: true };
        await expectRejected(fromA().body, 'data.sender', /exceeds 102400 bytes/);
        // The reader gave up early: far less than the 4 MiB offered was ever written.
        expect(w.a.web.hugeBytesWritten).toBeLessThan(4 * 1024 * 1024);
      },
    );

    it.skipIf(leg.unavailable)('sender stellar.toml too slow (receiver timeout 300 ms)', async () => {
      w.a.web.toml = { kind: 'slow', delayMs: 3_000, text: 'SIGNING_KEY = "x"' };
      const res = await auth(impatient, fromA().body);
      expect(res.status).toBe(400);
      expect(res.json()).toMatchObject({ code: 'invalid_parameter', data: { name: 'data.sender' } });
      expect((res.json() as { more_info: string }).more_info).toMatch(/no response within 300 ms/);
      expect(await persistedCounts(impatient)).toEqual([0, 0]);
    });

    it.skipIf(leg.unavailable)(
      'an oversized body (> 100 KiB) is refused with 413 before any work',
      async () => {
        const before = await persistedCounts(w.b);
        const res = await auth(w.b, `data=${'a'.repeat(110 * 1024)}&sig=x`);
        expect(res.status).toBe(413);
        expect(res.json()).toEqual({ code: 'request_too_large', message: 'Request body is too large.' });
        expect(await persistedCounts(w.b)).toEqual(before);
      },
    );
  });

  describe('answers', () => {
    it.skipIf(leg.unavailable)(
      'AU-4: no callbacks, need_info false → 200 ok/ok and the transaction is stored',
      async () => {
        // Bank A has no sanctions/ask_user callbacks: as a receiver it accepts; N is the sender here.
        const request = buildAuthRequest({ seed: w.n.keypair.secret(), sender: `nina*${w.n.domain}` });
        const res = await auth(w.a, request.body);
        expect(res.status).toBe(200);
        expect(res.text).toBe(OK);
        expect(res.headers.get('content-type')).toMatch(/application\/json/);
        const stored = await rows(w.a, 'authorized_transaction');
        expect(stored).toHaveLength(1);
        expect(stored[0]).toMatchObject({
          transaction_id: authTransactionHash(request.tx, NETWORK_PASSPHRASE),
          memo: attachmentMemoHashBase64(request.attachment),
          transaction_xdr: request.tx,
          data: request.data,
        });
        expect(new Date(stored[0]?.authorized_at as string).getTime()).not.toBeNaN();
      },
    );

    it.skipIf(leg.unavailable)(
      'AU-5: the sanctions callback decides tx_status (403, 400, 202, 200)',
      async () => {
        const cases: [number, string, number, string][] = [
          [403, 'forbidden', 403, '{"info_status":"ok","tx_status":"denied"}'],
          [
            400,
            '{"error":"Invalid name"}',
            400,
            `{"info_status":"ok","tx_status":"error","error":"${CALLBACK_ERROR_TEXT}"}`,
          ],
          [202, 'pending', 202, '{"info_status":"ok","tx_status":"pending","pending":600}'],
          [202, '{"pending":3600}', 202, '{"info_status":"ok","tx_status":"pending","pending":3600}'],
          [200, '', 200, OK],
        ];
        for (const [status, body, expectedStatus, expectedBody] of cases) {
          w.callbacks.once('/b/sanctions', { status, body });
          const request = fromA();
          const res = await auth(w.b, request.body);
          expect([res.status, res.text]).toEqual([expectedStatus, expectedBody]);
          const stored = await w.b.services.store.findAuthorizedTransactionByMemo(
            attachmentMemoHashBase64(request.attachment),
          );
          expect(stored?.data).toBe(expectedStatus === 200 ? request.data : undefined);
        }
        const screened = w.callbacks.requests('/b/sanctions');
        expect(screened).toHaveLength(cases.length);
        expect(screened[0]?.form).toEqual({
          sender: '{"country":"US","first_name":"Alice","last_name":"Doe"}',
        });
      },
    );

    it.skipIf(leg.unavailable)(
      'AU-6: ask_user decides info_status (403, 400, 202 JSON, 202 text, 200 + fetch_info)',
      async () => {
        const cases: [number, string, number, string][] = [
          [403, '', 403, '{"info_status":"denied","tx_status":"ok"}'],
          [
            400,
            '{"error":"Invalid name"}',
            400,
            `{"info_status":"error","tx_status":"ok","error":"${CALLBACK_ERROR_TEXT}"}`,
          ],
          [202, '{"pending":300}', 202, '{"info_status":"pending","tx_status":"ok","pending":300}'],
          [202, 'not json', 202, '{"info_status":"pending","tx_status":"ok","pending":600}'],
          [200, '', 200, '{"info_status":"ok","tx_status":"ok","dest_info":"user data"}'],
        ];
        for (const [status, body, expectedStatus, expectedBody] of cases) {
          w.callbacks.once('/c/ask_user', { status, body });
          const res = await auth(w.c, fromA({ needInfo: true, amount: '20' }).body);
          expect([res.status, res.text]).toEqual([expectedStatus, expectedBody]);
        }
        const asked = w.callbacks.requests('/c/ask_user');
        expect(asked).toHaveLength(cases.length);
        expect(asked[0]?.form).toMatchObject({
          amount: '20.0000000',
          asset_code: 'USD',
          sender: '{"country":"US","first_name":"Alice","last_name":"Doe"}',
          note: 'rent',
        });
        expect(asked[0]?.form.asset_issuer).toMatch(/^G[A-Z2-7]{55}$/);
        expect(w.callbacks.requests('/c/fetch_info').map((r) => r.form)).toEqual([{ address: 'bob' }]);
        expect(await rows(w.c, 'authorized_transaction')).toHaveLength(1);
      },
    );

    it.skipIf(leg.unavailable)(
      'AU-7: without ask_user: allowed FI → ok, else allowed user → ok, else denied',
      async () => {
        const res0 = await auth(w.b, fromA({ needInfo: true }).body);
        expect([res0.status, res0.text]).toEqual([403, '{"info_status":"denied","tx_status":"ok"}']);

        await w.b.services.access.allow({
          name: 'Bank A',
          domain: w.a.domain,
          publicKey: w.a.keypair.publicKey(),
        });
        const res1 = await auth(w.b, fromA({ needInfo: true }).body);
        expect([res1.status, res1.text]).toEqual([
          200,
          '{"info_status":"ok","tx_status":"ok","dest_info":"user data"}',
        ]);
        await w.b.services.access.remove(w.a.domain);

        const allowUser = await postForm(`${w.b.internal.url}/allow_access`, {
          name: 'Bank A',
          domain: w.a.domain,
          public_key: w.a.keypair.publicKey(),
          user_id: 'alice',
        });
        expect([allowUser.status, allowUser.text]).toEqual([200, '']);
        const res2 = await auth(w.b, fromA({ needInfo: true }).body);
        expect([res2.status, res2.text]).toEqual([
          200,
          '{"info_status":"ok","tx_status":"ok","dest_info":"user data"}',
        ]);
        // another user of the same institution is not allowed
        const res3 = await auth(w.b, fromA({ needInfo: true, sender: `mallory*${w.a.domain}` }).body);
        expect([res3.status, res3.text]).toEqual([403, '{"info_status":"denied","tx_status":"ok"}']);

        const remove = await postForm(`${w.b.internal.url}/remove_access`, {
          domain: w.a.domain,
          user_id: 'alice',
        });
        expect(remove.status).toBe(200);
        const res4 = await auth(w.b, fromA({ needInfo: true }).body);
        expect(res4.status).toBe(403);
      },
    );

    it.skipIf(leg.unavailable)(
      'disclosure order with ask_user: an allowed FI is not asked about',
      async () => {
        await w.c.services.access.allow({
          name: 'Bank A',
          domain: w.a.domain,
          publicKey: w.a.keypair.publicKey(),
        });
        const res = await auth(w.c, fromA({ needInfo: true }).body);
        expect([res.status, res.text]).toEqual([
          200,
          '{"info_status":"ok","tx_status":"ok","dest_info":"user data"}',
        ]);
        expect(w.callbacks.requests('/c/ask_user')).toHaveLength(0);
        await w.c.services.access.remove(w.a.domain);
      },
    );

    it.skipIf(leg.unavailable)(
      'a sender denied by sanctions is neither asked about nor disclosed',
      async () => {
        w.callbacks.once('/c/sanctions', { status: 403 });
        const res = await auth(w.c, fromA({ needInfo: true }).body);
        expect([res.status, res.text]).toEqual([403, '{"info_status":"denied","tx_status":"denied"}']);
        expect(w.callbacks.requests('/c/ask_user')).toHaveLength(0);
        expect(w.callbacks.requests('/c/fetch_info')).toHaveLength(0);
      },
    );
  });

  describe('replay protection', () => {
    it.skipIf(leg.unavailable)(
      'the same request again is answered again (a retry), stored once',
      async () => {
        const request = fromA();
        const first = await auth(w.b, request.body);
        const second = await auth(w.b, request.body);
        expect([first.status, first.text]).toEqual([200, OK]);
        expect([second.status, second.text]).toEqual([200, OK]);
        const memo = attachmentMemoHashBase64(request.attachment);
        expect((await rows(w.b, 'authorized_transaction')).filter((r) => r.memo === memo)).toHaveLength(1);
      },
    );

    it.skipIf(leg.unavailable)(
      'a nonce reused by the same sender domain with other data is rejected',
      async () => {
        const nonce = freshNonce();
        const first = await auth(w.b, fromA({ attachment: { nonce } }).body);
        expect(first.status).toBe(200);
        const before = await persistedCounts(w.b);
        const replay = await auth(w.b, fromA({ attachment: { nonce }, amount: '99999' }).body);
        expect(replay.status).toBe(400);
        expect(replay.json()).toMatchObject({ code: 'nonce_reused', data: { name: 'data.attachment' } });
        expect(await persistedCounts(w.b)).toEqual(before);
        // The same nonce from another institution is its own business.
        const other = await auth(
          w.b,
          buildAuthRequest({
            seed: w.n.keypair.secret(),
            sender: `nina*${w.n.domain}`,
            attachment: { nonce },
          }).body,
        );
        expect(other.status).toBe(200);
      },
    );
  });

  describe('callbacks that misbehave: a clear 500 JSON, nothing stored', () => {
    it.skipIf(leg.unavailable)('sanctions answers 500, or 418', async () => {
      for (const status of [500, 418]) {
        w.callbacks.once('/b/sanctions', {
          status,
          body: '<html>oops</html>',
          headers: { 'Content-Type': 'text/html' },
        });
        const before = await persistedCounts(w.b);
        const res = await auth(w.b, fromA().body);
        expect(res.status).toBe(500);
        // Which step failed, not why: that is our backend's business (issue 13 #10).
        expect(res.json()).toEqual({ code: 'callback_failed', message: 'The sanctions callback failed.' });
        expect((await persistedCounts(w.b))[0]).toBe(before[0]);
      }
    });

    it.skipIf(leg.unavailable)('ask_user answers 302; fetch_info answers 503', async () => {
      w.callbacks.once('/c/ask_user', { status: 302, headers: { Location: 'http://example.com' } });
      const res1 = await auth(w.c, fromA({ needInfo: true }).body);
      expect(res1.status).toBe(500);
      expect(res1.json()).toMatchObject({
        code: 'callback_failed',
        message: 'The ask_user callback failed.',
      });

      w.callbacks.once('/c/ask_user', { status: 200 });
      w.callbacks.once('/c/fetch_info', { status: 503 });
      const before = await persistedCounts(w.c);
      const res2 = await auth(w.c, fromA({ needInfo: true }).body);
      expect(res2.status).toBe(500);
      expect(res2.json()).toEqual({ code: 'callback_failed', message: 'The fetch_info callback failed.' });
      expect((await persistedCounts(w.c))[0]).toBe(before[0]);
    });
  });
});
