// Stellar RPC's error answers from localnet's POST /rpc, over raw JSON-RPC: framing errors
// (-32700, -32600, -32601), bad params (-32602) with RPC's texts, the retention window
// (a startLedger that left it is RPC's own -32600), and simulateTransaction's "no Soroban".
import { Asset, Keypair, Operation, rpc } from '@stellar/stellar-sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTx, funded, startNet, type Ctx } from './helpers.js';

let ctx: Ctx;

beforeAll(async () => {
  // Ledgers close only when the test says so; RPC keeps the last 3.
  ctx = await startNet({ closeIntervalMs: 0, rpcRetentionLedgers: 3 });
});
afterAll(() => ctx.net.close());

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- JSON-RPC answers of any shape
type Json = any;

async function raw(body: string): Promise<{ status: number; json: Json }> {
  const r = await fetch(ctx.net.rpcUrl, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body,
  });
  return { status: r.status, json: await r.json() };
}

const call = (method: string, params?: unknown) =>
  raw(JSON.stringify({ jsonrpc: '2.0', id: 7, method, params }));

describe('JSON-RPC framing', () => {
  it('answers -32700 to unparsable JSON', async () => {
    const r = await raw('{"jsonrpc": "2.0", "method": ');
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({ jsonrpc: '2.0', id: null, error: { code: -32700 } });
  });

  it('answers -32600 to a request that is not JSON-RPC 2.0', async () => {
    expect((await raw(JSON.stringify({ id: 1, method: 'getHealth' }))).json.error.code).toBe(-32600);
    expect((await raw('42')).json.error.code).toBe(-32600);
  });

  it('answers -32601 to an unknown method, echoing the id', async () => {
    const r = await call('getBalance');
    expect(r.json).toMatchObject({ id: 7, error: { code: -32601 } });
    expect((await call('toString')).json.error.code).toBe(-32601);
  });

  it('answers a batch with one response per call', async () => {
    const r = await raw(
      JSON.stringify([
        { jsonrpc: '2.0', id: 1, method: 'getNetwork' },
        { jsonrpc: '2.0', id: 2, method: 'nope' },
      ]),
    );
    expect(r.json.map((x: Json) => [x.id, x.result?.passphrase ?? x.error.code])).toEqual([
      [1, ctx.net.networkPassphrase],
      [2, -32601],
    ]);
  });

  it('refuses positional params and wrongly typed fields with -32602', async () => {
    expect((await call('getEvents', [1])).json.error.code).toBe(-32602);
    const r = await call('getEvents', { startLedger: 'one' });
    expect(r.json.error.code).toBe(-32602);
    expect(r.json.error.message).toContain('startLedger');
  });
});

describe('method params', () => {
  it('rejects a bad envelope, hash, ledger key or xdrFormat with RPC texts', async () => {
    expect((await call('sendTransaction', { transaction: 'AAAA' })).json.error).toEqual({
      code: -32602,
      message: 'invalid_xdr',
    });
    expect((await call('getTransaction', { hash: 'abc' })).json.error).toEqual({
      code: -32602,
      message: 'unexpected hash length (3)',
    });
    expect((await call('getTransaction', { hash: 'g'.repeat(64) })).json.error.message).toBe(
      "incorrect hash: encoding/hex: invalid byte: U+0067 'g'",
    );
    expect((await call('getLedgerEntries', { keys: ['!!'] })).json.error).toEqual({
      code: -32602,
      message: 'cannot unmarshal key value !! at index 0',
    });
    expect((await call('getLatestLedger')).json.result.sequence).toBeGreaterThanOrEqual(1);
    expect(
      (await call('getTransaction', { hash: '0'.repeat(64), xdrFormat: 'xml' })).json.error.message,
    ).toBe("got 'xml': expected base64, json for optional 'xdrFormat'");
  });

  it('validates getEvents filters and pagination as RPC does', async () => {
    const ev = (params: unknown) => call('getEvents', params).then((r) => r.json.error);
    expect(await ev({ filters: [] })).toEqual({ code: -32602, message: 'startLedger must be positive' });
    expect(await ev({ startLedger: 1, pagination: { cursor: '0000000004294967296-0000000000' } })).toEqual({
      code: -32602,
      message: 'ledger ranges and cursor cannot both be set',
    });
    expect(await ev({ startLedger: 1, pagination: { limit: 10001 } })).toEqual({
      code: -32602,
      message: 'limit must not exceed 10000',
    });
    expect(await ev({ startLedger: 1, filters: [{ type: 'diagnostic' }] })).toEqual({
      code: -32602,
      message: "filter 1 invalid: filter type invalid: if set, type must be either 'system' or 'contract'",
    });
    expect(await ev({ startLedger: 1, filters: [{ contractIds: ['GABC'] }] })).toEqual({
      code: -32602,
      message: 'filter 1 invalid: contract ID 1 invalid',
    });
    expect(await ev({ startLedger: 1, filters: [{ topics: [['**', '*']] }] })).toEqual({
      code: -32602,
      message:
        "filter 1 invalid: topic 1 invalid: segment 1 invalid: wildcard '**' is only allowed as the last segment",
    });
  });

  it("answers simulateTransaction with RPC's error for a classic operation", async () => {
    const alice = await fundedNow();
    const tx = await buildTx(ctx, alice, [
      Operation.payment({ destination: alice.publicKey(), asset: Asset.native(), amount: '1' }),
    ]);
    const sim = await new rpc.Server(ctx.net.rpcUrl, { allowHttp: true }).simulateTransaction(tx);
    expect(rpc.Api.isSimulationError(sim)).toBe(true);
    expect((sim as rpc.Api.SimulateTransactionErrorResponse).error).toBe(
      'Transaction contains unsupported operation type: OperationTypePayment',
    );
  });
});

async function fundedNow(): Promise<Keypair> {
  const p = funded(ctx);
  ctx.net.closeLedger();
  return p;
}

describe('sendTransaction statuses', () => {
  // Ledgers close only when the test says so, so a queued transaction stays queued.
  it('answers DUPLICATE, TRY_AGAIN_LATER and ERROR with an errorResult as stellar-core does', async () => {
    const alice = await fundedNow();
    const bob = await fundedNow();
    const pay = (seqOffset: number) =>
      ctx.server.loadAccount(alice.publicKey()).then((a) =>
        buildTx(
          ctx,
          alice,
          [Operation.payment({ destination: bob.publicKey(), asset: Asset.native(), amount: '1' })],
          {
            sequence: (BigInt(a.sequenceNumber()) + BigInt(seqOffset)).toString(),
          },
        ),
      );
    const server = new rpc.Server(ctx.net.rpcUrl, { allowHttp: true });
    const bad = await pay(5);
    const error = await server.sendTransaction(bad);
    expect(error.status).toBe('ERROR');
    expect(error.errorResult?.result().switch().name).toBe('txBadSeq');
    const first = await pay(0);
    const second = await pay(1);
    expect((await server.sendTransaction(first)).status).toBe('PENDING');
    expect((await server.sendTransaction(first)).status).toBe('DUPLICATE');
    expect((await server.sendTransaction(second)).status).toBe('TRY_AGAIN_LATER');
    ctx.net.closeLedger();
    expect((await server.getTransaction(first.hash().toString('hex'))).status).toBe('SUCCESS');
    expect((await server.sendTransaction(second)).status).toBe('PENDING');
    ctx.net.closeLedger();
  });
});

describe('retention window', () => {
  it('keeps the last N ledgers: older startLedgers, cursors and transactions are out of range', async () => {
    const alice = await fundedNow();
    const bob = Keypair.random().publicKey();
    const tx = await buildTx(ctx, alice, [
      Operation.createAccount({ destination: bob, startingBalance: '2' }),
    ]);
    const server = new rpc.Server(ctx.net.rpcUrl, { allowHttp: true });
    expect((await server.sendTransaction(tx)).status).toBe('PENDING');
    const { sequence: txLedger } = ctx.net.closeLedger();
    expect((await server.getTransaction(tx.hash().toString('hex'))).status).toBe('SUCCESS');
    const inRange = await server.getEvents({ startLedger: txLedger, filters: [] });
    expect(inRange.events.map((e) => e.txHash)).toContain(tx.hash().toString('hex'));

    for (let i = 0; i < 3; i++) ctx.net.closeLedger();
    const latest = ctx.net.latestLedger();
    const health = await server.getHealth();
    expect([health.oldestLedger, health.latestLedger, health.ledgerRetentionWindow]).toEqual([
      latest - 2,
      latest,
      3,
    ]);
    const r = await call('getEvents', { startLedger: txLedger, filters: [] });
    expect(r.json.error).toEqual({
      code: -32600,
      message: `startLedger must be within the ledger range: ${latest - 2} - ${latest}`,
    });
    const stale = await call('getEvents', { pagination: { cursor: inRange.cursor } });
    expect(stale.json.error.code).toBe(-32600);
    expect((await call('getLedgers', { startLedger: txLedger })).json.error).toEqual({
      code: -32600,
      message: `start ledger (${txLedger}) must be between the oldest ledger: ${latest - 2} and the latest ledger: ${latest} for this rpc instance`,
    });
    expect((await server.getTransaction(tx.hash().toString('hex'))).status).toBe('NOT_FOUND');
    // Horizon keeps its history: the same transaction is still there.
    expect((await ctx.server.transactions().transaction(tx.hash().toString('hex')).call()).successful).toBe(
      true,
    );
  });
});
