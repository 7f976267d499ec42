// The listener across Horizon's own stream closes (localnet as Horizon: a stream without limit
// ends with "byebye" after 10 records, and every stream after the connection timeout): a burst
// of 25 payments in one transaction and payments spread over several timeouts are each delivered
// exactly once, the stream having been reopened from the cursor many times.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Asset, type Keypair, Operation } from '@stellar/stellar-sdk';
import { databaseLegs, type TestDatabase } from '@anchor/support/testing';
import {
  funded,
  horizon,
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

const STREAM_TIMEOUT_MS = 400;

describe.each(databaseLegs(['sqlite3']))('listener across stream closes on $type', (leg) => {
  let net: Localnet;
  let database: TestDatabase;
  let callbacks: Recorder;
  let bridge: RunningBridge;
  let receiving: Keypair;
  let sender: Keypair;
  let streamOpens = 0;

  beforeAll(async () => {
    if (leg.unavailable) return;
    net = await localnet(200, { streamTimeoutMs: STREAM_TIMEOUT_MS });
    database = await leg.create();
    await migrate(database);
    [receiving, sender] = await Promise.all([funded(net), funded(net)]);
    net.server.on('request', (req) => {
      const accept = String(req.headers.accept ?? '');
      if (accept.includes('text/event-stream') && req.url?.includes(`${receiving.publicKey()}/payments`))
        streamOpens += 1;
    });
    callbacks = await recorder();
    bridge = await runBridge({
      horizon: net.url,
      database: { type: database.type, url: database.url },
      accounts: { receiving_account_id: receiving.publicKey() },
      assets: [{ code: 'XLM' }],
      callbacks: { receive: `${callbacks.url}/receive` },
      listener: { lock_retry_ms: 200, reconnect_min_ms: 20, reconnect_max_ms: 200 },
    });
  });
  afterAll(async () => {
    await bridge?.close();
    await callbacks?.close();
    await database?.drop();
    await net?.close();
  });

  const receivedIds = () => callbacks.requests.filter((r) => r.path === '/receive').map((r) => r.form.id!);
  const paymentIds = async (hash: string) =>
    (await horizon(net).operations().forTransaction(hash).limit(200).call()).records.map((r) => r.id);

  it.skipIf(leg.unavailable)(
    'delivers every payment once through 10-record closes and byebye timeouts',
    async () => {
      await until(async () => {
        const states = (await (await fetch(`${bridge.url}/admin/listener`)).json()) as { state: string }[];
        return states[0]?.state === 'streaming';
      });
      const opensBefore = streamOpens;
      const burst = await submitOps(
        net,
        sender,
        Array.from({ length: 25 }, (_, i) =>
          Operation.payment({
            destination: receiving.publicKey(),
            asset: Asset.native(),
            amount: `${i + 1}`,
          }),
        ),
      );
      const expected = await paymentIds(burst.hash);
      // Then payments spread over several connection timeouts.
      for (let i = 0; i < 4; i++) {
        await new Promise((r) => setTimeout(r, STREAM_TIMEOUT_MS));
        const res = await submitOps(net, sender, [
          Operation.payment({ destination: receiving.publicKey(), asset: Asset.native(), amount: '0.5' }),
        ]);
        expected.push(...(await paymentIds(res.hash)));
      }
      await until(() => expected.every((id) => receivedIds().includes(id)));
      // Nothing more arrives after a few more stream rounds: no duplicate deliveries.
      const opensNow = streamOpens;
      await until(() => streamOpens >= opensNow + 2);
      expect(receivedIds().sort()).toEqual([...expected].sort());
      // 25 records need at least three 10-record streams; the pauses outlast the timeout.
      expect(streamOpens - opensBefore).toBeGreaterThanOrEqual(3 + 4);
    },
    120_000,
  );
});
