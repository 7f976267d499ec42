// Fault tests for the receiving side:
// - kill -9 of the bridge process while 500 payments arrive, then a restart:
//   every payment reaches the callback and is recorded once;
// - two replicas on the same receiving account: nothing processed twice, and
//   the second takes over when the first goes away;
// - localnet restarted mid-stream (same state) and reset (new network → the
//   cursor-reset policy).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { databaseLegs, type DatabaseLeg, type TestDatabase } from '@anchor/support/testing';
import { createKnex } from '@anchor/support';
import {
  bridgeFixture,
  bridgeLegs,
  funded,
  horizon,
  localnet,
  networkLegs,
  payMany,
  receivingBridgeToml,
  retrying,
  runBridge,
  startBridgeProcess,
  until,
  useLocalnetRestart,
  type Localnet,
  type NetworkLeg,
  type Recorder,
  type RunningBridge,
} from './helpers.js';

// MariaDB when available (GET_LOCK, a real server); SQLite otherwise. RPC: every database.
const legs = databaseLegs(['mysql', 'sqlite3']);
const leg = legs.find((l) => !l.unavailable) ?? (legs[0] as (typeof legs)[number]);
const [horizonLeg] = networkLegs(['horizon']) as [NetworkLeg];
const killLegs = [
  { name: `${leg.type} over horizon`, network: horizonLeg, database: leg },
  ...bridgeLegs({ rpc: ['mysql', 'postgres', 'sqlite3'] }),
];

async function counts(database: TestDatabase) {
  const db = createKnex(database);
  try {
    const rows = await db('received_payment').select('operation_id', 'status');
    const dupes = await db('received_payment')
      .select('account_id', 'operation_id', 'transaction_id')
      .count({ n: '*' })
      .groupBy('account_id', 'operation_id', 'transaction_id')
      .having(db.raw('count(*) > 1'));
    return { rows, dupes };
  } finally {
    await db.destroy();
  }
}

describe.each(killLegs)('kill -9 while 500 payments arrive ($name)', ({ network, database: dbLeg }) => {
  const f = bridgeFixture({ network, database: dbLeg });
  let net: Localnet;
  let database: TestDatabase;
  let callbacks: Recorder;
  let dir: string;
  let child: ChildProcess | undefined;

  beforeAll(() => {
    ({ net, database, callbacks } = f);
    dir = mkdtempSync(join(tmpdir(), 'bridge-kill-'));
  });
  afterAll(() => {
    child?.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it.skipIf(dbLeg.unavailable)(
    'every payment reaches the callback and is recorded exactly once after a restart',
    async () => {
      const receiving = await funded(net);
      const senders = await Promise.all([1, 2, 3, 4, 5].map(() => funded(net)));
      const cfg = join(dir, 'bridge.cfg');
      writeFileSync(
        cfg,
        receivingBridgeToml({
          net,
          network,
          database,
          receiving: receiving.publicKey(),
          callbacksUrl: callbacks.url,
        }),
      );
      child = startBridgeProcess(cfg);
      const db = createKnex(database);
      try {
        // First start: "now" is made durable before anything arrives.
        await until(
          async () =>
            (await db('listener_cursor').where({ account_id: receiving.publicKey() }).first()) !== undefined,
        );
      } finally {
        await db.destroy();
      }
      const paying = payMany(net, senders, receiving.publicKey(), 100);
      // Kill it mid-stream: once some, but not all, deliveries happened.
      await until(() => callbacks.requests.length >= 20, 60_000, 5);
      child.kill('SIGKILL');
      await new Promise((r) => child?.once('exit', r));
      const deliveredBeforeKill = new Set(callbacks.requests.map((r) => r.form.id)).size;
      await paying;
      child = startBridgeProcess(cfg);
      await until(() => new Set(callbacks.requests.map((r) => r.form.id)).size === 500, 120_000, 100);
      await until(
        async () => (await counts(database)).rows.filter((r) => r.status === 'Success').length === 500,
        60_000,
        100,
      );
      const { rows, dupes } = await counts(database);
      expect(deliveredBeforeKill).toBeLessThan(500);
      expect(rows).toHaveLength(500);
      expect(dupes).toEqual([]);
      child.kill('SIGTERM');
    },
  );
});

// Both server-side locks: MySQL GET_LOCK and PostgreSQL advisory locks (SQLite: a lease row).
describe.each(
  bridgeLegs({ horizon: ['mysql', 'postgres', 'sqlite3'], rpc: ['mysql', 'postgres', 'sqlite3'] }),
)('two replicas on the same receiving account ($name)', ({ network, database: replicaLeg }) => {
  const f = bridgeFixture({ network, database: replicaLeg });
  let net: Localnet;
  let database: TestDatabase;
  let callbacks: Recorder;
  let a: RunningBridge | undefined;
  let b: RunningBridge | undefined;

  beforeAll(() => {
    ({ net, database, callbacks } = f);
  });

  it.skipIf(replicaLeg.unavailable)(
    'only one replica processes; the other takes over when it stops; nothing is processed twice',
    async () => {
      const receiving = await funded(net);
      const senders = await Promise.all([1, 2].map(() => funded(net)));
      const config = {
        accounts: { receiving_account_id: receiving.publicKey() },
        assets: [{ code: 'XLM' }],
        callbacks: { receive: `${callbacks.url}/receive` },
        listener: { retry_min_ms: 50, retry_max_ms: 500, lock_retry_ms: 200 },
      };
      a = await f.start(config);
      b = await f.start(config);
      const state = (r: RunningBridge) => r.bridge.listener?.states.get(receiving.publicKey())?.state;
      await until(
        () => state(a as RunningBridge) === 'streaming' || state(b as RunningBridge) === 'streaming',
      );
      const [holder, other] = state(a) === 'streaming' ? [a, b] : [b, a];
      expect(state(other)).toBe('waiting_for_lock');
      await payMany(net, senders, receiving.publicKey(), 50);
      await until(() => new Set(callbacks.requests.map((r) => r.form.id)).size === 100);
      // The holder goes away; the other replica takes over and keeps going.
      await holder.close();
      if (holder === a) a = undefined;
      else b = undefined;
      await until(() => state(other) === 'streaming', 30_000);
      await payMany(net, senders, receiving.publicKey(), 50);
      await until(() => new Set(callbacks.requests.map((r) => r.form.id)).size === 200);
      await until(
        async () => (await counts(database)).rows.filter((r) => r.status === 'Success').length === 200,
      );
      const ids = callbacks.requests.map((r) => r.form.id);
      expect(ids).toHaveLength(200); // each delivered once
      const { rows, dupes } = await counts(database);
      expect(rows).toHaveLength(200);
      expect(dupes).toEqual([]);
    },
  );
});

// Horizon only: the same restart over RPC (poller, not SSE) has its own fault test.
describe('localnet restarted mid-stream', () => {
  const restart = useLocalnetRestart(databaseLegs(['sqlite3'])[0] as DatabaseLeg);

  it('same state after a restart: the stream reconnects and later payments are delivered; a reset network follows the policy', async () => {
    const { database, callbacks, snapshotFile } = restart;
    let net = (restart.net = await localnet(200, { snapshotFile }));
    const port = net.port;
    const receiving = await funded(net);
    const sender = await funded(net);
    const bridge = (restart.bridge = await runBridge({
      horizon: net.url,
      database: { type: database.type, url: database.url },
      accounts: { receiving_account_id: receiving.publicKey() },
      assets: [{ code: 'XLM' }],
      callbacks: { receive: `${callbacks.url}/receive` },
      listener: {
        retry_min_ms: 50,
        retry_max_ms: 500,
        reconnect_min_ms: 100,
        reconnect_max_ms: 500,
        silence_timeout_ms: 2_000,
        cursor_reset: 'now',
      },
    }));
    await until(() => bridge.bridge.listener?.states.get(receiving.publicKey())?.state === 'streaming');
    await payMany(net, [sender], receiving.publicKey(), 10);
    await until(() => callbacks.requests.length === 10);

    // Restart with the same state (snapshot): same ledger numbers continue.
    net.snapshot();
    await net.close();
    net = restart.net = await localnet(200, { snapshotFile, port });
    await retrying(() => payMany(net, [sender], receiving.publicKey(), 10));
    await until(() => new Set(callbacks.requests.map((r) => r.form.id)).size === 20, 60_000);

    // A reset network (fresh genesis): the stored cursor is ahead of the ledger → policy "now".
    // Its ledgers close only when told, so that the post-reset payment lands in the same ledger
    // (and transaction index) as the first pre-reset one: its operation ids repeat recorded ones.
    const preReset = new Map(callbacks.requests.map((r) => [r.form.id, r.form.transaction_id]));
    const firstLedger = Number(BigInt(callbacks.requests[0]?.form.id as string) >> 32n);
    await net.close();
    rmSync(snapshotFile, { force: true });
    net = restart.net = await localnet(0, { port });
    const fresh = net;
    // Closes ledgers (one per tick) until `work` is done.
    const closing = async <T>(work: Promise<T>): Promise<T> => {
      let done = false;
      const driver = setInterval(() => {
        if (!done) fresh.closeLedger();
      }, 20);
      try {
        return await work;
      } finally {
        done = true;
        clearInterval(driver);
      }
    };
    let ticker: NodeJS.Timeout | undefined;
    try {
      await closing(net.fund(receiving.publicKey()));
      await closing(net.fund(sender.publicKey()));
      expect(net.latestLedger()).toBeLessThan(firstLedger);
      while (net.latestLedger() < firstLedger - 1) net.closeLedger();
      // Let the listener notice the reset and re-anchor its cursor before paying.
      await until(
        async () => {
          const db = createKnex(database);
          try {
            const row = await db('listener_cursor').where({ account_id: receiving.publicKey() }).first();
            return Number(BigInt(row.cursor) >> 32n) <= net.latestLedger();
          } finally {
            await db.destroy();
          }
        },
        60_000,
        200,
      );
      const paying = retrying(() => payMany(fresh, [sender], receiving.publicKey(), 5));
      await until(() => fresh.closer.queueLength() > 0);
      fresh.closeLedger();
      const [reset] = await paying;
      ticker = setInterval(() => fresh.closeLedger(), 200);
      const resetHash = reset?.hash as string;
      const resetOps = await retrying(() =>
        horizon(fresh).operations().forTransaction(resetHash).limit(10).call(),
      );
      const resetIds = resetOps.records.map((r) => r.id);
      // The premise: the reset network reuses operation ids recorded before the reset.
      expect(resetIds).toHaveLength(5);
      for (const id of resetIds) expect(preReset.get(id)).toMatch(/^[0-9a-f]{64}$/);
      for (const id of resetIds) expect(preReset.get(id)).not.toBe(resetHash);

      // The post-reset payments are recorded and DELIVERED, each once.
      const delivered = () => callbacks.requests.filter((r) => r.form.transaction_id === resetHash);
      await until(() => delivered().length >= 5, 60_000);
      expect(
        delivered()
          .map((r) => r.form.id)
          .sort(),
      ).toEqual([...resetIds].sort());
      const db = createKnex(database);
      try {
        await until(async () => {
          const rows = await db('received_payment').where({
            account_id: receiving.publicKey(),
            transaction_id: resetHash,
          });
          return rows.length === 5 && rows.every((r) => r.status === 'Success');
        }, 30_000);
      } finally {
        await db.destroy();
      }
    } finally {
      clearInterval(ticker);
    }
    expect(callbacks.requests).toHaveLength(25);
    const { dupes } = await counts(database);
    expect(dupes).toEqual([]);
  }, 120_000);
});
