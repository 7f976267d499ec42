// [listener] one_stream: three receiving accounts followed over ONE network-wide /payments stream
// (localnet as Horizon, closing streams after 10 records and after a short connection timeout):
// every payment to each account is delivered once, payments between strangers are never
// looked at, and no per-account stream is ever opened.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Asset, type Keypair, Operation } from '@stellar/stellar-sdk';
import { databaseLegs, type TestDatabase } from '@anchor/support/testing';
import {
  funded,
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

describe.each(databaseLegs(['sqlite3']))('listener over one stream on $type', (leg) => {
  let net: Localnet;
  let database: TestDatabase;
  let callbacks: Recorder;
  let bridge: RunningBridge;
  let receiving: Keypair[];
  let sender: Keypair;
  let strangers: Keypair[];
  const streams: string[] = [];

  beforeAll(async () => {
    if (leg.unavailable) return;
    net = await localnet(200, { streamTimeoutMs: 600 });
    database = await leg.create();
    await migrate(database);
    const all = await Promise.all(Array.from({ length: 6 }, () => funded(net)));
    receiving = all.slice(0, 3);
    sender = all[3]!;
    strangers = all.slice(4);
    net.server.on('request', (req) => {
      if (String(req.headers.accept ?? '').includes('text/event-stream')) streams.push(req.url ?? '');
    });
    callbacks = await recorder();
    bridge = await runBridge({
      horizon: net.url,
      database: { type: database.type, url: database.url },
      accounts: { receiving_account_id: receiving[0]!.publicKey() },
      assets: [{ code: 'XLM' }],
      callbacks: { receive: `${callbacks.url}/receive` },
      listener: {
        receiving_accounts: receiving.slice(1).map((k) => k.publicKey()),
        one_stream: true,
        lock_retry_ms: 200,
        reconnect_min_ms: 20,
        reconnect_max_ms: 200,
      },
    });
  });
  afterAll(async () => {
    await bridge?.close();
    await callbacks?.close();
    await database?.drop();
    await net?.close();
  });

  const received = () => callbacks.requests.filter((r) => r.path === '/receive');

  it.skipIf(leg.unavailable)(
    'delivers every payment to each account once over one stream',
    async () => {
      await until(async () => {
        const states = (await (await fetch(`${bridge.url}/admin/listener`)).json()) as { state: string }[];
        return states.length === 3 && states.every((s) => s.state === 'streaming');
      });
      const pay = (to: Keypair, amount: string) =>
        Operation.payment({ destination: to.publicKey(), asset: Asset.native(), amount });
      const expected: string[] = [];
      // A burst of 12 to the first account (past the 10-record close) with one to each other one.
      const burst = Array.from({ length: 12 }, (_, i) =>
        pay(receiving[0]!, `1.${String(i + 1).padStart(2, '0')}`),
      );
      await submitOps(net, sender, [...burst, pay(receiving[1]!, '2.01'), pay(receiving[2]!, '3.01')]);
      expected.push(
        ...Array.from({ length: 12 }, (_, i) => `1.${String(i + 1).padStart(2, '0')}`),
        '2.01',
        '3.01',
      );
      for (let i = 2; i <= 4; i++) {
        // Strangers pay each other: on the shared stream, but nobody's business.
        await submitOps(net, strangers[0]!, [pay(strangers[1]!, `9.0${i}`)]);
        await new Promise((r) => setTimeout(r, 600)); // past a connection timeout
        await submitOps(
          net,
          sender,
          receiving.map((k, n) => pay(k, `${n + 1}.0${i + 10}`)),
        );
        expected.push(...receiving.map((_, n) => `${n + 1}.0${i + 10}`));
      }
      await until(() => received().length >= expected.length);
      const opens = streams.length;
      await until(() => streams.length >= opens + 2); // a few more stream rounds for any repeat
      const amounts = received().map((r) => Number(r.form.amount).toFixed(2));
      expect(amounts.sort()).toEqual(expected.map((a) => Number(a).toFixed(2)).sort());
      expect(new Set(received().map((r) => r.form.id)).size).toBe(expected.length);
      // One network-wide stream, reopened after each close; never one per account.
      expect(streams.length).toBeGreaterThan(3);
      expect(streams.every((u) => u.startsWith('/payments?'))).toBe(true);
    },
    120_000,
  );
});
