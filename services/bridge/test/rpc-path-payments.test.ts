// The bridge's RPC listener and offers: CAP-67 emits both sides of every trade an operation makes
// (stellar-protocol core/cap-0067.md, "Path Payment Strict Send / Path Payment Strict Receive"),
// so a receiving account whose offer is crossed gets `transfer` events that are not payments to it
// (Horizon's /accounts/{id}/payments does not list them). Only the operation's own movement to its
// destination is a received payment, with the destination amount of the path payment.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Asset, Operation } from '@stellar/stellar-sdk';
import { databaseLegs, type DatabaseLeg, type TestDatabase } from '@anchor/support/testing';
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
  type Localnet,
  type Recorder,
  type RunningBridge,
} from './helpers.js';

const leg = databaseLegs(['sqlite3'])[0] as DatabaseLeg;

describe.skipIf(leg.unavailable)('bridge over RPC: path payments that cross offers', () => {
  let net: Localnet;
  let database: TestDatabase;
  let callbacks: Recorder;
  let bridge: RunningBridge | undefined;

  beforeAll(async () => {
    net = await localnet(200);
    database = await leg.create();
    await migrate(database);
    callbacks = await recorder();
  });
  afterAll(async () => {
    await bridge?.close();
    await callbacks?.close();
    await database?.drop();
    await net?.close();
  });

  it('delivers the final transfer of a path payment once; a crossed offer of ours is no payment', async () => {
    const receiving = await funded(net);
    const maker = await funded(net);
    const sender = await funded(net);
    const third = await funded(net);
    const { asset: usd } = await issueAsset(net, 'USD', [receiving, maker, third], '1000');
    bridge = await runBridge({
      network: { backend: 'rpc', rpc_url: net.rpcUrl, poll_interval_ms: 100 },
      database: { type: database.type, url: database.url },
      accounts: { receiving_account_id: receiving.publicKey() },
      assets: [{ code: 'XLM' }, { code: 'USD', issuer: usd.getIssuer() }],
      callbacks: { receive: `${callbacks.url}/receive` },
      listener: { retry_min_ms: 50, retry_max_ms: 400, lock_retry_ms: 200 },
    });
    await until(() => bridge?.bridge.listener?.states.get(receiving.publicKey())?.state === 'streaming');
    // Offers on the book: the maker's and ours, both selling USD for XLM at 2 XLM per USD.
    await submitOps(net, maker, [
      Operation.manageSellOffer({ selling: usd, buying: Asset.native(), amount: '10', price: '2' }),
    ]);
    await submitOps(net, receiving, [
      Operation.manageSellOffer({ selling: usd, buying: Asset.native(), amount: '10', price: '2' }),
    ]);
    // 1. XLM → USD to us, crossing the maker's offer (the older one at the same price).
    const toUs = await submitOps(net, sender, [
      Operation.pathPaymentStrictReceive({
        sendAsset: Asset.native(),
        sendMax: '100',
        destination: receiving.publicKey(),
        destAsset: usd,
        destAmount: '4',
        path: [],
      }),
    ]);
    // 2. XLM → USD to a third party, crossing what is left of the maker's offer and then ours:
    // we receive XLM from the sender as the seller of a trade, which is not a payment to us.
    const crossingUs = await submitOps(net, sender, [
      Operation.pathPaymentStrictReceive({
        sendAsset: Asset.native(),
        sendMax: '100',
        destination: third.publicKey(),
        destAsset: usd,
        destAmount: '9',
        path: [],
      }),
    ]);
    const trades = await horizon(net).trades().forAccount(receiving.publicKey()).call();
    expect(trades.records.length).toBeGreaterThan(0); // the premise: our offer was crossed
    // 3. A plain payment after both, so the poller has certainly read past them.
    const after = await submitOps(net, sender, [
      Operation.payment({ destination: receiving.publicKey(), asset: Asset.native(), amount: '1' }),
    ]);
    const received = () => callbacks.requests.filter((r) => r.path === '/receive');
    await until(() => received().some((r) => r.form.transaction_id === after.hash));
    expect(received().map((r) => [r.form.transaction_id, r.form.amount, r.form.asset_code])).toEqual([
      [toUs.hash, '4.0000000', 'USD'],
      [after.hash, '1.0000000', ''],
    ]);
    expect(received().filter((r) => r.form.transaction_id === crossingUs.hash)).toHaveLength(0);
    expect(received()[0]?.form.from).toBe(sender.publicKey());
  });
});
