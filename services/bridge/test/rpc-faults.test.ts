// Fault tests of the bridge over Stellar RPC alone (`[network] backend = "rpc"`, no Horizon URL):
// - localnet stopped and started again on the same port with its state (snapshot) while
//   payments arrive: every payment is delivered exactly once and the cursor carries on;
// - sendTransaction answering TRY_AGAIN_LATER (the source already has a transaction in the
//   queue, stellar-core's TransactionQueue::tryAdd): the same envelope is sent again until it is
//   accepted, it pays once, and the tx_bad_seq retry budget is not spent on it;
// - the bridge killed with kill -9 after sendTransaction accepted the envelope and before
//   getTransaction saw it land: after a restart the same payment id is resolved by hash and the
//   first envelope lands; nothing is rebuilt while it can still land.
// Localnet's Horizon API is used only by the test itself, to check what landed.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Operation, TransactionBuilder, rpc } from '@stellar/stellar-sdk';
import { databaseLegs, type DatabaseLeg, type TestDatabase } from '@anchor/support/testing';
import { createKnex } from '@anchor/support';
import {
  funded,
  horizon,
  localnet,
  migrate,
  payMany,
  postPayment,
  retrying,
  runBridge,
  transactionsOf,
  until,
  useLocalnetRestart,
  type Localnet,
  type RunningBridge,
} from './helpers.js';

const BIN = resolve(import.meta.dirname, '../bin/bridge.js');
const leg = databaseLegs(['sqlite3'])[0] as DatabaseLeg;

/** The `[network]` section for localnet's RPC, with no Horizon at all. */
const rpcOnly = (rpcUrl: string) => ({ backend: 'rpc', rpc_url: rpcUrl, poll_interval_ms: 100 });

async function receivedRows(database: TestDatabase, account: string) {
  const db = createKnex(database);
  try {
    return await db('received_payment').where({ account_id: account }).select('operation_id', 'status');
  } finally {
    await db.destroy();
  }
}

describe.skipIf(leg.unavailable)('over RPC: localnet restarted mid-stream with its state', () => {
  const restart = useLocalnetRestart(leg);

  it('every payment is delivered exactly once and the cursor continues across the restart', async () => {
    const { database, callbacks, snapshotFile } = restart;
    let net = (restart.net = await localnet(200, { snapshotFile }));
    const port = net.port;
    const receiving = await funded(net);
    const sender = await funded(net);
    const bridge = (restart.bridge = await runBridge({
      network: rpcOnly(net.rpcUrl),
      database: { type: database.type, url: database.url },
      accounts: { receiving_account_id: receiving.publicKey() },
      assets: [{ code: 'XLM' }],
      callbacks: { receive: `${callbacks.url}/receive` },
      listener: { retry_min_ms: 50, retry_max_ms: 500, reconnect_min_ms: 100, reconnect_max_ms: 500 },
    }));
    const state = () => bridge.bridge.listener?.states.get(receiving.publicKey());
    await until(() => state()?.state === 'streaming');
    const [before] = await payMany(net, [sender], receiving.publicKey(), 10);
    await until(() => callbacks.requests.length === 10, 60_000, 5);
    net.snapshot();
    await net.close();
    // Down for a while: the poller fails and reconnects with backoff.
    await until(() => state()?.state === 'reconnecting', 30_000, 20);
    net = restart.net = await localnet(200, { snapshotFile, port });
    // Localnet's RPC starts a fresh window at the restored ledger (its snapshot keeps no history):
    // the cursor's ledger is outside it, but the account has not changed since, so there is
    // nothing to miss and the poller carries on instead of reporting a gap.
    await until(() => state()?.state === 'streaming', 30_000, 20);
    const [after] = await retrying(() => payMany(net, [sender], receiving.publicKey(), 10));
    const ids = () => callbacks.requests.filter((r) => r.path === '/receive').map((r) => r.form.id);
    await until(() => new Set(ids()).size === 20, 60_000);
    await until(
      async () =>
        (await receivedRows(database, receiving.publicKey())).filter((r) => r.status === 'Success').length ===
        20,
      30_000,
    );
    expect(ids()).toHaveLength(20); // each delivered once
    const byTx = (hash: string) => callbacks.requests.filter((r) => r.form.transaction_id === hash);
    expect(byTx(before?.hash as string)).toHaveLength(10);
    expect(byTx(after?.hash as string)).toHaveLength(10);
    expect(state()?.state).toBe('streaming');
    expect(state()?.historyGap).toBeUndefined();
    // The cursor carried on: it is now the last operation of the post-restart transaction.
    const db = createKnex(database);
    try {
      const row = await db('listener_cursor').where({ account_id: receiving.publicKey() }).first();
      const afterOps = await horizon(net)
        .operations()
        .forTransaction(after?.hash as string)
        .limit(20)
        .call();
      expect(row.cursor).toBe(afterOps.records[afterOps.records.length - 1]?.paging_token);
    } finally {
      await db.destroy();
    }
  }, 120_000);
});

/** Closes a ledger every `ms` unless paused: the test decides when transactions may land. */
function ledgerDriver(net: Localnet, ms = 150) {
  const driver = { paused: false, stop: () => clearInterval(timer) };
  const timer = setInterval(() => {
    if (!driver.paused) net.closeLedger();
  }, ms);
  return driver;
}

interface RpcExchange {
  method: string;
  hash?: string;
  status?: string;
}

/** A pass-through proxy in front of localnet's RPC that records each sendTransaction answer. */
async function rpcRecorder(target: string) {
  const exchanges: RpcExchange[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      void fetch(target, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body })
        .then(async (upstream) => {
          const text = await upstream.text();
          const request = JSON.parse(body) as { method: string };
          const answer = JSON.parse(text) as { result?: { hash?: string; status?: string } };
          exchanges.push({
            method: request.method,
            hash: answer.result?.hash,
            status: answer.result?.status,
          });
          res.writeHead(upstream.status, { 'Content-Type': 'application/json' });
          res.end(text);
        })
        .catch(() => {
          res.writeHead(502);
          res.end();
        });
    });
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    exchanges,
    sent: () => exchanges.filter((e) => e.method === 'sendTransaction'),
    close: () =>
      new Promise<void>((done) => {
        server.closeAllConnections();
        server.close(() => done());
      }),
  };
}

describe.skipIf(leg.unavailable)('over RPC: sendTransaction answers TRY_AGAIN_LATER', () => {
  let net: Localnet;
  let database: TestDatabase;
  let bridge: RunningBridge | undefined;
  let proxy: Awaited<ReturnType<typeof rpcRecorder>>;
  let driver: ReturnType<typeof ledgerDriver>;

  beforeAll(async () => {
    net = await localnet(0);
    driver = ledgerDriver(net);
    proxy = await rpcRecorder(net.rpcUrl);
    database = await leg.create();
    await migrate(database);
  });
  afterAll(async () => {
    await bridge?.close();
    driver?.stop();
    await proxy?.close();
    await database?.drop();
    await net?.close();
  });

  it('the same envelope is sent again until accepted; it pays once; no tx_bad_seq retry is spent', async () => {
    const base = await funded(net, '1000');
    const dest = await funded(net);
    bridge = await runBridge({
      network: rpcOnly(proxy.url),
      database: { type: database.type, url: database.url },
      accounts: { base_seed: base.secret() },
      // No rebuild allowed at all: waiting out TRY_AGAIN_LATER must not count as one.
      submitter: { bad_seq_retries: 0 },
    });
    // Another transaction of the base account sits in the queue, valid for 2 more seconds only:
    // every sendTransaction from that source is TRY_AGAIN_LATER until it leaves the queue.
    driver.paused = true;
    const account = await horizon(net).loadAccount(base.publicKey());
    const blocker = new TransactionBuilder(account, { fee: '100', networkPassphrase: net.networkPassphrase })
      .addOperation(Operation.bumpSequence({ bumpTo: '0' }))
      .setTimeout(2)
      .build();
    blocker.sign(base);
    const server = new rpc.Server(net.rpcUrl, { allowHttp: true });
    expect((await server.sendTransaction(blocker)).status).toBe('PENDING');
    const paying = postPayment(bridge.url, { id: 'tal-1', destination: dest.publicKey(), amount: '5' });
    await until(() => proxy.sent().filter((e) => e.status === 'TRY_AGAIN_LATER').length >= 2, 30_000, 20);
    // The blocker expires unapplied at the next close; the bridge's envelope then gets in.
    const maxTime = Number(blocker.timeBounds?.maxTime);
    await until(() => Math.floor(Date.now() / 1000) > maxTime, 10_000, 50);
    driver.paused = false;
    const res = await paying;
    expect(res.status).toBe(200);
    const hash = res.json.hash as string;
    const sent = proxy.sent();
    // Every send carried the one envelope: TRY_AGAIN_LATER at first, then PENDING.
    expect(new Set(sent.map((e) => e.hash))).toEqual(new Set([hash]));
    expect(sent.filter((e) => e.status === 'TRY_AGAIN_LATER').length).toBeGreaterThanOrEqual(2);
    expect(sent.filter((e) => e.status === 'PENDING')).toHaveLength(1);
    expect(await transactionsOf(database, 'tal-1')).toHaveLength(1);
    // Paid once: the blocker never landed, the payment did.
    const txs = await horizon(net).transactions().forAccount(base.publicKey()).limit(20).call();
    expect(txs.records.filter((t) => t.source_account === base.publicKey()).map((t) => t.hash)).toEqual([
      hash,
    ]);
    const payments = await horizon(net).payments().forAccount(dest.publicKey()).limit(20).call();
    expect(payments.records.filter((p) => p.type === 'payment')).toHaveLength(1);
  });
});

function startChild(configFile: string, env: Record<string, string>) {
  const child = spawn(process.execPath, [BIN, '-c', configFile], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...env },
  });
  const url = new Promise<string>((found, failed) => {
    let out = '';
    const scan = (chunk: Buffer) => {
      out += chunk.toString('utf8');
      const m = /bridge listening on (http:\/\/[^\s"]+)/.exec(out);
      if (m) found(m[1] as string);
    };
    child.stdout?.on('data', scan);
    child.stderr?.on('data', scan);
    child.once('exit', (code) => failed(new Error(`bridge exited (${code}) before listening: ${out}`)));
  });
  return { child, url };
}

describe.skipIf(leg.unavailable)(
  'over RPC: kill -9 after sendTransaction, before getTransaction saw it',
  () => {
    let net: Localnet;
    let database: TestDatabase;
    let driver: ReturnType<typeof ledgerDriver>;
    let dir: string;
    let child: ChildProcess | undefined;

    beforeAll(async () => {
      net = await localnet(0);
      driver = ledgerDriver(net);
      database = await leg.create();
      await migrate(database);
      dir = mkdtempSync(join(tmpdir(), 'bridge-rpc-kill-'));
    });
    afterAll(async () => {
      child?.kill('SIGKILL');
      driver?.stop();
      await database?.drop();
      await net?.close();
      rmSync(dir, { recursive: true, force: true });
    });

    it('after a restart the payment id is resolved by hash: the first envelope lands once, nothing is rebuilt', async () => {
      const base = await funded(net, '1000');
      const dest = await funded(net);
      const cfg = join(dir, 'bridge.cfg');
      writeFileSync(
        cfg,
        [
          'port = 0',
          `network_passphrase = "${net.networkPassphrase}"`,
          '[network]',
          'backend = "rpc"',
          `rpc_url = "${net.rpcUrl}"`,
          'poll_interval_ms = 100',
          '[database]',
          `type = "${database.type}"`,
          `url = "${database.url}"`,
          '',
        ].join('\n'),
      );
      const env = { BRIDGE_BASE_SEED: base.secret() };
      const first = startChild(cfg, env);
      child = first.child;
      const body = { id: 'kill-1', destination: dest.publicKey(), amount: '9' };
      driver.paused = true;
      void postPayment(await first.url, body).catch(() => undefined);
      // sendTransaction accepted it (PENDING, in the queue); getTransaction can only say NOT_FOUND.
      await until(() => net.closer.queueLength() === 1, 30_000, 10);
      child.kill('SIGKILL');
      await new Promise((r) => child?.once('exit', r));
      const [row] = await transactionsOf(database, 'kill-1');
      const firstHash = row?.transaction_id as string;
      expect(firstHash).toMatch(/^[0-9a-f]{64}$/);
      expect(net.closer.pending(firstHash)).toBe(true);

      // Restarted while the first envelope is still queued: repeating the id must wait for it.
      const second = startChild(cfg, env);
      child = second.child;
      const replay = postPayment(await second.url, body);
      // However long it stays queued, nothing else is built or sent from the base account.
      const settled = await Promise.race([
        replay.then(() => true),
        new Promise((r) => setTimeout(r, 1_500, false)),
      ]);
      expect(settled).toBe(false);
      expect(net.closer.queueLength()).toBe(1);
      expect(net.closer.pending(firstHash)).toBe(true);
      expect(await transactionsOf(database, 'kill-1')).toHaveLength(1);
      driver.paused = false;
      const res = await replay;
      expect(res.status).toBe(200);
      expect(res.json.hash).toBe(firstHash);
      const txs = await horizon(net).transactions().forAccount(base.publicKey()).limit(20).call();
      expect(txs.records.filter((t) => t.source_account === base.publicKey()).map((t) => t.hash)).toEqual([
        firstHash,
      ]);
      expect(await transactionsOf(database, 'kill-1')).toHaveLength(1);
      child.kill('SIGTERM');
    }, 120_000);
  },
);
