// Conformance: how Horizon frames and ends its SSE streams. Every row names the stellar-horizon
// (v28) source it follows, so it can be re-checked.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Asset, Keypair, Operation } from '@stellar/stellar-sdk';
import { DEFAULT_STREAM_TIMEOUT_MS } from '../../src/sse.js';
import { buildTx, funded, startNet, type Ctx } from '../helpers.js';

const SOURCES = {
  pageLimit:
    'stellar/stellar-horizon internal/httpx/handler.go (pageActionHandler.renderStream → ServeStream(pq.Limit)); internal/db2 DefaultPageSize = 10',
  byebye:
    'stellar/stellar-horizon internal/render/sse/main.go (goodbyeEvent: retry 10, event close, data "byebye")',
  timeout:
    'stellar/stellar-horizon internal/flags.go (connection-timeout 55 s); internal/httpx/middleware.go timeoutMiddleware; internal/render/sse/stream_handler.go (ctx.Done → stream.Done)',
  noHeartbeat:
    'stellar/stellar-horizon internal/render/sse/main.go, stream.go (no comment lines are ever written)',
  notFound:
    'stellar/stellar-horizon internal/db2/history/operation.go ForAccount (AccountByAddress → sql.ErrNoRows → 404); internal/render/sse/stream.go Err (before Init: plain problem)',
};

const BYEBYE = 'retry: 10\nevent: close\ndata: "byebye"';
const HELLO = 'retry: 1000\nevent: open\ndata: "hello"';

let ctx: Ctx;
let quick: Ctx;
let receiver: Keypair;

beforeAll(async () => {
  ctx = await startNet();
  quick = await startNet({ streamTimeoutMs: 300, closeIntervalMs: 0 });
  const sender = await funded(ctx);
  receiver = await funded(ctx);
  const ops = Array.from({ length: 12 }, (_, i) =>
    Operation.payment({ destination: receiver.publicKey(), asset: Asset.native(), amount: String(i + 1) }),
  );
  await ctx.server.submitTransaction(await buildTx(ctx, sender, ops), { skipMemoRequiredCheck: true });
});
afterAll(async () => {
  await Promise.all([ctx?.net.close(), quick?.net.close()]);
});

/** Reads a whole SSE response (until the server ends it) as frames. */
async function frames(url: string, headers: Record<string, string> = {}): Promise<string[]> {
  const res = await fetch(url, { headers: { Accept: 'text/event-stream', ...headers } });
  expect(res.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
  const text = await res.text();
  return text.split('\n\n').filter((f) => f !== '');
}

describe('Horizon streams', () => {
  it(`a collection stream without limit closes after 10 records, the page size (${SOURCES.pageLimit})`, async () => {
    const out = await frames(`${ctx.net.url}/accounts/${receiver.publicKey()}/payments?cursor=0`);
    expect(out[0]).toBe(HELLO);
    const records = out.slice(1, -1);
    expect(records).toHaveLength(10);
    expect(records.every((f) => /^id: \d+\ndata: \{/.test(f))).toBe(true);
    expect(out[out.length - 1]).toBe(BYEBYE);
  });

  it(`an explicit limit still bounds the stream (${SOURCES.pageLimit})`, async () => {
    const out = await frames(`${ctx.net.url}/accounts/${receiver.publicKey()}/payments?cursor=0&limit=12`);
    expect(out.slice(1, -1)).toHaveLength(12);
    expect(out[out.length - 1]).toBe(BYEBYE);
  });

  it(`every stream is closed with "byebye" once the connection timeout runs out (${SOURCES.timeout}; ${SOURCES.byebye})`, async () => {
    const out = await frames(`${quick.net.url}/ledgers?cursor=now`);
    expect(out).toEqual([HELLO, BYEBYE]);
    const root = quick.net.rootKeypair.publicKey();
    expect(await frames(`${quick.net.url}/accounts/${root}`)).toEqual([
      HELLO,
      expect.stringMatching(/^id: \d+\ndata: \{/),
      BYEBYE,
    ]);
  });

  it('the connection timeout defaults to Horizon’s 55 s', () => {
    expect(DEFAULT_STREAM_TIMEOUT_MS).toBe(55_000);
  });

  it(`no heartbeat comments unless asked for (${SOURCES.noHeartbeat})`, async () => {
    const out = await frames(`${quick.net.url}/payments?cursor=now`);
    expect(out.some((f) => f.startsWith(':'))).toBe(false);
    const beating = await startNet({ streamTimeoutMs: 300, sseHeartbeatMs: 20, closeIntervalMs: 0 });
    try {
      const withBeats = await frames(`${beating.net.url}/payments?cursor=now`);
      expect(withBeats).toContain(':heartbeat');
      expect(withBeats[withBeats.length - 1]).toBe(BYEBYE);
    } finally {
      await beating.net.close();
    }
  });

  it(`an unknown account's payments, page or stream, and its account stream are 404 not_found before any preamble (${SOURCES.notFound})`, async () => {
    const unknown = Keypair.random().publicKey();
    for (const [path, accept] of [
      [`/accounts/${unknown}/payments`, 'application/hal+json'],
      [`/accounts/${unknown}/payments`, 'text/event-stream'],
      [`/accounts/${unknown}`, 'text/event-stream'],
      [`/accounts/${unknown}/transactions`, 'text/event-stream'],
      [`/accounts/${unknown}/operations`, 'application/hal+json'],
      [`/accounts/${unknown}/effects`, 'application/hal+json'],
    ] as const) {
      const res = await fetch(`${ctx.net.url}${path}`, { headers: { Accept: accept } });
      expect(res.status, `${path} ${accept}`).toBe(404);
      expect(res.headers.get('content-type')).toBe('application/problem+json; charset=utf-8');
      const body = (await res.json()) as { type: string; status: number };
      expect(body).toMatchObject({ type: 'https://stellar.org/horizon-errors/not_found', status: 404 });
    }
    const known = await fetch(`${ctx.net.url}/accounts/${receiver.publicKey()}/payments`);
    expect(known.status).toBe(200);
  });
});
