// The compliance migrations on every database leg: up to latest, the unique
// constraints replay protection and idempotency rely on, every down() back to
// the schema its migration started from (tables, columns, indexes), and up again.
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

const SERVICE_TABLES = ['allowed_fi', 'allowed_user', 'auth_data', 'auth_nonce', 'authorized_transaction'];

const tablesOf = (db: Knex, type: DatabaseType) => sharedTablesOf(db, type, MIGRATIONS_TABLE);
const schemaOf = (db: Knex, type: DatabaseType) => sharedSchemaOf(db, type, MIGRATIONS_TABLE);
const recording = (db: Knex, type: DatabaseType, afterEachDown?: (name: string) => Promise<void>) =>
  recordingMigrations(db, type, migrations, MIGRATIONS_TABLE, afterEachDown);

const now = new Date('2026-11-24T12:00:00Z');

describe.each(databaseLegs())('compliance migrations on $type', (leg) => {
  const fresh = useLegDatabase(leg);

  it.skipIf(leg.unavailable)(
    'migrates up, rolls every step back to its previous schema, and up again',
    async () => {
      const names = migrations.map((m) => m.name);
      const empty = await schemaOf(fresh.db, leg.type);
      expect(Object.keys(empty)).toEqual([]);
      expect(await pendingMigrations(fresh.db, migrations, MIGRATIONS_TABLE)).toEqual(names);

      const first = recording(fresh.db, leg.type);
      expect(await migrateLatest(fresh.db, first.wrapped, MIGRATIONS_TABLE)).toEqual(names);
      const latest = await schemaOf(fresh.db, leg.type);
      expect(Object.keys(latest)).toEqual(SERVICE_TABLES);
      expect(latest.authorized_transaction?.indexes).toMatchObject({
        at_by_memo: '(memo)',
        at_by_transaction_id: 'unique (transaction_id)',
      });
      expect(latest.allowed_fi?.indexes).toMatchObject({
        afi_by_domain: 'unique (domain)',
        afi_by_public_key: 'unique (public_key)',
      });
      expect(latest.allowed_user?.indexes).toMatchObject({
        au_by_fi_public_key_user_id: 'unique (fi_public_key, user_id)',
        au_by_fi_domain_user_id: '(fi_domain, user_id)',
      });
      expect(latest.auth_data?.indexes).toMatchObject({ request_id: 'unique (request_id)' });
      expect(latest.auth_nonce?.indexes).toMatchObject({
        an_by_domain_nonce: 'unique (sender_domain, nonce)',
      });

      // The constraints themselves, as the stores rely on them.
      await expectUnique(
        fresh.db,
        'authorized_transaction',
        {
          transaction_id: 'a'.repeat(64),
          memo: 'bWVtbw==',
          transaction_xdr: 'AAAA',
          authorized_at: now,
          data: '{}',
        },
        { memo: 'b3RoZXI=' },
      );
      await expectUnique(
        fresh.db,
        'allowed_fi',
        { name: 'Bank A', domain: 'bank-a.test', public_key: 'G'.padEnd(56, 'A'), allowed_at: now },
        { public_key: 'G'.padEnd(56, 'B') },
      );
      const err = await fresh
        .db('allowed_fi')
        .insert({ name: 'Bank C', domain: 'bank-c.test', public_key: 'G'.padEnd(56, 'A'), allowed_at: now })
        .catch((e: unknown) => e);
      expect(isUniqueViolation(err)).toBe(true);
      await expectUnique(
        fresh.db,
        'allowed_user',
        {
          fi_name: 'Bank A',
          fi_domain: 'bank-a.test',
          fi_public_key: 'G'.padEnd(56, 'A'),
          user_id: 'alice',
          allowed_at: now,
        },
        { fi_domain: 'bank-a2.test' },
        [{ user_id: 'bob' }, { fi_public_key: 'G'.padEnd(56, 'B') }],
      );
      await expectUnique(
        fresh.db,
        'auth_data',
        { request_id: 'req-1', domain: 'bank-a.test', auth_data: '{}' },
        { domain: 'bank-b.test' },
      );
      await expectUnique(
        fresh.db,
        'auth_nonce',
        { sender_domain: 'bank-a.test', nonce: 'n1', data_hash: 'c'.repeat(64), first_seen_at: now },
        { data_hash: 'd'.repeat(64) },
        [{ nonce: 'n2' }, { sender_domain: 'bank-b.test' }],
      );

      // Every down() leaves exactly the schema its up() started from.
      await migrateRollbackAll(fresh.db, first.wrapped, MIGRATIONS_TABLE);
      for (let i = names.length - 1; i >= 0; i--) {
        const before = i === 0 ? empty : first.afterUp.get(names[i - 1] as string);
        expect(first.afterDown.get(names[i] as string), `schema after rolling back ${names[i]}`).toEqual(
          before,
        );
      }
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
