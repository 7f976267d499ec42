// Conformance: Horizon history retention (`historyRetentionLedgers`, Horizon's
// --history-retention-count). Each row names the stellar/stellar-horizon v28.0.0 source it follows.
import { Asset, Horizon, Operation, rpc } from '@stellar/stellar-sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTx, funded, startNet, type Ctx } from '../helpers.js';

const RETENTION = 5;
let ctx: Ctx;
let bob: string;
let oldTx: string;
let oldOp: string;
let oldLedger: number;
let newOp: string;

type Json = Record<string, unknown>;
async function get(path: string): Promise<{ status: number; body: Json }> {
  const r = await fetch(`${ctx.net.url}${path}`);
  return { status: r.status, body: (await r.json()) as Json };
}

async function pay(from: Awaited<ReturnType<typeof funded>>, to: string) {
  const tx = await buildTx(ctx, from, [
    Operation.payment({ destination: to, asset: Asset.native(), amount: '1' }),
  ]);
  const res = await withCloses(() => ctx.server.submitTransaction(tx, { skipMemoRequiredCheck: true }));
  const ops = await ctx.server.operations().forTransaction(res.hash).call();
  return { hash: res.hash, ledger: res.ledger, op: ops.records[0]!.id };
}

/** Runs `fn` while ledgers close every 20 ms, then stops closing (so history stays put). */
async function withCloses<T>(fn: () => Promise<T>): Promise<T> {
  const timer = setInterval(() => ctx.net.closeLedger(), 20);
  try {
    return await fn();
  } finally {
    clearInterval(timer);
  }
}

beforeAll(async () => {
  ctx = await startNet({ historyRetentionLedgers: RETENTION, closeIntervalMs: 0 });
  const [alice, b] = await withCloses(() => Promise.all([funded(ctx), funded(ctx)]));
  bob = b.publicKey();
  const first = await pay(alice, bob);
  [oldTx, oldOp, oldLedger] = [first.hash, first.op, first.ledger];
  while (ctx.net.latestLedger() < oldLedger + RETENTION) ctx.net.closeLedger();
  newOp = (await pay(alice, bob)).op;
});

afterAll(async () => {
  await ctx?.net.close();
});

describe('history retention', () => {
  it('the root document says where history starts: latest − retention + 1 (internal/ingest/reap.go)', async () => {
    const { body } = await get('/');
    const latest = body.history_latest_ledger as number;
    expect(body.history_elder_ledger).toBe(latest - RETENTION + 1);
    expect(body.history_elder_ledger as number).toBeGreaterThan(oldLedger);
    const ledgers = await ctx.server.ledgers().order('asc').limit(1).call();
    expect(ledgers.records[0]!.sequence).toBeGreaterThanOrEqual(body.history_elder_ledger as number);
  });

  it('a dropped transaction is 404; a dropped ledger or operation is 410 before_history (actions/ledger.go, operation.go)', async () => {
    expect((await get(`/transactions/${oldTx}`)).status).toBe(404);
    const ledger = await get(`/ledgers/${oldLedger}`);
    expect(ledger.status).toBe(410);
    expect(ledger.body.type).toBe('https://stellar.org/horizon-errors/before_history');
    expect((await get(`/operations/${oldOp}`)).status).toBe(410);
  });

  it('an ascending page from a cursor older than history starts silently at the oldest record (actions/helpers.go validateAndAdjustCursor)', async () => {
    const page = await ctx.server.payments().forAccount(bob).cursor(oldOp).order('asc').call();
    expect(page.records.map((r) => r.id)).toContain(newOp);
    expect(page.records.map((r) => r.id)).not.toContain(oldOp);
    const effects = await get(`/accounts/${bob}/effects?cursor=${oldOp}-1`);
    expect(effects.status).toBe(200);
  });

  it('a descending page from a cursor older than history is 410 before_history (validateCursorWithinHistory)', async () => {
    const r = await get(`/accounts/${bob}/payments?cursor=${oldOp}&order=desc`);
    expect(r.status).toBe(410);
    expect(r.body.title).toBe('Data Requested Is Before Recorded History');
  });

  it('a stream resumed from a cursor older than history starts at the oldest retained record, no error', async () => {
    const first = await new Promise<Horizon.ServerApi.OperationRecord>((resolve, reject) => {
      const close = ctx.server
        .payments()
        .forAccount(bob)
        .cursor(oldOp)
        .stream({
          onmessage: (r) => {
            close();
            resolve(r as unknown as Horizon.ServerApi.OperationRecord);
          },
          onerror: (e) => {
            close();
            reject(new Error(`stream error ${JSON.stringify(e)}`));
          },
        });
    });
    expect(first.id).toBe(newOp);
  });

  it('Stellar RPC keeps its own window: the transaction Horizon dropped is still there', async () => {
    const server = new rpc.Server(ctx.net.rpcUrl, { allowHttp: true });
    const t = await server.getTransaction(oldTx);
    expect(t.status).toBe('SUCCESS');
  });
});
