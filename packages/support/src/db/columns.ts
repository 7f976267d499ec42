// Column types whose behaviour differs between dialects in a way that matters
// for money. SQLite has no exact DECIMAL (it would store a float and lose the
// 7th decimal of large amounts), so amounts live there as TEXT; MySQL and
// PostgreSQL use DECIMAL(20,7), which both drivers return as strings. Stores
// normalise what they read with `normalizeAmount`.
import type { Knex } from 'knex';

/** Adds an exact amount column (≤ 7 decimals) suitable for the dialect of `db`. */
export function amountColumn(db: Knex, table: Knex.CreateTableBuilder, name: string): Knex.ColumnBuilder {
  return isSqlite(db) ? table.text(name) : table.decimal(name, 20, 7);
}

/** True for the embedded SQLite dialect. */
export function isSqlite(db: Knex): boolean {
  const client = (db.client as { config?: { client?: unknown } }).config?.client;
  return client === 'better-sqlite3' || client === 'sqlite3';
}

/** Formats an amount read from any dialect the way Horizon does: 7 decimals. */
export function normalizeAmount(value: string | number): string {
  const text = String(value);
  const match = /^(-?)(\d+)(?:\.(\d{0,7})\d*)?$/.exec(text);
  if (!match) throw new Error(`not an amount: ${text}`);
  const [, sign, whole, fraction = ''] = match;
  return `${sign}${BigInt(whole as string).toString()}.${fraction.padEnd(7, '0')}`;
}

/**
 * The rows of a `knex.raw()` result, whatever the driver: mysql2 answers
 * `[rows, fields]`, pg `{ rows }`, better-sqlite3 the rows themselves.
 */
export function rawRows<T = Record<string, unknown>>(result: unknown): T[] {
  if (Array.isArray(result)) return (Array.isArray(result[0]) ? result[0] : result) as T[];
  const rows = (result as { rows?: unknown } | null)?.rows;
  return Array.isArray(rows) ? (rows as T[]) : [];
}
