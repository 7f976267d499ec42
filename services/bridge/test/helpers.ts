// Shared test fixtures: a real localnet, funded accounts, a recording HTTP
// server (callbacks, compliance stand-in) and a running bridge on a real database.
import http from 'node:http';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Writable } from 'node:stream';
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
  createLogger,
  createSilentLogger,
  createKnex,
  migrateLatest,
  startServer,
  type Logger,
  type RunningServer,
} from '@anchor/support';
import { databaseLegs, type DatabaseLeg, type TestDatabase } from '@anchor/support/testing';
import type { DatabaseType } from '@anchor/support';
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

/** The paging token of the account's latest payment (a stored cursor "just after" it). */
export async function latestPaymentToken(net: Localnet, account: string): Promise<string> {
  const page = await horizon(net).payments().forAccount(account).order('desc').limit(1).call();
  return page.records[0]?.paging_token as string;
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

/** A JSON logger that appends each line it writes, parsed, to `lines`. */
export function capturingLogger(lines: Record<string, unknown>[], level: 'info' | 'warn'): Logger {
  return createLogger({
    service: 'bridge',
    format: 'json',
    level,
    stream: new Writable({
      write(chunk: Buffer, _enc, done) {
        for (const line of chunk.toString('utf8').split('\n').filter(Boolean))
          lines.push(JSON.parse(line) as Record<string, unknown>);
        done();
      },
    }),
  });
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

/** A network backend the bridge runs on, parameterized like the database legs. */
export interface NetworkLeg {
  name: 'horizon' | 'rpc';
  /** The bridge config keys that point it at `target` (a localnet, or a stand-in in front of one). */
  config(target: { url: string }): Record<string, unknown>;
  /** The same as a bridge.cfg `[network]` table (TOML): lines to put after the top-level keys. */
  toml(target: { url: string }): string[];
}

/** RPC's getEvents/getTransaction polling in tests: often enough to follow a 200 ms ledger. */
const RPC_POLL_MS = 100;

const NETWORK_LEGS: Record<NetworkLeg['name'], NetworkLeg> = {
  horizon: {
    name: 'horizon',
    config: (t) => ({ horizon: t.url }),
    toml: (t) => ['[network]', 'backend = "horizon"', `horizon_url = "${t.url}"`],
  },
  // No Horizon at all: the bridge must work on RPC alone (a backfill Horizon is opt-in per test).
  rpc: {
    name: 'rpc',
    config: (t) => ({ network: { backend: 'rpc', rpc_url: `${t.url}/rpc`, poll_interval_ms: RPC_POLL_MS } }),
    toml: (t) => [
      '[network]',
      'backend = "rpc"',
      `rpc_url = "${t.url}/rpc"`,
      `poll_interval_ms = ${RPC_POLL_MS}`,
    ],
  },
};

export function networkLegs(names: NetworkLeg['name'][] = ['horizon', 'rpc']): NetworkLeg[] {
  return names.map((n) => NETWORK_LEGS[n]);
}

/** One network backend with one database leg; `name` reads "sqlite3 over rpc" in titles. */
export interface BridgeLeg {
  name: string;
  network: NetworkLeg;
  database: DatabaseLeg;
}

/**
 * The network × database matrix a suite runs on: each backend with its own database types
 * (typically the full set on Horizon and SQLite on RPC).
 */
export function bridgeLegs(types: Partial<Record<NetworkLeg['name'], DatabaseType[]>>): BridgeLeg[] {
  return networkLegs(Object.keys(types) as NetworkLeg['name'][]).flatMap((network) =>
    databaseLegs(types[network.name]).map((database) => ({
      name: `${database.type} over ${network.name}`,
      network,
      database,
    })),
  );
}

export interface BridgeFixtureOptions {
  /** Default: Horizon. */
  network?: NetworkLeg;
  /** A fresh, migrated database from this leg; none when omitted. */
  database?: DatabaseLeg;
  closeIntervalMs?: number;
  /** Extra localnet options (retention windows, submit timeouts, snapshots). */
  localnet?: Record<string, unknown>;
  /** What the callbacks recorder answers. */
  respond?: Recorder['respond'];
}

export interface BridgeFixture {
  net: Localnet;
  /** Set when a database leg was given. */
  database: TestDatabase;
  callbacks: Recorder;
  /** `raw` with the network keys and the database section filled in. */
  config(raw?: Record<string, unknown>, target?: { url: string }): Record<string, unknown>;
  /** Runs a bridge on `config(raw)`; whatever is still running is closed after the suite. */
  start(
    raw?: Record<string, unknown>,
    options?: { target?: { url: string }; logger?: Logger },
  ): Promise<RunningBridge>;
}

/**
 * The parts every bridge integration suite needs, set up before its tests (nothing when the
 * database leg is unavailable) and torn down after them in reverse order: a localnet, a migrated
 * leg database, a callbacks recorder and the bridges the suite starts.
 */
export function bridgeFixture(options: BridgeFixtureOptions = {}): BridgeFixture {
  const network = options.network ?? NETWORK_LEGS.horizon;
  const running = new Set<RunningBridge>();
  const f = {
    config: (raw = {}, target?: { url: string }) => ({
      ...network.config(target ?? f.net),
      ...(f.database ? { database: { type: f.database.type, url: f.database.url } } : {}),
      ...raw,
    }),
    start: async (raw = {}, opts: { target?: { url: string }; logger?: Logger } = {}) => {
      const bridge = await runBridge(f.config(raw, opts.target), opts.logger);
      running.add(bridge);
      const close = bridge.close;
      bridge.close = async () => {
        if (!running.delete(bridge)) return;
        await close();
      };
      return bridge;
    },
  } as BridgeFixture;
  beforeAll(async () => {
    if (options.database?.unavailable) return;
    f.net = await localnet(options.closeIntervalMs ?? 200, options.localnet);
    if (options.database) {
      f.database = await options.database.create();
      await migrate(f.database);
    }
    f.callbacks = await recorder(options.respond);
  });
  afterAll(async () => {
    for (const bridge of [...running].reverse()) await bridge.close();
    await f.callbacks?.close();
    await f.database?.drop();
    await f.net?.close();
  });
  return f;
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
export function useReplicas(
  leg: DatabaseLeg,
  extra: Record<string, unknown> = {},
  network: NetworkLeg = NETWORK_LEGS.horizon,
): Replicas {
  const f = bridgeFixture({ network, database: leg, closeIntervalMs: 300 });
  const r = {} as Replicas;
  beforeAll(async () => {
    if (leg.unavailable) return;
    r.net = f.net;
    r.database = f.database;
    r.base = await funded(r.net, '100000');
    const config = { accounts: { base_seed: r.base.secret() }, ...extra };
    r.a = await f.start(config);
    r.b = await f.start(config);
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

/** After a localnet restart the SDK's kept-alive sockets to the old server hang up once. */
export async function retrying<T>(fn: () => Promise<T>): Promise<T> {
  for (let i = 0; ; i++) {
    try {
      return await fn();
    } catch (err) {
      if (i >= 5) throw err;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

/** One transaction of `perSender` 0.01 XLM payments to `to` from each sender, concurrently. */
export async function payMany(net: Localnet, senders: Keypair[], to: string, perSender: number) {
  return Promise.all(
    senders.map((s) =>
      submitOps(
        net,
        s,
        Array.from({ length: perSender }, () =>
          Operation.payment({ destination: to, asset: Asset.native(), amount: '0.01' }),
        ),
      ),
    ),
  );
}

/**
 * For a test that stops localnet and starts it again from its snapshot: a migrated database on
 * `leg`, a callback recorder and a snapshot file, made before the tests. The test keeps what it
 * starts in `net` and `bridge`, and whatever is there is closed after the tests.
 */
export interface LocalnetRestart {
  readonly database: TestDatabase;
  readonly callbacks: Recorder;
  readonly snapshotFile: string;
  net?: Localnet;
  bridge?: RunningBridge;
}

export function useLocalnetRestart(leg: DatabaseLeg): LocalnetRestart {
  let dir: string | undefined;
  let database: TestDatabase | undefined;
  let callbacks: Recorder | undefined;
  const ready = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error('useLocalnetRestart: used outside a test');
    return value;
  };
  const harness: LocalnetRestart = {
    get database() {
      return ready(database);
    },
    get callbacks() {
      return ready(callbacks);
    },
    get snapshotFile() {
      return join(ready(dir), 'net.json');
    },
  };
  beforeAll(async () => {
    if (leg.unavailable) return;
    dir = mkdtempSync(join(tmpdir(), 'bridge-restart-'));
    database = await leg.create();
    await migrate(database);
    callbacks = await recorder();
  });
  afterAll(async () => {
    await harness.bridge?.close();
    await callbacks?.close();
    await database?.drop();
    await harness.net?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });
  return harness;
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

/** Starts bin/bridge.js on `configFile` as a child process (fault tests kill it with SIGKILL). */
export function startBridgeProcess(configFile: string, env: Record<string, string> = {}): ChildProcess {
  const bin = resolve(import.meta.dirname, '../bin/bridge.js');
  const child = spawn(process.execPath, [bin, '-c', configFile], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, ...env },
  });
  child.stderr?.on('data', () => undefined);
  return child;
}

/** A bridge.cfg (TOML) of a child bridge listening on one receiving account (fault tests). */
export function receivingBridgeToml(o: {
  net: Localnet;
  network: NetworkLeg;
  database: TestDatabase;
  receiving: string;
  callbacksUrl: string;
  /** More `[listener]` keys. */
  listener?: string[];
}): string {
  return [
    'port = 0',
    `network_passphrase = "${o.net.networkPassphrase}"`,
    '[[assets]]',
    'code = "XLM"',
    '[database]',
    `type = "${o.database.type}"`,
    `url = "${o.database.url}"`,
    '[accounts]',
    `receiving_account_id = "${o.receiving}"`,
    '[callbacks]',
    `receive = "${o.callbacksUrl}/receive"`,
    '[listener]',
    'retry_min_ms = 50',
    'retry_max_ms = 500',
    'lock_retry_ms = 200',
    ...(o.listener ?? []),
    ...o.network.toml(o.net),
    '',
  ].join('\n');
}
