// The test world: four compliance servers on their own databases plus one
// callbacks backend.
//   A  sender, needs_auth = false, fetch_info
//   N  sender, needs_auth = true, fetch_info
//   B  receiver without ask_user: sanctions, fetch_info, tx_status (+ Basic auth)
//   C  receiver with ask_user: sanctions, ask_user, fetch_info
import { Keypair } from '@stellar/stellar-sdk';
import type { DatabaseLeg, TestDatabase } from '@anchor/support/testing';
import { startBank, type Bank } from './bank.js';
import { CallbacksServer } from './servers.js';

export const TX_STATUS_AUTH = { username: 'bank-a', password: 'correct horse battery' };

export interface World {
  callbacks: CallbacksServer;
  a: Bank;
  n: Bank;
  b: Bank;
  c: Bank;
  banks: Bank[];
  /** Account ids the receivers' federation servers answer with. */
  bobAccount: string;
  carolAccount: string;
  /** Forgets every cached stellar.toml (after a test changed one). */
  clearTomlCaches(): void;
  close(): Promise<void>;
}

export async function startWorld(leg: DatabaseLeg): Promise<World> {
  const databases: TestDatabase[] = [];
  const database = async () => {
    const db = await leg.create();
    databases.push(db);
    return db;
  };
  const callbacks = await new CallbacksServer().start();
  const a = await startBank({
    name: 'a',
    database: await database(),
    callbacksServer: callbacks,
    callbacks: ['fetch_info'],
  });
  const n = await startBank({
    name: 'n',
    database: await database(),
    callbacksServer: callbacks,
    callbacks: ['fetch_info'],
    needsAuth: true,
  });
  const b = await startBank({
    name: 'b',
    database: await database(),
    callbacksServer: callbacks,
    callbacks: ['sanctions', 'fetch_info', 'tx_status'],
    txStatusAuth: TX_STATUS_AUTH,
  });
  const c = await startBank({
    name: 'c',
    database: await database(),
    callbacksServer: callbacks,
    callbacks: ['sanctions', 'ask_user', 'fetch_info'],
  });
  const bobAccount = Keypair.random().publicKey();
  const carolAccount = Keypair.random().publicKey();
  b.web.names.set(`bob*${b.domain}`, { account_id: bobAccount, memo_type: 'text', memo: 'bob' });
  c.web.names.set(`carol*${c.domain}`, { account_id: carolAccount, memo_type: 'id', memo: '42' });
  const banks = [a, n, b, c];
  return {
    callbacks,
    a,
    n,
    b,
    c,
    banks,
    bobAccount,
    carolAccount,
    clearTomlCaches: () => banks.forEach((bank) => bank.services.tomlResolver.clearCache()),
    async close() {
      await Promise.all(banks.map((bank) => bank.close()));
      await callbacks.close();
      await Promise.all(databases.map((d) => d.drop()));
    },
  };
}

export interface HttpAnswer {
  status: number;
  text: string;
  headers: Headers;
  json(): unknown;
}

async function answer(res: Response): Promise<HttpAnswer> {
  const text = await res.text();
  return { status: res.status, text, headers: res.headers, json: () => JSON.parse(text) as unknown };
}

/** POSTs an url-encoded form (a string body is sent as is). */
export async function postForm(url: string, form: Record<string, string> | string): Promise<HttpAnswer> {
  const body = typeof form === 'string' ? form : new URLSearchParams(form).toString();
  return answer(
    await fetch(url, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body,
    }),
  );
}

export async function get(url: string, headers: Record<string, string> = {}): Promise<HttpAnswer> {
  return answer(await fetch(url, { headers }));
}

/** Rows of a table of a bank's database. */
export function rows(bank: Bank, table: string): Promise<Record<string, unknown>[]> {
  return bank.db(table).select('*');
}
