// Claimable balances whose claimant is a receiving account, against localnet's claimable balances
// through the real SDK: with `[listener] claimable_balances = "report"` (default) they are listed
// by GET /admin/claimable-balances and nothing is claimed or delivered; with "claim" the bridge
// claims a balance of an allowed asset for the account it holds the seed of (the base account)
// and delivers the claim once, as a received payment with its claimable_balance_id. A balance the
// bridge may not claim (asset not allowed, no seed) is reported with the reason.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Asset, Claimant, Keypair, Operation } from '@stellar/stellar-sdk';
import { databaseLegs, type DatabaseLeg } from '@anchor/support/testing';
import {
  funded,
  horizon,
  issueAsset,
  localnet,
  migrate,
  recorder,
  runBridge,
  submitOps,
  until,
  xlmBalance,
  type Localnet,
  type Recorder,
  type RunningBridge,
} from './helpers.js';

const leg = databaseLegs(['sqlite3'])[0] as DatabaseLeg;

interface Row {
  account_id: string;
  balance_id: string;
  status: string;
  amount: string;
  asset_code: string;
  sponsor: string;
  claim_hash: string | null;
  operation_id: string | null;
  last_error: string | null;
}

async function createBalance(net: Localnet, from: Keypair, to: string, asset: Asset, amount: string) {
  const res = await submitOps(net, from, [
    Operation.createClaimableBalance({
      asset,
      amount,
      claimants: [new Claimant(to, Claimant.predicateUnconditional())],
    }),
  ]);
  const page = await horizon(net).claimableBalances().claimant(to).call();
  return {
    res,
    id: page.records.find((r) => r.sponsor === from.publicKey() && r.amount === Number(amount).toFixed(7))!
      .id,
  };
}

describe.skipIf(leg.unavailable)('claimable balances', () => {
  let net: Localnet;
  let callbacks: Recorder;
  beforeAll(async () => {
    net = await localnet(200);
    callbacks = await recorder();
  });
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0)) await cleanup();
  });
  afterAll(async () => {
    await callbacks?.close();
    await net?.close();
  });

  /** A bridge on a fresh database, stopped (and its database dropped) after the test. */
  async function bridgeFor(
    base: Keypair,
    receiving: string,
    listener: Record<string, unknown>,
    assets: unknown[],
    extra: Record<string, unknown> = {},
  ) {
    const database = await leg.create();
    await migrate(database);
    const bridge = await runBridge({
      horizon: net.url,
      database: { type: database.type, url: database.url },
      accounts: { base_seed: base.secret(), receiving_account_id: receiving },
      assets,
      callbacks: { receive: `${callbacks.url}/receive` },
      listener: {
        retry_min_ms: 50,
        retry_max_ms: 400,
        lock_retry_ms: 200,
        claimable_poll_ms: 200,
        ...listener,
      },
      ...extra,
    });
    cleanups.push(async () => {
      await bridge.close();
      await database.drop();
    });
    await until(() => bridge.bridge.listener?.states.get(receiving)?.state === 'streaming');
    return bridge;
  }
  const claimBalance = async (bridge: RunningBridge, form: Record<string, string>) => {
    const res = await fetch(`${bridge.url}/admin/claimable-balances/claim`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(form).toString(),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };
  const rows = async (bridge: RunningBridge, query = '') =>
    (await (await fetch(`${bridge.url}/admin/claimable-balances${query}`)).json()) as Row[];

  it('report (default): listed in the admin API, not claimed, nothing delivered', async () => {
    const base = await funded(net);
    const receiving = await funded(net);
    const sender = await funded(net);
    const bridge = await bridgeFor(base, receiving.publicKey(), {}, [{ code: 'XLM' }]);
    const { id } = await createBalance(net, sender, receiving.publicKey(), Asset.native(), '3');
    const [row] = await until(async () => {
      const r = await rows(bridge);
      return r.length > 0 && r;
    });
    expect(row).toMatchObject({
      account_id: receiving.publicKey(),
      balance_id: id,
      status: 'reported',
      amount: '3.0000000',
      asset_code: 'XLM',
      sponsor: sender.publicKey(),
      claim_hash: null,
    });
    // Still on the network, still unclaimed; no callback carries it.
    const page = await horizon(net).claimableBalances().claimant(receiving.publicKey()).call();
    expect(page.records.map((r) => r.id)).toEqual([id]);
    expect(callbacks.requests.filter((r) => r.form.claimable_balance_id === id)).toEqual([]);
    const bad = await fetch(`${bridge.url}/admin/claimable-balances?status=sideways`);
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ code: 'invalid_parameter', data: { name: 'status' } });
    // The operator's claim: the id is checked first; this account's seed is not the bridge's.
    expect(await claimBalance(bridge, {})).toMatchObject({
      status: 400,
      body: { code: 'missing_parameter', data: { name: 'balance_id' } },
    });
    for (const balance_id of ['00000000abc', `${id}00`, 'BAAD', id.replace(/^0{8}/, '00000001')])
      expect(await claimBalance(bridge, { balance_id })).toMatchObject({
        status: 400,
        body: { code: 'invalid_parameter', data: { name: 'balance_id' } },
      });
    expect(await claimBalance(bridge, { balance_id: `00000000${'ab'.repeat(32)}` })).toMatchObject({
      status: 404,
    });
    expect(await claimBalance(bridge, { balance_id: id.toUpperCase().replace(/^0X/, '') })).toMatchObject({
      status: 400,
      body: { code: 'cannot_claim', data: { name: 'balance_id' } },
    });
  });

  it('claim: claims an allowed balance for the base account and delivers the claim once; another asset is reported', async () => {
    const base = await funded(net);
    const sender = await funded(net);
    const { asset: eur } = await issueAsset(net, 'EUR', [sender, base]);
    const bridge = await bridgeFor(base, base.publicKey(), { claimable_balances: 'claim' }, [
      { code: 'XLM' },
    ]);
    const before = await xlmBalance(net, base.publicKey());
    const { id } = await createBalance(net, sender, base.publicKey(), Asset.native(), '5');
    const { id: eurId } = await createBalance(net, sender, base.publicKey(), eur, '2');
    const call = await until(() => callbacks.requests.find((r) => r.form.claimable_balance_id === id));
    expect(call.form).toMatchObject({
      from: sender.publicKey(),
      amount: '5.0000000',
      asset_code: '',
      memo_type: 'none',
    });
    // The delivered id is the claim operation's, the transaction its hash.
    const claimOps = await horizon(net).operations().forTransaction(call.form.transaction_id!).call();
    expect(claimOps.records[0]).toMatchObject({
      id: call.form.id,
      type: 'claim_claimable_balance',
      balance_id: id,
    });
    // The lumens arrived (minus the claim's fee) and the balance is gone.
    expect(await xlmBalance(net, base.publicKey())).toBeCloseTo(before + 5 - 0.00001, 6);
    await expect(horizon(net).claimableBalances().claimableBalance(id).call()).rejects.toMatchObject({
      response: { status: 404 },
    });
    const claimed = await until(async () =>
      (await rows(bridge, '?status=claimed')).find((r) => r.balance_id === id),
    );
    expect(claimed).toMatchObject({ claim_hash: call.form.transaction_id, operation_id: call.form.id });
    const eurRow = await until(async () =>
      (await rows(bridge, '?status=reported')).find((r) => r.balance_id === eurId && r.last_error),
    );
    expect(eurRow.last_error).toBe('Asset not allowed');
    // Later scans neither claim again nor deliver again: a payment after them is delivered alone.
    await until(async () => (await rows(bridge)).length === 2);
    const r2 = await submitOps(net, sender, [
      Operation.payment({ destination: base.publicKey(), asset: Asset.native(), amount: '1' }),
    ]);
    await until(() => callbacks.requests.find((r) => r.form.transaction_id === r2.hash));
    expect(callbacks.requests.filter((r) => r.form.claimable_balance_id === id)).toHaveLength(1);
  });

  it("report: the operator's claim of a reported balance claims and delivers it once; again is 409", async () => {
    const base = await funded(net);
    const sender = await funded(net);
    const bridge = await bridgeFor(base, base.publicKey(), {}, [{ code: 'XLM' }]);
    const { id } = await createBalance(net, sender, base.publicKey(), Asset.native(), '4');
    await until(async () => (await rows(bridge)).some((r) => r.balance_id === id));
    const claimed = await claimBalance(bridge, { balance_id: id });
    expect(claimed).toMatchObject({
      status: 200,
      body: { status: 'ok', claimable_balance: { balance_id: id, status: 'claimed' } },
    });
    const call = await until(() => callbacks.requests.find((r) => r.form.claimable_balance_id === id));
    expect(call.form).toMatchObject({ amount: '4.0000000', from: sender.publicKey() });
    expect(await claimBalance(bridge, { balance_id: id })).toMatchObject({
      status: 409,
      body: { code: 'already_claimed' },
    });
  });

  it('claim over Stellar RPC: listed through the backfill Horizon, claimed over RPC, delivered once', async () => {
    const base = await funded(net);
    const sender = await funded(net);
    const rpcNetwork = {
      network: { backend: 'rpc', rpc_url: `${net.url}/rpc`, poll_interval_ms: 100, horizon_url: net.url },
    };
    const bridge = await bridgeFor(
      base,
      base.publicKey(),
      { claimable_balances: 'claim' },
      [{ code: 'XLM' }],
      rpcNetwork,
    );
    const { id } = await createBalance(net, sender, base.publicKey(), Asset.native(), '6');
    const call = await until(() => callbacks.requests.find((r) => r.form.claimable_balance_id === id));
    expect(call.form).toMatchObject({ amount: '6.0000000', from: sender.publicKey() });
    // The operation id computed from RPC's getTransaction is Horizon's id of the claim.
    const claimOps = await horizon(net).operations().forTransaction(call.form.transaction_id!).call();
    expect(claimOps.records[0]).toMatchObject({ id: call.form.id, type: 'claim_claimable_balance' });
    expect(await rows(bridge, '?status=claimed')).toHaveLength(1);
    expect(callbacks.requests.filter((r) => r.form.claimable_balance_id === id)).toHaveLength(1);
  });
});
