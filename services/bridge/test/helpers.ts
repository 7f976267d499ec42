// Shared test fixtures: a real localnet, funded accounts, a recording HTTP
// server (callbacks, compliance stand-in) and a running bridge on a real database.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll } from 'vitest';
import {
  Asset,
  Horizon,
  Keypair,
  type Memo,
  Operation,
  TransactionBuilder,
  type xdr,
} from '@stellar/stellar-sdk';
import {
  createSilentLogger,
  createKnex,
  migrateLatest,
  startServer,
  type Logger,
  type RunningServer,
} from '@anchor/support';
import type { DatabaseLeg, TestDatabase } from '@anchor/support/testing';
import { start as startLocalnet, type Localnet } from '../../../packages/localnet/src/index.js';
import { createBridge, type Bridge } from '../src/bridge.js';
import { parseBridgeConfig } from '../src/config.js';
import { migrations, MIGRATIONS_TABLE } from '../src/migrations/index.js';

export { startLocalnet, type Localnet };

export async function localnet(
  closeIntervalMs = 200,
  extra: Record<string, unknown> = {},
): Promise<Localnet> {
  return startLocalnet({ port: 0, closeIntervalMs, logLevel: 'error', ...extra });
}

export function horizon(net: Localnet): Horizon.Server {
  return new Horizon.Server(net.url, { allowHttp: true });
}

export async function funded(net: Localnet, amount = '10000'): Promise<Keypair> {
  const kp = Keypair.random();
  await net.fund(kp.publicKey(), amount);
  return kp;
}

/** Submits operations from `source` directly (test setup, not through the bridge). */
export async function submitOps(
  net: Localnet,
  source: Keypair,
  ops: xdr.Operation[],
  extraSigners: Keypair[] = [],
  memo?: Memo,
): Promise<Horizon.HorizonApi.SubmitTransactionResponse> {
  const server = horizon(net);
  const account = await server.loadAccount(source.publicKey());
  const builder = new TransactionBuilder(account, {
    fee: '100',
    networkPassphrase: net.networkPassphrase,
  }).setTimeout(60);
  for (const op of ops) builder.addOperation(op);
  if (memo) builder.addMemo(memo);
  const tx = builder.build();
  tx.sign(source, ...extraSigners);
  return server.submitTransaction(tx, { skipMemoRequiredCheck: true });
}

/** Pays `amount` of `asset` directly; returns the payment's operation id (paging token) and ledger. */
export async function payDirect(
  net: Localnet,
  from: Keypair,
  to: string,
  amount: string,
  asset = Asset.native(),
) {
  const res = await submitOps(net, from, [Operation.payment({ destination: to, asset, amount })]);
  const ops = await horizon(net).operations().forTransaction(res.hash).call();
  return { opId: ops.records[0]!.id, ledger: Number(res.ledger) };
}

/** The listener's state for `account` as /admin/listener shows it. */
export async function listenerStateOf(bridgeUrl: string | undefined, account: string) {
  const states = (await (await fetch(`${bridgeUrl}/admin/listener`)).json()) as Record<string, unknown>[];
  return states.find((s) => s.account === account);
}

/** The listener's stored cursor for `account`, read from the database. */
export async function storedListenerCursor(database: TestDatabase, account: string) {
  const db = createKnex(database);
  try {
    const row = (await db('listener_cursor').where({ account_id: account }).first()) as
      { cursor: unknown } | undefined;
    return row ? String(row.cursor) : undefined;
  } finally {
    await db.destroy();
  }
}

/** An issuer, and a holder with a trustline funded with `amount` of `code`. */
export async function issueAsset(net: Localnet, code: string, holders: Keypair[], amount = '100000') {
  const issuer = await funded(net);
  const asset = new Asset(code, issuer.publicKey());
  for (const h of holders) {
    await submitOps(net, h, [Operation.changeTrust({ asset })]);
    await submitOps(net, issuer, [Operation.payment({ destination: h.publicKey(), asset, amount })]);
  }
  return { issuer, asset };
}

export interface Recorded {
  path: string;
  headers: http.IncomingHttpHeaders;
  body: string;
  form: Record<string, string>;
}

export interface Recorder {
  url: string;
  requests: Recorded[];
  /** Status (and body) to answer; may be changed while running. */
  respond: (req: Recorded) => { status: number; body?: string };
  close(): Promise<void>;
}

export async function recorder(
  respond: (req: Recorded) => { status: number; body?: string } = () => ({ status: 200 }),
): Promise<Recorder> {
  const rec: Recorder = { url: '', requests: [], respond, close: async () => undefined };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const form = Object.fromEntries(new URLSearchParams(body));
      const entry = { path: req.url ?? '/', headers: req.headers, body, form };
      const answer = rec.respond(entry);
      if (answer.status === 200) rec.requests.push(entry);
      else rec.requests.push({ ...entry, path: `${entry.path}#${answer.status}` });
      res.writeHead(answer.status, { 'Content-Type': 'application/json' });
      res.end(answer.body ?? '');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  rec.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  rec.close = () =>
    new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return rec;
}

export interface RunningBridge {
  bridge: Bridge;
  http: RunningServer;
  url: string;
  close(): Promise<void>;
}

export async function migrate(database: TestDatabase): Promise<void> {
  const db = createKnex(database);
  try {
    await migrateLatest(db, migrations, MIGRATIONS_TABLE);
  } finally {
    await db.destroy();
  }
}

export async function runBridge(
  raw: Record<string, unknown>,
  logger: Logger = createSilentLogger(),
): Promise<RunningBridge> {
  const config = parseBridgeConfig({
    port: 0,
    network_passphrase: 'Standalone Network ; February 2017',
    ...raw,
  });
  const bridge = await createBridge(config, logger);
  await bridge.start();
  const server = await startServer(bridge.app, { port: 0 });
  return {
    bridge,
    http: server,
    url: server.url,
    close: async () => {
      await server.close();
      await bridge.close();
    },
  };
}

/** Two bridge instances over one fresh database, paying from one funded base account. */
export interface Replicas {
  net: Localnet;
  database: TestDatabase;
  a: RunningBridge;
  b: RunningBridge;
  base: Keypair;
}

/**
 * Starts a localnet and two bridges on `leg` before the suite's tests (nothing when the leg is
 * unavailable) and stops them after; the fields are filled once beforeAll ran.
 */
export function useReplicas(leg: DatabaseLeg, extra: Record<string, unknown> = {}): Replicas {
  const r = {} as Replicas;
  beforeAll(async () => {
    if (leg.unavailable) return;
    r.net = await localnet(300);
    r.database = await leg.create();
    await migrate(r.database);
    r.base = await funded(r.net, '100000');
    const config = {
      horizon: r.net.url,
      database: { type: r.database.type, url: r.database.url },
      accounts: { base_seed: r.base.secret() },
      ...extra,
    };
    r.a = await runBridge(config);
    r.b = await runBridge(config);
  });
  afterAll(async () => {
    await r.a?.close();
    await r.b?.close();
    await r.database?.drop();
    await r.net?.close();
  });
  return r;
}

/** The sent_transaction rows attached to a payment id. */
export async function transactionsOf(database: TestDatabase, paymentId: string) {
  const db = createKnex(database);
  try {
    const rows = await db('sent_payment').where({ payment_id: paymentId });
    const ids = rows.map((x) => x.sent_transaction_id).filter((x) => x !== null);
    return ids.length ? await db('sent_transaction').whereIn('id', ids) : [];
  } finally {
    await db.destroy();
  }
}

export async function until<T>(
  fn: () => Promise<T | undefined | false> | T | undefined | false,
  timeoutMs = 60_000,
  stepMs = 50,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, stepMs));
  }
}

export function form(values: Record<string, string>): string {
  return new URLSearchParams(values).toString();
}

/** POST /payment with a form body; the status and the JSON answer. */
export async function postPayment(url: string, body: Record<string, string>) {
  const res = await fetch(`${url}/payment`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: form(body),
  });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

/** The lumen balance of `id` on localnet. */
export async function xlmBalance(net: Localnet, id: string): Promise<number> {
  const account = await horizon(net).loadAccount(id);
  return Number(account.balances.find((b) => b.asset_type === 'native')?.balance);
}
