// The bridge with `[network] backend = "rpc"` against localnet's Stellar RPC (POST /rpc) and no
// Horizon: a /payment lands once over sendTransaction/getTransaction, an incoming payment is read
// from getEvents and delivered once with its memo, and a stored cursor outside RPC's retention
// window halts the account unless a backfill Horizon (network.horizon_url) is configured.
// Localnet's Horizon is used only by the test itself, to check what landed.
import { beforeAll, describe, expect, it } from 'vitest';
import { Asset, Memo, Operation } from '@stellar/stellar-sdk';
import { databaseLegs, type DatabaseLeg, type TestDatabase } from '@anchor/support/testing';
import { createKnex } from '@anchor/support';
import { KnexReceivedPaymentStore } from '../src/stores/received-payment.store.js';
import {
  funded,
  latestPaymentToken,
  horizon,
  bridgeFixture,
  networkLegs,
  postPayment,
  submitOps,
  until,
  type Localnet,
  type NetworkLeg,
  type Recorder,
  type RunningBridge,
} from './helpers.js';

const leg = databaseLegs(['sqlite3'])[0] as DatabaseLeg;

const [rpc] = networkLegs(['rpc']) as [NetworkLeg];

async function withDb<T>(database: TestDatabase, fn: (db: ReturnType<typeof createKnex>) => Promise<T>) {
  const db = createKnex(database);
  try {
    return await fn(db);
  } finally {
    await db.destroy();
  }
}

describe.skipIf(leg.unavailable)('bridge over Stellar RPC', () => {
  const f = bridgeFixture({ network: rpc, database: leg });
  let net: Localnet;
  let callbacks: Recorder;
  let bridge: RunningBridge;
  beforeAll(() => {
    ({ net, callbacks } = f);
  });

  it('submits a /payment over RPC once; the same id answers the same hash; a failed tx maps to its code', async () => {
    const base = await funded(net, '1000');
    const dest = await funded(net);
    bridge = await f.start({ accounts: { base_seed: base.secret() } });
    // Readiness asks RPC's getHealth (there is no Horizon to ask).
    const ready = await fetch(`${bridge.url}/health`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ checks: { network: 'ok' } });
    const body = { id: 'rpc-pay-1', destination: dest.publicKey(), amount: '7' };
    const first = await postPayment(bridge.url, body);
    expect(first.status).toBe(200);
    expect(first.json.hash).toMatch(/^[0-9a-f]{64}$/);
    const again = await postPayment(bridge.url, body);
    expect(again.json.hash).toBe(first.json.hash);
    // Only the payment was sent from the base account (its funding came from friendbot).
    const txs = await horizon(net).transactions().forAccount(base.publicKey()).limit(10).call();
    const sent = txs.records.filter((t) => t.source_account === base.publicKey());
    expect(sent.map((t) => t.hash)).toEqual([first.json.hash]);
    const destAccount = await horizon(net).loadAccount(dest.publicKey());
    expect(Number(destAccount.balances.find((b) => b.asset_type === 'native')?.balance)).toBeCloseTo(
      10007,
      5,
    );
    // A transaction that fails in its ledger (getTransaction FAILED) maps to the same code as on Horizon.
    const poor = await funded(net, '2');
    const failed = await postPayment(bridge.url, {
      source: poor.secret(),
      destination: dest.publicKey(),
      amount: '100',
    });
    expect(failed.status).toBe(400);
    expect(failed.json).toMatchObject({ code: 'payment_underfunded' });
    await bridge.close();
    bridge = undefined as unknown as RunningBridge;
  });

  it('delivers an incoming payment read from RPC events to the callback once, with its memo', async () => {
    const receiving = await funded(net);
    const sender = await funded(net);
    bridge = await f.start({
      accounts: { receiving_account_id: receiving.publicKey() },
      assets: [{ code: 'XLM' }],
      callbacks: { receive: `${callbacks.url}/receive` },
      listener: { retry_min_ms: 50, retry_max_ms: 400, lock_retry_ms: 200 },
    });
    await until(() => bridge.bridge.listener?.states.get(receiving.publicKey())?.state === 'streaming');
    const res = await submitOps(
      net,
      sender,
      [Operation.payment({ destination: receiving.publicKey(), asset: Asset.native(), amount: '12.5' })],
      [],
      Memo.text('rpc-memo'),
    );
    const ops = await horizon(net).operations().forTransaction(res.hash).call();
    const opId = ops.records[0]?.id as string;
    const calls = () => callbacks.requests.filter((r) => r.path === '/receive' && r.form.id === opId);
    await until(() => calls().length > 0);
    expect(calls()[0]?.form).toMatchObject({
      id: opId,
      from: sender.publicKey(),
      amount: '12.5000000',
      asset_code: '', // lumens, as on Horizon (legacy form)
      memo_type: 'text',
      memo: 'rpc-memo',
      transaction_id: res.hash,
    });
    // A second payment proves the poller moved on, and the first was not delivered again.
    await submitOps(net, sender, [
      Operation.payment({ destination: receiving.publicKey(), asset: Asset.native(), amount: '1' }),
    ]);
    await until(
      () => callbacks.requests.filter((r) => r.path === '/receive' && r.form.amount === '1.0000000').length,
    );
    expect(calls()).toHaveLength(1);
    await bridge.close();
    bridge = undefined as unknown as RunningBridge;
  });
});

describe.skipIf(leg.unavailable)('bridge over RPC: a cursor outside the retention window', () => {
  const RETENTION = 5;
  const f = bridgeFixture({
    network: rpc,
    database: leg,
    closeIntervalMs: 100,
    localnet: { rpcRetentionLedgers: RETENTION },
  });
  let net: Localnet;
  let database: TestDatabase;
  let callbacks: Recorder;
  let bridge: RunningBridge | undefined;
  let receiving: Awaited<ReturnType<typeof funded>>;
  let sender: Awaited<ReturnType<typeof funded>>;
  let oldOpId: string;
  beforeAll(async () => {
    ({ net, database, callbacks } = f);
    receiving = await funded(net);
    sender = await funded(net);
    // The stored cursor: just after the receiving account's creation.
    const cursor = await latestPaymentToken(net, receiving.publicKey());
    await withDb(database, (db) => new KnexReceivedPaymentStore(db).setCursor(receiving.publicKey(), cursor));
    // A payment that RPC will have forgotten by the time the bridge starts.
    const res = await submitOps(net, sender, [
      Operation.payment({ destination: receiving.publicKey(), asset: Asset.native(), amount: '3' }),
    ]);
    const ops = await horizon(net).operations().forTransaction(res.hash).call();
    oldOpId = ops.records[0]?.id as string;
    const paidLedger = Number((await horizon(net).transactions().transaction(res.hash).call()).ledger_attr);
    const rpcOldest = async () => {
      const r = await fetch(`${net.url}/rpc`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'getHealth' }),
      });
      return ((await r.json()) as { result: { oldestLedger: number } }).result.oldestLedger;
    };
    await until(async () => (await rpcOldest()) > paidLedger + 1);
  });
  const config = (horizonUrl?: string) => ({
    network: { ...(rpc.config(net).network as object), ...(horizonUrl ? { horizon_url: horizonUrl } : {}) },
    accounts: { receiving_account_id: receiving.publicKey() },
    assets: [{ code: 'XLM' }],
    callbacks: { receive: `${callbacks.url}/receive` },
    listener: { retry_min_ms: 50, retry_max_ms: 400, lock_retry_ms: 200 },
  });

  it('without horizon_url the account halts: admin shows it, /health is 503, nothing delivered', async () => {
    bridge = await f.start(config());
    const running = bridge;
    await until(() => running.bridge.listener?.states.get(receiving.publicKey())?.state === 'halted');
    const admin = (await (await fetch(`${running.url}/admin/listener`)).json()) as unknown;
    expect(JSON.stringify(admin)).toContain('"state":"halted"');
    expect(JSON.stringify(admin)).toContain('historyGap');
    const health = await fetch(`${running.url}/health`);
    expect(health.status).toBe(503);
    const metrics = await (await fetch(`${running.url}/metrics`)).text();
    expect(metrics).toContain(`bridge_listener_gaps_total{account="${receiving.publicKey()}"} 1`);
    expect(callbacks.requests.filter((r) => r.form.id === oldOpId)).toHaveLength(0);
    await running.close();
    bridge = undefined;
  });

  it('with horizon_url the missed payment is backfilled from Horizon and delivered once', async () => {
    bridge = await f.start(config(net.url));
    const calls = () => callbacks.requests.filter((r) => r.path === '/receive' && r.form.id === oldOpId);
    await until(() => calls().length > 0);
    expect(calls()[0]?.form).toMatchObject({ amount: '3.0000000', from: sender.publicKey() });
    // After the backfill, RPC takes over: a new payment arrives too.
    await submitOps(net, sender, [
      Operation.payment({ destination: receiving.publicKey(), asset: Asset.native(), amount: '4' }),
    ]);
    await until(() => callbacks.requests.filter((r) => r.form.amount === '4.0000000').length);
    expect(calls()).toHaveLength(1);
  });
});
