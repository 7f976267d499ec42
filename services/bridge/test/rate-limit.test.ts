// The listener against Horizon's rate limit (localnet's rateLimitPerHour, Horizon's GCRA with
// its X-RateLimit headers; a stream is charged one request per ledger and ends mid-stream with
// "Rate limit exceeded"). The budget here is far below what a ledger every 200 ms costs a
// stream, so the bridge is limited again and again: every payment is still delivered exactly
// once, and after each 429 the bridge sends nothing until the time its headers named.
// The test pays through Stellar RPC (POST /rpc has no limiter), so only the bridge spends the budget.
import { describe, expect, it } from 'vitest';
import { Asset, Operation, TransactionBuilder, rpc } from '@stellar/stellar-sdk';
import { databaseLegs } from '@anchor/support/testing';
import { until } from './helpers.js';
import { useListenerBridge } from './listener-fixture.js';

interface Seen {
  at: number;
  finishedAt: number;
  status: number;
  url: string;
  reset?: number;
}

describe.each(databaseLegs(['sqlite3']))('listener under Horizon rate limits on $type', (leg) => {
  const seen: Seen[] = [];
  // 2 requests a second, 4 at once: a stream alone (5 ledgers a second) runs out in about 2 s.
  const f = useListenerBridge(leg, {
    net: { rateLimitPerHour: 7200, rateLimitBurst: 3 },
    beforeBridge: ({ net }) =>
      net.server.on('request', (req, res) => {
        if (req.url?.startsWith('/rpc')) return;
        const entry: Seen = { at: Date.now(), finishedAt: 0, status: 0, url: req.url ?? '' };
        seen.push(entry);
        res.on('finish', () => {
          entry.finishedAt = Date.now();
          entry.status = res.statusCode;
          const reset = res.getHeader('x-ratelimit-reset');
          if (reset !== undefined) entry.reset = Number(reset);
        });
      }),
  });

  async function payOverRpc(amount: string): Promise<void> {
    const [sender] = f.others;
    const server = new rpc.Server(f.net.rpcUrl, { allowHttp: true });
    const tx = new TransactionBuilder(await server.getAccount(sender!.publicKey()), {
      fee: '100',
      networkPassphrase: f.net.networkPassphrase,
    })
      .addOperation(
        Operation.payment({ destination: f.receiving[0]!.publicKey(), asset: Asset.native(), amount }),
      )
      .setTimeout(60)
      .build();
    tx.sign(sender!);
    const sent = await server.sendTransaction(tx);
    expect(sent.status).toBe('PENDING');
    await until(async () => (await server.getTransaction(sent.hash)).status === 'SUCCESS');
  }

  it.skipIf(leg.unavailable)(
    'delivers every payment once and waits out each 429 as its headers ask',
    async () => {
      const amounts = ['1', '2', '3', '4', '5', '6'];
      for (const amount of amounts) {
        await payOverRpc(amount);
        await new Promise((r) => setTimeout(r, 700));
      }
      const received = f.received;
      await until(() => received().length >= amounts.length, 90_000);
      // Some more ledgers for a duplicate to show up, if any would.
      const before = seen.length;
      await until(() => seen.length >= before + 3, 30_000);
      const got = received().map((r) => Number(r.form.amount));
      expect(got.sort((a, b) => a - b)).toEqual(amounts.map(Number));
      expect(new Set(received().map((r) => r.form.id)).size).toBe(amounts.length);

      // The condition was real: the limit was hit, by pages and by streams.
      const limited = seen.filter((s) => s.status === 429);
      expect(limited.length).toBeGreaterThan(0);
      // After a 429 with headers, the next request comes no sooner than they said.
      for (const hit of limited.filter((s) => s.reset !== undefined)) {
        const next = seen.find((s) => s.at > hit.finishedAt);
        if (next) expect(next.at - hit.finishedAt).toBeGreaterThanOrEqual(hit.reset! * 1000 - 1);
      }
    },
    180_000,
  );
});
