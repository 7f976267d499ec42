// Three SEP-3 invariants of the auth endpoint that the rest of the suite would let
// break unnoticed (issue #14), each checked against requests built *without*
// @anchor/protocol (the stellar SDK, node:crypto and JSON.stringify only), so a bug
// in our protocol package cannot agree with itself:
//   1. the memo hash is sha256 over the attachment's UTF-8 bytes;
//   2. only the SIGNING_KEY of the sender domain's stellar.toml verifies `sig`;
//   3. the authorized transaction is stored before the 200 leaves.
import { createHash } from 'node:crypto';
import http, { type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Account, Asset, Keypair, Memo, Operation, TransactionBuilder } from '@stellar/stellar-sdk';
import { createHttpClient } from '@anchor/support';
import { databaseLegs } from '@anchor/support/testing';
import { attachmentMemoHash, attachmentMemoHashBase64, serializeAttachment } from '@anchor/protocol';
import { createExternalApp } from '../src/app.js';
import { CallbacksClient } from '../src/clients/callbacks.client.js';
import { AuthService } from '../src/services/auth.service.js';
import type { ComplianceStore } from '../src/stores/compliance.store.js';
import { NETWORK_PASSPHRASE, startBank, type Bank } from './support/bank.js';
import { BankWebServer, CallbacksServer } from './support/servers.js';
import { postForm, rows, type HttpAnswer } from './support/world.js';

const OK = '{"info_status":"ok","tx_status":"ok"}';

// sha256 of the UTF-8 bytes, computed outside this code base (Python's hashlib).
const UTF8_VECTORS: [string, string][] = [
  ['José Müller, Ñandú, façade', '52427913079c42f522bfe0d7c0ad7c4e780e9b9a124dc145d2e074b20270e737'],
  ['山田太郎 東京都千代田区', 'e6a2a92eba66754d411187054f9ac0093a7f658999487be57769fff621c1f796'],
  ['🚀👩\u200d💻 Zoë', '52a677ee2d4eb118a68f69b258156493dbe1f809b8605f87e89d49e688cc343c'],
];
/** A whole attachment as Go's json.Marshal writes it (non-ASCII verbatim), and its memo hash. */
const GO_ATTACHMENT =
  '{"nonce":"1700000000000000001","transaction":{"sender_info":{"city":"東京","emoji":"🚀👩\u200d💻",' +
  '"first_name":"José","last_name":"Müller"},"route":"bob","note":"café","extra":""},"operations":null}';
const GO_ATTACHMENT_MEMO = 'WAVC355CGOatXIUuKAnngwBiL0LQ0cNPd2h38UzS8tY=';

let nonceCounter = 0;

interface IndependentRequest {
  data: string;
  sig: string;
  attachment: string;
  /** base64 sha256 of the attachment's UTF-8 bytes, as Horizon reports a hash memo. */
  memo: string;
  /** hex network hash of the sequence-0 tx (the stored transaction_id). */
  txHash: string;
}

/**
 * An auth request as another implementation builds it: the attachment by
 * JSON.stringify, the memo hash by node:crypto over Buffer.from(text, 'utf8'), the tx by
 * the SDK's TransactionBuilder, the signature by the SDK's Keypair.sign.
 */
function independentRequest(input: {
  sender: string;
  signer: Keypair;
  source: Keypair;
  destination: string;
  senderInfo?: Record<string, string>;
}): IndependentRequest {
  nonceCounter++;
  const attachment = JSON.stringify({
    nonce: `${Date.now()}${String(nonceCounter).padStart(6, '0')}`,
    transaction: {
      sender_info: input.senderInfo ?? { first_name: 'José', last_name: 'Müller', city: '東京' },
      route: 'bob',
      note: '🚀 rent',
      extra: '',
    },
    operations: null,
  });
  const memoHash = createHash('sha256').update(Buffer.from(attachment, 'utf8')).digest();
  const built = new TransactionBuilder(new Account(input.source.publicKey(), '-1'), {
    fee: '100',
    networkPassphrase: NETWORK_PASSPHRASE,
    timebounds: { minTime: 0, maxTime: 0 },
    memo: Memo.hash(memoHash),
  })
    .addOperation(Operation.payment({ destination: input.destination, asset: Asset.native(), amount: '20' }))
    .build();
  const tx = built.toEnvelope().v1().tx().toXDR('base64');
  const data = JSON.stringify({ sender: input.sender, need_info: false, tx, attachment });
  return {
    data,
    sig: input.signer.sign(Buffer.from(data, 'utf8')).toString('base64'),
    attachment,
    memo: memoHash.toString('base64'),
    txHash: built.hash().toString('hex'),
  };
}

describe('the memo hash is sha256 over the attachment UTF-8 bytes', () => {
  it.each(UTF8_VECTORS)('%s', (text, hex) => {
    expect(attachmentMemoHash(text).toString('hex')).toBe(hex);
    expect(attachmentMemoHashBase64(text)).toBe(Buffer.from(hex, 'hex').toString('base64'));
  });

  it('of a Go-serialized attachment with accents, CJK and emoji', () => {
    const ours = serializeAttachment({
      nonce: '1700000000000000001',
      transaction: {
        sender_info: { last_name: 'Müller', first_name: 'José', emoji: '🚀👩\u200d💻', city: '東京' },
        route: 'bob',
        note: 'café',
        extra: '',
      },
      operations: null,
    });
    expect(ours).toBe(GO_ATTACHMENT);
    expect(attachmentMemoHashBase64(GO_ATTACHMENT)).toBe(GO_ATTACHMENT_MEMO);
  });
});

describe.each(databaseLegs())('SEP-3 invariants of the auth endpoint on $type', (leg) => {
  let callbacks: CallbacksServer;
  let senderWeb: BankWebServer;
  let receiver: Bank;
  const senderKey = Keypair.random();
  const source = Keypair.random();
  const destination = Keypair.random();
  let sender: string;
  let drop: () => Promise<void>;

  beforeAll(async () => {
    if (leg.unavailable) return;
    callbacks = await new CallbacksServer().start();
    senderWeb = await new BankWebServer().start();
    senderWeb.toml = { kind: 'toml', text: `SIGNING_KEY = "${senderKey.publicKey()}"\n` };
    sender = `jose*${senderWeb.domain}`;
    const database = await leg.create();
    drop = () => database.drop();
    receiver = await startBank({
      name: 'receiver',
      database,
      callbacksServer: callbacks,
      callbacks: ['sanctions'],
    });
  });
  afterAll(async () => {
    await receiver?.close();
    await senderWeb?.close();
    await callbacks?.close();
    await drop?.();
  });
  beforeEach(() => {
    if (leg.unavailable) return;
    callbacks.reset();
    callbacks.always('/receiver/sanctions', { status: 200 });
  });

  const request = (signer = senderKey) =>
    independentRequest({ sender, signer, source, destination: destination.publicKey() });
  const authorize = (req: IndependentRequest, url = receiver.external.url): Promise<HttpAnswer> =>
    postForm(`${url}/`, { data: req.data, sig: req.sig });
  const receive = (memo: string) => postForm(`${receiver.internal.url}/receive`, { memo });
  const counts = async () => [
    (await rows(receiver, 'authorized_transaction')).length,
    (await rows(receiver, 'auth_nonce')).length,
  ];

  it.skipIf(leg.unavailable)(
    'a request from another implementation with non-ASCII sender info verifies and is stored under the UTF-8 memo hash',
    async () => {
      const req = request();
      const res = await authorize(req);
      expect([res.status, res.text]).toEqual([200, OK]);
      const stored = await receiver.db('authorized_transaction').where({ memo: req.memo }).first();
      expect(stored).toMatchObject({ transaction_id: req.txHash, data: req.data });
      expect((await receive(req.memo)).json()).toEqual({ data: req.data });
      // The sanctions callback got the sender info with its characters intact.
      expect(callbacks.requests('/receiver/sanctions')[0]?.form).toEqual({
        sender: '{"city":"東京","first_name":"José","last_name":"Müller"}',
      });
    },
  );

  it.skipIf(leg.unavailable)(
    'only the SIGNING_KEY verifies: a request correctly signed by the tx source or any other key is refused, nothing stored',
    async () => {
      const before = await counts();
      const others = [source, destination, receiver.keypair, Keypair.random()];
      for (const signer of others) {
        const req = request(signer);
        expect(
          Keypair.fromPublicKey(signer.publicKey()).verify(
            Buffer.from(req.data),
            Buffer.from(req.sig, 'base64'),
          ),
        ).toBe(true);
        const res = await authorize(req);
        expect(res.status).toBe(400);
        expect(res.json()).toEqual({
          code: 'invalid_parameter',
          message: 'Invalid parameter.',
          more_info: 'Invalid signature.',
          data: { name: 'sig' },
        });
        expect((await receive(req.memo)).status).toBe(404);
      }
      expect(await counts()).toEqual(before);
      expect(callbacks.requests('/receiver/sanctions')).toHaveLength(0);
      // The control: the same kind of request signed with the SIGNING_KEY is authorized.
      expect((await authorize(request())).status).toBe(200);
    },
  );

  describe('the authorized transaction is stored before 200 leaves', () => {
    let front: http.Server;
    let frontUrl: string;
    let inFlight: ServerResponse | undefined;
    let insert: ComplianceStore['insertAuthorizedTransaction'];

    // A second external port on the receiver's database whose auth service writes
    // authorized transactions through `insert` (slow or failing, per test).
    beforeAll(async () => {
      if (leg.unavailable) return;
      const store: ComplianceStore = Object.assign(
        Object.create(receiver.services.store) as ComplianceStore,
        {
          insertAuthorizedTransaction: (row: Parameters<ComplianceStore['insertAuthorizedTransaction']>[0]) =>
            insert(row),
        },
      );
      const auth = new AuthService({
        store,
        callbacks: new CallbacksClient(createHttpClient({ timeoutMs: 5_000 }), {}),
        tomlResolver: receiver.services.tomlResolver,
        networkPassphrase: NETWORK_PASSPHRASE,
        limits: { requestsPerMinute: 1_000, maxAttachmentBytes: 16_384, maxNoteBytes: 1_024 },
      });
      const app = createExternalApp({ ...receiver.services, auth });
      front = http.createServer((req, res) => {
        inFlight = res;
        app(req, res);
      });
      await new Promise<void>((resolve) => front.listen(0, '127.0.0.1', resolve));
      frontUrl = `http://127.0.0.1:${(front.address() as AddressInfo).port}`;
    });
    afterAll(async () => {
      await new Promise((resolve) => front?.close(resolve));
    });

    it.skipIf(leg.unavailable)(
      'a slow insert: the answer waits for it, and /receive finds the tx the moment the sender reads ok',
      async () => {
        const answeredBeforeStored: boolean[] = [];
        insert = async (row) => {
          // Slow: whatever was going to be sent without waiting for us is sent by now.
          await new Promise((resolve) => setImmediate(resolve));
          await receiver.services.store.insertAuthorizedTransaction(row);
          answeredBeforeStored.push(inFlight?.headersSent ?? true);
        };
        const req = request();
        const res = await authorize(req, frontUrl);
        expect([res.status, res.text]).toEqual([200, OK]);
        expect((await receive(req.memo)).json()).toEqual({ data: req.data });
        expect(answeredBeforeStored).toEqual([false]);
      },
    );

    it.skipIf(leg.unavailable)(
      'a failing insert: no 200, nothing to receive; the retry is authorized',
      async () => {
        insert = () => Promise.reject(new Error('the disk is full'));
        const req = request();
        const res = await authorize(req, frontUrl);
        expect(res.status).toBe(500);
        expect(res.json()).toMatchObject({ code: 'internal_server_error' });
        expect(res.text).not.toContain('the disk is full');
        expect((await receive(req.memo)).status).toBe(404);

        insert = (row) => receiver.services.store.insertAuthorizedTransaction(row);
        const retry = await authorize(req, frontUrl);
        expect([retry.status, retry.text]).toEqual([200, OK]);
        expect((await receive(req.memo)).json()).toEqual({ data: req.data });
      },
    );
  });
});
