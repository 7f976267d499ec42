// A sample schema and customers for trying the federation server without a
// bank's database. The accounts are derived from fixed strings so that every
// run (and the README) shows the same ids.
import { createHash } from 'node:crypto';
import { Keypair } from '@stellar/stellar-sdk';
import type { Knex } from 'knex';

export const SAMPLE_TABLE = 'federation_accounts';

/** The queries a federation.cfg uses to read the sample table. */
export const SAMPLE_QUERIES = {
  federation: `SELECT account_id AS id, memo_type, memo FROM ${SAMPLE_TABLE} WHERE name = ? AND domain = ?`,
  reverse: `SELECT name, domain FROM ${SAMPLE_TABLE} WHERE account_id = ? AND memo_type IS NULL`,
};

/** A deterministic account id for a sample name. */
export function sampleAccountId(label: string): string {
  return Keypair.fromRawEd25519Seed(
    createHash('sha256').update(`anchor-sample:${label}`).digest(),
  ).publicKey();
}

/** Creates the sample table (if missing) and puts the sample customers of `domain` in it. */
export async function loadSampleData(
  db: Knex,
  domain: string,
): Promise<{ name: string; accountId: string }[]> {
  if (!(await db.schema.hasTable(SAMPLE_TABLE))) {
    await db.schema.createTable(SAMPLE_TABLE, (t) => {
      t.string('name', 255).notNullable();
      t.string('domain', 255).notNullable();
      t.string('account_id', 56).notNullable();
      t.string('memo_type', 8).nullable();
      t.string('memo', 64).nullable();
      t.primary(['name', 'domain']);
    });
  }
  const receiving = sampleAccountId(`${domain}:receiving`);
  const rows = [
    // Customers of a bank share its receiving account and are told apart by an id memo.
    { name: 'alice', domain, account_id: receiving, memo_type: 'id', memo: '1001' },
    { name: 'bob', domain, account_id: receiving, memo_type: 'id', memo: '1002' },
    { name: 'maria@gmail.com', domain, account_id: receiving, memo_type: 'text', memo: 'maria' },
    // A customer with an account of their own needs no memo (and is reverse-resolvable).
    { name: 'carol', domain, account_id: sampleAccountId(`${domain}:carol`), memo_type: null, memo: null },
  ];
  await db(SAMPLE_TABLE).insert(rows).onConflict(['name', 'domain']).merge();
  return rows.map((row) => ({ name: row.name, accountId: row.account_id }));
}
