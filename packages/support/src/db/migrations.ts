// Migrations are plain TypeScript objects listed in order by each service, so
// the same set runs on MySQL, PostgreSQL and SQLite without a directory scan
// (which would need compiled files). Each service keeps its own history table.
import type { Knex } from 'knex';

export interface Migration {
  /** Sortable and unique, e.g. `20261124_001_create_auth_data`. */
  name: string;
  up(db: Knex): Promise<void>;
  down(db: Knex): Promise<void>;
}

function source(migrations: Migration[]): Knex.MigrationSource<Migration> {
  return {
    getMigrations: async () => migrations,
    getMigrationName: (migration) => migration.name,
    getMigration: async (migration) => ({
      up: (db: Knex) => migration.up(db),
      down: (db: Knex) => migration.down(db),
      // MySQL commits DDL implicitly; a wrapping transaction would only pretend.
      config: { transaction: false },
    }),
  };
}

/** Applies every migration not yet applied. Returns the names applied now. */
export async function migrateLatest(db: Knex, migrations: Migration[], tableName: string): Promise<string[]> {
  const [, applied] = (await db.migrate.latest({ migrationSource: source(migrations), tableName })) as [
    number,
    string[],
  ];
  return applied;
}

/** Rolls back every applied migration (tests use it to prove down() works). */
export async function migrateRollbackAll(
  db: Knex,
  migrations: Migration[],
  tableName: string,
): Promise<void> {
  await db.migrate.rollback({ migrationSource: source(migrations), tableName }, true);
}

/** Names of migrations that are not applied yet; a service refuses to start while any are. */
export async function pendingMigrations(
  db: Knex,
  migrations: Migration[],
  tableName: string,
): Promise<string[]> {
  const [, pending] = (await db.migrate.list({ migrationSource: source(migrations), tableName })) as [
    unknown[],
    Migration[],
  ];
  return pending.map((m) => m.name);
}
