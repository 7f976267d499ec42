// The outbox's two lanes as stored (migration 009), on every database leg:
// - a delivery waits in the fresh lane until its first attempt and in the retry lane after, and
//   rows queued before 009 are put in the lane their attempts say;
// - each lane is served soonest due first, across accounts, and nextDueMs is the soonest of any;
// - with a large backlog in both lanes every query of the delivery loop seeks the lane index and
//   sorts nothing (before 009 the retry lane read every retry row on each pass).
import { describe, expect, it } from 'vitest';
import type { Knex } from 'knex';
import { migrateLatest, type DatabaseType } from '@anchor/support';
import { databaseLegs, useLegDatabase } from '@anchor/support/testing';
import { migrations, MIGRATIONS_TABLE } from '../src/migrations/index.js';
import {
  KnexReceivedPaymentStore,
  type OutboxRow,
  type RecordOperation,
} from '../src/stores/received-payment.store.js';

const ACCOUNT_A = 'GAKSSROV6G4OTAPQ6HVDIMPBT5EVSX5273RKU45JFQAP5JUDQNA47HGK';
const ACCOUNT_B = 'GBT5FAH2GOMYTMJYZ4A7PIIMOSUTO4NDFIFK4FNNFYKTYNNRHWV3IAYW';
const BEFORE_LANE_COLUMN = migrations.findIndex((m) => m.name === '20261202_009_delivery_lane_column');

const op = (accountId: string, n: number): RecordOperation => ({
  accountId,
  operationId: String(n),
  pagingToken: String(n),
  transactionId: `tx-${n}`,
  status: 'Waiting for delivery',
  deliveries: [{ kind: 'receive', payload: JSON.stringify({ id: String(n) }) }],
});

const ids = (rows: OutboxRow[]) => rows.map((r) => r.operation_id);

/** The plan of one captured query, as the database prints it. */
async function planOf(
  db: Knex,
  type: DatabaseType,
  sql: string,
  bindings: readonly unknown[],
): Promise<string> {
  const positional = type === 'postgres' ? sql.replace(/\$\d+/g, '?') : sql;
  const explain = type === 'sqlite3' ? 'EXPLAIN QUERY PLAN' : 'EXPLAIN';
  const result = (await db.raw(`${explain} ${positional}`, bindings as Knex.RawBinding[])) as unknown;
  const rows = (
    type === 'mysql'
      ? (result as unknown[][])[0]
      : type === 'postgres'
        ? (result as { rows: unknown[] }).rows
        : result
  ) as Record<string, unknown>[];
  return rows.map((r) => JSON.stringify(r)).join('\n');
}

describe.each(databaseLegs())('outbox lanes on $type', (leg) => {
  const fresh = useLegDatabase(leg);

  it.skipIf(leg.unavailable)(
    'puts rows queued before migration 009 in the lane their attempts say',
    async () => {
      const { db } = fresh;
      await migrateLatest(db, migrations.slice(0, BEFORE_LANE_COLUMN), MIGRATIONS_TABLE);
      const row = {
        account_id: ACCOUNT_A,
        kind: 'receive',
        payload: '{}',
        status: 'pending',
        created_at: new Date(),
      };
      await db('delivery_outbox').insert([
        { ...row, operation_id: '1', transaction_id: 'tx-1', attempts: 0, next_attempt_ms: 1 },
        { ...row, operation_id: '2', transaction_id: 'tx-2', attempts: 3, next_attempt_ms: 1 },
      ]);
      await migrateLatest(db, migrations, MIGRATIONS_TABLE);
      expect(await db('delivery_outbox').orderBy('operation_id').select('operation_id', 'lane')).toEqual([
        { operation_id: '1', lane: 'fresh' },
        { operation_id: '2', lane: 'retry' },
      ]);
      await db('delivery_outbox').delete();
    },
  );

  it.skipIf(leg.unavailable)(
    'moves a delivery to the retry lane at its first attempt and serves each lane soonest due first',
    async () => {
      const { db } = fresh;
      await migrateLatest(db, migrations, MIGRATIONS_TABLE);
      const store = new KnexReceivedPaymentStore(db);
      await store.recordMany([op(ACCOUNT_A, 1), op(ACCOUNT_A, 2)]);
      await store.recordMany([op(ACCOUNT_B, 3)]);
      const both = [ACCOUNT_A, ACCOUNT_B];
      // Far enough ahead that a row retried from the admin API (due at its Date.now()) is due first.
      const now = Date.now() + 60_000;
      expect(ids(await store.dueDeliveries(both, 'fresh', now, 10, []))).toEqual(['1', '2', '3']);
      expect(ids(await store.dueDeliveries(both, 'retry', now, 10, []))).toEqual([]);

      const [one, two, three] = await store.dueDeliveries(both, 'fresh', now, 10, []);
      await store.markAttemptFailed(one as OutboxRow, now - 100, 'down');
      await store.markAttemptFailed(three as OutboxRow, now - 200, 'down');
      expect(ids(await store.dueDeliveries(both, 'fresh', now, 10, []))).toEqual(['2']);
      // Account B's retry is due first, so it leads the merged lane and wins a single slot.
      expect(ids(await store.dueDeliveries(both, 'retry', now, 10, []))).toEqual(['3', '1']);
      expect(ids(await store.dueDeliveries(both, 'retry', now, 1, []))).toEqual(['3']);
      expect(ids(await store.dueDeliveries(both, 'retry', now, 10, [(three as OutboxRow).id]))).toEqual([
        '1',
      ]);
      expect(await store.nextDueMs(both, ['retry'])).toBe(now - 200);
      expect(await store.nextDueMs(both, ['fresh'])).toBe((two as OutboxRow).next_attempt_ms);
      expect(await store.nextDueMs([ACCOUNT_A], ['retry'])).toBe(now - 100);
      expect(await store.nextDueMs(both, [])).toBeUndefined();

      // Delivered, dead and retried from the admin API: whatever had an attempt stays a retry.
      await store.markDelivered([two as OutboxRow]);
      await store.requeue({ ...keyOf(two as OutboxRow), kind: 'receive', payload: '{}' }, now - 300);
      await store.markDead((await store.findDelivery((one as OutboxRow).id)) as OutboxRow, 'refused');
      await store.retryDeliveries({ status: 'dead' });
      expect(ids(await store.dueDeliveries(both, 'retry', now, 10, []))).toEqual(['1', '2', '3']);
      expect(ids(await store.dueDeliveries(both, 'fresh', now, 10, []))).toEqual([]);
      await db('delivery_outbox').delete();
    },
  );

  it.skipIf(leg.unavailable)(
    'with thousands waiting in each lane, every query of the delivery loop seeks the lane index and sorts nothing',
    async () => {
      const { db } = fresh;
      await migrateLatest(db, migrations, MIGRATIONS_TABLE);
      const store = new KnexReceivedPaymentStore(db);
      const now = Date.now();
      const rows = Array.from({ length: 6_000 }, (_, i) => ({
        operation_id: String(1_000_000 + i),
        transaction_id: `tx-${i}`,
        kind: 'receive',
        account_id: i % 10 === 0 ? ACCOUNT_B : ACCOUNT_A,
        payload: '{}',
        status: i % 7 === 0 ? 'delivered' : 'pending',
        attempts: i % 2 === 0 ? 0 : 1 + (i % 9),
        lane: i % 2 === 0 ? 'fresh' : 'retry',
        next_attempt_ms: i % 2 === 0 ? now - 60_000 + i : now + 60_000 - i,
        created_at: new Date(),
      }));
      for (let i = 0; i < rows.length; i += 400) await db('delivery_outbox').insert(rows.slice(i, i + 400));
      // The servers' planners work from statistics, which their background analysis keeps.
      if (leg.type === 'postgres') await db.raw('ANALYZE delivery_outbox');
      if (leg.type === 'mysql') await db.raw('ANALYZE TABLE delivery_outbox');

      const queries: { sql: string; bindings: readonly unknown[] }[] = [];
      const capture = (q: { sql: string; bindings?: readonly unknown[] }) =>
        queries.push({ sql: q.sql, bindings: q.bindings ?? [] });
      db.on('query', capture);
      const accounts = [ACCOUNT_A, ACCOUNT_B];
      const fresh8 = await store.dueDeliveries(accounts, 'fresh', now + 120_000, 8, [1, 2]);
      const retry4 = await store.dueDeliveries(accounts, 'retry', now + 120_000, 4, []);
      await store.nextDueMs(accounts, ['fresh', 'retry']);
      db.off('query', capture);
      expect(fresh8).toHaveLength(8);
      expect(retry4.map((r) => r.attempts > 0)).toEqual([true, true, true, true]);
      expect(queries).toHaveLength(2 + 2 + 4);

      for (const q of queries) {
        const plan = await planOf(db, leg.type, q.sql, q.bindings);
        expect(plan, q.sql).toContain('delivery_outbox_lane_due');
        if (leg.type === 'sqlite3') expect(plan, q.sql).not.toMatch(/TEMP B-TREE/);
        if (leg.type === 'mysql') expect(plan, q.sql).not.toMatch(/filesort/i);
        if (leg.type === 'postgres') expect(plan, q.sql).not.toMatch(/Sort|Seq Scan/);
      }
      await db('delivery_outbox').delete();
    },
  );
});

function keyOf(row: OutboxRow) {
  return {
    accountId: row.account_id,
    operationId: row.operation_id,
    transactionId: row.transaction_id ?? 'N/A',
  };
}
