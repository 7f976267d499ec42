import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Asset, Operation, type Horizon } from '@stellar/stellar-sdk';
import { buildTx, funded, startNet, type Ctx } from './helpers.js';

let ctx: Ctx;
beforeAll(async () => {
  ctx = await startNet();
});
afterAll(async () => {
  await ctx.net.close();
});

/** Reads raw SSE frames from a fetch response until `frames` events have arrived. */
async function readFrames(res: Response, frames: number): Promise<string[]> {
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let buf = '';
  const out: string[] = [];
  while (out.length < frames) {
    const { value, done } = await reader.read();
    if (done) break;
    buf += decoder.decode(value, { stream: true });
    let i: number;
    while ((i = buf.indexOf('\n\n')) >= 0) {
      out.push(buf.slice(0, i));
      buf = buf.slice(i + 2);
    }
  }
  await reader.cancel();
  return out;
}

describe('SSE streaming like Horizon', () => {
  it('streams payments with the SDK, resuming after each server-side close without loss or repeats', async () => {
    const [sender, receiver] = [await funded(ctx), await funded(ctx)];
    const received: string[] = [];
    const errors: unknown[] = [];
    const total = 7;
    let resolveAll!: () => void;
    const all = new Promise<void>((r) => (resolveAll = r));
    // limit(3): the server ends the stream after every 3 records; the SDK reconnects from its cursor.
    const stop = ctx.server
      .payments()
      .forAccount(receiver.publicKey())
      .cursor('now')
      .limit(3)
      .stream({
        onmessage: (p) => {
          const record = p as unknown as Horizon.ServerApi.PaymentOperationRecord;
          if (record.type !== 'payment') return;
          received.push(record.amount);
          if (received.length === total) resolveAll();
        },
        onerror: (e) => errors.push(e),
      });
    try {
      for (let i = 1; i <= total; i++) {
        const tx = await buildTx(ctx, sender, [
          Operation.payment({ destination: receiver.publicKey(), asset: Asset.native(), amount: String(i) }),
        ]);
        await ctx.server.submitTransaction(tx, { skipMemoRequiredCheck: true });
      }
      await all;
    } finally {
      stop();
    }
    expect(received).toEqual(Array.from({ length: total }, (_, i) => `${i + 1}.0000000`));
  });

  it('frames events like Horizon and resumes from Last-Event-ID', async () => {
    const [sender, receiver] = [await funded(ctx), await funded(ctx)];
    for (let i = 1; i <= 3; i++) {
      const tx = await buildTx(ctx, sender, [
        Operation.payment({ destination: receiver.publicKey(), asset: Asset.native(), amount: String(i) }),
      ]);
      await ctx.server.submitTransaction(tx, { skipMemoRequiredCheck: true });
    }
    const url = `${ctx.net.url}/accounts/${receiver.publicKey()}/payments?limit=2`;
    const first = await fetch(url, { headers: { Accept: 'text/event-stream' } });
    expect(first.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    const frames = await readFrames(first, 4);
    expect(frames[0]).toBe('retry: 1000\nevent: open\ndata: "hello"');
    const ids = frames.slice(1, 3).map((f) => /^id: (\d+)$/m.exec(f)![1]!);
    expect(frames[3]).toBe('retry: 10\nevent: close\ndata: "byebye"');
    const resumed = await fetch(url, { headers: { Accept: 'text/event-stream', 'Last-Event-ID': ids[1]! } });
    const next = await readFrames(resumed, 3);
    const nextIds = next.slice(1, 3).map((f) => /^id: (\d+)$/m.exec(f)![1]!);
    expect(nextIds).toHaveLength(2);
    expect(BigInt(nextIds[0]!)).toBeGreaterThan(BigInt(ids[1]!));
    expect(new Set([...ids, ...nextIds]).size).toBe(4);
    const amounts = next
      .slice(1, 3)
      .map((f) => (JSON.parse(/^data: (.*)$/m.exec(f)![1]!) as { amount: string }).amount);
    expect(amounts).toEqual(['2.0000000', '3.0000000']);
  });

  it('streams ledgers as they close', async () => {
    const seen: number[] = [];
    let done!: () => void;
    const enough = new Promise<void>((r) => (done = r));
    const stop = ctx.server
      .ledgers()
      .cursor('now')
      .stream({
        onmessage: (l) => {
          seen.push((l as unknown as { sequence: number }).sequence);
          if (seen.length === 3) done();
        },
      });
    await enough;
    stop();
    expect(seen[1]).toBe(seen[0]! + 1);
    expect(seen[2]).toBe(seen[1]! + 1);
  });
});
