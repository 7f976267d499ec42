// The listener across Horizon's own stream closes (localnet as Horizon: a stream without limit
// ends with "byebye" after 10 records, and every stream after the connection timeout): a burst
// of 25 payments in one transaction and payments spread over several timeouts are each delivered
// exactly once, the stream having been reopened from the cursor many times.
import { describe, expect, it } from 'vitest';
import { Asset, Operation } from '@stellar/stellar-sdk';
import { databaseLegs } from '@anchor/support/testing';
import { horizon, submitOps, until } from './helpers.js';
import { allStreaming, useListenerBridge } from './listener-fixture.js';

const STREAM_TIMEOUT_MS = 400;

describe.each(databaseLegs(['sqlite3']))('listener across stream closes on $type', (leg) => {
  let streamOpens = 0;
  const f = useListenerBridge(leg, {
    net: { streamTimeoutMs: STREAM_TIMEOUT_MS },
    beforeBridge: ({ net, receiving }) =>
      net.server.on('request', (req) => {
        const accept = String(req.headers.accept ?? '');
        if (
          accept.includes('text/event-stream') &&
          req.url?.includes(`${receiving[0]!.publicKey()}/payments`)
        )
          streamOpens += 1;
      }),
  });

  const receivedIds = () => f.received().map((r) => r.form.id!);
  const paymentIds = async (hash: string) =>
    (await horizon(f.net).operations().forTransaction(hash).limit(200).call()).records.map((r) => r.id);

  it.skipIf(leg.unavailable)(
    'delivers every payment once through 10-record closes and byebye timeouts',
    async () => {
      const to = f.receiving[0]!.publicKey();
      const [sender] = f.others;
      await until(() => allStreaming(f));
      const opensBefore = streamOpens;
      const burst = await submitOps(
        f.net,
        sender!,
        Array.from({ length: 25 }, (_, i) =>
          Operation.payment({ destination: to, asset: Asset.native(), amount: `${i + 1}` }),
        ),
      );
      const expected = await paymentIds(burst.hash);
      // Then payments spread over several connection timeouts.
      for (let i = 0; i < 4; i++) {
        await new Promise((r) => setTimeout(r, STREAM_TIMEOUT_MS));
        const res = await submitOps(f.net, sender!, [
          Operation.payment({ destination: to, asset: Asset.native(), amount: '0.5' }),
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
