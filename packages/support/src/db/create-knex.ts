// One place that knows the three SQL dialects we support. Each gets the
// settings that keep money exact and behaviour alike: DECIMAL and BIGINT come
// back as strings, times are UTC, SQLite enforces foreign keys and waits on a
// busy file instead of failing.
import knex, { type Knex } from 'knex';

export type DatabaseType = 'mysql' | 'postgres' | 'sqlite3';

export interface DatabaseConfig {
  type: DatabaseType;
  /** `mysql://user:pass@host:3306/db`, `postgres://…`, or a file path (or `:memory:`) for sqlite3. */
  url: string;
}

/** Builds a knex instance for the configured dialect. Connects lazily. */
export function createKnex({ type, url }: DatabaseConfig): Knex {
  switch (type) {
    case 'mysql':
      return knex({
        client: 'mysql2',
        connection: {
          ...parseMysqlUrl(url),
          supportBigNumbers: true,
          bigNumberStrings: true,
          timezone: 'Z',
          charset: 'utf8mb4',
        },
        pool: { min: 0, max: 10 },
      });
    case 'postgres':
      return knex({ client: 'pg', connection: url, pool: { min: 0, max: 10 } });
    case 'sqlite3':
      return knex({
        client: 'better-sqlite3',
        connection: { filename: sqliteFilename(url) },
        useNullAsDefault: true,
        // One connection: SQLite serializes writers anyway, and one connection
        // keeps transactions from tripping over each other's locks.
        pool: {
          min: 1,
          max: 1,
          afterCreate: (
            conn: { pragma(sql: string): unknown },
            done: (err: Error | null, conn: unknown) => void,
          ) => {
            conn.pragma('foreign_keys = ON');
            conn.pragma('journal_mode = WAL');
            conn.pragma('busy_timeout = 5000');
            done(null, conn);
          },
        },
      });
  }
}

function parseMysqlUrl(url: string): Record<string, unknown> {
  const parsed = new URL(url);
  if (parsed.protocol !== 'mysql:') throw new Error('database url for mysql must start with mysql://');
  return {
    host: parsed.hostname,
    port: parsed.port ? Number(parsed.port) : 3306,
    user: decodeURIComponent(parsed.username),
    password: decodeURIComponent(parsed.password),
    database: decodeURIComponent(parsed.pathname.replace(/^\//, '')),
  };
}

function sqliteFilename(url: string): string {
  return url.replace(/^sqlite3?:\/\//, '').replace(/^file:/, '');
}
