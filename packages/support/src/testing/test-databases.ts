// Real databases for integration tests. Each test file asks for the legs it
// runs on and gets a fresh, uniquely named database per leg, dropped at the end.
// Where MySQL and PostgreSQL are found is decided once per run by the global
// setup (scripts/test-global-setup.ts), which passes it on in environment
// variables: TEST_MYSQL_URL / TEST_POSTGRES_URL, or TEST_*_UNAVAILABLE with the
// reason. Outside CI an unavailable leg is skipped with that reason; under
// CI=true the global setup already failed the run.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import knex from 'knex';
import type { DatabaseConfig, DatabaseType } from '../db/create-knex.js';

export interface TestDatabase extends DatabaseConfig {
  drop(): Promise<void>;
}

export interface DatabaseLeg {
  type: DatabaseType;
  /** Why this leg cannot run here; undefined when it can. */
  unavailable?: string;
  create(): Promise<TestDatabase>;
}

function uniqueName(): string {
  return `anchor_test_${randomBytes(4).toString('hex')}_${Date.now().toString(36)}`;
}

const sqliteLeg: DatabaseLeg = {
  type: 'sqlite3',
  async create() {
    const dir = mkdtempSync(join(tmpdir(), 'anchor-sqlite-'));
    return {
      type: 'sqlite3',
      url: join(dir, 'test.sqlite'),
      drop: async () => rmSync(dir, { recursive: true, force: true }),
    };
  },
};

function serverLeg(
  type: 'mysql' | 'postgres',
  adminUrl: string | undefined,
  unavailable: string | undefined,
): DatabaseLeg {
  return {
    type,
    unavailable: adminUrl ? undefined : (unavailable ?? `${type} not configured for tests`),
    async create() {
      if (!adminUrl) throw new Error(`${type} is unavailable: ${unavailable}`);
      const name = uniqueName();
      const admin = knex({ client: type === 'mysql' ? 'mysql2' : 'pg', connection: adminUrl });
      try {
        await admin.raw(`CREATE DATABASE ${name}`);
      } finally {
        await admin.destroy();
      }
      const url = new URL(adminUrl);
      url.pathname = `/${name}`;
      return {
        type,
        url: url.toString(),
        drop: async () => {
          const dropper = knex({ client: type === 'mysql' ? 'mysql2' : 'pg', connection: adminUrl });
          try {
            await dropper.raw(
              type === 'postgres'
                ? `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`
                : `DROP DATABASE IF EXISTS ${name}`,
            );
          } finally {
            await dropper.destroy();
          }
        },
      };
    },
  };
}

/**
 * The database legs of this run: SQLite always, MySQL/MariaDB and PostgreSQL when
 * the global setup found them. Use with `describe.each(databaseLegs())` and
 * `describe.skipIf(leg.unavailable)`.
 */
export function databaseLegs(types: DatabaseType[] = ['sqlite3', 'mysql', 'postgres']): DatabaseLeg[] {
  const env = process.env;
  const all: DatabaseLeg[] = [
    sqliteLeg,
    serverLeg('mysql', env.TEST_MYSQL_URL, env.TEST_MYSQL_UNAVAILABLE),
    serverLeg('postgres', env.TEST_POSTGRES_URL, env.TEST_POSTGRES_UNAVAILABLE),
  ];
  return all.filter((leg) => types.includes(leg.type));
}
