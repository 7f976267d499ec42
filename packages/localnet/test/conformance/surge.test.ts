// Conformance: surge pricing under `maxOperationsPerLedger` and what /fee_stats reports of it.
// Every row names the stellar-core or stellar-horizon source it follows.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Keypair, Operation, xdr, type Transaction } from '@stellar/stellar-sdk';
import { QUEUE_SIZE_MULTIPLIER } from '../../src/ledger-closer.js';
import { buildTx, postTx, startNet, type Ctx } from '../helpers.js';

const SOURCES = {
  surge:
    'stellar/stellar-core src/herder/SurgePricingUtils.cpp, TxSetFrame.cpp (highest fee rate first up to the ledger limit; a trimmed set charges every transaction the lowest included rate)',
  queue:
    'stellar/stellar-core src/herder/TxQueueLimiter.cpp canAddTx, SurgePricingUtils.cpp canFitWithEviction, TransactionQueue.cpp tryAdd (ban + txINSUFFICIENT_FEE with the fee to beat); src/main/Config.cpp TRANSACTION_QUEUE_SIZE_MULTIPLIER = 2',
  feeStats:
    'stellar/stellar-horizon internal/db2/history/operation.go feeStatsQueryTemplate (last 5 ledgers, fee per operation, percentile_disc, mode) and ledger.go LedgerCapacityUsageStats; internal/actions/fee_stats.go',
};

const CAPACITY = 2;
let ctx: Ctx;
beforeEach(async () => {
  ctx = await startNet({ closeIntervalMs: 0, maxOperationsPerLedger: CAPACITY });
});
afterEach(async () => {
  await ctx.net.close();
});

async function fundedNow(n: number): Promise<Keypair[]> {
  const kps = Array.from({ length: n }, () => Keypair.random());
  const funding = Promise.all(kps.map((k) => ctx.net.fund(k.publicKey(), '1000')));
  ctx.net.closeLedger();
  await funding;
  return kps;
}

function bump(source: Keypair, fee: number): Promise<Transaction> {
  return buildTx(ctx, source, [Operation.bumpSequence({ bumpTo: '0' })], { fee: String(fee) });
}

async function feeCharged(tx: Transaction): Promise<string | undefined> {
  const res = await fetch(`${ctx.net.url}/transactions/${tx.hash().toString('hex')}`);
  return res.status === 200 ? ((await res.json()) as { fee_charged: string }).fee_charged : undefined;
}

describe('surge pricing conformance', () => {
  it(`over capacity the highest rates go first, each charged the lowest included rate; the rest wait (${SOURCES.surge})`, async () => {
    const [a, b, c] = await fundedNow(3);
    const txs = [await bump(a!, 100), await bump(b!, 300), await bump(c!, 200)];
    for (const tx of txs) expect((await postTx(ctx, tx)).body.tx_status).toBe('PENDING');
    const surged = ctx.net.closeLedger().sequence;
    expect(await feeCharged(txs[1]!)).toBe('200');
    expect(await feeCharged(txs[2]!)).toBe('200');
    expect(await feeCharged(txs[0]!)).toBeUndefined();
    const ledger = (await (await fetch(`${ctx.net.url}/ledgers/${surged}`)).json()) as Record<string, number>;
    expect(ledger.max_tx_set_size).toBe(CAPACITY);
    expect(ledger.operation_count).toBe(2);
    // Alone in the next ledger it is within capacity: the base fee, not its surged neighbours' rate.
    ctx.net.closeLedger();
    expect(await feeCharged(txs[0]!)).toBe('100');
  });

  it(`a full queue evicts strictly cheaper bids and refuses the rest with the fee to beat (${SOURCES.queue})`, async () => {
    expect(QUEUE_SIZE_MULTIPLIER).toBe(2);
    const [a, b, c, d, e] = await fundedNow(5);
    const cheap = await bump(a!, 200);
    const dear = await bump(b!, 400);
    for (const tx of [cheap, dear]) expect((await postTx(ctx, tx)).status).toBe(201);
    // The queue holds CAPACITY × 2 = 4 operations; a 2-op transaction bidding 200 per op fills it.
    const low = await buildTx(
      ctx,
      c!,
      [Operation.bumpSequence({ bumpTo: '0' }), Operation.bumpSequence({ bumpTo: '0' })],
      { fee: '500' },
    );
    expect((await postTx(ctx, low)).status).toBe(201);
    const refused = await bump(d!, 200);
    const r = await postTx(ctx, refused);
    expect(r.status).toBe(400);
    expect(r.body.tx_status).toBe('ERROR');
    const result = xdr.TransactionResult.fromXDR(String(r.body.error_result_xdr), 'base64');
    expect(result.result().switch().name).toBe('txInsufficientFee');
    expect(result.feeCharged().toString()).toBe('201');
    // Refused means banned, as core bans it: the same envelope is TRY_AGAIN_LATER for a while.
    expect((await postTx(ctx, refused)).body.tx_status).toBe('TRY_AGAIN_LATER');
    // A better bid from another source evicts the cheapest one, which is banned in turn.
    const better = await bump(e!, 250);
    expect((await postTx(ctx, better)).body.tx_status).toBe('PENDING');
    expect((await postTx(ctx, cheap)).body.tx_status).toBe('TRY_AGAIN_LATER');
    for (let i = 0; i < 4; i++) ctx.net.closeLedger();
    expect(await feeCharged(cheap)).toBeUndefined();
    for (const tx of [dear, low, better]) expect(await feeCharged(tx)).toBeDefined();
  });

  it(`/fee_stats: percentiles of fee charged and bid per operation, capacity usage over the last 5 ledgers (${SOURCES.feeStats})`, async () => {
    const [a, b, c] = await fundedNow(3);
    for (let i = 0; i < 5; i++) ctx.net.closeLedger(); // funding leaves the 5-ledger window
    const empty = (await (await fetch(`${ctx.net.url}/fee_stats`)).json()) as Record<string, unknown>;
    expect(empty.ledger_capacity_usage).toBe('0');
    expect(empty.fee_charged).toMatchObject({ p50: '100', max: '100', min: '100', mode: '100' });
    const txs = [await bump(a!, 100), await bump(b!, 300), await bump(c!, 200)];
    for (const tx of txs) await postTx(ctx, tx);
    ctx.net.closeLedger();
    const last = ctx.net.closeLedger().sequence;
    const stats = (await (await fetch(`${ctx.net.url}/fee_stats`)).json()) as Record<string, unknown>;
    expect(stats.last_ledger).toBe(String(last));
    expect(stats.last_ledger_base_fee).toBe('100');
    // 3 operations over 5 ledgers of capacity 2: ROUND(3 / 10, 2), as Go prints a float64.
    expect(stats.ledger_capacity_usage).toBe('0.3');
    // Charged: [100, 200, 200]; bid: [100, 200, 300] (nearest rank; mode: most frequent, lowest on a tie).
    expect(stats.fee_charged).toMatchObject({
      p10: '100',
      p50: '200',
      p99: '200',
      max: '200',
      min: '100',
      mode: '200',
    });
    expect(stats.max_fee).toMatchObject({
      p10: '100',
      p50: '200',
      p70: '300',
      max: '300',
      min: '100',
      mode: '100',
    });
  });
});
