// The payment listener and the delivery outbox against a real localnet and
// real databases (legacy-reference §7.5), plus "callback down, then back".
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Asset, Keypair, Memo, Operation, TransactionBuilder } from '@stellar/stellar-sdk';
import type { TestDatabase } from '@anchor/support/testing';
import { createKnex, verifyPayloadMac } from '@anchor/support';
import {
  bridgeFixture,
  bridgeLegs,
  funded,
  horizon,
  issueAsset,
  recorder,
  submitOps,
  until,
  type Localnet,
  type Recorder,
  type RunningBridge,
} from './helpers.js';

const MAC_KEY = 'SABLR5HOI2IUOYB27TR4TO7HWDJIGSRJTT4UUTXXZOFVVPGQKJ5ME43J';

// Set by the running suite's fixture (the suites run one after another).
let net: Localnet;

async function payWithMemo(from: Keypair, to: string, amount: string, memo?: Memo, asset = Asset.native()) {
  const server = horizon(net);
  const account = await server.loadAccount(from.publicKey());
  const builder = new TransactionBuilder(account, {
    fee: '100',
    networkPassphrase: net.networkPassphrase,
  }).setTimeout(60);
  builder.addOperation(Operation.payment({ destination: to, asset, amount }));
  if (memo) builder.addMemo(memo);
  const tx = builder.build();
  tx.sign(from);
  return server.submitTransaction(tx, { skipMemoRequiredCheck: true });
}

describe.each(bridgeLegs({ horizon: ['sqlite3', 'mysql'], rpc: ['sqlite3'] }))(
  'listener on $name',
  (bridgeLeg) => {
    const { database: leg, network } = bridgeLeg;
    // RPC follows the CAP-67 credits to an account (issue 11); Horizon also shows its outgoing operations.
    const seesOutgoing = network.name === 'horizon';
    const f = bridgeFixture({
      network,
      database: leg,
      respond: (req) => ({ status: req.path === '/receive' ? callbackStatus : 200 }),
    });
    let database: TestDatabase;
    let bridge: RunningBridge;
    let callbacks: Recorder;
    let compliance: Recorder;
    let receiving: Keypair;
    let second: Keypair;
    let sender: Keypair;
    let usdIssuer: Keypair;
    let eurIssuer: Keypair;
    let callbackStatus = 200;

    const receiveCalls = (id: string) =>
      callbacks.requests.filter((r) => r.path === '/receive' && r.form.id === id);
    const row = async (operationId: string) => {
      const db = createKnex(database);
      try {
        return await db('received_payment').where({ operation_id: operationId }).first();
      } finally {
        await db.destroy();
      }
    };
    const lastOpId = async (hash: string) => {
      const ops = await horizon(net).operations().forTransaction(hash).call();
      return ops.records[0]?.id as string;
    };

    beforeAll(async () => {
      if (leg.unavailable) return;
      ({ net, database, callbacks } = f);
      receiving = await funded(net);
      second = await funded(net);
      sender = await funded(net);
      ({ issuer: usdIssuer } = await issueAsset(net, 'USD', [sender, receiving]));
      ({ issuer: eurIssuer } = await issueAsset(net, 'EUR', [sender, receiving]));
      compliance = await recorder((req) => {
        if (req.path !== '/receive') return { status: 404 };
        const authData = {
          sender: 'alice*bank-a.test',
          need_info: false,
          tx: 'AAAA',
          attachment: JSON.stringify({ nonce: '1', transaction: { route: 'jed*stellar.org' } }),
        };
        return { status: 200, body: JSON.stringify({ data: JSON.stringify(authData) }) };
      });
      bridge = await f.start({
        compliance: compliance.url,
        mac_key: MAC_KEY,
        accounts: { receiving_account_id: receiving.publicKey() },
        assets: [{ code: 'USD', issuer: usdIssuer.publicKey() }, { code: 'XLM' }],
        callbacks: { receive: `${callbacks.url}/receive`, error: `${callbacks.url}/error` },
        listener: {
          receiving_accounts: [second.publicKey()],
          retry_min_ms: 50,
          retry_max_ms: 400,
          lock_retry_ms: 200,
        },
      });
      // The listener starts from "now": wait until both accounts are being followed.
      await until(() => bridge.bridge.listener?.states.get(receiving.publicKey())?.state === 'streaming');
      await until(() => bridge.bridge.listener?.states.get(second.publicKey())?.state === 'streaming');
    });
    afterAll(async () => {
      await compliance?.close();
    });

    it.skipIf(leg.unavailable)(
      'L-8/L-13 a text-memo payment reaches the callback with the legacy form and MAC → Success',
      async () => {
        const res = await payWithMemo(
          sender,
          receiving.publicKey(),
          '10',
          Memo.text('testing'),
          new Asset('USD', usdIssuer.publicKey()),
        );
        const opId = await lastOpId(res.hash);
        const [call] = await until(() => (receiveCalls(opId).length ? receiveCalls(opId) : undefined));
        expect(call?.form).toEqual({
          id: opId,
          from: sender.publicKey(),
          route: 'testing',
          amount: '10.0000000',
          asset_code: 'USD',
          asset_issuer: usdIssuer.publicKey(),
          memo_type: 'text',
          memo: 'testing',
          data: '',
          transaction_id: res.hash,
        });
        // Keys sorted as Go's url.Values.Encode, and the MAC over exactly those bytes.
        expect(call?.body.startsWith('amount=')).toBe(true);
        expect(
          verifyPayloadMac(MAC_KEY, call?.body as string, call?.headers['x-payload-mac'] as string),
        ).toBe(true);
        expect(call?.headers['x_payload_mac']).toBe(call?.headers['x-payload-mac']);
        await until(async () => (await row(opId))?.status === 'Success');
      },
    );

    it.skipIf(leg.unavailable)(
      'L-5/L-10 native payment without memo (XLM allowed) → Success; second receiving account too',
      async () => {
        const a = await payWithMemo(sender, receiving.publicKey(), '1');
        const b = await payWithMemo(sender, second.publicKey(), '2');
        const idA = await lastOpId(a.hash);
        const idB = await lastOpId(b.hash);
        const [callA] = await until(() => (receiveCalls(idA).length ? receiveCalls(idA) : undefined));
        await until(() => receiveCalls(idB).length > 0);
        expect(callA?.form).toMatchObject({
          memo_type: 'none',
          memo: '',
          route: '',
          asset_code: '',
          asset_issuer: '',
        });
        await until(async () => (await row(idB))?.status === 'Success');
      },
    );

    it.skipIf(leg.unavailable)(
      'a payment from one of our receiving accounts to another reaches the receiving side exactly once',
      async () => {
        // Both listeners see the operation: the sender's as its own outgoing operation, the
        // receiver's as an incoming payment. The first must not hide the second.
        const res = await payWithMemo(receiving, second.publicKey(), '3');
        const opId = await lastOpId(res.hash);
        const rows = async () => {
          const db = createKnex(database);
          try {
            return await db('received_payment').where({ operation_id: opId }).orderBy('id');
          } finally {
            await db.destroy();
          }
        };
        const expected = {
          ...(seesOutgoing ? { [receiving.publicKey()]: 'Operation type not permitted' } : {}),
          [second.publicKey()]: 'Success',
        };
        await until(async () => {
          const all = await rows();
          return all.length === Object.keys(expected).length && all.some((r) => r.status === 'Success');
        }, 20_000);
        const byAccount = Object.fromEntries((await rows()).map((r) => [r.account_id, r.status]));
        expect(byAccount).toEqual(expected);
        expect(receiveCalls(opId)).toHaveLength(1);
        expect(receiveCalls(opId)[0]?.form).toMatchObject({
          from: receiving.publicKey(),
          amount: '3.0000000',
          transaction_id: res.hash,
        });
      },
    );

    it.skipIf(leg.unavailable)(
      'L-4 asset not allowed → status and the error callback is called',
      async () => {
        const res = await payWithMemo(
          sender,
          receiving.publicKey(),
          '3',
          undefined,
          new Asset('EUR', eurIssuer.publicKey()),
        );
        const opId = await lastOpId(res.hash);
        const err = await until(() =>
          callbacks.requests.find((r) => r.path === '/error' && r.form.id === opId),
        );
        expect(err.form).toMatchObject({ error: 'Asset not allowed', asset_code: 'EUR' });
        expect((await row(opId))?.status).toBe('Asset not allowed');
        expect(receiveCalls(opId)).toHaveLength(0);
      },
    );

    // Horizon only: over RPC the listener reads credits to the account, never its outgoing operations.
    if (seesOutgoing)
      it.skipIf(leg.unavailable)(
        'L-2/L-3 outgoing create_account and payment are recorded, not delivered',
        async () => {
          const create = await submitOps(net, receiving, [
            Operation.createAccount({ destination: Keypair.random().publicKey(), startingBalance: '2' }),
          ]);
          const pay = await submitOps(net, receiving, [
            Operation.payment({ destination: sender.publicKey(), asset: Asset.native(), amount: '1' }),
          ]);
          const createId = await lastOpId(create.hash);
          const payId = await lastOpId(pay.hash);
          await until(async () => (await row(payId)) !== undefined);
          expect((await row(createId))?.status).toBe('Not a payment operation');
          expect((await row(payId))?.status).toBe('Operation type not permitted');
          expect(receiveCalls(createId)).toHaveLength(0);
        },
      );

    it.skipIf(leg.unavailable)(
      'path payments (strict receive and strict send) are delivered with the amount received',
      async () => {
        const res = await submitOps(net, sender, [
          Operation.pathPaymentStrictReceive({
            sendAsset: Asset.native(),
            sendMax: '5',
            destination: receiving.publicKey(),
            destAsset: Asset.native(),
            destAmount: '4',
            path: [],
          }),
          Operation.pathPaymentStrictSend({
            sendAsset: Asset.native(),
            sendAmount: '6',
            destination: receiving.publicKey(),
            destAsset: Asset.native(),
            destMin: '6',
            path: [],
          }),
        ]);
        const ops = (await horizon(net).operations().forTransaction(res.hash).call()).records;
        const first = await until(() => receiveCalls(ops[0]?.id as string)[0]);
        const secondCall = await until(() => receiveCalls(ops[1]?.id as string)[0]);
        expect(first.form.amount).toBe('4.0000000');
        expect(secondCall.form.amount).toBe('6.0000000');
      },
    );

    it.skipIf(leg.unavailable)(
      'L-9 account_merge → amount from the account_credited effect, asset XLM',
      async () => {
        const merged = await funded(net, '50');
        const res = await submitOps(net, merged, [
          Operation.accountMerge({ destination: receiving.publicKey() }),
        ]);
        const opId = await lastOpId(res.hash);
        const call = await until(() => receiveCalls(opId)[0]);
        expect(call.form).toMatchObject({ from: merged.publicKey(), asset_code: 'XLM', asset_issuer: '' });
        expect(Number(call.form.amount)).toBeGreaterThan(49);
      },
    );

    it.skipIf(leg.unavailable)(
      'L-11 hash memo → compliance /receive → data and route in the callback',
      async () => {
        const hash = Buffer.alloc(32, 9);
        const res = await payWithMemo(sender, receiving.publicKey(), '1', Memo.hash(hash.toString('hex')));
        const opId = await lastOpId(res.hash);
        const call = await until(() => receiveCalls(opId)[0]);
        expect(call.form.route).toBe('jed*stellar.org');
        expect(call.form.memo_type).toBe('hash');
        expect(call.form.memo).toBe(hash.toString('base64'));
        expect(JSON.parse(call.form.data as string)).toMatchObject({ sender: 'alice*bank-a.test' });
        const receive = compliance.requests.find(
          (r) => r.path === '/receive' && r.form.memo === hash.toString('base64'),
        );
        expect(
          verifyPayloadMac(MAC_KEY, receive?.body as string, receive?.headers['x-payload-mac'] as string),
        ).toBe(true);
      },
    );

    it.skipIf(leg.unavailable)(
      'L-7 + fault: callback down (503) → status and retries visible in admin; back up → delivered once recorded',
      async () => {
        callbackStatus = 503;
        const res = await payWithMemo(sender, receiving.publicKey(), '7');
        const opId = await lastOpId(res.hash);
        await until(async () => (await row(opId))?.status === 'Error response from receive callback');
        await until(
          () => callbacks.requests.filter((r) => r.path === '/receive#503' && r.form.id === opId).length >= 2,
        );
        const admin = (await (await fetch(`${bridge.url}/admin/received-payments`)).json()) as {
          operation_id: string;
          deliveries: { status: string; attempts: number; last_error: string }[];
        }[];
        const entry = admin.find((p) => p.operation_id === opId);
        expect(entry?.deliveries[0]).toMatchObject({
          status: 'pending',
          last_error: 'Error response from receive callback',
        });
        expect(entry?.deliveries[0]?.attempts).toBeGreaterThanOrEqual(1);
        callbackStatus = 200;
        await until(() => receiveCalls(opId).length > 0);
        await until(async () => (await row(opId))?.status === 'Success');
        const one = (await (
          await fetch(`${bridge.url}/admin/received-payments/${(await row(opId)).id}`)
        ).json()) as Record<string, unknown>;
        expect(one).toMatchObject({
          payment: { operation_id: opId, status: 'Success' },
          operation: { ID: opId, Amount: '7.0000000' },
        });
      },
    );

    it.skipIf(leg.unavailable)(
      'L-12 /reprocess: unknown op, success without force refused, with force delivered again',
      async () => {
        const res = await payWithMemo(sender, receiving.publicKey(), '1');
        const opId = await lastOpId(res.hash);
        await until(async () => (await row(opId))?.status === 'Success');
        const reprocess = (body: Record<string, string>) =>
          fetch(`${bridge.url}/reprocess`, {
            method: 'POST',
            headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
            body: new URLSearchParams(body).toString(),
          }).then(async (r) => ({ status: r.status, json: await r.json() }));
        expect(await reprocess({ operation_id: opId })).toEqual({
          status: 400,
          json: { status: 'error', message: 'Trying to reprocess successful transaction without force' },
        });
        const before = receiveCalls(opId).length;
        expect(await reprocess({ operation_id: opId, force: 'true' })).toEqual({
          status: 200,
          json: { status: 'ok' },
        });
        expect(receiveCalls(opId).length).toBe(before + 1);
        expect((await reprocess({ operation_id: '1' })).status).toBe(400);
      },
    );

    it.skipIf(leg.unavailable)(
      'L-1 every operation is recorded once; the cursor is persisted per account',
      async () => {
        const db = createKnex(database);
        try {
          const dupes = await db('received_payment')
            .select('account_id', 'operation_id', 'transaction_id')
            .count({ n: '*' })
            .groupBy('account_id', 'operation_id', 'transaction_id')
            .having(db.raw('count(*) > 1'));
          expect(dupes).toEqual([]);
          const cursors = await db('listener_cursor').select();
          expect(cursors.map((c) => c.account_id).sort()).toEqual(
            [receiving.publicKey(), second.publicKey()].sort(),
          );
        } finally {
          await db.destroy();
        }
      },
    );
  },
);
