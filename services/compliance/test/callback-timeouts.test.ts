// Backends that never answer: the bank's sanctions, ask_user or fetch_info
// callback (and, on /send, the other bank's AUTH_SERVER) accepts the request and
// hangs. With `[http] timeout_ms = 300` the compliance server gives up, answers a
// clear 500 JSON (stable code, nothing internal), stores no authorized
// transaction, and keeps serving. No timing assertions beyond "it answers" (the
// 30 s test timeout is what fails a server that waits forever).
//
// Nonces: the auth endpoint records the sender's nonce (bound to the sha256 of
// `data`) before it calls the bank, as it does for a `pending` answer, so a
// timed-out request leaves its auth_nonce row: the identical request is accepted
// when retried, the same nonce with other data is `nonce_reused` (README, step 4).
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Keypair } from '@stellar/stellar-sdk';
import { databaseLegs, type TestDatabase } from '@anchor/support/testing';
import { buildAuthRequest, freshNonce, SOURCE, type AuthRequestInput } from './support/auth-requests.js';
import { startBank, type Bank } from './support/bank.js';
import { CallbacksServer } from './support/servers.js';
import { get, postForm, rows } from './support/world.js';

const TIMEOUT_MS = 300;
const OK = '{"info_status":"ok","tx_status":"ok"}';

describe.each(databaseLegs())('callbacks that never answer, on $type', (leg) => {
  let callbacks: CallbacksServer;
  let a: Bank; // sender: fetch_info
  let r: Bank; // receiver: sanctions, ask_user, fetch_info
  const databases: TestDatabase[] = [];
  const bobAccount = Keypair.random().publicKey();
  let counter = 0;

  beforeAll(async () => {
    if (leg.unavailable) return;
    callbacks = await new CallbacksServer().start();
    const database = async () => {
      const db = await leg.create();
      databases.push(db);
      return db;
    };
    a = await startBank({
      name: 'a',
      database: await database(),
      callbacksServer: callbacks,
      callbacks: ['fetch_info'],
      timeoutMs: TIMEOUT_MS,
    });
    r = await startBank({
      name: 'r',
      database: await database(),
      callbacksServer: callbacks,
      callbacks: ['sanctions', 'ask_user', 'fetch_info'],
      timeoutMs: TIMEOUT_MS,
    });
    r.web.names.set(`bob*${r.domain}`, { account_id: bobAccount, memo_type: 'text', memo: 'bob' });
  });
  afterAll(async () => {
    await a?.close();
    await r?.close();
    await callbacks?.close();
    await Promise.all(databases.map((d) => d.drop()));
  });
  beforeEach(() => {
    if (leg.unavailable) return;
    callbacks.reset();
    callbacks.always('/a/fetch_info', { status: 200, body: '{"first_name":"Alice"}' });
    callbacks.always('/r/sanctions', { status: 200 });
    callbacks.always('/r/ask_user', { status: 200 });
    callbacks.always('/r/fetch_info', { status: 200, body: 'user data' });
    r.publishToml();
    a.publishToml();
    a.services.tomlResolver.clearCache();
  });

  const fromA = (input: Partial<AuthRequestInput> = {}) =>
    buildAuthRequest({ seed: a.keypair.secret(), sender: `alice*${a.domain}`, ...input });
  const auth = (body: string) => postForm(`${r.external.url}/`, body);
  const send = (form: Record<string, string>) => postForm(`${a.internal.url}/send`, form);
  const validSend = (): Record<string, string> => ({
    id: `timeout-${Date.now()}-${++counter}`,
    source: SOURCE,
    sender: `alice*${a.domain}`,
    destination: `bob*${r.domain}`,
    amount: '10',
  });

  /** Both ports of `bank` still answer. */
  async function expectServing(bank: Bank) {
    expect((await get(`${bank.external.url}/health`)).status).toBe(200);
    expect((await get(`${bank.internal.url}/health`)).status).toBe(200);
  }

  describe('the auth endpoint', () => {
    it.skipIf(leg.unavailable).each([
      { callback: 'sanctions', needInfo: false },
      { callback: 'ask_user', needInfo: true },
      { callback: 'fetch_info', needInfo: true },
    ])(
      '$callback hangs → 500 callback_failed, nothing authorized, the nonce stays bound to that data',
      async ({ callback, needInfo }) => {
        callbacks.hang(`/r/${callback}`);
        const nonce = freshNonce();
        const request = fromA({ needInfo, attachment: { nonce } });
        const authorizedBefore = (await rows(r, 'authorized_transaction')).length;

        const res = await auth(request.body);
        expect(res.status).toBe(500);
        // The other bank is not told why ("timed out" stays in our log, issue 13 #10).
        expect(res.json()).toEqual({ code: 'callback_failed', message: `The ${callback} callback failed.` });
        expect(res.text).toContain('\n  "code": "callback_failed"');
        expect(callbacks.requests(`/r/${callback}`)).toHaveLength(1); // it was asked, and never answered
        expect(await rows(r, 'authorized_transaction')).toHaveLength(authorizedBefore);
        // Current design: the nonce was recorded before the callbacks ran, bound to this data.
        const nonceRows = (await rows(r, 'auth_nonce')).filter((row) => row.nonce === nonce);
        expect(nonceRows.map((row) => row.data_hash)).toEqual([
          createHash('sha256').update(request.data, 'utf8').digest('hex'),
        ]);
        await expectServing(r);

        // The backend is back: the identical request (same nonce, same data) is authorized, stored once;
        // the nonce with other data is still a replay.
        callbacks.reset();
        callbacks.always('/r/sanctions', { status: 200 });
        callbacks.always('/r/ask_user', { status: 200 });
        callbacks.always('/r/fetch_info', { status: 200, body: 'user data' });
        const retry = await auth(request.body);
        expect(retry.status).toBe(200);
        expect(retry.json()).toMatchObject({ info_status: 'ok', tx_status: 'ok' });
        expect(await rows(r, 'authorized_transaction')).toHaveLength(authorizedBefore + 1);
        const replay = await auth(fromA({ needInfo, attachment: { nonce }, amount: '999' }).body);
        expect(replay.json()).toMatchObject({ code: 'nonce_reused' });
      },
    );
  });

  describe('/send', () => {
    it.skipIf(leg.unavailable)(
      'our fetch_info hangs → 500 callback_failed "timed out", no auth data stored, nothing sent',
      async () => {
        callbacks.hang('/a/fetch_info');
        const form = validSend();
        const res = await send(form);
        expect(res.status).toBe(500);
        expect(res.json()).toEqual({
          code: 'callback_failed',
          message: 'The fetch_info callback failed.',
          more_info: 'timed out',
        });
        expect((await rows(a, 'auth_data')).filter((row) => row.request_id === form.id)).toHaveLength(0);
        expect(callbacks.requests('/r/sanctions')).toHaveLength(0); // the receiver was never asked
        await expectServing(a);

        callbacks.reset();
        callbacks.always('/a/fetch_info', { status: 200, body: '{"first_name":"Alice"}' });
        callbacks.always('/r/sanctions', { status: 200 });
        callbacks.always('/r/fetch_info', { status: 200, body: 'user data' });
        const retry = await send(form);
        expect([
          retry.status,
          JSON.stringify((retry.json() as { auth_response: unknown }).auth_response),
        ]).toEqual([200, OK]);
      },
    );

    it.skipIf(leg.unavailable)(
      'the other bank\'s AUTH_SERVER hangs → 500 auth_server_error "timed out"; the same id re-sends the same data',
      async () => {
        const hangingAuthServer = callbacks.url('/hanging/auth');
        callbacks.hang('/hanging/auth');
        r.publishToml({ AUTH_SERVER: hangingAuthServer });
        a.services.tomlResolver.clearCache();
        const form = validSend();
        const res = await send(form);
        expect(res.status).toBe(500);
        expect(res.json()).toEqual({
          code: 'auth_server_error',
          message: 'The auth server of the destination failed.',
          more_info: `${hangingAuthServer}: timed out`,
        });
        expect(callbacks.requests('/hanging/auth')).toHaveLength(1);
        // By design the auth data is stored under the id before it is posted, so a retry
        // carries the same nonce; the receiver authorized nothing.
        const stored = (await rows(a, 'auth_data')).filter((row) => row.request_id === form.id);
        expect(stored).toHaveLength(1);
        await expectServing(a);

        r.publishToml();
        a.services.tomlResolver.clearCache();
        const retry = await send(form);
        expect(retry.status).toBe(200);
        const body = retry.json() as { auth_response: unknown; transaction_xdr: string };
        expect(JSON.stringify(body.auth_response)).toBe(OK);
        const [row] = await rows(r, 'authorized_transaction').then((all) =>
          all.filter((t) => t.data === stored[0]?.auth_data),
        );
        expect(row?.transaction_xdr).toBe(body.transaction_xdr);
      },
    );
  });
});
