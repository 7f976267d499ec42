// The start-up rule every service with a database follows: `--migrate-db`
// applies the pending migrations (the caller then exits or goes on with a
// one-shot task); without it the service refuses to start while any migration
// is pending, and says which command fixes that.
import type { Knex } from 'knex';
import type { Logger } from '../logger.js';
import { migrateLatest, pendingMigrations, type Migration } from './migrations.js';

/** The database is behind the code; the message carries the command that migrates it. */
export class PendingMigrationsError extends Error {
  constructor(
    readonly pending: string[],
    service: string,
    configFile: string,
  ) {
    super(
      `the database has ${pending.length} pending migration(s) (${pending.join(', ')}); ` +
        `run: ${service} -c ${configFile} --migrate-db`,
    );
    this.name = 'PendingMigrationsError';
  }
}

export interface PrepareDatabaseOptions {
  /** `--migrate-db`: apply the pending migrations instead of refusing them. */
  migrate: boolean;
  /** The command name in the hint, e.g. `compliance`. */
  service: string;
  /** The config file in the hint; `<config>` when unknown. */
  configFile?: string;
  /** Told what `migrate` applied. */
  logger?: Pick<Logger, 'info'>;
}

/**
 * Migrates (with `migrate`) or checks that nothing is pending. The caller keeps
 * `db` when this returns; when it throws, `db` has been destroyed.
 * @returns the migrations applied now (always empty without `migrate`).
 * @throws PendingMigrationsError without `migrate` while any migration is pending.
 */
export async function prepareDatabase(
  db: Knex,
  migrations: Migration[],
  tableName: string,
  options: PrepareDatabaseOptions,
): Promise<string[]> {
  try {
    if (options.migrate) {
      const applied = await migrateLatest(db, migrations, tableName);
      options.logger?.info(
        applied.length ? `applied migrations: ${applied.join(', ')}` : 'database is up to date',
      );
      return applied;
    }
    const pending = await pendingMigrations(db, migrations, tableName);
    if (pending.length > 0)
      throw new PendingMigrationsError(pending, options.service, options.configFile ?? '<config>');
    return [];
  } catch (err) {
    await db.destroy();
    throw err;
  }
}
