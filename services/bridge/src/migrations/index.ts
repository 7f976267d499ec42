// Bridge schema, one migration set for MySQL/MariaDB, PostgreSQL and SQLite.
// The legacy tables keep their names and columns (sent_transaction,
// received_payment); the rest is new: idempotency ids of (batched) payments,
// the listener cursor per receiving account, the durable delivery outbox and
// the lease table SQLite uses instead of a server-side lock.
import type { Knex } from 'knex';
import type { Migration } from '@anchor/support';

export const MIGRATIONS_TABLE = 'bridge_migrations';

/**
 * Deletes every row of `table` but the first (lowest id) of each group of `columns`, so that a
 * rollback can restore a unique constraint on them. Lossy by nature: only for down().
 */
async function keepFirstPer(db: Knex, table: string, columns: string[]): Promise<void> {
  const extra = (await db(table).select('id').whereNotIn('id', db(table).min('id').groupBy(columns))) as {
    id: number | string;
  }[];
  const ids = extra.map((r) => r.id);
  for (let i = 0; i < ids.length; i += 500)
    await db(table)
      .whereIn('id', ids.slice(i, i + 500))
      .delete();
}

export const migrations: Migration[] = [
  {
    name: '20261124_001_legacy_tables',
    up: async (db) => {
      await db.schema.createTable('sent_transaction', (t) => {
        t.increments('id');
        t.string('transaction_id', 64).notNullable();
        t.string('status', 10).notNullable();
        t.string('source', 56).notNullable();
        t.timestamp('submitted_at').notNullable();
        t.timestamp('succeeded_at').nullable();
        t.bigInteger('ledger').nullable();
        t.text('envelope_xdr').notNullable();
        // Legacy varchar(255) overflowed for multi-operation results.
        t.text('result_xdr').nullable();
        t.string('payment_id', 255).nullable().unique('payment_id_unique');
        t.integer('operation_count').notNullable().defaultTo(1);
        t.index(['transaction_id'], 'sent_transaction_by_hash');
      });
      await db.schema.createTable('received_payment', (t) => {
        t.bigIncrements('id');
        t.string('operation_id', 255).notNullable().unique('received_payment_operation_id_unique');
        t.timestamp('processed_at').notNullable();
        t.string('paging_token', 255).notNullable();
        t.string('status', 255).notNullable();
        t.string('transaction_id', 64).defaultTo('N/A');
        t.string('account_id', 56).nullable();
      });
    },
    down: async (db) => {
      await db.schema.dropTable('received_payment');
      await db.schema.dropTable('sent_transaction');
    },
  },
  {
    name: '20261124_002_payments_cursor_outbox',
    up: async (db) => {
      await db.schema.createTable('sent_payment', (t) => {
        t.bigIncrements('id');
        t.string('payment_id', 255).notNullable().unique('sent_payment_payment_id_unique');
        t.integer('sent_transaction_id').nullable();
        t.integer('operation_index').nullable();
        t.timestamp('created_at').notNullable();
      });
      await db.schema.createTable('listener_cursor', (t) => {
        t.string('account_id', 56).primary();
        t.string('cursor', 64).notNullable();
        t.timestamp('updated_at').notNullable();
      });
      await db.schema.createTable('delivery_outbox', (t) => {
        t.bigIncrements('id');
        t.string('operation_id', 255).notNullable();
        t.string('kind', 16).notNullable();
        t.string('account_id', 56).notNullable();
        t.text('payload').notNullable();
        t.string('status', 16).notNullable();
        t.integer('attempts').notNullable().defaultTo(0);
        t.bigInteger('next_attempt_ms').notNullable();
        t.string('last_error', 1024).nullable();
        t.timestamp('created_at').notNullable();
        t.timestamp('delivered_at').nullable();
        t.unique(['operation_id', 'kind'], { indexName: 'delivery_outbox_operation_kind_unique' });
        t.index(['status', 'account_id', 'next_attempt_ms'], 'delivery_outbox_due');
      });
      await db.schema.createTable('listener_lease', (t) => {
        t.string('account_id', 56).primary();
        t.string('holder', 64).notNullable();
        t.bigInteger('expires_ms').notNullable();
      });
    },
    down: async (db) => {
      await db.schema.dropTable('listener_lease');
      await db.schema.dropTable('delivery_outbox');
      await db.schema.dropTable('listener_cursor');
      await db.schema.dropTable('sent_payment');
    },
  },
  {
    // A payment id is claimed in the database (owner token + renewal time) before its
    // transaction is built, so two replicas (or a restarted one) can never both build one.
    name: '20261124_003_payment_claims',
    up: async (db) => {
      await db.schema.alterTable('sent_payment', (t) => {
        t.string('claim_token', 64).nullable();
        t.bigInteger('claimed_at_ms').nullable();
      });
    },
    down: async (db) => {
      await db.schema.alterTable('sent_payment', (t) => {
        t.dropColumn('claimed_at_ms');
        t.dropColumn('claim_token');
      });
    },
  },
  {
    // A received operation is identified by (receiving account, operation id, transaction hash):
    // - a payment between two of our receiving accounts is recorded by both listeners (as the
    //   sender's outgoing operation and as the receiver's incoming payment), so the operation id
    //   alone would let the first record hide the second;
    // - after a network reset (testnet, a fresh localnet) operation ids repeat, and only the
    //   transaction hash tells a new payment from one recorded before the reset.
    name: '20261124_004_received_identity',
    up: async (db) => {
      await db.schema.alterTable('received_payment', (t) => {
        t.dropUnique(['operation_id'], 'received_payment_operation_id_unique');
      });
      await db.schema.alterTable('received_payment', (t) => {
        t.unique(['account_id', 'operation_id', 'transaction_id'], {
          indexName: 'received_payment_identity_unique',
        });
        t.index(['operation_id'], 'received_payment_by_operation');
      });
      await db.schema.alterTable('delivery_outbox', (t) => {
        t.string('transaction_id', 64).nullable();
      });
      await db.raw(
        `UPDATE delivery_outbox SET transaction_id = (SELECT r.transaction_id FROM received_payment r
           WHERE r.operation_id = delivery_outbox.operation_id)`,
      );
      await db.schema.alterTable('delivery_outbox', (t) => {
        t.dropUnique(['operation_id', 'kind'], 'delivery_outbox_operation_kind_unique');
      });
      await db.schema.alterTable('delivery_outbox', (t) => {
        t.unique(['account_id', 'operation_id', 'transaction_id', 'kind'], {
          indexName: 'delivery_outbox_identity_unique',
        });
        t.index(['operation_id'], 'delivery_outbox_by_operation');
      });
    },
    // Not lossless: the older constraints allow one row per operation id (received_payment) and
    // per (operation id, kind) (delivery_outbox), so rows the newer identity told apart (a payment
    // between two of our accounts, an operation id reused after a network reset) cannot all stay.
    // The first recorded row of each is kept, the rest deleted, before any DDL: MySQL commits each
    // statement, and a unique index failing half way would leave a schema of neither version.
    down: async (db) => {
      await keepFirstPer(db, 'delivery_outbox', ['operation_id', 'kind']);
      await keepFirstPer(db, 'received_payment', ['operation_id']);
      await db.schema.alterTable('delivery_outbox', (t) => {
        t.dropIndex(['operation_id'], 'delivery_outbox_by_operation');
        t.dropUnique(
          ['account_id', 'operation_id', 'transaction_id', 'kind'],
          'delivery_outbox_identity_unique',
        );
      });
      await db.schema.alterTable('delivery_outbox', (t) => {
        t.unique(['operation_id', 'kind'], { indexName: 'delivery_outbox_operation_kind_unique' });
        t.dropColumn('transaction_id');
      });
      await db.schema.alterTable('received_payment', (t) => {
        t.dropIndex(['operation_id'], 'received_payment_by_operation');
        t.dropUnique(['account_id', 'operation_id', 'transaction_id'], 'received_payment_identity_unique');
      });
      await db.schema.alterTable('received_payment', (t) => {
        t.unique(['operation_id'], { indexName: 'received_payment_operation_id_unique' });
      });
    },
  },
  {
    // Two replicas paying the same amount to the same destination from the same account in the
    // same second, with the same sequence number, build byte-identical envelopes: the network
    // takes it once, and two payment ids would share one transaction (a payment silently not
    // made). A transaction hash is recorded once; the second writer builds a new envelope.
    name: '20261124_005_sent_transaction_hash_unique',
    up: async (db) => {
      await db.schema.alterTable('sent_transaction', (t) => {
        t.dropIndex(['transaction_id'], 'sent_transaction_by_hash');
      });
      await db.schema.alterTable('sent_transaction', (t) => {
        t.unique(['transaction_id'], { indexName: 'sent_transaction_hash_unique' });
      });
    },
    down: async (db) => {
      await db.schema.alterTable('sent_transaction', (t) => {
        t.dropUnique(['transaction_id'], 'sent_transaction_hash_unique');
      });
      await db.schema.alterTable('sent_transaction', (t) => {
        t.index(['transaction_id'], 'sent_transaction_by_hash');
      });
    },
  },
  {
    // A payment id remembers the request that claimed it (SHA-256 of its canonical parameters,
    // see services/payment-fingerprint.ts): the same id with other parameters is a conflict,
    // not a replay. Ids recorded before this migration have none and match any request.
    name: '20261202_006_payment_fingerprint',
    up: async (db) => {
      await db.schema.alterTable('sent_payment', (t) => {
        t.string('request_fingerprint', 64).nullable();
      });
    },
    down: async (db) => {
      await db.schema.alterTable('sent_payment', (t) => {
        t.dropColumn('request_fingerprint');
      });
    },
  },
  {
    // Claimable balances whose claimant is a receiving account (issue 10): what the bridge saw,
    // and with `[listener] claimable_balances = "claim"` its claim (the claim's operation id and
    // transaction hash are the received_payment key of the delivery).
    name: '20261202_007_claimable_balances',
    up: async (db) => {
      await db.schema.createTable('claimable_balance', (t) => {
        t.increments('id').primary();
        t.string('account_id', 56).notNullable();
        t.string('balance_id', 72).notNullable();
        t.string('asset_code', 12).notNullable();
        t.string('asset_issuer', 56).notNullable();
        t.string('amount', 32).notNullable(); // Horizon's text, for display and the callback
        t.string('sponsor', 56).notNullable();
        t.string('status', 20).notNullable();
        t.string('claim_hash', 64).nullable();
        t.string('operation_id', 20).nullable();
        t.string('last_error', 255).nullable();
        t.dateTime('seen_at').notNullable();
        t.dateTime('updated_at').notNullable();
        t.unique(['account_id', 'balance_id'], { indexName: 'claimable_balance_account_balance_unique' });
        t.index(['status'], 'claimable_balance_status_index');
      });
    },
    down: async (db) => {
      await db.schema.dropTable('claimable_balance');
    },
  },
  {
    // The delivery lanes' own index, in place of (status, account_id, next_attempt_ms) (issue
    // 11's catch-up benchmark): a first-attempt query walks (status, account, attempts = 0) in id
    // order and stops at its limit, and a retry query reads only rows with attempts > 0. With
    // both indexes SQLite, having no statistics, chose the old one, and every query of the
    // delivery loop read every pending row of a backlog.
    name: '20261202_008_delivery_lanes_index',
    up: async (db) => {
      await db.schema.alterTable('delivery_outbox', (t) => {
        t.index(['status', 'account_id', 'attempts', 'id'], 'delivery_outbox_lanes');
      });
      await db.schema.alterTable('delivery_outbox', (t) => {
        t.dropIndex(['status', 'account_id', 'next_attempt_ms'], 'delivery_outbox_due');
      });
    },
    down: async (db) => {
      await db.schema.alterTable('delivery_outbox', (t) => {
        t.index(['status', 'account_id', 'next_attempt_ms'], 'delivery_outbox_due');
      });
      await db.schema.alterTable('delivery_outbox', (t) => {
        t.dropIndex(['status', 'account_id', 'attempts', 'id'], 'delivery_outbox_lanes');
      });
    },
  },
  {
    // The lane a pending delivery waits in, as a column, and one index that both lanes seek in
    // due order. With the lane only implied by attempts (= 0 or > 0), the retry lane was a range
    // that no index could also order by due time: with 100,000 retries waiting (the bank down for
    // a day) each pass of the delivery loop read all of them, 45 ms on SQLite and 250 ms on
    // MariaDB per query, and the loop slowed to a few passes a second just when the backlog had
    // to drain.
    name: '20261202_009_delivery_lane_column',
    up: async (db) => {
      await db.schema.alterTable('delivery_outbox', (t) => {
        t.string('lane', 8).notNullable().defaultTo('fresh');
      });
      await db('delivery_outbox').where('attempts', '>', 0).update({ lane: 'retry' });
      await db.schema.alterTable('delivery_outbox', (t) => {
        t.index(['status', 'account_id', 'lane', 'next_attempt_ms', 'id'], 'delivery_outbox_lane_due');
      });
      await db.schema.alterTable('delivery_outbox', (t) => {
        t.dropIndex(['status', 'account_id', 'attempts', 'id'], 'delivery_outbox_lanes');
      });
    },
    down: async (db) => {
      await db.schema.alterTable('delivery_outbox', (t) => {
        t.index(['status', 'account_id', 'attempts', 'id'], 'delivery_outbox_lanes');
      });
      await db.schema.alterTable('delivery_outbox', (t) => {
        t.dropIndex(['status', 'account_id', 'lane', 'next_attempt_ms', 'id'], 'delivery_outbox_lane_due');
      });
      await db.schema.alterTable('delivery_outbox', (t) => {
        t.dropColumn('lane');
      });
    },
  },
];
