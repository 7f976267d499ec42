// A payment `id` across bridge replicas and crashes: the id is claimed in the
// database, so two bridge instances over the same database that receive the same
// id concurrently build one transaction; a claim left by a crashed instance is
// taken over once stale, and a transaction recorded by a crashed instance is
// completed by replaying its envelope (never by building a second one); another writer's
// identical envelope that never reaches the network delays a payment, it does not fail it.
import { beforeAll, describe, expect, it } from 'vitest';
import { Account, Memo, Operation, Asset, TransactionBuilder, type Transaction } from '@stellar/stellar-sdk';
import { createKnex } from '@anchor/support';
import {
  bridgeFixture,
  bridgeLegs,
  capturingLogger,
  funded,
  horizon,
  postPayment,
  transactionsOf,
  useReplicas,
  xlmBalance,
  type RunningBridge,
} from './helpers.js';

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

describe.each(bridgeLegs({ horizon: ['sqlite3'], rpc: ['sqlite3'] }))(
  "another writer's identical envelope on $name",
  ({ database: leg, network }) => {
    const f = bridgeFixture({ network, database: leg, closeIntervalMs: 300 });
    const lines: Record<string, unknown>[] = [];
    let bridge: RunningBridge;
    beforeAll(async () => {
      if (leg.unavailable) return;
      const base = await funded(f.net, '1000');
      bridge = await f.start(
        { accounts: { base_seed: base.secret() } },
        { logger: capturingLogger(lines, 'warn') },
      );
    });

    it.skipIf(leg.unavailable)(
      'recorded but never sent, it holds the next sequence a few ledgers without using up the tx_bad_seq retries',
      async () => {
        const to = await funded(f.net, '100');
        const request = { destination: to.publicKey(), amount: '3' };
        const probe = await postPayment(bridge.url, { ...request, id: 'probe' });
        expect(probe.status).toBe(200);
        const [row] = await transactionsOf(f.database, 'probe');
        const built = TransactionBuilder.fromXDR(row.envelope_xdr, f.net.networkPassphrase) as Transaction;
        const timeout =
          Number(built.timeBounds?.maxTime) - Math.floor(new Date(row.submitted_at).getTime() / 1000);
        // What the bridge will build for the same payment over the next seconds, recorded as a
        // replica would just before dying: each sequence try meets it until the clock moves on.
        const sequence = (await horizon(f.net).loadAccount(built.source)).sequenceNumber();
        const now = Math.floor(Date.now() / 1000);
        const planted = [-1, 0, 1, 2, 3].map((k) => {
          const builder = new TransactionBuilder(new Account(built.source, sequence), {
            fee: built.fee,
            networkPassphrase: f.net.networkPassphrase,
            timebounds: { minTime: 0, maxTime: now + timeout + k },
            memo: built.memo,
          });
          for (const op of built.toEnvelope().v1().tx().operations()) builder.addOperation(op);
          return builder.build();
        });
        const db = createKnex(f.database);
        try {
          for (const tx of planted)
            await db('sent_transaction').insert({
              transaction_id: tx.hash().toString('hex'),
              status: 'sending',
              source: built.source,
              submitted_at: new Date(),
              envelope_xdr: tx.toEnvelope().toXDR('base64'),
              operation_count: 1,
            });
        } finally {
          await db.destroy();
        }
        lines.length = 0;
        const paid = await postPayment(bridge.url, { ...request, id: 'after-a-dead-writer' });
        expect(paid.status, JSON.stringify(paid.json)).toBe(200);
        expect(lines.some((l) => String(l.message).startsWith('identical envelope already recorded'))).toBe(
          true,
        );
        expect(planted.map((tx) => tx.hash().toString('hex'))).not.toContain(paid.json.hash);
        const ops = await horizon(f.net).payments().forAccount(to.publicKey()).limit(200).call();
        expect(ops.records.filter((r) => r.type === 'payment')).toHaveLength(2);
      },
    );
  },
);
