// [listener] one_stream: three receiving accounts followed over ONE network-wide /payments stream
// (localnet as Horizon, closing streams after 10 records and after a short connection timeout):
// every payment to each account is delivered once, payments between strangers are never
// looked at, and no per-account stream is ever opened.
import { describe, expect, it } from 'vitest';
import { Asset, type Keypair, Operation } from '@stellar/stellar-sdk';
import { databaseLegs } from '@anchor/support/testing';
import { submitOps, until } from './helpers.js';
import { allStreaming, useListenerBridge } from './listener-fixture.js';

describe.each(databaseLegs(['sqlite3']))('listener over one stream on $type', (leg) => {
  const streams: string[] = [];
  const f = useListenerBridge(leg, {
    net: { streamTimeoutMs: 600 },
    receiving: 3,
    others: 3,
    listener: { one_stream: true },
    beforeBridge: ({ net }) =>
      net.server.on('request', (req) => {
        if (String(req.headers.accept ?? '').includes('text/event-stream')) streams.push(req.url ?? '');
      }),
  });

  it.skipIf(leg.unavailable)(
    'delivers every payment to each account once over one stream',
    async () => {
      const { net, receiving } = f;
      const [sender, ...strangers] = f.others as [Keypair, Keypair, Keypair];
      await until(() => allStreaming(f));
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
      await until(() => f.received().length >= expected.length);
      const opens = streams.length;
      await until(() => streams.length >= opens + 2); // a few more stream rounds for any repeat
      const amounts = f.received().map((r) => Number(r.form.amount).toFixed(2));
      expect(amounts.sort()).toEqual(expected.map((a) => Number(a).toFixed(2)).sort());
      expect(new Set(f.received().map((r) => r.form.id)).size).toBe(expected.length);
      // One network-wide stream, reopened after each close; never one per account.
      expect(streams.length).toBeGreaterThan(3);
      expect(streams.every((u) => u.startsWith('/payments?'))).toBe(true);
    },
    120_000,
  );
});
