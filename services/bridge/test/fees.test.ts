// The bridge's fee bids against localnet under real fee pressure: the bid is a percentile of
// recent bids (Horizon fee_stats, RPC getFeeStats) capped by [fees] max_fee; a full queue's
// tx_insufficient_fee is answered with a higher bid under the cap (or fee_cap_reached); and a
// transaction stuck under surge pricing is fee-bumped, landing once under its inner hash.
// Ledgers close only when a test closes them.
import { afterEach, describe, expect, it } from 'vitest';
import { Keypair, Operation, TransactionBuilder, type Transaction } from '@stellar/stellar-sdk';
import { databaseLegs, type TestDatabase } from '@anchor/support/testing';
import { createKnex } from '@anchor/support';
import {
  horizon,
  localnet,
  migrate,
  postPayment,
  runBridge,
  until,
  xlmBalance,
  type Localnet,
  type RunningBridge,
} from './helpers.js';

const SOURCES = {
  feeStats:
    'stellar/go services/horizon/internal/actions/fee_stats.go (max_fee percentiles of the last 5 ledgers)',
  rpcFeeStats: 'stellar/stellar-rpc cmd/stellar-rpc/internal/methods/get_fee_stats.go (inclusionFee)',
  limiter:
    'stellar/stellar-core src/herder/TxQueueLimiter.cpp (a full queue: txINSUFFICIENT_FEE with the fee needed)',
  replace:
    'stellar/stellar-core src/herder/TransactionQueue.cpp (canReplaceByFee: a fee bump at 10× replaces)',
  surge: 'stellar/stellar-core src/herder/SurgePricingUtils.cpp (highest fee rate first when over capacity)',
};

const [leg] = databaseLegs(['sqlite3']);

interface Fixture {
  net: Localnet;
  database: TestDatabase;
  bridge: RunningBridge;
  base: Keypair;
}
let fx: Fixture | undefined;
afterEach(async () => {
  await fx?.bridge.close();
  await fx?.database.drop();
  await fx?.net.close();
  fx = undefined;
});

async function fundNow(net: Localnet, kp: Keypair, amount = '1000'): Promise<Keypair> {
  const funding = net.fund(kp.publicKey(), amount);
  net.closeLedger();
  await funding;
  return kp;
}

async function setup(
  netOptions: Record<string, unknown>,
  bridgeConfig: (net: Localnet) => Record<string, unknown>,
): Promise<Fixture> {
  const net = await localnet(0, { submitTimeoutMs: 400, ...netOptions });
  const database = await leg!.create();
  await migrate(database);
  const base = await fundNow(net, Keypair.random(), '10000');
  const bridge = await runBridge({
    database: { type: database.type, url: database.url },
    accounts: { base_seed: base.secret() },
    ...bridgeConfig(net),
  });
  fx = { net, database, bridge, base };
  return fx;
}

/**
 * A one-operation transaction from `source` bidding `fee` per operation, sent to the queue; it
 * must be admitted unless `mayBeRefused` (a full queue refuses low bids).
 */
async function traffic(
  net: Localnet,
  source: Keypair,
  fee: number,
  mayBeRefused = false,
): Promise<Transaction> {
  const account = await horizon(net).loadAccount(source.publicKey());
  const tx = new TransactionBuilder(account, { fee: String(fee), networkPassphrase: net.networkPassphrase })
    .addOperation(Operation.bumpSequence({ bumpTo: '0' }))
    .setTimeout(300)
    .build();
  tx.sign(source);
  const res = await fetch(`${net.url}/transactions_async`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: `tx=${encodeURIComponent(tx.toEnvelope().toXDR('base64'))}`,
  });
  const body = (await res.json()) as { tx_status: string; error_result_xdr?: string };
  if (!mayBeRefused) expect(`${body.tx_status} ${body.error_result_xdr ?? ''}`).toBe('PENDING ');
  return tx;
}

async function sentRows(database: TestDatabase) {
  const db = createKnex(database);
  try {
    return (await db('sent_transaction').orderBy('id')) as {
      transaction_id: string;
      status: string;
      envelope_xdr: string;
    }[];
  } finally {
    await db.destroy();
  }
}

const feeOf = (envelope: string, passphrase: string) =>
  Number((TransactionBuilder.fromXDR(envelope, passphrase) as Transaction).fee);

/** Closes a ledger every 100 ms (after `beforeClose`) until `done` settles. */
async function closingUntil<T>(
  net: Localnet,
  done: Promise<T>,
  beforeClose?: () => Promise<void>,
): Promise<T> {
  let stop = false;
  const loop = (async () => {
    while (!stop) {
      await beforeClose?.();
      net.closeLedger();
      await new Promise((r) => setTimeout(r, 100));
    }
  })();
  try {
    return await done;
  } finally {
    stop = true;
    await loop;
  }
}

const BACKENDS = [
  { name: 'horizon', source: SOURCES.feeStats, config: (net: Localnet) => ({ horizon: net.url }) },
  {
    name: 'rpc',
    source: SOURCES.rpcFeeStats,
    config: (net: Localnet) => ({
      network: { backend: 'rpc', rpc_url: net.rpcUrl, poll_interval_ms: 50, submit_timeout_ms: 300 },
    }),
  },
];

describe.each(BACKENDS)('the bid on $name', ({ source, config }) => {
  it.each([
    { maxFee: 10_000, expected: 300 },
    { maxFee: 250, expected: 250 },
  ])(
    `is the configured percentile of recent bids, capped by max_fee $maxFee — ${source}`,
    async ({ maxFee, expected }) => {
      const { net, bridge, database } = await setup({}, (n) => ({
        ...config(n),
        fees: { percentile: 'p70', max_fee: maxFee },
      }));
      // Recent ledgers: bids of 100, 300, 300, 300 per operation → p70 = 300.
      const others: Keypair[] = [];
      for (const _ of [1, 2, 3, 4]) others.push(await fundNow(net, Keypair.random()));
      for (const [i, kp] of others.entries()) {
        await traffic(net, kp, i === 0 ? 100 : 300);
        net.closeLedger();
      }
      const to = await fundNow(net, Keypair.random(), '100');
      const res = await closingUntil(
        net,
        postPayment(bridge.url, { destination: to.publicKey(), amount: '3' }),
      );
      expect(res.status).toBe(200);
      const rows = await sentRows(database);
      expect(feeOf(rows[rows.length - 1]!.envelope_xdr, net.networkPassphrase)).toBe(expected);
    },
  );
});

describe.each(BACKENDS)('a full queue on $name', ({ config }) => {
  /** Fills the 2-operation queue (capacity 1) with two other sources' transactions at 1000. */
  async function fillQueue(net: Localnet) {
    const a = await fundNow(net, Keypair.random());
    const b = await fundNow(net, Keypair.random());
    await traffic(net, a, 1000);
    await traffic(net, b, 1000);
  }

  it(`tx_insufficient_fee → rebuilt with the fee the network asked for, under max_fee; paid once — ${SOURCES.limiter}`, async () => {
    const { net, bridge, database } = await setup({ maxOperationsPerLedger: 1 }, (n) => ({
      ...config(n),
      fees: { max_fee: 5000 },
    }));
    const to = await fundNow(net, Keypair.random(), '100');
    const rowsBefore = (await sentRows(database)).length;
    await fillQueue(net);
    const paying = postPayment(bridge.url, { id: 'full-1', destination: to.publicKey(), amount: '4' });
    // Refused at once, rebuilt at once: both recorded before any ledger closes.
    await until(async () => (await sentRows(database)).length >= rowsBefore + 2);
    const res = await closingUntil(net, paying);
    expect(res.status).toBe(200);
    expect(await xlmBalance(net, to.publicKey())).toBeCloseTo(104, 5);
    const rows = (await sentRows(database)).slice(rowsBefore);
    expect(rows.map((r) => [feeOf(r.envelope_xdr, net.networkPassphrase), r.status])).toEqual([
      [100, 'failure'],
      [1001, 'success'],
    ]);
    expect(rows[1]!.transaction_id).toBe(res.json.hash);
  });

  it(`the cap reached: 503 fee_cap_reached, nothing paid — ${SOURCES.limiter}`, async () => {
    const { net, bridge } = await setup({ maxOperationsPerLedger: 1 }, (n) => ({
      ...config(n),
      fees: { max_fee: 500 },
    }));
    const to = await fundNow(net, Keypair.random(), '100');
    await fillQueue(net);
    const res = await postPayment(bridge.url, { destination: to.publicKey(), amount: '4' });
    expect(res.status).toBe(503);
    expect(res.json).toMatchObject({
      code: 'fee_cap_reached',
      data: { max_fee: '500', required_fee: '1001' },
    });
    net.closeLedger();
    net.closeLedger();
    expect(await xlmBalance(net, to.publicKey())).toBeCloseTo(100, 5);
  });
});

describe.each(BACKENDS)('surge pricing on $name', ({ config }) => {
  it(`a transaction stuck behind higher bids is fee-bumped: it lands once, under its inner hash — ${SOURCES.surge}; ${SOURCES.replace}`, async () => {
    const { net, bridge, database, base } = await setup({ maxOperationsPerLedger: 1 }, (n) => ({
      ...config(n),
      fees: { percentile: 'p70', max_fee: 5000, bump_after_ledgers: 2 },
    }));
    const to = await fundNow(net, Keypair.random(), '100');
    const senders: Keypair[] = [];
    for (const _ of [1, 2, 3, 4, 5, 6]) senders.push(await fundNow(net, Keypair.random()));
    const seqBefore = BigInt((await horizon(net).loadAccount(base.publicKey())).sequence);
    // Idle ledgers so far: the bridge bids the base fee.
    const paying = postPayment(bridge.url, { id: 'surge-1', destination: to.publicKey(), amount: '6' });
    const first = await until(async () => {
      const rows = await sentRows(database);
      return rows.find((r) => feeOf(r.envelope_xdr, net.networkPassphrase) === 100 && r.status === 'sending');
    });
    // Then other traffic bids 500 for the one operation each ledger has room for.
    let turn = 0;
    const res = await closingUntil(net, paying, async () => {
      if (net.closer.queueLength() <= 1) await traffic(net, senders[turn++ % senders.length]!, 500);
    });

    expect(res.status).toBe(200);
    expect(res.json.hash).toBe(first.transaction_id);
    const landed = await horizon(net).transactions().transaction(first.transaction_id).call();
    expect(landed.successful).toBe(true);
    expect(landed.fee_bump_transaction?.hash).toBeDefined();
    expect(landed.fee_bump_transaction?.hash).not.toBe(first.transaction_id);
    expect(Number(landed.max_fee)).toBeGreaterThanOrEqual(2 * 1000);
    // Paid once: one sequence number used, one payment received.
    expect(BigInt((await horizon(net).loadAccount(base.publicKey())).sequence)).toBe(seqBefore + 1n);
    expect(await xlmBalance(net, to.publicKey())).toBeCloseTo(106, 5);
    const rows = await sentRows(database);
    expect(rows.filter((r) => r.transaction_id === first.transaction_id).map((r) => r.status)).toEqual([
      'success',
    ]);
  });

  it(`a fee-bumped batch whose inner transaction failed (tx_fee_bump_inner_failed): only the failing payment fails, the other lands — ${SOURCES.replace}`, async () => {
    const { net, bridge } = await setup({ maxOperationsPerLedger: 2 }, (n) => ({
      ...config(n),
      submitter: { batching: true },
      fees: { percentile: 'p10', max_fee: 5000, bump_after_ledgers: 2 },
    }));
    const [to, low, high] = [await fundNow(net, Keypair.random(), '100'), [] as Keypair[], [] as Keypair[]];
    for (let i = 0; i < 6; i++) {
      low.push(await fundNow(net, Keypair.random()));
      high.push(await fundNow(net, Keypair.random()));
    }
    // A first payment holds the lane, so the next two are batched into one transaction.
    const first = postPayment(bridge.url, { destination: to.publicKey(), amount: '1' });
    const group = () =>
      [
        ...(
          bridge.bridge.submitter['payerGroups'] as Map<
            string,
            { queue: unknown[]; lanes: { busy: boolean }[] }
          >
        ).values(),
      ][0];
    await until(() => group()?.lanes[0]?.busy);
    const good = postPayment(bridge.url, { destination: to.publicKey(), amount: '2' });
    // create_account below the reserve: admitted, fails when applied (op_low_reserve).
    const bad = postPayment(bridge.url, { destination: Keypair.random().publicKey(), amount: '0.5' });
    await until(() => group()?.queue.length === 2);
    // Each ledger: one bid of 500 and one of 100 (so p10 stays 100), room for two operations.
    let turn = 0;
    const results = await closingUntil(net, Promise.all([first, good, bad]), async () => {
      if (net.closer.queueLength() > 1) return;
      const i = turn++ % 6;
      await traffic(net, high[i]!, 500);
      await traffic(net, low[i]!, 100, true);
    });

    expect(results.map((r) => r.status)).toEqual([200, 200, 400]);
    expect(results[2]!.json).toMatchObject({ code: 'payment_low_reserve' });
    expect(await xlmBalance(net, to.publicKey())).toBeCloseTo(103, 5);
    // The batch really went as a fee bump whose inner transaction failed.
    const failed = await horizon(net)
      .transactions()
      .forAccount(fx!.base.publicKey())
      .includeFailed(true)
      .order('desc')
      .limit(20)
      .call();
    const bumped = failed.records.find((t) => !t.successful && t.fee_bump_transaction);
    expect(bumped?.operation_count).toBe(2);
  });
});
