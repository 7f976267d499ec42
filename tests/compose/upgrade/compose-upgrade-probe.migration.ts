// The one migration the compose suite's "next release" of callbacks adds (see
// callbacks.Dockerfile here): a table whose presence shows the migrate job ran it.
import type { Knex } from 'knex';
import type { Migration } from '@anchor/support';

export const composeUpgradeProbe: Migration = {
  name: '20261202_900_compose_upgrade_probe',
  up: async (db: Knex) => {
    await db.schema.createTable('compose_upgrade_probe', (t) => {
      t.increments('id').primary();
    });
  },
  down: async (db: Knex) => {
    await db.schema.dropTable('compose_upgrade_probe');
  },
};
