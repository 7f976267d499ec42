import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  amountColumn,
  createKnex,
  normalizeAmount,
  isDatabaseUnavailable,
  isUniqueViolation,
  migrateLatest,
  migrateRollbackAll,
  pendingMigrations,
  PendingMigrationsError,
  prepareDatabase,
  type Migration,
} from '../src/index.js';
import { databaseLegs, useLegDatabase } from '../src/testing/index.js';

const migrations: Migration[] = [
  {
    name: '001_create_ledger_entry',
    up: (db) =>
      db.schema.createTable('ledger_entry', (t) => {
        t.bigIncrements('id');
        t.string('operation_id', 64).notNullable().unique();
        amountColumn(db, t, 'amount').notNullable();
      }),
    down: (db) => db.schema.dropTable('ledger_entry'),
  },
];

describe.each(databaseLegs())('database on $type', (leg) => {
  const fresh = useLegDatabase(leg);

  it.skipIf(leg.unavailable)('runs migrations up, down and up again', async () => {
    expect(await pendingMigrations(fresh.db, migrations, 'test_migrations')).toEqual([
      '001_create_ledger_entry',
    ]);
    expect(await migrateLatest(fresh.db, migrations, 'test_migrations')).toEqual(['001_create_ledger_entry']);
    await migrateRollbackAll(fresh.db, migrations, 'test_migrations');
    expect(await fresh.db.schema.hasTable('ledger_entry')).toBe(false);
    await migrateLatest(fresh.db, migrations, 'test_migrations');
    expect(await pendingMigrations(fresh.db, migrations, 'test_migrations')).toEqual([]);
  });

  it.skipIf(leg.unavailable)('keeps amounts exact as strings and recognises unique violations', async () => {
    await fresh.db('ledger_entry').insert({ operation_id: 'op1', amount: '922337203685.4775807' });
    const [row] = await fresh.db('ledger_entry').select('amount');
    expect(normalizeAmount(row.amount)).toBe('922337203685.4775807');
    const err = await fresh
      .db('ledger_entry')
      .insert({ operation_id: 'op1', amount: '1' })
      .catch((e: unknown) => e);
    expect(isUniqueViolation(err)).toBe(true);
  });
});

describe('isDatabaseUnavailable', () => {
  it('recognises a refused connection', async () => {
    const db = createKnex({ type: 'mysql', url: 'mysql://root@127.0.0.1:1/none' });
    const err = await db.raw('SELECT 1').catch((e: unknown) => e);
    await db.destroy();
    expect(isDatabaseUnavailable(err)).toBe(true);
    expect(isUniqueViolation(err)).toBe(false);
  });
});

describe('prepareDatabase', () => {
  const dir = mkdtempSync(join(tmpdir(), 'anchor-prepare-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('refuses pending migrations with the command that applies them, then migrates when asked', async () => {
    const url = join(dir, 'prepare.sqlite');
    const early = createKnex({ type: 'sqlite3', url });
    const refused = await prepareDatabase(early, migrations, 'test_migrations', {
      migrate: false,
      service: 'compliance',
      configFile: 'bank.cfg',
    }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(PendingMigrationsError);
    expect((refused as Error).message).toBe(
      'the database has 1 pending migration(s) (001_create_ledger_entry); run: compliance -c bank.cfg --migrate-db',
    );

    const db = createKnex({ type: 'sqlite3', url });
    const logged: string[] = [];
    const logger = { info: (message: string) => logged.push(message) } as never;
    try {
      expect(
        await prepareDatabase(db, migrations, 'test_migrations', { migrate: true, service: 'x', logger }),
      ).toEqual(['001_create_ledger_entry']);
      await prepareDatabase(db, migrations, 'test_migrations', { migrate: true, service: 'x', logger });
      expect(logged).toEqual(['applied migrations: 001_create_ledger_entry', 'database is up to date']);
      expect(
        await prepareDatabase(db, migrations, 'test_migrations', { migrate: false, service: 'x' }),
      ).toEqual([]);
    } finally {
      await db.destroy();
    }
  });
});
