// A fresh database for one leg of a describe.each(databaseLegs()) block:
// created before its tests, dropped after them, with a knex instance on it.
import type { Knex } from 'knex';
import { afterAll, beforeAll } from 'vitest';
import { createKnex } from '../db/create-knex.js';
import type { DatabaseLeg, TestDatabase } from './test-databases.js';

export interface LegDatabase {
  /** The knex instance; only inside tests of an available leg. */
  readonly db: Knex;
  readonly database: TestDatabase;
}

/** Registers the hooks; call it directly inside the leg's describe block. */
export function useLegDatabase(leg: DatabaseLeg): LegDatabase {
  let database: TestDatabase | undefined;
  let db: Knex | undefined;
  beforeAll(async () => {
    if (leg.unavailable) return;
    database = await leg.create();
    db = createKnex(database);
  });
  afterAll(async () => {
    await db?.destroy();
    await database?.drop();
  });
  const ready = <T>(value: T | undefined): T => {
    if (value === undefined)
      throw new Error(`the ${leg.type} test database is not set up (${leg.unavailable ?? 'outside a test'})`);
    return value;
  };
  return {
    get db() {
      return ready(db);
    },
    get database() {
      return ready(database);
    },
  };
}
