// Who may submit for a payment id, as the store decides it, on every database leg: only the
// holder of the id's claim. A sent id whose holder is still working is 'busy' to everyone else
// (a holder refused with tx_bad_seq rebuilds, and its refused envelope, sent again by another
// request, could still land: the id would pay twice); once released it is replayed at once; once
// stale it is taken over, and the old holder can then record no rebuilt transaction.
import { beforeAll, describe, expect, it } from 'vitest';
import { migrateLatest } from '@anchor/support';
import { databaseLegs, useLegDatabase } from '@anchor/support/testing';
import { migrations, MIGRATIONS_TABLE } from '../src/migrations/index.js';
import {
  ClaimLostError,
  KnexSentTransactionStore,
  type NewSentTransaction,
} from '../src/stores/sent-transaction.store.js';

const SOURCE = 'GAKSSROV6G4OTAPQ6HVDIMPBT5EVSX5273RKU45JFQAP5JUDQNA47HGK';
const STALE_MS = 30_000;
const FINGERPRINT = 'a'.repeat(64);

const transaction = (paymentId: string, claimToken: string, n: number): NewSentTransaction => ({
  transactionId: `${paymentId}-tx-${n}`.padEnd(64, '0'),
  source: SOURCE,
  envelopeXdr: `envelope-${n}`,
  operationCount: 1,
  payments: [{ paymentId, operationIndex: 0, claimToken }],
});

describe.each(databaseLegs())('payment id claims on $type', (leg) => {
  const fresh = useLegDatabase(leg);
  let store: KnexSentTransactionStore;
  beforeAll(async () => {
    if (leg.unavailable) return;
    await migrateLatest(fresh.db, migrations, MIGRATIONS_TABLE);
    store = new KnexSentTransactionStore(fresh.db);
  });
  const claim = (id: string, token: string, nowMs: number) =>
    store.claimPayment(id, token, nowMs, STALE_MS, FINGERPRINT);
  /** `id` claimed by 'holder' at the time returned, with a first transaction recorded. */
  const sentByHolder = async (id: string) => {
    const t0 = Date.now();
    expect(await claim(id, 'holder', t0)).toEqual({ state: 'claimed' });
    await store.insert(transaction(id, 'holder', 1));
    return t0;
  };

  it.skipIf(leg.unavailable)(
    'a sent id is busy while its holder works, and replayed once released',
    async () => {
      const t0 = await sentByHolder('held');
      expect(await claim('held', 'other', t0 + 1)).toEqual({ state: 'busy' });

      // A refused envelope rebuilt by the holder: the id now names the rebuilt one.
      await store.insert(transaction('held', 'holder', 2));
      await store.releasePayment('held', 'holder');
      const replay = await claim('held', 'other', t0 + 2);
      expect(replay).toMatchObject({ state: 'sent', transaction: { envelope_xdr: 'envelope-2' } });
      // The replaying request holds the id in turn: one submitter at a time.
      expect(await claim('held', 'third', t0 + 3)).toEqual({ state: 'busy' });
      const row = await fresh.db('sent_payment').where({ payment_id: 'held' }).first();
      expect(row.claim_token).toBe('other');
    },
  );

  it.skipIf(leg.unavailable)(
    'a stale holder of a sent id is taken over and can record no rebuilt transaction',
    async () => {
      const t0 = await sentByHolder('stale');
      expect(await claim('stale', 'other', t0 + STALE_MS - 1)).toEqual({ state: 'busy' });
      expect(await claim('stale', 'other', t0 + STALE_MS + 1)).toMatchObject({
        state: 'sent',
        transaction: { envelope_xdr: 'envelope-1' },
      });
      await expect(store.insert(transaction('stale', 'holder', 2))).rejects.toBeInstanceOf(ClaimLostError);
      expect(await store.renewClaim('stale', 'holder', t0 + STALE_MS + 2)).toBe(false);
      const sent = await store.findPayment('stale');
      expect(sent?.transaction?.envelope_xdr).toBe('envelope-1');
    },
  );

  it.skipIf(leg.unavailable)('a released id that never got a transaction is forgotten', async () => {
    const t0 = Date.now();
    expect(await claim('bare', 'holder', t0)).toEqual({ state: 'claimed' });
    await store.releasePayment('bare', 'holder');
    expect(await store.findPayment('bare')).toBeUndefined();
    expect(await claim('bare', 'other', t0 + 1)).toEqual({ state: 'claimed' });
  });
});
