// The auth endpoint against a hostile peer bank (issue 13): each attack of findings
// 2, 3, 6 and the backend-text item of 10 reproduced against real compliance servers
// on real databases, and shown refused. (Finding 1, memory, is the resolver's test.)
//   A  an honest sender (its stellar.toml on localhost:PORT)
//   G  a receiver with the production default: public peers only
//   R  a receiver in development mode (allow_local_peers), sanctions + ask_user + fetch_info
//   L  like R with a rate limit of 3 signed requests a minute
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Keypair } from '@stellar/stellar-sdk';
import { databaseLegs, type TestDatabase } from '@anchor/support/testing';
import { attachmentMemoHashBase64 } from '@anchor/protocol';
import { CALLBACK_ERROR_TEXT } from '../src/services/auth.service.js';
import { buildAuthRequest, type AuthRequestInput } from './support/auth-requests.js';
import { startBank, type Bank, type BankOptions } from './support/bank.js';
import { CallbacksServer, type CannedAnswer } from './support/servers.js';
import { get, postForm, rows } from './support/world.js';

describe.each(databaseLegs())('a hostile peer on $type', (leg) => {
  let callbacks: CallbacksServer;
  let a: Bank;
  let g: Bank;
  let r: Bank;
  let l: Bank;
  const gLog: string[] = [];
  const databases: TestDatabase[] = [];

  beforeAll(async () => {
    if (leg.unavailable) return;
    callbacks = await new CallbacksServer().start();
    const bank = async (options: Omit<BankOptions, 'database' | 'callbacksServer'>) => {
      const database = await leg.create();
      databases.push(database);
      return startBank({ ...options, database, callbacksServer: callbacks });
    };
    a = await bank({ name: 'a', callbacks: ['fetch_info'] });
    const logStream = new PassThrough();
    logStream.on('data', (chunk: Buffer) => gLog.push(chunk.toString('utf8')));
    g = await bank({
      name: 'g',
      callbacks: ['sanctions', 'fetch_info'],
      logStream,
      http: {
        timeout_ms: 5_000,
        allow_http: true,
        // What an attacker gets from DNS: a public-looking name that resolves to loopback.
        host_map: { 'evil.test': `127.0.0.1:${a.web.port}` },
      },
    });
    r = await bank({ name: 'r', callbacks: ['sanctions', 'ask_user', 'fetch_info'] });
    l = await bank({
      name: 'l',
      callbacks: ['sanctions', 'fetch_info'],
      config: { auth_limits: { requests_per_minute: 3, max_attachment_bytes: 2048, max_note_bytes: 64 } },
    });
  });
  afterAll(async () => {
    await Promise.all([a, g, r, l].map((b) => b?.close()));
    await callbacks?.close();
    await Promise.all(databases.map((d) => d.drop()));
  });
  beforeEach(() => {
    if (leg.unavailable) return;
    callbacks.reset();
    for (const name of ['g', 'r', 'l']) {
      callbacks.always(`/${name}/sanctions`, { status: 200 });
      callbacks.always(`/${name}/fetch_info`, { status: 200, body: '{"name":"Bob Secret"}' });
    }
    callbacks.always('/r/ask_user', { status: 200 });
    a.publishToml();
    for (const b of [g, r, l]) b.services.tomlResolver.clearCache();
  });

  const fromA = (input: Partial<AuthRequestInput> = {}) =>
    buildAuthRequest({ seed: a.keypair.secret(), sender: `alice*${a.domain}`, ...input });
  const auth = (bank: Bank, body: string) => postForm(`${bank.external.url}/`, body);

  describe('finding 3: no request to loopback or private peers, no transport detail', () => {
    it.skipIf(leg.unavailable)(
      'localhost:PORT, a name resolving to 127.0.0.1 and IPv4 spellings are refused before any byte is sent',
      async () => {
        const before = a.web.tomlRequests;
        const senders = [`alice*${a.domain}`, 'alice*evil.test'];
        for (const sender of senders) {
          const res = await auth(g, fromA({ sender }).body);
          expect(res.status, sender).toBe(400);
          const json = res.json() as { code: string; more_info: string; data: { name: string } };
          expect(json).toMatchObject({ code: 'invalid_parameter', data: { name: 'data.sender' } });
          expect(json.more_info).toMatch(
            /^Cannot get stellar\.toml of sender: stellar\.toml of .* could not be fetched$/,
          );
          expect(res.text).not.toMatch(/ECONN|EPROTO|ERR_|loopback|127\.0\.0\.1/);
        }
        for (const host of ['0x7f.1', '0x7f000001', '017700000001', '2130706433', '127.0.0.1']) {
          const res = await auth(g, fromA({ sender: `alice*${host}:${a.web.port}` }).body);
          // Refused already at Go's validation stage (an IP spelling is no stellar address domain).
          expect(res.status, host).toBe(400);
          expect(res.json()).toMatchObject({ code: 'invalid_parameter' });
          expect(res.text).toMatch(/sender/);
        }
        expect(a.web.tomlRequests).toBe(before);
        expect(await rows(g, 'auth_nonce')).toHaveLength(0);
        // The operator sees why.
        const log = gLog.join('');
        expect(log).toContain('is not the default port');
        expect(log).toContain('evil.test resolves to loopback address 127.0.0.1');
      },
    );

    it.skipIf(leg.unavailable)(
      'the same sender is fetched by a development receiver (allow_local_peers)',
      async () => {
        const res = await auth(r, fromA().body);
        expect([res.status, res.text]).toEqual([200, '{"info_status":"ok","tx_status":"ok"}']);
      },
    );
  });

  describe('finding 2: dest_info only when screening is complete', () => {
    it.skipIf(leg.unavailable)('sanctions pending or error: our customer is not disclosed', async () => {
      for (const [status, body] of [
        [202, '{"pending":60}'],
        [400, '{"error":"no name to screen"}'],
      ] as const) {
        callbacks.once('/r/sanctions', { status, body });
        const res = await auth(r, fromA({ needInfo: true }).body);
        expect(res.status).toBe(status);
        expect(res.json()).toMatchObject({ info_status: 'ok' });
        expect(res.text).not.toContain('dest_info');
        expect(res.text).not.toContain('Bob Secret');
      }
      expect(callbacks.requests('/r/fetch_info')).toHaveLength(0);
      const ok = await auth(r, fromA({ needInfo: true }).body);
      expect(ok.json()).toEqual({ info_status: 'ok', tx_status: 'ok', dest_info: '{"name":"Bob Secret"}' });
    });
  });

  describe('finding 10: our backend text never reaches the other bank', () => {
    it.skipIf(leg.unavailable)('a 400 from sanctions or ask_user is answered with our own text', async () => {
      const backendText = "sanctions list v3 at /srv/lists: column 'alias' missing";
      callbacks.once('/r/sanctions', { status: 400, body: JSON.stringify({ error: backendText }) });
      const tx = await auth(r, fromA().body);
      expect(tx.json()).toEqual({ info_status: 'ok', tx_status: 'error', error: CALLBACK_ERROR_TEXT });
      callbacks.once('/r/ask_user', { status: 400, body: JSON.stringify({ error: backendText }) });
      const info = await auth(r, fromA({ needInfo: true }).body);
      expect(info.json()).toEqual({ info_status: 'error', tx_status: 'ok', error: CALLBACK_ERROR_TEXT });
      expect(tx.text + info.text).not.toContain('alias');
    });

    it.skipIf(leg.unavailable)(
      'a failing backend: the other bank learns which step failed, not why',
      async () => {
        const inside = 'upstream callbacks-internal:8005 pool exhausted at /srv/callbacks/app.js:42';
        const answers: CannedAnswer[] = [
          { status: 500, body: inside, headers: { 'Content-Type': 'text/plain' } },
          { status: 302, headers: { Location: 'http://callbacks-internal:8005/login' } },
        ];
        for (const answer of answers) {
          callbacks.once('/r/sanctions', answer);
          const res = await auth(r, fromA().body);
          expect(res.status).toBe(500);
          expect(res.json()).toEqual({ code: 'callback_failed', message: 'The sanctions callback failed.' });
          expect(res.text).not.toMatch(/callbacks-internal|pool|HTTP 500|302/);
        }
      },
    );
  });

  describe('finding 6: KYC harvesting', () => {
    it.skipIf(leg.unavailable)(
      'signed requests are limited per sender domain; forged ones do not spend its allowance',
      async () => {
        const forger = Keypair.random().secret();
        for (let i = 0; i < 5; i++) expect((await auth(l, fromA({ seed: forger }).body)).status).toBe(400);
        for (let i = 0; i < 3; i++) expect((await auth(l, fromA().body)).status).toBe(200);
        const limited = await auth(l, fromA().body);
        expect(limited.status).toBe(429);
        expect(limited.json()).toMatchObject({ code: 'rate_limited' });
        expect(await rows(l, 'authorized_transaction')).toHaveLength(3);
      },
    );

    it.skipIf(leg.unavailable)(
      'an oversized attachment or note, a malformed signature or a wrong memo hash is refused before the sender is even looked up',
      async () => {
        const before = a.web.tomlRequests;
        const bigInfo = { first_name: 'x'.repeat(3000), last_name: 'Doe', country: 'US' };
        const big = await auth(
          l,
          fromA({ attachment: { transaction: txFields({ sender_info: bigInfo }) } }).body,
        );
        expect([big.status, big.json()]).toEqual([
          400,
          expect.objectContaining({
            data: { name: 'data.attachment' },
            more_info: 'Attachment is larger than 2048 bytes.',
          }),
        ]);
        const note = await auth(
          l,
          fromA({ attachment: { transaction: txFields({ note: 'n'.repeat(65) }) } }).body,
        );
        expect(note.json()).toMatchObject({
          data: { name: 'data.attachment' },
          more_info: 'Note is larger than 64 bytes.',
        });
        const badSig = await auth(l, `${fromA().body.replace(/sig=[^&]*/, 'sig=AAAA')}`);
        expect(badSig.json()).toMatchObject({ data: { name: 'sig' } });
        // Finding 1: a memo hash that is not the attachment's is refused without a fetch too.
        const badMemo = await auth(l, fromA({ memoHash: Buffer.alloc(32, 7) }).body);
        expect(badMemo.status).toBe(400);
        expect(a.web.tomlRequests).toBe(before);
      },
    );

    it.skipIf(leg.unavailable)('a route that matches no customer: denied, nothing authorized', async () => {
      callbacks.always('/r/fetch_info', { status: 404, body: '{"code":"customer_not_found"}' });
      const before = (await rows(r, 'authorized_transaction')).length;
      const res = await auth(r, fromA().body);
      expect([res.status, res.text]).toEqual([403, '{"info_status":"denied","tx_status":"denied"}']);
      expect(await rows(r, 'authorized_transaction')).toHaveLength(before);
    });

    it.skipIf(leg.unavailable)(
      'authorizations no payment followed are counted per sender domain, in a view and in /metrics',
      async () => {
        const request = fromA();
        expect((await auth(r, request.body)).status).toBe(200);
        const memo = attachmentMemoHashBase64(request.attachment);
        // An hour and a bit later, still no payment:
        await r
          .db('authorized_transaction')
          .where({ memo })
          .update({ authorized_at: new Date(Date.now() - 2 * 3600_000) });
        const view = await get(`${r.internal.url}/unpaid_auth`);
        expect(view.json()).toMatchObject({
          older_than_seconds: 3600,
          sender_domains: expect.arrayContaining([{ sender_domain: a.domain, unpaid: 1 }]),
        });
        const unpaidBefore = (view.json() as { total: number }).total;
        expect(unpaidBefore).toBeGreaterThanOrEqual(1);
        expect((await get(`${r.internal.url}/metrics`)).text).toContain(
          `compliance_auth_unpaid ${unpaidBefore}`,
        );

        // The payment arrives: the bridge asks /receive, the authorization is paid.
        expect((await postForm(`${r.internal.url}/receive`, { memo })).status).toBe(200);
        const after = (await get(`${r.internal.url}/unpaid_auth`)).json() as { total: number };
        expect(after.total).toBe(unpaidBefore - 1);
      },
    );
  });
});

/** The attachment's transaction fields with some replaced. */
function txFields(patch: Record<string, unknown>) {
  return {
    sender_info: { first_name: 'Alice', last_name: 'Doe', country: 'US' },
    route: 'bob',
    note: 'rent',
    extra: '',
    ...patch,
  } as never;
}
