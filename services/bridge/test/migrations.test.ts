// The bridge migrations on every database leg: up to latest, the unique
// constraints idempotency relies on, every down() back to the schema its
// migration started from (tables, columns, indexes) even with rows the older
// constraints would refuse, and up again.
import { describe, expect, it } from 'vitest';
import type { Knex } from 'knex';
import {
  isUniqueViolation,
  migrateLatest,
  migrateRollbackAll,
  pendingMigrations,
  type DatabaseType,
} from '@anchor/support';
import {
  databaseLegs,
  useLegDatabase,
  expectUnique,
  recordingMigrations,
  schemaOf as sharedSchemaOf,
  tablesOf as sharedTablesOf,
} from '@anchor/support/testing';
import { MIGRATIONS_TABLE, migrations } from '../src/migrations/index.js';

const SERVICE_TABLES = [
  'claimable_balance',
  'delivery_outbox',
  'listener_cursor',
  'listener_lease',
  'received_payment',
  'sent_payment',
  'sent_transaction',
];

const tablesOf = (db: Knex, type: DatabaseType) => sharedTablesOf(db, type, MIGRATIONS_TABLE);
const schemaOf = (db: Knex, type: DatabaseType) => sharedSchemaOf(db, type, MIGRATIONS_TABLE);
const recording = (db: Knex, type: DatabaseType, afterEachDown?: (name: string) => Promise<void>) =>
  recordingMigrations(db, type, migrations, MIGRATIONS_TABLE, afterEachDown);

const now = new Date('2026-11-24T12:00:00Z');
const ACCOUNT_A = 'G'.padEnd(56, 'A');
const ACCOUNT_B = 'G'.padEnd(56, 'B');
const HASH_1 = '1'.repeat(64);
const HASH_2 = '2'.repeat(64);

describe.each(databaseLegs())('bridge migrations on $type', (leg) => {
  const fresh = useLegDatabase(leg);

  it.skipIf(leg.unavailable)(
    'migrates up, rolls every step back to its previous schema, and up again',
    async () => {
      const names = migrations.map((m) => m.name);
      const empty = await schemaOf(fresh.db, leg.type);
      expect(Object.keys(empty)).toEqual([]);
      expect(await pendingMigrations(fresh.db, migrations, MIGRATIONS_TABLE)).toEqual(names);

      // What the lossy rollback of 004 keeps: the first recorded row per operation id (and kind).
      const kept: Record<string, unknown[]> = {};
      const first = recording(fresh.db, leg.type, async (name) => {
        if (name !== '20261124_004_received_identity') return;
        kept.received_payment = await fresh
          .db('received_payment')
          .select('account_id', 'transaction_id')
          .orderBy('id');
        kept.delivery_outbox = await fresh.db('delivery_outbox').select('account_id', 'kind').orderBy('id');
      });
      expect(await migrateLatest(fresh.db, first.wrapped, MIGRATIONS_TABLE)).toEqual(names);
      const latest = await schemaOf(fresh.db, leg.type);
      expect(Object.keys(latest)).toEqual(SERVICE_TABLES);
      expect(latest.sent_transaction?.indexes).toMatchObject({
        payment_id_unique: 'unique (payment_id)',
        sent_transaction_hash_unique: 'unique (transaction_id)',
      });
      expect(latest.sent_transaction?.indexes).not.toHaveProperty('sent_transaction_by_hash');
      expect(latest.received_payment?.indexes).toMatchObject({
        received_payment_identity_unique: 'unique (account_id, operation_id, transaction_id)',
        received_payment_by_operation: '(operation_id)',
      });
      expect(latest.received_payment?.indexes).not.toHaveProperty('received_payment_operation_id_unique');
      expect(latest.sent_payment?.indexes).toMatchObject({
        sent_payment_payment_id_unique: 'unique (payment_id)',
      });
      expect(latest.sent_payment?.columns).toHaveProperty('claim_token');
      expect(latest.sent_payment?.columns).toHaveProperty('claimed_at_ms');
      expect(latest.sent_payment?.columns).toHaveProperty('request_fingerprint');
      expect(latest.delivery_outbox?.indexes).toMatchObject({
        delivery_outbox_identity_unique: 'unique (account_id, operation_id, transaction_id, kind)',
        delivery_outbox_by_operation: '(operation_id)',
        delivery_outbox_lane_due: '(status, account_id, lane, next_attempt_ms, id)',
      });
      expect(latest.delivery_outbox?.columns).toHaveProperty('lane');
      expect(latest.delivery_outbox?.indexes).not.toHaveProperty('delivery_outbox_due');
      expect(latest.delivery_outbox?.indexes).not.toHaveProperty('delivery_outbox_lanes');
      expect(latest.delivery_outbox?.indexes).not.toHaveProperty('delivery_outbox_operation_kind_unique');

      // The constraints themselves, as the submitter and the listener rely on them.
      await expectUnique(
        fresh.db,
        'sent_transaction',
        {
          transaction_id: HASH_1,
          status: 'success',
          source: ACCOUNT_A,
          submitted_at: now,
          envelope_xdr: 'AAAA',
          payment_id: 'pay-1',
        },
        { payment_id: 'pay-2' },
      );
      const sameId = await fresh
        .db('sent_transaction')
        .insert({
          transaction_id: HASH_2,
          status: 'sending',
          source: ACCOUNT_A,
          submitted_at: now,
          envelope_xdr: 'AAAA',
          payment_id: 'pay-1',
        })
        .catch((e: unknown) => e);
      expect(isUniqueViolation(sameId)).toBe(true);
      await expectUnique(fresh.db, 'sent_payment', { payment_id: 'pay-1', created_at: now }, {});
      await expectUnique(
        fresh.db,
        'listener_cursor',
        { account_id: ACCOUNT_A, cursor: '1', updated_at: now },
        { cursor: '2' },
      );
      await expectUnique(
        fresh.db,
        'listener_lease',
        { account_id: ACCOUNT_A, holder: 'h1', expires_ms: 1 },
        { holder: 'h2' },
      );
      // Distinct under the current identity, the same operation id under the older one: a payment
      // between two of our accounts, and an operation id repeated after a network reset.
      await expectUnique(
        fresh.db,
        'received_payment',
        {
          operation_id: '100',
          processed_at: now,
          paging_token: '100',
          status: 'success',
          transaction_id: HASH_1,
          account_id: ACCOUNT_A,
        },
        { paging_token: '101' },
        [{ account_id: ACCOUNT_B }, { transaction_id: HASH_2 }],
      );
      await expectUnique(
        fresh.db,
        'delivery_outbox',
        {
          operation_id: '100',
          kind: 'receive',
          account_id: ACCOUNT_A,
          transaction_id: HASH_1,
          payload: '{}',
          status: 'pending',
          next_attempt_ms: 0,
          created_at: now,
        },
        { payload: '{"again":true}' },
        [{ account_id: ACCOUNT_B }, { transaction_id: HASH_2 }, { kind: 'sent' }],
      );

      // Every down() leaves exactly the schema its up() started from, with those rows in place.
      await migrateRollbackAll(fresh.db, first.wrapped, MIGRATIONS_TABLE);
      for (let i = names.length - 1; i >= 0; i--) {
        const before = i === 0 ? empty : first.afterUp.get(names[i - 1] as string);
        expect(first.afterDown.get(names[i] as string), `schema after rolling back ${names[i]}`).toEqual(
          before,
        );
      }
      expect(kept).toEqual({
        received_payment: [{ account_id: ACCOUNT_A, transaction_id: HASH_1 }],
        delivery_outbox: [
          { account_id: ACCOUNT_A, kind: 'receive' },
          { account_id: ACCOUNT_A, kind: 'sent' },
        ],
      });
      expect(await tablesOf(fresh.db, leg.type)).toEqual([]);
      expect(await pendingMigrations(fresh.db, migrations, MIGRATIONS_TABLE)).toEqual(names);

      // And up again, to the same schema step by step.
      const second = recording(fresh.db, leg.type);
      expect(await migrateLatest(fresh.db, second.wrapped, MIGRATIONS_TABLE)).toEqual(names);
      for (const name of names)
        expect(second.afterUp.get(name), `schema after ${name}`).toEqual(first.afterUp.get(name));
      expect(await pendingMigrations(fresh.db, migrations, MIGRATIONS_TABLE)).toEqual([]);
    },
  );
});
