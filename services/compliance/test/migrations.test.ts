// The compliance migrations on every database leg: up to latest, the unique
// constraints replay protection and idempotency rely on, every down() back to
// the schema its migration started from (tables, columns, indexes), and up again.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Knex } from 'knex';
import {
  createKnex,
  isUniqueViolation,
  migrateLatest,
  migrateRollbackAll,
  pendingMigrations,
  type DatabaseType,
  type Migration,
} from '@anchor/support';
import { databaseLegs, type TestDatabase } from '@anchor/support/testing';
import { MIGRATIONS_TABLE, migrations } from '../src/migrations/index.js';

const SERVICE_TABLES = ['allowed_fi', 'allowed_user', 'auth_data', 'auth_nonce', 'authorized_transaction'];

/** Tables (without the migration history) → column and index descriptions, comparable across steps. */
type Schema = Record<string, { columns: Record<string, string>; indexes: Record<string, string> }>;

async function tablesOf(db: Knex, type: DatabaseType): Promise<string[]> {
  const sql = {
    sqlite3: `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'`,
    mysql: 'SELECT table_name AS name FROM information_schema.tables WHERE table_schema = DATABASE()',
    postgres: 'SELECT tablename AS name FROM pg_tables WHERE schemaname = current_schema()',
  }[type];
  const result = await db.raw(sql);
  const rows = (type === 'mysql' ? result[0] : type === 'postgres' ? result.rows : result) as {
    name: string;
  }[];
  return rows
    .map((r) => r.name)
    .filter((name) => !name.startsWith(MIGRATIONS_TABLE))
    .sort();
}

async function indexesOf(db: Knex, type: DatabaseType): Promise<Record<string, Record<string, string>>> {
  const sql = {
    sqlite3: `SELECT m.name AS table_name, il.name AS index_name, il."unique" AS is_unique,
                ii.name AS column_name, ii.seqno AS pos
              FROM sqlite_master m, pragma_index_list(m.name) il, pragma_index_info(il.name) ii
              WHERE m.type = 'table'`,
    mysql: `SELECT table_name AS table_name, index_name AS index_name, 1 - non_unique AS is_unique,
              column_name AS column_name, seq_in_index AS pos
            FROM information_schema.statistics WHERE table_schema = DATABASE()`,
    postgres: `SELECT t.relname AS table_name, i.relname AS index_name, ix.indisunique AS is_unique,
                 a.attname AS column_name, array_position(ix.indkey::int2[], a.attnum) AS pos
               FROM pg_index ix
               JOIN pg_class t ON t.oid = ix.indrelid
               JOIN pg_class i ON i.oid = ix.indexrelid
               JOIN pg_namespace n ON n.oid = t.relnamespace
               JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = ANY(ix.indkey)
               WHERE n.nspname = current_schema()`,
  }[type];
  const result = await db.raw(sql);
  const rows = (type === 'mysql' ? result[0] : type === 'postgres' ? result.rows : result) as {
    table_name: string;
    index_name: string;
    is_unique: unknown;
    column_name: string;
    pos: number | string;
  }[];
  const byIndex = new Map<string, { table: string; unique: boolean; columns: [number, string][] }>();
  for (const r of rows) {
    const key = `${r.table_name}.${r.index_name}`;
    const entry = byIndex.get(key) ?? {
      table: r.table_name,
      unique: Boolean(Number(r.is_unique)),
      columns: [],
    };
    entry.columns.push([Number(r.pos), r.column_name]);
    byIndex.set(key, entry);
  }
  const out: Record<string, Record<string, string>> = {};
  for (const [key, { table, unique, columns }] of byIndex) {
    const name = key.slice(table.length + 1);
    const cols = columns.sort((a, b) => a[0] - b[0]).map(([, c]) => c);
    (out[table] ??= {})[name] = `${unique ? 'unique ' : ''}(${cols.join(', ')})`;
  }
  return out;
}

async function schemaOf(db: Knex, type: DatabaseType): Promise<Schema> {
  const indexes = await indexesOf(db, type);
  const schema: Schema = {};
  for (const table of await tablesOf(db, type)) {
    const info = await db(table).columnInfo();
    const columns: Record<string, string> = {};
    for (const [name, c] of Object.entries(info)) {
      columns[name] =
        `${c.type}(${c.maxLength ?? ''}) ${c.nullable ? 'null' : 'not null'} default ${c.defaultValue}`;
    }
    schema[table] = { columns, indexes: indexes[table] ?? {} };
  }
  return schema;
}

/**
 * The migrations, each recording the schema after its up() and after its down(): the same
 * names, so the history table cannot tell them from the real ones.
 */
function recording(db: Knex, type: DatabaseType, afterEachDown?: (name: string) => Promise<void>) {
  const afterUp = new Map<string, Schema>();
  const afterDown = new Map<string, Schema>();
  const wrapped: Migration[] = migrations.map((m) => ({
    name: m.name,
    up: async (k) => {
      await m.up(k);
      afterUp.set(m.name, await schemaOf(db, type));
    },
    down: async (k) => {
      await m.down(k);
      afterDown.set(m.name, await schemaOf(db, type));
      await afterEachDown?.(m.name);
    },
  }));
  return { wrapped, afterUp, afterDown };
}

/** `row` inserts, `duplicate` is refused as a unique violation, each of `distinct` inserts. */
async function expectUnique(
  db: Knex,
  table: string,
  row: Record<string, unknown>,
  duplicate: Record<string, unknown>,
  distinct: Record<string, unknown>[] = [],
): Promise<void> {
  await db(table).insert(row);
  const err = await db(table)
    .insert({ ...row, ...duplicate })
    .then(
      () => undefined,
      (e: unknown) => e,
    );
  expect(isUniqueViolation(err), `${table}: duplicate of ${JSON.stringify(duplicate)} refused`).toBe(true);
  for (const other of distinct) await db(table).insert({ ...row, ...other });
}

const now = new Date('2026-11-24T12:00:00Z');

describe.each(databaseLegs())('compliance migrations on $type', (leg) => {
  let database: TestDatabase;
  let db: Knex;

  beforeAll(async () => {
    if (leg.unavailable) return;
    database = await leg.create();
    db = createKnex(database);
  });
  afterAll(async () => {
    await db?.destroy();
    await database?.drop();
  });

  it.skipIf(leg.unavailable)(
    'migrates up, rolls every step back to its previous schema, and up again',
    async () => {
      const names = migrations.map((m) => m.name);
      const empty = await schemaOf(db, leg.type);
      expect(Object.keys(empty)).toEqual([]);
      expect(await pendingMigrations(db, migrations, MIGRATIONS_TABLE)).toEqual(names);

      const first = recording(db, leg.type);
      expect(await migrateLatest(db, first.wrapped, MIGRATIONS_TABLE)).toEqual(names);
      const latest = await schemaOf(db, leg.type);
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
        db,
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
        db,
        'allowed_fi',
        { name: 'Bank A', domain: 'bank-a.test', public_key: 'G'.padEnd(56, 'A'), allowed_at: now },
        { public_key: 'G'.padEnd(56, 'B') },
      );
      const err = await db('allowed_fi')
        .insert({ name: 'Bank C', domain: 'bank-c.test', public_key: 'G'.padEnd(56, 'A'), allowed_at: now })
        .catch((e: unknown) => e);
      expect(isUniqueViolation(err)).toBe(true);
      await expectUnique(
        db,
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
        db,
        'auth_data',
        { request_id: 'req-1', domain: 'bank-a.test', auth_data: '{}' },
        { domain: 'bank-b.test' },
      );
      await expectUnique(
        db,
        'auth_nonce',
        { sender_domain: 'bank-a.test', nonce: 'n1', data_hash: 'c'.repeat(64), first_seen_at: now },
        { data_hash: 'd'.repeat(64) },
        [{ nonce: 'n2' }, { sender_domain: 'bank-b.test' }],
      );

      // Every down() leaves exactly the schema its up() started from.
      await migrateRollbackAll(db, first.wrapped, MIGRATIONS_TABLE);
      for (let i = names.length - 1; i >= 0; i--) {
        const before = i === 0 ? empty : first.afterUp.get(names[i - 1] as string);
        expect(first.afterDown.get(names[i] as string), `schema after rolling back ${names[i]}`).toEqual(
          before,
        );
      }
      expect(await tablesOf(db, leg.type)).toEqual([]);
      expect(await pendingMigrations(db, migrations, MIGRATIONS_TABLE)).toEqual(names);

      // And up again, to the same schema step by step.
      const second = recording(db, leg.type);
      expect(await migrateLatest(db, second.wrapped, MIGRATIONS_TABLE)).toEqual(names);
      for (const name of names)
        expect(second.afterUp.get(name), `schema after ${name}`).toEqual(first.afterUp.get(name));
      expect(await pendingMigrations(db, migrations, MIGRATIONS_TABLE)).toEqual([]);
    },
  );
});
