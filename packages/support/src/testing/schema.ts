// Schema snapshots for migration tests: the tables, columns and indexes a
// database holds (read from each dialect's catalogue, comparable across
// dialects' quirks), migrations wrapped to snapshot after every up() and
// down(), and a check that a unique key really refuses a duplicate.
import type { Knex } from 'knex';
import { expect } from 'vitest';
import type { DatabaseType } from '../db/create-knex.js';
import { rawRows } from '../db/columns.js';
import { isUniqueViolation } from '../db/db-errors.js';
import type { Migration } from '../db/migrations.js';

/** Tables (without the migration history) → column and index descriptions, comparable across steps. */
export type Schema = Record<string, { columns: Record<string, string>; indexes: Record<string, string> }>;

export async function tablesOf(db: Knex, type: DatabaseType, historyTable: string): Promise<string[]> {
  const sql = {
    sqlite3: `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'`,
    mysql: 'SELECT table_name AS name FROM information_schema.tables WHERE table_schema = DATABASE()',
    postgres: 'SELECT tablename AS name FROM pg_tables WHERE schemaname = current_schema()',
  }[type];
  const result = await db.raw(sql);
  const rows = rawRows(result) as {
    name: string;
  }[];
  return rows
    .map((r) => r.name)
    .filter((name) => !name.startsWith(historyTable))
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
  const rows = rawRows(result) as {
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

export async function schemaOf(db: Knex, type: DatabaseType, historyTable: string): Promise<Schema> {
  const indexes = await indexesOf(db, type);
  const schema: Schema = {};
  for (const table of await tablesOf(db, type, historyTable)) {
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
export function recordingMigrations(
  db: Knex,
  type: DatabaseType,
  migrations: Migration[],
  historyTable: string,
  afterEachDown?: (name: string) => Promise<void>,
) {
  const afterUp = new Map<string, Schema>();
  const afterDown = new Map<string, Schema>();
  const wrapped: Migration[] = migrations.map((m) => ({
    name: m.name,
    up: async (k) => {
      await m.up(k);
      afterUp.set(m.name, await schemaOf(db, type, historyTable));
    },
    down: async (k) => {
      await m.down(k);
      afterDown.set(m.name, await schemaOf(db, type, historyTable));
      await afterEachDown?.(m.name);
    },
  }));
  return { wrapped, afterUp, afterDown };
}

/** `row` inserts, `duplicate` is refused as a unique violation, each of `distinct` inserts. */
export async function expectUnique(
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
