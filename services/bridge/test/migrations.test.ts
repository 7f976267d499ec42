// The bridge migrations on every database leg: up to latest, the unique
// constraints idempotency relies on, every down() back to the schema its
// migration started from (tables, columns, indexes) even with rows the older
// constraints would refuse, and up again.
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

const SERVICE_TABLES = [
  'delivery_outbox',
  'listener_cursor',
  'listener_lease',
  'received_payment',
  'sent_payment',
  'sent_transaction',
];

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
const ACCOUNT_A = 'G'.padEnd(56, 'A');
const ACCOUNT_B = 'G'.padEnd(56, 'B');
const HASH_1 = '1'.repeat(64);
const HASH_2 = '2'.repeat(64);

describe.each(databaseLegs())('bridge migrations on $type', (leg) => {
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

      // What the lossy rollback of 004 keeps: the first recorded row per operation id (and kind).
      const kept: Record<string, unknown[]> = {};
      const first = recording(db, leg.type, async (name) => {
        if (name !== '20261124_004_received_identity') return;
        kept.received_payment = await db('received_payment')
          .select('account_id', 'transaction_id')
          .orderBy('id');
        kept.delivery_outbox = await db('delivery_outbox').select('account_id', 'kind').orderBy('id');
      });
      expect(await migrateLatest(db, first.wrapped, MIGRATIONS_TABLE)).toEqual(names);
      const latest = await schemaOf(db, leg.type);
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
      expect(latest.delivery_outbox?.indexes).toMatchObject({
        delivery_outbox_identity_unique: 'unique (account_id, operation_id, transaction_id, kind)',
        delivery_outbox_by_operation: '(operation_id)',
        delivery_outbox_due: '(status, account_id, next_attempt_ms)',
      });
      expect(latest.delivery_outbox?.indexes).not.toHaveProperty('delivery_outbox_operation_kind_unique');

      // The constraints themselves, as the submitter and the listener rely on them.
      await expectUnique(
        db,
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
      const sameId = await db('sent_transaction')
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
      await expectUnique(db, 'sent_payment', { payment_id: 'pay-1', created_at: now }, {});
      await expectUnique(
        db,
        'listener_cursor',
        { account_id: ACCOUNT_A, cursor: '1', updated_at: now },
        { cursor: '2' },
      );
      await expectUnique(
        db,
        'listener_lease',
        { account_id: ACCOUNT_A, holder: 'h1', expires_ms: 1 },
        { holder: 'h2' },
      );
      // Distinct under the current identity, the same operation id under the older one: a payment
      // between two of our accounts, and an operation id repeated after a network reset.
      await expectUnique(
        db,
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
        db,
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
      await migrateRollbackAll(db, first.wrapped, MIGRATIONS_TABLE);
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
