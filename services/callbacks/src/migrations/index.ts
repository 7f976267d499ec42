// The callbacks schema. One migration set for MySQL/MariaDB, PostgreSQL and
// SQLite. Times are ISO-8601 UTC strings (`2026-01-31T12:00:00.000Z`): they sort
// as text and read the same on the three dialects. Amounts use amountColumn
// (DECIMAL(20,7), TEXT on SQLite) and are added up in BigInt stroops.
import type { Knex } from 'knex';
import { amountColumn, type Migration } from '@anchor/support';

export const MIGRATIONS_TABLE = 'callbacks_migrations';

export const migrations: Migration[] = [
  {
    name: '20260601_001_customers',
    up: async (db: Knex) => {
      await db.schema.createTable('customers', (t) => {
        t.increments('id').primary();
        // Federation: `name*domain` resolves to account_id with memo `route` (memo_type id).
        t.string('name', 64).notNullable();
        t.string('domain', 255).notNullable();
        t.string('route', 20).notNullable().unique('customers_route_unique');
        t.string('account_id', 56).notNullable();
        t.string('first_name', 100).notNullable();
        t.string('middle_name', 100).notNullable().defaultTo('');
        t.string('last_name', 100).notNullable();
        t.string('address', 255).notNullable();
        t.string('city', 100).notNullable();
        t.string('province', 100).notNullable().defaultTo('');
        t.string('postal_code', 20).notNullable().defaultTo('');
        t.string('country', 2).notNullable();
        t.string('date_of_birth', 10).notNullable();
        t.string('email', 254).notNullable();
        t.string('phone', 32).notNullable().defaultTo('');
        // `public`: details go to any institution; `allowed_only`: allow list, else ask.
        t.string('disclosure', 16).notNullable().defaultTo('public');
        t.string('created_at', 24).notNullable();
        t.unique(['name', 'domain'], { indexName: 'customers_name_domain_unique' });
        t.index(['account_id'], 'customers_account_id_index');
      });
      await db.schema.createTable('customer_allowed_senders', (t) => {
        t.increments('id').primary();
        t.integer('customer_id').unsigned().notNullable().references('customers.id').onDelete('CASCADE');
        t.string('fi_domain', 255).notNullable();
        // '' = every user of that institution.
        t.string('user_name', 64).notNullable().defaultTo('');
        t.unique(['customer_id', 'fi_domain', 'user_name'], { indexName: 'allowed_senders_unique' });
      });
      await db.schema.createTable('customer_balances', (t) => {
        t.increments('id').primary();
        t.integer('customer_id').unsigned().notNullable().references('customers.id').onDelete('CASCADE');
        t.string('asset_code', 12).notNullable();
        t.string('asset_issuer', 56).notNullable().defaultTo('');
        amountColumn(db, t, 'balance').notNullable();
        t.string('updated_at', 24).notNullable();
        t.unique(['customer_id', 'asset_code', 'asset_issuer'], { indexName: 'balances_asset_unique' });
      });
    },
    down: async (db: Knex) => {
      await db.schema.dropTable('customer_balances');
      await db.schema.dropTable('customer_allowed_senders');
      await db.schema.dropTable('customers');
    },
  },
  {
    name: '20260601_002_payments',
    up: async (db: Knex) => {
      await db.schema.createTable('incoming_payments', (t) => {
        t.increments('id').primary();
        // The bridge's stable operation id: the unique key that makes crediting exactly-once.
        t.string('payment_id', 255).notNullable().unique('incoming_payments_payment_id_unique');
        t.integer('customer_id').unsigned().nullable().references('customers.id');
        // `credited` or `unrouted` (no customer had the route when it arrived).
        t.string('status', 16).notNullable();
        t.string('from_account', 56).notNullable().defaultTo('');
        t.string('route', 64).notNullable().defaultTo('');
        amountColumn(db, t, 'amount').notNullable();
        t.string('asset_code', 12).notNullable();
        t.string('asset_issuer', 56).notNullable().defaultTo('');
        t.string('memo_type', 16).notNullable().defaultTo('');
        t.string('memo', 255).notNullable().defaultTo('');
        t.string('transaction_id', 64).notNullable().defaultTo('');
        t.text('data').nullable();
        t.integer('deliveries').notNullable().defaultTo(1);
        t.string('received_at', 24).notNullable();
        t.string('credited_at', 24).nullable();
        t.index(['transaction_id'], 'incoming_payments_transaction_id_index');
        t.index(['status'], 'incoming_payments_status_index');
      });
      await db.schema.createTable('rejected_payments', (t) => {
        t.increments('id').primary();
        t.string('payment_id', 255).notNullable().unique('rejected_payments_payment_id_unique');
        t.string('from_account', 64).notNullable().defaultTo('');
        t.string('route', 64).notNullable().defaultTo('');
        t.string('amount', 64).notNullable().defaultTo('');
        t.string('asset_code', 64).notNullable().defaultTo('');
        t.string('asset_issuer', 64).notNullable().defaultTo('');
        t.string('transaction_id', 64).notNullable().defaultTo('');
        t.text('reason').notNullable();
        t.text('fields').notNullable();
        t.integer('deliveries').notNullable().defaultTo(1);
        t.string('received_at', 24).notNullable();
        t.index(['transaction_id'], 'rejected_payments_transaction_id_index');
      });
    },
    down: async (db: Knex) => {
      await db.schema.dropTable('rejected_payments');
      await db.schema.dropTable('incoming_payments');
    },
  },
  {
    name: '20260601_003_compliance',
    up: async (db: Knex) => {
      await db.schema.createTable('approval_requests', (t) => {
        t.increments('id').primary();
        // sha256 of the request's identifying fields: a retry finds the same row.
        t.string('request_key', 64).notNullable().unique('approval_requests_key_unique');
        t.integer('customer_id').unsigned().notNullable().references('customers.id').onDelete('CASCADE');
        t.string('sender_address', 320).notNullable().defaultTo('');
        t.string('sender_name', 255).notNullable().defaultTo('');
        t.text('sender_info').notNullable();
        t.string('amount', 32).notNullable().defaultTo('');
        t.string('asset_code', 12).notNullable().defaultTo('');
        t.string('asset_issuer', 56).notNullable().defaultTo('');
        t.text('note').notNullable();
        // pending | approved | denied
        t.string('status', 16).notNullable();
        t.string('created_at', 24).notNullable();
        t.string('decided_at', 24).nullable();
        t.index(['status'], 'approval_requests_status_index');
      });
      await db.schema.createTable('sanctions_hits', (t) => {
        t.increments('id').primary();
        // sha256 of (normalized name, date of birth, matched entry): one decision per person and entry.
        t.string('screening_key', 64).notNullable().unique('sanctions_hits_key_unique');
        t.string('screened_name', 255).notNullable();
        t.string('date_of_birth', 32).notNullable().defaultTo('');
        t.text('sender_info').notNullable();
        t.string('entry_id', 32).notNullable();
        t.string('entry_name', 255).notNullable();
        // exact | fuzzy
        t.string('kind', 8).notNullable();
        t.integer('score_permille').notNullable();
        // pending | cleared | confirmed
        t.string('status', 16).notNullable();
        t.string('created_at', 24).notNullable();
        t.string('decided_at', 24).nullable();
        t.index(['status'], 'sanctions_hits_status_index');
      });
      await db.schema.createTable('operator_sessions', (t) => {
        // sha256 (hex) of the session token; the token itself is only in the cookie.
        t.string('id', 64).primary();
        t.string('csrf_token', 64).notNullable();
        t.string('created_at', 24).notNullable();
        t.string('expires_at', 24).notNullable();
      });
    },
    down: async (db: Knex) => {
      await db.schema.dropTable('operator_sessions');
      await db.schema.dropTable('sanctions_hits');
      await db.schema.dropTable('approval_requests');
    },
  },
  {
    // The bridge's `id` is the Stellar operation id, and operation ids repeat after a network
    // reset: a new payment with a reused id was answered as already credited and never credited.
    // A payment is (payment_id, transaction_id); a redelivery repeats both.
    name: '20261124_004_payment_identity',
    up: async (db: Knex) => {
      for (const table of ['incoming_payments', 'rejected_payments']) {
        await db.schema.alterTable(table, (t) => {
          t.dropUnique(['payment_id'], `${table}_payment_id_unique`);
        });
        await db.schema.alterTable(table, (t) => {
          t.unique(['payment_id', 'transaction_id'], { indexName: `${table}_identity_unique` });
        });
      }
    },
    // The older UNIQUE(payment_id) refuses what this identity allows: a payment id reused after a
    // network reset. Deleting those rows would drop records of money already in customer_balances,
    // so every row stays: the first (lowest id) per payment id keeps it, and any later one becomes
    // `<payment_id>:<transaction_id>` (unique, and never a bridge id, which has no ':'), so a
    // redelivery still finds the first and is answered as already credited, as before 004.
    // Renamed before any DDL: MySQL commits each statement, and a unique index failing half way
    // would leave a schema of neither version.
    down: async (db: Knex) => {
      for (const table of ['incoming_payments', 'rejected_payments']) {
        const later = (await db(table)
          .select('id', 'payment_id', 'transaction_id')
          .whereNotIn('id', db(table).min('id').groupBy('payment_id'))) as {
          id: number;
          payment_id: string;
          transaction_id: string;
        }[];
        for (const row of later) {
          await db(table)
            .where({ id: row.id })
            .update({ payment_id: `${row.payment_id}:${row.transaction_id}` });
        }
      }
      for (const table of ['incoming_payments', 'rejected_payments']) {
        await db.schema.alterTable(table, (t) => {
          t.dropUnique(['payment_id', 'transaction_id'], `${table}_identity_unique`);
        });
        await db.schema.alterTable(table, (t) => {
          t.unique(['payment_id'], { indexName: `${table}_payment_id_unique` });
        });
      }
    },
  },
];
