// A payment `id` reused with other parameters (issue 13, finding 7): the id
// keeps the fingerprint of the request that claimed it, so a second /payment
// with the same id and the same payment (however it is written) answers the
// first outcome, and one with another amount, destination, asset, memo, source
// or compliance flag is 409 payment_id_conflict with nothing sent. Two
// concurrent requests with one id and different parameters, on one bridge or
// on two bridges over one database, make exactly one transaction.
import { describe, expect, it } from 'vitest';
import { createKnex } from '@anchor/support';
import { bridgeLegs, funded, horizon, postPayment, transactionsOf, useReplicas } from './helpers.js';

describe.each(
  bridgeLegs({ horizon: ['sqlite3', 'mysql', 'postgres'], rpc: ['sqlite3', 'mysql', 'postgres'] }),
)('payment id reused with other parameters on $name', ({ database: leg, network }) => {
  const r = useReplicas(leg, { submitter: { claim_stale_ms: 1_000 } }, network);

  const paymentsTo = async (account: string) =>
    (await horizon(r.net).payments().forAccount(account).limit(200).call()).records.filter(
      (r) => r.type === 'payment' && (r as { to?: string }).to === account,
    );
  const transactionsFor = (paymentId: string) => transactionsOf(r.database, paymentId);

  it.skipIf(leg.unavailable)(
    'answers the first outcome for the same payment and 409 for every other parameter',
    async () => {
      const { net, a, b, base } = r;
      const to = await funded(net, '100');
      const other = await funded(net, '100');
      const payer = await funded(net, '1000');
      const id = `${leg.type}-reused`;
      const first = { id, destination: to.publicKey(), amount: '2', memo_type: 'text', memo: 'invoice 7' };
      const paid = await postPayment(a.url, first);
      expect(paid.status).toBe(200);

      // The same payment, written differently and asked of the other replica: its first outcome.
      const same = await postPayment(b.url, { ...first, amount: '2.0000000', source: base.secret() });
      expect(same).toMatchObject({ status: 200, json: { hash: paid.json.hash } });

      const variations: Record<string, Record<string, string>> = {
        amount: { amount: '3' },
        destination: { destination: other.publicKey() },
        memo: { memo: 'invoice 8' },
        memo_type: { memo_type: 'id', memo: '7' },
        asset: { asset_code: 'USD', asset_issuer: other.publicKey() },
        source: { source: payer.secret() },
        use_compliance: { use_compliance: 'true' },
      };
      for (const [what, change] of Object.entries(variations)) {
        for (const bridge of [a, b]) {
          const res = await postPayment(bridge.url, { ...first, ...change });
          expect(res, what).toMatchObject({
            status: 409,
            json: { code: 'payment_id_conflict', data: { name: 'id' } },
          });
          expect(String(res.json.message)).toContain('use a new id');
        }
      }
      expect(await transactionsFor(id)).toHaveLength(1);
      expect(await paymentsTo(to.publicKey())).toHaveLength(1);
      expect(await paymentsTo(other.publicKey())).toHaveLength(0);
    },
  );

  it.skipIf(leg.unavailable)(
    'two concurrent requests with one id and different amounts: one transaction, the other 409',
    async () => {
      const { net, a, b } = r;
      const to = await funded(net, '100');
      for (const [name, pair] of [
        ['one bridge', [a, a]],
        ['two bridges', [a, b]],
      ] as const) {
        const id = `${leg.type}-concurrent-${name.replace(' ', '-')}`;
        const results = await Promise.all(
          pair.map((bridge, i) =>
            postPayment(bridge.url, { id, destination: to.publicKey(), amount: String(i + 1) }),
          ),
        );
        const statuses = results.map((r) => r.status).sort();
        expect(statuses, name).toEqual([200, 409]);
        expect(results.find((r) => r.status === 409)?.json).toMatchObject({ code: 'payment_id_conflict' });
        expect(await transactionsFor(id), name).toHaveLength(1);
      }
      expect(await paymentsTo(to.publicKey())).toHaveLength(2);
    },
  );

  it.skipIf(leg.unavailable)(
    'a stale claim that recorded nothing frees the id for other parameters; an old row without a fingerprint replays',
    async () => {
      const { net, database, a, b } = r;
      const to = await funded(net, '100');
      const stale = `${leg.type}-stale-other`;
      const legacy = `${leg.type}-no-fingerprint`;
      const db = createKnex(database);
      try {
        await db('sent_payment').insert({
          payment_id: stale,
          created_at: new Date(),
          claim_token: 'crashed-instance',
          claimed_at_ms: Date.now() - 60_000,
          request_fingerprint: 'f'.repeat(64),
        });
      } finally {
        await db.destroy();
      }
      const taken = await postPayment(a.url, { id: stale, destination: to.publicKey(), amount: '1' });
      expect(taken.status).toBe(200);

      const paid = await postPayment(a.url, { id: legacy, destination: to.publicKey(), amount: '1' });
      expect(paid.status).toBe(200);
      const db2 = createKnex(database);
      try {
        await db2('sent_payment').where({ payment_id: legacy }).update({ request_fingerprint: null });
      } finally {
        await db2.destroy();
      }
      const replay = await postPayment(b.url, { id: legacy, destination: to.publicKey(), amount: '5' });
      expect(replay).toMatchObject({ status: 200, json: { hash: paid.json.hash } });
      expect(await paymentsTo(to.publicKey())).toHaveLength(2);
    },
  );
});
