// The compliance database: the legacy tables (authorized_transaction, allowed_fi,
// allowed_user, auth_data, names as after the Go 03_table_names migration) and
// the nonce table of our replay protection. One set for MySQL, PostgreSQL and SQLite.
import type { Knex } from 'knex';
import type { Migration } from '@anchor/support';

/** History table of this service's migrations. */
export const MIGRATIONS_TABLE = 'compliance_migrations';

/** Large text: MySQL TEXT stops at 64 KiB, an auth request may be up to the 100 KiB body limit. */
function longText(table: Knex.CreateTableBuilder, name: string): Knex.ColumnBuilder {
  return table.text(name, 'mediumtext');
}

export const migrations: Migration[] = [
  {
    name: '20261124_001_legacy_tables',
    async up(db) {
      await db.schema.createTable('authorized_transaction', (t) => {
        t.bigIncrements('id');
        // hex network hash of the sequence-0 tx as received
        t.string('transaction_id', 64).notNullable();
        // base64 of the memo hash: what Horizon reports and /receive looks up
        t.string('memo', 64).notNullable();
        longText(t, 'transaction_xdr').notNullable();
        t.dateTime('authorized_at').notNullable();
        longText(t, 'data').notNullable();
        // The Go schema had no index here although /receive looks rows up by memo.
        t.index(['memo'], 'at_by_memo');
        t.unique(['transaction_id'], { indexName: 'at_by_transaction_id' });
      });
      await db.schema.createTable('allowed_fi', (t) => {
        t.bigIncrements('id');
        t.string('name', 255).notNullable();
        t.string('domain', 255).notNullable();
        t.string('public_key', 56).notNullable();
        t.dateTime('allowed_at').notNullable();
        t.unique(['domain'], { indexName: 'afi_by_domain' });
        t.unique(['public_key'], { indexName: 'afi_by_public_key' });
      });
      await db.schema.createTable('allowed_user', (t) => {
        t.bigIncrements('id');
        t.string('fi_name', 255).notNullable();
        t.string('fi_domain', 255).notNullable();
        t.string('fi_public_key', 56).notNullable();
        t.string('user_id', 255).notNullable();
        t.dateTime('allowed_at').notNullable();
        t.unique(['fi_public_key', 'user_id'], { indexName: 'au_by_fi_public_key_user_id' });
        t.index(['fi_domain', 'user_id'], 'au_by_fi_domain_user_id');
      });
      await db.schema.createTable('auth_data', (t) => {
        t.bigIncrements('id');
        t.string('request_id', 255).notNullable();
        t.string('domain', 255).notNullable();
        longText(t, 'auth_data').notNullable();
        t.unique(['request_id'], { indexName: 'request_id' });
      });
    },
    async down(db) {
      await db.schema.dropTable('auth_data');
      await db.schema.dropTable('allowed_user');
      await db.schema.dropTable('allowed_fi');
      await db.schema.dropTable('authorized_transaction');
    },
  },
  {
    name: '20261124_002_auth_nonce',
    async up(db) {
      // Replay protection: the first data a sender domain signed under a nonce.
      await db.schema.createTable('auth_nonce', (t) => {
        t.bigIncrements('id');
        t.string('sender_domain', 255).notNullable();
        t.string('nonce', 255).notNullable();
        // hex sha256 of the exact `data` text
        t.string('data_hash', 64).notNullable();
        t.dateTime('first_seen_at').notNullable();
        t.unique(['sender_domain', 'nonce'], { indexName: 'an_by_domain_nonce' });
      });
    },
    async down(db) {
      await db.schema.dropTable('auth_nonce');
    },
  },
  {
    name: '20261202_003_authorization_follow_up',
    async up(db) {
      // Who each authorization was for and whether a payment followed (/receive), so
      // the operator can see senders that only collect answers (issue 13, KYC harvesting).
      await db.schema.alterTable('authorized_transaction', (t) => {
        t.string('sender_domain', 255).notNullable().defaultTo('');
        t.dateTime('received_at').nullable();
        t.index(['received_at', 'authorized_at'], 'at_by_received_at');
      });
    },
    async down(db) {
      await db.schema.alterTable('authorized_transaction', (t) => {
        t.dropIndex(['received_at', 'authorized_at'], 'at_by_received_at');
        t.dropColumn('received_at');
        t.dropColumn('sender_domain');
      });
    },
  },
];
