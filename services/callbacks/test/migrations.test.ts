// The callbacks migrations on every database leg: up to latest, the unique
// constraints exactly-once crediting relies on, every down() back to the schema
// its migration started from (tables, columns, indexes) even with rows the
// older constraints would refuse, and up again.
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
  'approval_requests',
  'customer_allowed_senders',
  'customer_balances',
  'customers',
  'incoming_payments',
  'operator_sessions',
  'rejected_payments',
  'sanctions_hits',
];

const tablesOf = (db: Knex, type: DatabaseType) => sharedTablesOf(db, type, MIGRATIONS_TABLE);
const schemaOf = (db: Knex, type: DatabaseType) => sharedSchemaOf(db, type, MIGRATIONS_TABLE);
const recording = (db: Knex, type: DatabaseType, afterEachDown?: (name: string) => Promise<void>) =>
  recordingMigrations(db, type, migrations, MIGRATIONS_TABLE, afterEachDown);

const NOW = '2026-11-24T12:00:00.000Z';
const ACCOUNT = 'G'.padEnd(56, 'A');
const HASH_1 = '1'.repeat(64);
const HASH_2 = '2'.repeat(64);

describe.each(databaseLegs())('callbacks migrations on $type', (leg) => {
  const fresh = useLegDatabase(leg);

  it.skipIf(leg.unavailable)(
    'migrates up, rolls every step back to its previous schema, and up again',
    async () => {
      const names = migrations.map((m) => m.name);
      const empty = await schemaOf(fresh.db, leg.type);
      expect(Object.keys(empty)).toEqual([]);
      expect(await pendingMigrations(fresh.db, migrations, MIGRATIONS_TABLE)).toEqual(names);

      // The rollback of 004 keeps every row; a later one with a reused payment id is renamed.
      const kept: Record<string, unknown[]> = {};
      const first = recording(fresh.db, leg.type, async (name) => {
        if (name !== '20261124_004_payment_identity') return;
        for (const table of ['incoming_payments', 'rejected_payments']) {
          kept[table] = await fresh.db(table).select('payment_id', 'transaction_id').orderBy('id');
        }
      });
      expect(await migrateLatest(fresh.db, first.wrapped, MIGRATIONS_TABLE)).toEqual(names);
      const latest = await schemaOf(fresh.db, leg.type);
      expect(Object.keys(latest)).toEqual(SERVICE_TABLES);
      expect(latest.customers?.indexes).toMatchObject({
        customers_route_unique: 'unique (route)',
        customers_name_domain_unique: 'unique (name, domain)',
        customers_account_id_index: '(account_id)',
      });
      expect(latest.customer_allowed_senders?.indexes).toMatchObject({
        allowed_senders_unique: 'unique (customer_id, fi_domain, user_name)',
      });
      expect(latest.customer_balances?.indexes).toMatchObject({
        balances_asset_unique: 'unique (customer_id, asset_code, asset_issuer)',
      });
      for (const table of ['incoming_payments', 'rejected_payments']) {
        expect(latest[table]?.indexes).toMatchObject({
          [`${table}_identity_unique`]: 'unique (payment_id, transaction_id)',
          [`${table}_transaction_id_index`]: '(transaction_id)',
        });
        expect(latest[table]?.indexes).not.toHaveProperty(`${table}_payment_id_unique`);
      }
      expect(latest.approval_requests?.indexes).toMatchObject({
        approval_requests_key_unique: 'unique (request_key)',
      });
      expect(latest.sanctions_hits?.indexes).toMatchObject({
        sanctions_hits_key_unique: 'unique (screening_key)',
      });

      // The constraints themselves, as crediting exactly once and the operator console rely on them.
      const customer = {
        name: 'alice',
        domain: 'bank-b.test',
        route: '1',
        account_id: ACCOUNT,
        first_name: 'Alice',
        last_name: 'Doe',
        address: '1 Main St',
        city: 'Town',
        country: 'US',
        date_of_birth: '1980-01-01',
        email: 'alice@example.com',
        created_at: NOW,
      };
      await expectUnique(fresh.db, 'customers', customer, { route: '2' }, [{ name: 'bob', route: '3' }]);
      const routeTaken = await fresh
        .db('customers')
        .insert({ ...customer, name: 'carol' })
        .catch((e: unknown) => e);
      expect(isUniqueViolation(routeTaken)).toBe(true);
      const { id: customerId } = (await fresh.db('customers').where({ name: 'alice' }).first('id')) as {
        id: number;
      };
      await expectUnique(
        fresh.db,
        'customer_allowed_senders',
        { customer_id: customerId, fi_domain: 'bank-a.test', user_name: '' },
        {},
        [{ user_name: 'sender' }, { fi_domain: 'bank-c.test' }],
      );
      await expectUnique(
        fresh.db,
        'customer_balances',
        {
          customer_id: customerId,
          asset_code: 'USD',
          asset_issuer: ACCOUNT,
          balance: '1.0000000',
          updated_at: NOW,
        },
        { balance: '2.0000000' },
        [{ asset_code: 'EUR' }],
      );
      // Distinct under the current identity, the same payment id under the older one: an
      // operation id reused after a network reset.
      await expectUnique(
        fresh.db,
        'incoming_payments',
        {
          payment_id: '100',
          customer_id: customerId,
          status: 'credited',
          amount: '1.0000000',
          asset_code: 'USD',
          transaction_id: HASH_1,
          received_at: NOW,
        },
        { amount: '2.0000000' },
        [{ transaction_id: HASH_2 }],
      );
      await expectUnique(
        fresh.db,
        'rejected_payments',
        { payment_id: '100', transaction_id: HASH_1, reason: 'no route', fields: '{}', received_at: NOW },
        { reason: 'again' },
        [{ transaction_id: HASH_2 }],
      );
      await expectUnique(
        fresh.db,
        'approval_requests',
        {
          request_key: 'k'.repeat(64),
          customer_id: customerId,
          sender_info: '{}',
          note: '',
          status: 'pending',
          created_at: NOW,
        },
        { status: 'approved' },
      );
      await expectUnique(
        fresh.db,
        'sanctions_hits',
        {
          screening_key: 's'.repeat(64),
          screened_name: 'x',
          sender_info: '{}',
          entry_id: '1',
          entry_name: 'x',
          kind: 'exact',
          score_permille: 1000,
          status: 'pending',
          created_at: NOW,
        },
        { status: 'cleared' },
      );
      await expectUnique(
        fresh.db,
        'operator_sessions',
        { id: 'o'.repeat(64), csrf_token: 'c'.repeat(64), created_at: NOW, expires_at: NOW },
        { csrf_token: 'd'.repeat(64) },
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
        incoming_payments: [
          { payment_id: '100', transaction_id: HASH_1 },
          { payment_id: `100:${HASH_2}`, transaction_id: HASH_2 },
        ],
        rejected_payments: [
          { payment_id: '100', transaction_id: HASH_1 },
          { payment_id: `100:${HASH_2}`, transaction_id: HASH_2 },
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
