// Test wiring: a migrated database of one leg, the app over it, a signer for
// the bridge's X-Payload-Mac, and a couple of customers.
import { fileURLToPath } from 'node:url';
import type { Knex } from 'knex';
import { Keypair } from '@stellar/stellar-sdk';
import { createKnex, createSilentLogger, migrateLatest, payloadMac } from '@anchor/support';
import type { DatabaseLeg, TestDatabase } from '@anchor/support/testing';
import { buildDeps, createApp, type AppDeps, type BuildOptions } from '../src/app.js';
import { MIGRATIONS_TABLE, migrations } from '../src/migrations/index.js';
import { loadSanctionsList } from '../src/sanctions/sdn-list.js';
import type { Express } from 'express';

export const MAC_KEY = Keypair.random().secret();
export const OPERATOR_PASSWORD = 'operator-password-for-tests';
export const RECEIVING_ACCOUNT = Keypair.random().publicKey();
export const ISSUER = Keypair.random().publicKey();
export const SENDER_ACCOUNT = Keypair.random().publicKey();
export const DOMAIN = 'bank-b.test';
export const SAMPLE_LIST = fileURLToPath(new URL('../data/sanctions-sample.csv', import.meta.url));
export const SAMPLE_ALT = fileURLToPath(new URL('../data/sanctions-sample-alt.csv', import.meta.url));

export interface Harness {
  database: TestDatabase;
  db: Knex;
  deps: AppDeps;
  app: Express;
  close(): Promise<void>;
}

export async function startHarness(
  leg: DatabaseLeg,
  pendingSeconds = 600,
  extra: Partial<BuildOptions> = {},
): Promise<Harness> {
  const database = await leg.create();
  const db = createKnex(database);
  await migrateLatest(db, migrations, MIGRATIONS_TABLE);
  const deps = buildDeps({
    db,
    logger: createSilentLogger(),
    macKey: MAC_KEY,
    operatorPassword: OPERATOR_PASSWORD,
    sessionSecret: 'test-session-secret-0123456789',
    domain: DOMAIN,
    receivingAccountId: RECEIVING_ACCOUNT,
    pendingSeconds,
    sanctionsList: loadSanctionsList(SAMPLE_LIST, SAMPLE_ALT),
    sanctionsListFile: 'data/sanctions-sample.csv',
    fuzzyThreshold: 0.85,
    ...extra,
  });
  return {
    database,
    db,
    deps,
    app: createApp(deps),
    close: async () => {
      await db.destroy();
      await database.drop();
    },
  };
}

/** Form-encodes like Go's url.Values.Encode(): keys sorted, `+` for spaces. */
export function encodeForm(fields: Record<string, string>): string {
  return Object.keys(fields)
    .sort()
    .map((k) => `${encodeURIComponent(k)}=${encodeURIComponent(fields[k] ?? '')}`.replace(/%20/g, '+'))
    .join('&');
}

export function sign(body: string, key = MAC_KEY): string {
  return payloadMac(key, body);
}

export function receiveFields(overrides: Record<string, string> = {}): Record<string, string> {
  return {
    id: '23110707918671873',
    from: SENDER_ACCOUNT,
    route: '1001',
    amount: '10.5000000',
    asset_code: 'USD',
    asset_issuer: ISSUER,
    memo_type: 'id',
    memo: '1001',
    data: '',
    transaction_id: 'ab'.repeat(32),
    ...overrides,
  };
}

export const ALICE = {
  name: 'alice',
  route: '1001',
  first_name: 'Alice',
  last_name: 'Martin',
  email: 'alice@example.com',
  date_of_birth: '1985-04-12',
  address: '12 Market Street',
  city: 'San Francisco',
  country: 'US',
  disclosure: 'public',
};

export const BOB = {
  name: 'bob',
  route: '1002',
  first_name: 'Bob',
  last_name: 'Okafor',
  email: 'bob@example.com',
  date_of_birth: '1979-11-03',
  address: '48 Harbour Road',
  city: 'Lagos',
  country: 'NG',
  disclosure: 'allowed_only',
  allowed_senders: 'trusted-bank.test\ncarol*bank-a.test',
};
