// A payment `id` across bridge replicas and crashes: the id is claimed in the
// database, so two bridge instances over the same database that receive the same
// id concurrently build one transaction; a claim left by a crashed instance is
// taken over once stale, and a transaction recorded by a crashed instance is
// completed by replaying its envelope (never by building a second one).
import { describe, expect, it } from 'vitest';
import { Account, Memo, Operation, Asset, TransactionBuilder } from '@stellar/stellar-sdk';
import { createKnex } from '@anchor/support';
import { bridgeLegs, funded, horizon, postPayment, useReplicas, xlmBalance } from './helpers.js';

const pay = postPayment;
const xlm = xlmBalance;

describe.each(bridgeLegs({ horizon: ['mysql', 'postgres'], rpc: ['mysql', 'postgres'] }))(
  'payment id idempotency across replicas on $name',
  ({ database: leg, network }) => {
    const r = useReplicas(leg, { submitter: { claim_stale_ms: 1_000 } }, network);

    const rowsFor = async (paymentId: string) => {
      const db = createKnex(r.database);
      try {
        const sent = await db('sent_payment').where({ payment_id: paymentId });
        const ids = sent.map((r) => r.sent_transaction_id).filter((x) => x !== null);
        const txs = ids.length ? await db('sent_transaction').whereIn('id', ids) : [];
        const legacy = await db('sent_transaction').where({ payment_id: paymentId });
        return { sent, txs, legacy };
      } finally {
        await db.destroy();
      }
    };

    it.skipIf(leg.unavailable)(
      'two bridge instances receiving the same id concurrently send exactly one transaction',
      async () => {
        const { net, a, b } = r;
        const to = await funded(net, '100');
        const before = await xlm(net, to.publicKey());
        const ids = ['dup-1', 'dup-2', 'dup-3'].map((i) => `${leg.type}-${i}`);
        const results = await Promise.all(
          ids.flatMap((id) =>
            [a, b, a, b].map((bridge) => pay(bridge.url, { id, destination: to.publicKey(), amount: '2' })),
          ),
        );
        expect(results.filter((r) => r.status !== 200)).toEqual([]);
        for (const [i, id] of ids.entries()) {
          const hashes = new Set(results.slice(i * 4, i * 4 + 4).map((r) => r.json.hash));
          expect(hashes.size).toBe(1);
          const { sent, txs, legacy } = await rowsFor(id);
          expect(sent).toHaveLength(1);
          expect(txs).toHaveLength(1);
          expect(legacy).toHaveLength(1);
          expect(txs[0]).toMatchObject({ status: 'success', transaction_id: [...hashes][0] });
        }
        // Three ids of 2 XLM each: one transaction per id on the network.
        expect((await xlm(net, to.publicKey())) - before).toBeCloseTo(6, 5);
        const ops = await horizon(net).payments().forAccount(to.publicKey()).limit(200).call();
        expect(ops.records.filter((r) => r.type === 'payment')).toHaveLength(3);
      },
    );

    it.skipIf(leg.unavailable)(
      'a claim left by a crashed instance (no transaction recorded) is taken over once stale and paid once',
      async () => {
        const { net, database, a, b } = r;
        const to = await funded(net, '100');
        const id = `${leg.type}-crashed-claim`;
        const db = createKnex(database);
        try {
          await db('sent_payment').insert({
            payment_id: id,
            created_at: new Date(),
            claim_token: 'crashed-instance',
            claimed_at_ms: Date.now(),
          });
        } finally {
          await db.destroy();
        }
        const [r1, r2] = await Promise.all([
          pay(a.url, { id, destination: to.publicKey(), amount: '5' }),
          pay(b.url, { id, destination: to.publicKey(), amount: '5' }),
        ]);
        expect(r1.status).toBe(200);
        expect(r2.json.hash).toBe(r1.json.hash);
        expect(await xlm(net, to.publicKey())).toBeCloseTo(105, 5);
        const { sent, txs } = await rowsFor(id);
        expect(sent).toHaveLength(1);
        expect(txs).toHaveLength(1);
      },
    );

    it.skipIf(leg.unavailable)(
      'a transaction recorded by a crashed instance but never submitted is completed with that envelope',
      async () => {
        const { net, database, a, b, base } = r;
        const to = await funded(net, '100');
        const id = `${leg.type}-crashed-tx`;
        const account = await horizon(net).loadAccount(base.publicKey());
        const tx = new TransactionBuilder(new Account(base.publicKey(), account.sequenceNumber()), {
          fee: '100',
          networkPassphrase: net.networkPassphrase,
          memo: Memo.none(),
        })
          .addOperation(
            Operation.payment({
              destination: to.publicKey(),
              asset: Asset.native(),
              amount: '7',
              source: base.publicKey(),
            }),
          )
          .setTimeout(120)
          .build();
        tx.sign(base);
        const hash = tx.hash().toString('hex');
        const db = createKnex(database);
        try {
          const row = {
            transaction_id: hash,
            status: 'sending',
            source: base.publicKey(),
            submitted_at: new Date(),
            envelope_xdr: tx.toEnvelope().toXDR('base64'),
            payment_id: id,
            operation_count: 1,
          };
          const inserted =
            database.type === 'postgres'
              ? await db('sent_transaction').insert(row, ['id'])
              : await db('sent_transaction').insert(row);
          const first = inserted[0] as number | { id: number };
          const rowId = Number(typeof first === 'object' ? first.id : first);
          await db('sent_payment').insert({
            payment_id: id,
            created_at: new Date(),
            sent_transaction_id: rowId,
            operation_index: 0,
            claim_token: 'crashed-instance',
            claimed_at_ms: Date.now(),
          });
        } finally {
          await db.destroy();
        }
        const [r1, r2] = await Promise.all([
          pay(a.url, { id, destination: to.publicKey(), amount: '7' }),
          pay(b.url, { id, destination: to.publicKey(), amount: '7' }),
        ]);
        expect(r1).toMatchObject({ status: 200, json: { hash } });
        expect(r2).toMatchObject({ status: 200, json: { hash } });
        expect(await xlm(net, to.publicKey())).toBeCloseTo(107, 5);
        const { txs } = await rowsFor(id);
        expect(txs).toHaveLength(1);
      },
    );
  },
);
