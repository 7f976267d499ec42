// Signature interop with the Go implementation and an independent ed25519:
// an auth request whose bytes are laid out and signed exactly as the Go sender
// does (json.Marshal layout, ed25519.Sign over the raw data bytes, url.Values
// encoding) is accepted by our auth endpoint, and our signatures verify over the
// raw data bytes with node:crypto and, independently of it, with the stellar
// SDK's pure-JS ed25519 (`Keypair.sign`/`verify`, @noble/curves).
// @anchor/protocol itself signs and verifies with node:crypto, so the node:crypto
// checks alone would be our code checking itself; the SDK ones are not.
import { createHash, createPrivateKey, createPublicKey, sign, verify } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Keypair, StrKey } from '@stellar/stellar-sdk';
import { databaseLegs } from '@anchor/support/testing';
import {
  attachmentMemoHash,
  authTransactionHash,
  buildAuthTransaction,
  encodeAuthRequest,
  serializeAttachment,
  serializeAuthData,
  signAuthData,
} from '@anchor/protocol';
import { Asset, Operation } from '@stellar/stellar-sdk';
import { NETWORK_PASSPHRASE, startBank, type Bank } from './support/bank.js';
import { BankWebServer, CallbacksServer } from './support/servers.js';
import { postForm } from './support/world.js';

// The Go test suite's signing seed (request_handler_auth_test.go) and its G… key.
const GO_SEED = 'SDWTLFPALQSP225BSMX7HPZ7ZEAYSUYNDLJ5QI3YGVBNRUIIELWH3XUV';
const GO_SIGNING_KEY = 'GBYJZW5XFAI6XV73H5SAIUYK6XZI4CGGVBUBO3ANA2SV7KKDAXTV6AEB';

/** ed25519 keys for node:crypto from the raw strkey bytes (PKCS#8 / SPKI DER wrappers). */
function nodePrivateKey(seed: string) {
  const der = Buffer.concat([
    Buffer.from('302e020100300506032b657004220420', 'hex'),
    StrKey.decodeEd25519SecretSeed(seed),
  ]);
  return createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
}
function nodePublicKey(accountId: string) {
  const der = Buffer.concat([
    Buffer.from('302a300506032b6570032100', 'hex'),
    StrKey.decodeEd25519PublicKey(accountId),
  ]);
  return createPublicKey({ key: der, format: 'der', type: 'spki' });
}

/** The attachment text Go's json.Marshal produces for this attachment (sorted map keys, HTML escaping, nil slice). */
const GO_ATTACHMENT =
  '{"nonce":"1488805458327055805","transaction":{"sender_info":{"address":"678 Mission St","city":"San Francisco",' +
  '"country":"US","first_name":"Aldi","last_name":"Dobbs"},"route":"1","note":"rent \\u003c\\u0026\\u003e","extra":""},' +
  '"operations":null}';

describe('Go layout and signatures', () => {
  it('the seed of the Go suite is the key its tests name', () => {
    expect(Keypair.fromSecret(GO_SEED).publicKey()).toBe(GO_SIGNING_KEY);
  });

  it('our attachment and auth data serialization equal the Go bytes', () => {
    const attachment = serializeAttachment({
      nonce: '1488805458327055805',
      transaction: {
        sender_info: {
          last_name: 'Dobbs',
          first_name: 'Aldi',
          address: '678 Mission St',
          city: 'San Francisco',
          country: 'US',
        },
        route: '1',
        note: 'rent <&>',
        extra: '',
      },
      operations: null,
    });
    expect(attachment).toBe(GO_ATTACHMENT);
    expect(serializeAuthData({ sender: 'aldi*bank.test', need_info: true, tx: 'AAAA', attachment })).toBe(
      `{"sender":"aldi*bank.test","need_info":true,"tx":"AAAA","attachment":${JSON.stringify(GO_ATTACHMENT)
        .replace(/</g, '\\u003c')
        .replace(/>/g, '\\u003e')
        .replace(/&/g, '\\u0026')}}`,
    );
  });

  it('PR-1: the request body is encoded as Go url.Values.Encode()', () => {
    expect(encodeAuthRequest({ data: '{"hello": "world"}', sig: 'si/g=' })).toBe(
      'data=%7B%22hello%22%3A+%22world%22%7D&sig=si%2Fg%3D',
    );
  });

  it('our signature is node:crypto ed25519 over the raw data bytes, byte for byte, and verifies with it', () => {
    const data = `{"sender":"aldi*bank.test","need_info":false,"tx":"AAAA","attachment":${JSON.stringify(GO_ATTACHMENT)}}`;
    const ours = signAuthData(GO_SEED, data);
    const independent = sign(null, Buffer.from(data, 'utf8'), nodePrivateKey(GO_SEED)).toString('base64');
    expect(ours).toBe(independent);
    expect(
      verify(null, Buffer.from(data, 'utf8'), nodePublicKey(GO_SIGNING_KEY), Buffer.from(ours, 'base64')),
    ).toBe(true);
    // not over a hash of the data, not with a network prefix
    const tampered = Buffer.from(`${data} `, 'utf8');
    expect(verify(null, tampered, nodePublicKey(GO_SIGNING_KEY), Buffer.from(ours, 'base64'))).toBe(false);
  });

  it('our signature verifies with the stellar SDK (@noble/curves) Keypair.verify over the raw UTF-8 data bytes', () => {
    // Non-ASCII text too: the signed bytes are the UTF-8 encoding of `data`, as Go's []byte(data).
    const data = `{"sender":"zoë*bank.test","need_info":true,"tx":"AAAA","attachment":${JSON.stringify(
      GO_ATTACHMENT.replace('Aldi', 'Zoë 東京'),
    )}}`;
    const ours = signAuthData(GO_SEED, data);
    const sdk = Keypair.fromPublicKey(GO_SIGNING_KEY);
    expect(sdk.verify(Buffer.from(data), Buffer.from(ours, 'base64'))).toBe(true);
    // ed25519 is deterministic: the SDK's own signature is the same 64 bytes.
    expect(Keypair.fromSecret(GO_SEED).sign(Buffer.from(data)).toString('base64')).toBe(ours);
    // Over the data itself: not its Latin-1 bytes, not a hash, not other data, not another key.
    expect(sdk.verify(Buffer.from(data, 'latin1'), Buffer.from(ours, 'base64'))).toBe(false);
    expect(sdk.verify(createHash('sha256').update(data).digest(), Buffer.from(ours, 'base64'))).toBe(false);
    expect(sdk.verify(Buffer.from(`${data} `), Buffer.from(ours, 'base64'))).toBe(false);
    expect(Keypair.random().verify(Buffer.from(data), Buffer.from(ours, 'base64'))).toBe(false);
  });
});

describe.each(databaseLegs(['sqlite3', 'mysql']))(
  'a Go-signed request against our auth endpoint on $type',
  (leg) => {
    let receiver: Bank;
    let goBank: BankWebServer;
    let callbacks: CallbacksServer;
    let drop: () => Promise<void>;

    beforeAll(async () => {
      if (leg.unavailable) return;
      callbacks = await new CallbacksServer().start();
      goBank = await new BankWebServer().start();
      goBank.toml = { kind: 'toml', text: `SIGNING_KEY = "${GO_SIGNING_KEY}"\n` };
      const database = await leg.create();
      drop = () => database.drop();
      receiver = await startBank({ name: 'receiver', database, callbacksServer: callbacks });
    });
    afterAll(async () => {
      await receiver?.close();
      await goBank?.close();
      await callbacks?.close();
      await drop?.();
    });

    it.skipIf(leg.unavailable)('is verified with the sender SIGNING_KEY and answered 200 ok/ok', async () => {
      const source = Keypair.random().publicKey();
      const tx = buildAuthTransaction({
        source,
        operations: [Operation.payment({ source, destination: source, asset: Asset.native(), amount: '20' })],
        memoHash: attachmentMemoHash(GO_ATTACHMENT),
        networkPassphrase: NETWORK_PASSPHRASE,
      });
      // Go's json.Marshal of AuthData: fixed key order, the attachment as an escaped JSON string.
      const goEscaped = JSON.stringify(GO_ATTACHMENT)
        .replace(/</g, '\\u003c')
        .replace(/>/g, '\\u003e')
        .replace(/&/g, '\\u0026');
      const data = `{"sender":"aldi*${goBank.domain}","need_info":false,"tx":"${tx}","attachment":${goEscaped}}`;
      const sig = sign(null, Buffer.from(data, 'utf8'), nodePrivateKey(GO_SEED)).toString('base64');
      // url.Values{"data":…, "sig":…}.Encode(): keys sorted, QueryEscape (space → "+").
      const goEscape = (s: string) =>
        encodeURIComponent(s)
          .replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
          .replace(/%20/g, '+');
      const body = `data=${goEscape(data)}&sig=${goEscape(sig)}`;
      expect(body).toContain('Mission+St');

      const res = await postForm(`${receiver.external.url}/`, body);
      expect([res.status, res.text]).toEqual([200, '{"info_status":"ok","tx_status":"ok"}']);
      const [row] = await receiver.db('authorized_transaction').select('data');
      expect(row?.data).toBe(data);
    });

    it.skipIf(leg.unavailable)(
      'accepts a request signed by the stellar SDK (Keypair.sign, @noble/curves), answered 200 ok/ok',
      async () => {
        // Its own nonce (nonce_reused otherwise) and non-ASCII sender info.
        const attachment = GO_ATTACHMENT.replace(
          '"nonce":"1488805458327055805"',
          '"nonce":"1488805458327055807"',
        ).replace('Aldi', 'Zoë');
        const source = Keypair.random().publicKey();
        const tx = buildAuthTransaction({
          source,
          operations: [
            Operation.payment({ source, destination: source, asset: Asset.native(), amount: '20' }),
          ],
          memoHash: attachmentMemoHash(attachment),
          networkPassphrase: NETWORK_PASSPHRASE,
        });
        const data = serializeAuthData({ sender: `zoe*${goBank.domain}`, need_info: false, tx, attachment });
        const sig = Keypair.fromSecret(GO_SEED).sign(Buffer.from(data)).toString('base64');

        const res = await postForm(`${receiver.external.url}/`, encodeAuthRequest({ data, sig }));
        expect([res.status, res.text]).toEqual([200, '{"info_status":"ok","tx_status":"ok"}']);
        const row = await receiver
          .db('authorized_transaction')
          .where({ transaction_id: authTransactionHash(tx, NETWORK_PASSPHRASE) })
          .first('data');
        expect(row?.data).toBe(data);

        // The same SDK signature over other bytes is refused (the check is real, not a pass-through).
        const other = serializeAuthData({ sender: `zoe*${goBank.domain}`, need_info: true, tx, attachment });
        const refused = await postForm(`${receiver.external.url}/`, { data: other, sig });
        expect(refused.status).toBe(400);
        expect(refused.json()).toMatchObject({ code: 'invalid_parameter', data: { name: 'sig' } });
      },
    );

    // The final Go sender (stellar/go@698593a4) puts a TransactionV0 body in `tx` (no
    // 4-byte key-type prefix); @anchor/protocol's parseAuthTransaction accepts it beside
    // the v1/legacy `Transaction` layout.
    it.skipIf(leg.unavailable)('accepts the TransactionV0 layout of the final Go sender', async () => {
      // Its own nonce: the request above already used GO_ATTACHMENT's (nonce_reused otherwise).
      const attachment = GO_ATTACHMENT.replace(
        '"nonce":"1488805458327055805"',
        '"nonce":"1488805458327055806"',
      );
      expect(attachment).not.toBe(GO_ATTACHMENT);
      const source = Keypair.random().publicKey();
      const v1 = buildAuthTransaction({
        source,
        operations: [Operation.payment({ source, destination: source, asset: Asset.native(), amount: '20' })],
        memoHash: attachmentMemoHash(attachment),
        networkPassphrase: NETWORK_PASSPHRASE,
      });
      const v0 = Buffer.from(v1, 'base64').subarray(4).toString('base64');
      const data = serializeAuthData({
        sender: `aldi*${goBank.domain}`,
        need_info: false,
        tx: v0,
        attachment,
      });
      const sig = sign(null, Buffer.from(data, 'utf8'), nodePrivateKey(GO_SEED)).toString('base64');
      const res = await postForm(`${receiver.external.url}/`, { data, sig });
      expect([res.status, res.text]).toEqual([200, '{"info_status":"ok","tx_status":"ok"}']);
      // Stored under the hash of the equivalent v1 transaction.
      const row = await receiver
        .db('authorized_transaction')
        .where({ transaction_id: authTransactionHash(v1, NETWORK_PASSPHRASE) })
        .first('data');
      expect(row?.data).toBe(data);
    });
  },
);
