// What makes the listener's catch-up fast must not cost exactness:
// - over RPC, a page that starts after an operation does not read that operation again (RPC adds
//   one to a cursor's uint32 event index, so a cursor ending in 4294967295 wraps back to it);
// - recordMany records a page in one transaction, and a page holding an operation recorded before
//   (a replay after a crash) still records the new ones, each once, with the cursor at the end;
// - acknowledgements written in batches mark each delivered row and its payment, and no other.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Asset, Operation } from '@stellar/stellar-sdk';
import { createSilentLogger, migrateLatest } from '@anchor/support';
import { databaseLegs, useLegDatabase } from '@anchor/support/testing';
import { RpcNetwork } from '../src/network/rpc-network.js';
import { KnexReceivedPaymentStore, type RecordOperation } from '../src/stores/received-payment.store.js';
import { migrations, MIGRATIONS_TABLE } from '../src/migrations/index.js';
import { funded, localnet, submitOps, type Localnet } from './helpers.js';

describe('RPC catch-up pages', () => {
  let net: Localnet;
  beforeAll(async () => {
    net = await localnet();
  });
  afterAll(async () => {
    await net.close();
  });

  it('a page after an operation starts with the next operation, even inside one transaction', async () => {
    const sender = await funded(net);
    const receiving = await funded(net);
    const payment = Operation.payment({
      destination: receiving.publicKey(),
      asset: Asset.native(),
      amount: '1',
    });
    await submitOps(net, sender, [payment, payment, payment, payment, payment]);
    const rpc = new RpcNetwork({
      url: net.rpcUrl,
      networkPassphrase: net.networkPassphrase,
      logger: createSilentLogger(),
      pollIntervalMs: 50,
      submitTimeoutMs: 5_000,
    });
    const seen: string[] = [];
    let cursor = '0';
    for (let pages = 0; pages < 10; pages++) {
      const page = await rpc.paymentsPage(receiving.publicKey(), cursor, 2);
      seen.push(...page.map((r) => r.id));
      const last = page[page.length - 1];
      if (!last) break;
      cursor = last.paging_token;
    }
    // The five payments and the friendbot funding, each once, in order.
    expect(seen).toHaveLength(6);
    expect(new Set(seen).size).toBe(6);
    expect([...seen].sort((a, b) => (BigInt(a) < BigInt(b) ? -1 : 1))).toEqual(seen);
  });
});

describe.each(databaseLegs(['sqlite3', 'mysql', 'postgres']))('batched recording on $type', (leg) => {
  const fresh = useLegDatabase(leg);
  const account = 'GAKSSROV6G4OTAPQ6HVDIMPBT5EVSX5273RKU45JFQAP5JUDQNA47HGK';
  const op = (n: number): RecordOperation => ({
    accountId: account,
    operationId: String(n),
    pagingToken: String(n),
    transactionId: `tx-${n}`,
    status: 'Waiting for delivery',
    deliveries: [{ kind: 'receive', payload: JSON.stringify({ id: String(n) }) }],
  });

  it.skipIf(leg.unavailable)(
    'a page with a replayed operation records the new ones once and ends the cursor at the last',
    async () => {
      const { db } = fresh;
      await migrateLatest(db, migrations, MIGRATIONS_TABLE);
      const store = new KnexReceivedPaymentStore(db);
      expect(await store.recordMany([op(1), op(2)])).toEqual([true, true]);
      expect(await store.getCursor(account)).toBe('2');
      // Operation 2 again at the head of the next page, as a replay after a crash reads it.
      expect(await store.recordMany([op(2), op(3), op(4)])).toEqual([false, true, true]);
      expect(await store.getCursor(account)).toBe('4');
      const received = await db('received_payment').orderBy('id').pluck('operation_id');
      expect(received).toEqual(['1', '2', '3', '4']);
      const outbox = await db('delivery_outbox').orderBy('id').pluck('operation_id');
      expect(outbox).toEqual(['1', '2', '3', '4']);

      // Two of the four acknowledged in one batch: exactly those rows and their payments.
      const due = await store.dueDeliveries([account], 'fresh', Date.now(), 10, []);
      await store.markDelivered(due.filter((r) => r.operation_id === '2' || r.operation_id === '4'));
      const rows = await db('delivery_outbox').orderBy('id').select('operation_id', 'status', 'attempts');
      expect(rows.map((r) => [r.operation_id, r.status, Number(r.attempts)])).toEqual([
        ['1', 'pending', 0],
        ['2', 'delivered', 1],
        ['3', 'pending', 0],
        ['4', 'delivered', 1],
      ]);
      const statuses = await db('received_payment').orderBy('id').pluck('status');
      expect(statuses).toEqual(['Waiting for delivery', 'Success', 'Waiting for delivery', 'Success']);
    },
  );

  it.skipIf(leg.unavailable)(
    "records a page of more rows than one INSERT may hold (SQLite's 500-term compound select)",
    async () => {
      const { db } = fresh;
      await migrateLatest(db, migrations, MIGRATIONS_TABLE);
      const store = new KnexReceivedPaymentStore(db);
      const page = Array.from({ length: 600 }, (_, i) => op(1_000 + i));
      expect(await store.recordMany(page)).toEqual(page.map(() => true));
      expect(await store.getCursor(account)).toBe('1599');
      const queued = await db('delivery_outbox').pluck('operation_id');
      expect(page.filter((o) => queued.includes(o.operationId))).toHaveLength(600);
    },
  );
});
