// End to end between real servers: bank A's /send → bank B's auth endpoint →
// bank B's /receive, with federation, stellar.toml, signatures, callbacks and
// databases all real (§6.1, §7.8, §7.10 RC-1).
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Keypair, StrKey, xdr } from '@stellar/stellar-sdk';
import { databaseLegs } from '@anchor/support/testing';
import { attachmentMemoHashBase64, authTransactionHash, parseAttachment } from '@anchor/protocol';
import { NETWORK_PASSPHRASE } from './support/bank.js';
import { forwardKey } from './support/servers.js';
import { postForm, rows, startWorld, type HttpAnswer, type World } from './support/world.js';

const SOURCE = Keypair.random().publicKey();
const EUR_ISSUER = Keypair.random().publicKey();
const ALICE_KYC = { first_name: 'Alice', last_name: 'Doe', address: '1 Main St' };
let requestCounter = 0;
const requestId = () => `payment-${Date.now()}-${++requestCounter}`;

describe.each(databaseLegs())('payment flow between two compliance servers on $type', (leg) => {
  let w: World;

  beforeAll(async () => {
    if (leg.unavailable) return;
    w = await startWorld(leg);
  });
  afterAll(async () => {
    await w?.close();
  });
  beforeEach(() => {
    if (leg.unavailable) return;
    w.callbacks.reset();
    w.callbacks.always('/a/fetch_info', { status: 200, body: JSON.stringify(ALICE_KYC) });
    w.callbacks.always('/n/fetch_info', { status: 200, body: JSON.stringify(ALICE_KYC) });
    w.callbacks.always('/b/sanctions', { status: 200 });
    w.callbacks.always('/b/fetch_info', { status: 200, body: '{"name":"Bob Receiver"}' });
    w.callbacks.always('/c/sanctions', { status: 200 });
    w.callbacks.always('/c/fetch_info', { status: 200, body: '{"name":"Carol Receiver"}' });
  });

  /** POSTs to `from`'s /send: a fresh request id (unless the test gives one), the paying account, then `form`. */
  const send = (from: { internal: { url: string } }, form: Record<string, string>) =>
    postForm(`${from.internal.url}/send`, { id: requestId(), source: SOURCE, ...form });
  const authResponse = (res: HttpAnswer) => (res.json() as { auth_response: unknown }).auth_response;

  it.skipIf(leg.unavailable)(
    'SE-2: /send resolves, signs and gets ok/ok; B persists the transaction before answering and /receive finds it',
    async () => {
      const id = requestId();
      const res = await send(w.a, {
        id,
        sender: `alice*${w.a.domain}`,
        destination: `bob*${w.b.domain}`,
        amount: '20',
        asset_code: 'USD',
        asset_issuer: EUR_ISSUER,
        extra_memo: 'hello world',
      });
      expect(res.status).toBe(200);
      const body = res.json() as { auth_response: unknown; transaction_xdr: string };
      expect(body.auth_response).toEqual({ info_status: 'ok', tx_status: 'ok' });
      expect(res.text).toContain('\n  "auth_response"'); // indented like the Go server

      // A asked its backend for alice's KYC, B screened exactly that.
      expect(w.callbacks.requests('/a/fetch_info').map((r) => r.form)).toEqual([
        { address: `alice*${w.a.domain}` },
      ]);
      const sanctions = w.callbacks.requests('/b/sanctions');
      expect(sanctions).toHaveLength(1);
      expect(sanctions[0]?.form.sender).toBe(
        '{"address":"1 Main St","first_name":"Alice","last_name":"Doe"}',
      );
      expect(w.b.web.federationQueries).toContainEqual({ q: `bob*${w.b.domain}`, type: 'name' });

      // The transaction: sequence 0, memo hash of the attachment, paying the federated account.
      const tx = xdr.Transaction.fromXDR(body.transaction_xdr, 'base64');
      expect(tx.seqNum().toString()).toBe('0');
      const op = tx.operations()[0]?.body().paymentOp();
      expect(StrKey.encodeEd25519PublicKey(op?.destination().ed25519() as Buffer)).toBe(w.bobAccount);
      expect(op?.amount().toString()).toBe('200000000');

      // A stored the auth data under the request id; B stored what it authorized.
      const [stored] = await rows(w.a, 'auth_data');
      expect(stored).toMatchObject({ request_id: id, domain: w.b.domain });
      const data = JSON.parse(stored?.auth_data as string) as {
        sender: string;
        tx: string;
        attachment: string;
      };
      expect(data.sender).toBe(`alice*${w.a.domain}`);
      expect(data.tx).toBe(body.transaction_xdr);
      const attachment = parseAttachment(data.attachment);
      expect(attachment.transaction).toEqual({
        sender_info: ALICE_KYC,
        route: 'bob',
        note: '',
        extra: 'hello world',
      });
      expect(attachment.nonce).toMatch(/^[0-9]+$/);

      const authorized = await rows(w.b, 'authorized_transaction');
      expect(authorized).toHaveLength(1);
      expect(authorized[0]).toMatchObject({
        transaction_id: authTransactionHash(body.transaction_xdr, NETWORK_PASSPHRASE),
        memo: attachmentMemoHashBase64(data.attachment),
        transaction_xdr: body.transaction_xdr,
        data: stored?.auth_data,
      });

      // B's bridge asks /receive with Horizon's base64 memo.
      const received = await postForm(`${w.b.internal.url}/receive`, {
        memo: attachmentMemoHashBase64(data.attachment),
      });
      expect(received.status).toBe(200);
      expect(received.json()).toEqual({ data: stored?.auth_data });
      expect(received.text).toBe(`{\n  "data": ${JSON.stringify(stored?.auth_data)}\n}`);
    },
  );

  it.skipIf(leg.unavailable)(
    'SE-3: a path payment (send_max, send asset, native and credit path) goes through',
    async () => {
      const res = await send(w.a, {
        sender: `alice*${w.a.domain}`,
        destination: `bob*${w.b.domain}`,
        amount: '20',
        asset_code: 'USD',
        asset_issuer: EUR_ISSUER,
        send_max: '100',
        send_asset_code: 'EUR',
        send_asset_issuer: EUR_ISSUER,
        'path[0][asset_code]': '',
        'path[0][asset_issuer]': '',
        'path[1][asset_code]': 'EUR',
        'path[1][asset_issuer]': EUR_ISSUER,
      });
      expect(res.status).toBe(200);
      const body = res.json() as { auth_response: unknown; transaction_xdr: string };
      expect(body.auth_response).toEqual({ info_status: 'ok', tx_status: 'ok' });
      const op = xdr.Transaction.fromXDR(body.transaction_xdr, 'base64')
        .operations()[0]
        ?.body()
        .pathPaymentStrictReceiveOp();
      expect(op?.sendMax().toString()).toBe('1000000000');
      expect(op?.destAmount().toString()).toBe('200000000');
      expect(op?.path().map((a) => a.switch().name)).toEqual(['assetTypeNative', 'assetTypeCreditAlphanum4']);
    },
  );

  it.skipIf(leg.unavailable)(
    'SE-4: a forward destination is resolved with type=forward at its domain',
    async () => {
      const fields = { forward_type: 'bank_account', swift: 'BOPBPHMM', acct: '2382376' };
      w.b.web.forwards.set(forwardKey(fields), { account_id: w.bobAccount, memo_type: 'id', memo: '7' });
      const res = await send(w.a, {
        sender: `alice*${w.a.domain}`,
        destination: `bob*${w.b.domain}`,
        amount: '5',
        'forward_destination[domain]': w.b.domain,
        'forward_destination[fields][forward_type]': 'bank_account',
        'forward_destination[fields][swift]': 'BOPBPHMM',
        'forward_destination[fields][acct]': '2382376',
      });
      expect(res.status).toBe(200);
      expect(authResponse(res)).toEqual({
        info_status: 'ok',
        tx_status: 'ok',
      });
      expect(w.b.web.federationQueries).toContainEqual({ type: 'forward', ...fields });
      const [, second] = await rows(w.a, 'auth_data').then((r) => r.slice(-2));
      const data = JSON.parse(second?.auth_data as string) as { attachment: string };
      expect(parseAttachment(data.attachment).transaction.route).toBe('7');
    },
  );

  it.skipIf(leg.unavailable)(
    'pending → retry with the same id re-sends the same data (same nonce, same signature) → ok',
    async () => {
      const id = requestId();
      const form = {
        id,
        sender: `alice*${w.a.domain}`,
        destination: `bob*${w.b.domain}`,
        amount: '1',
      };
      w.callbacks.once('/b/sanctions', { status: 202, body: '{"pending":300}' });
      const first = await send(w.a, form);
      expect(first.status).toBe(200);
      const firstBody = first.json() as { auth_response: unknown; transaction_xdr: string };
      expect(firstBody.auth_response).toEqual({ info_status: 'ok', tx_status: 'pending', pending: 300 });
      const memo = attachmentMemoHashBase64(
        (
          JSON.parse(((await w.a.services.store.findAuthData(id))?.authData ?? '{}') as string) as {
            attachment: string;
          }
        ).attachment,
      );
      expect(await w.b.services.store.findAuthorizedTransactionByMemo(memo)).toBeUndefined();

      // The customer's bank decides; the sender retries the same id after `pending` seconds.
      const second = await send(w.a, form);
      expect(second.status).toBe(200);
      const secondBody = second.json() as { auth_response: unknown; transaction_xdr: string };
      expect(secondBody.auth_response).toEqual({ info_status: 'ok', tx_status: 'ok' });
      expect(secondBody.transaction_xdr).toBe(firstBody.transaction_xdr);

      // Only one auth_data row, fetch_info asked once, and B saw the identical request twice.
      expect((await rows(w.a, 'auth_data')).filter((r) => r.request_id === id)).toHaveLength(1);
      expect(w.callbacks.requests('/a/fetch_info')).toHaveLength(1);
      const screened = w.callbacks.requests('/b/sanctions').map((r) => r.form.sender);
      expect(screened).toHaveLength(2);
      expect(screened[0]).toBe(screened[1]);
      const stored = await w.a.services.store.findAuthData(id);
      const nonce = parseAttachment(
        (JSON.parse(stored?.authData as string) as { attachment: string }).attachment,
      ).nonce;
      const nonces = (await rows(w.b, 'auth_nonce')).filter((r) => r.nonce === nonce);
      expect(nonces).toHaveLength(1);
      expect((await w.b.services.store.findAuthorizedTransactionByMemo(memo))?.data).toBe(stored?.authData);
    },
  );

  it.skipIf(leg.unavailable)(
    'denied by sanctions: /send answers 200 with tx_status denied and B stores nothing',
    async () => {
      const before = (await rows(w.b, 'authorized_transaction')).length;
      w.callbacks.once('/b/sanctions', { status: 403, body: 'forbidden' });
      const res = await send(w.a, {
        sender: `mallory*${w.a.domain}`,
        destination: `bob*${w.b.domain}`,
        amount: '1',
      });
      expect(res.status).toBe(200);
      expect(authResponse(res)).toEqual({
        info_status: 'ok',
        tx_status: 'denied',
      });
      expect(await rows(w.b, 'authorized_transaction')).toHaveLength(before);
    },
  );

  it.skipIf(leg.unavailable)(
    'disclosure: need_info without allow lists or ask_user is denied; allow_access for the FI makes it ok with dest_info',
    async () => {
      const form = { sender: `nina*${w.n.domain}`, destination: `bob*${w.b.domain}`, amount: '3' };
      const denied = await send(w.n, form);
      expect(authResponse(denied)).toEqual({
        info_status: 'denied',
        tx_status: 'ok',
      });
      expect(w.callbacks.requests('/b/fetch_info')).toHaveLength(0);

      const allow = await postForm(`${w.b.internal.url}/allow_access`, {
        name: 'Bank N',
        domain: w.n.domain,
        public_key: w.n.keypair.publicKey(),
      });
      expect(allow.status).toBe(200);
      const ok = await send(w.n, form);
      expect(authResponse(ok)).toEqual({
        info_status: 'ok',
        tx_status: 'ok',
        dest_info: '{"name":"Bob Receiver"}',
      });
      // fetch_info at the receiver is asked for the route (the federation memo), not an address.
      expect(w.callbacks.requests('/b/fetch_info').map((r) => r.form)).toEqual([{ address: 'bob' }]);

      const remove = await postForm(`${w.b.internal.url}/remove_access`, { domain: w.n.domain });
      expect(remove.status).toBe(200);
      const again = await send(w.n, form);
      expect((again.json() as { auth_response: { info_status: string } }).auth_response.info_status).toBe(
        'denied',
      );
    },
  );

  it.skipIf(leg.unavailable)(
    'ask_user: the receiver asks its customer and a 200 discloses carol',
    async () => {
      w.callbacks.once('/c/ask_user', { status: 200 });
      const res = await send(w.n, {
        sender: `nina*${w.n.domain}`,
        destination: `carol*${w.c.domain}`,
        amount: '12.5',
      });
      expect(authResponse(res)).toEqual({
        info_status: 'ok',
        tx_status: 'ok',
        dest_info: '{"name":"Carol Receiver"}',
      });
      expect(w.callbacks.requests('/c/ask_user').map((r) => r.form)).toEqual([
        {
          amount: '12.5000000',
          asset_code: '',
          asset_issuer: '',
          sender: '{"address":"1 Main St","first_name":"Alice","last_name":"Doe"}',
          note: '',
          route: '42',
          sender_address: `nina*${w.n.domain}`,
        },
      ]);
      expect(w.callbacks.requests('/c/fetch_info').map((r) => r.form)).toEqual([{ address: '42' }]);
    },
  );
});
