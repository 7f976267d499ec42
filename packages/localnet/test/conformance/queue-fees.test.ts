// Conformance: the fee rules of the transaction queue (replace-by-fee with a fee bump, and the
// queue's size limit). Every row names where the real behaviour comes from.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Keypair, Operation, TransactionBuilder, xdr, type Transaction } from '@stellar/stellar-sdk';
import { FEE_MULTIPLIER, QUEUE_SIZE_MULTIPLIER } from '../../src/ledger-closer.js';
import { buildTx, startNet, type Ctx } from '../helpers.js';

const SOURCES = {
  replace:
    'stellar/stellar-core src/herder/TransactionQueue.cpp (canAdd, canReplaceByFee: FEE_MULTIPLIER = 10, txINSUFFICIENT_FEE with the minimum fee)',
  limiter:
    'stellar/stellar-core src/herder/TxQueueLimiter.cpp (canAddTx, evictTransactions) and src/main/Config.cpp (TRANSACTION_QUEUE_SIZE_MULTIPLIER = 2)',
  innerHash:
    'stellar/go services/horizon/internal/actions/transaction.go (a fee bump is found by its inner hash)',
};

let ctx: Ctx;
beforeEach(async () => {
  ctx = await startNet({ closeIntervalMs: 0, maxOperationsPerLedger: 1 });
});
afterEach(async () => {
  await ctx.net.close();
});

async function fundedNow(): Promise<Keypair> {
  const kp = Keypair.random();
  const funding = ctx.net.fund(kp.publicKey(), '1000');
  ctx.net.closeLedger();
  await funding;
  return kp;
}

const payment = async (source: Keypair, fee: string) =>
  buildTx(
    ctx,
    source,
    [Operation.createAccount({ destination: Keypair.random().publicKey(), startingBalance: '1' })],
    {
      fee,
    },
  );

function bump(inner: Transaction, feeSource: Keypair, feePerOp: string) {
  const fb = TransactionBuilder.buildFeeBumpTransaction(
    feeSource,
    feePerOp,
    inner,
    ctx.net.networkPassphrase,
  );
  fb.sign(feeSource);
  return fb;
}

async function postAsync(tx: { toEnvelope(): xdr.TransactionEnvelope }) {
  const res = await fetch(`${ctx.net.url}/transactions_async`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: `tx=${encodeURIComponent(tx.toEnvelope().toXDR('base64'))}`,
  });
  return (await res.json()) as { tx_status: string; hash: string; error_result_xdr?: string };
}

/** fee charged and code of an error result. */
function errorResult(b64: string | undefined) {
  const r = xdr.TransactionResult.fromXDR(b64 ?? '', 'base64');
  return { feeCharged: r.feeCharged().toString(), code: r.result().switch().name };
}

describe('transaction queue fee conformance', () => {
  it(`a fee bump at ${FEE_MULTIPLIER}× the pending transaction's rate replaces it; its inner hash finds it — ${SOURCES.replace}; ${SOURCES.innerHash}`, async () => {
    const source = await fundedNow();
    const inner = await payment(source, '100');
    expect((await postAsync(inner)).tx_status).toBe('PENDING');
    // 100 per op on one op → the bump (2 priced operations) needs 1000 per op.
    const low = await postAsync(bump(inner, source, '999'));
    expect(low.tx_status).toBe('ERROR');
    expect(errorResult(low.error_result_xdr)).toEqual({ feeCharged: '2000', code: 'txInsufficientFee' });
    const fb = bump(inner, source, '1000');
    expect((await postAsync(fb)).tx_status).toBe('PENDING');
    // The inner transaction sent again is the pending fee bump's: DUPLICATE.
    expect((await postAsync(inner)).tx_status).toBe('DUPLICATE');
    expect(ctx.net.closer.queueLength()).toBe(1);
    ctx.net.closeLedger();
    const found = await ctx.server.transactions().transaction(inner.hash().toString('hex')).call();
    expect(found.successful).toBe(true);
    expect(found.fee_bump_transaction?.hash).toBe(fb.hash().toString('hex'));
    expect(found.inner_transaction?.hash).toBe(inner.hash().toString('hex'));
  });

  it(`a fee bump of another sequence number, or a second plain transaction, is TRY_AGAIN_LATER — ${SOURCES.replace}`, async () => {
    const source = await fundedNow();
    const account = await ctx.server.loadAccount(source.publicKey());
    const first = await payment(source, '100');
    const later = await buildTx(ctx, source, [Operation.bumpSequence({ bumpTo: '0' })], {
      sequence: (BigInt(account.sequence) + 1n).toString(),
      fee: '100',
    });
    expect((await postAsync(first)).tx_status).toBe('PENDING');
    expect((await postAsync(later)).tx_status).toBe('TRY_AGAIN_LATER');
    expect((await postAsync(bump(later, source, '100000'))).tx_status).toBe('TRY_AGAIN_LATER');
  });

  it(`a full queue (${QUEUE_SIZE_MULTIPLIER} ledgers of operations) refuses a low bid with tx_insufficient_fee and the fee that outbids; a higher bid evicts and bans the lowest — ${SOURCES.limiter}`, async () => {
    const [a, b, c] = [await fundedNow(), await fundedNow(), await fundedNow()];
    const ta = await payment(a, '100');
    const tb = await payment(b, '150');
    expect((await postAsync(ta)).tx_status).toBe('PENDING');
    expect((await postAsync(tb)).tx_status).toBe('PENDING');
    const refused = await postAsync(await payment(c, '100'));
    expect(refused.tx_status).toBe('ERROR');
    expect(errorResult(refused.error_result_xdr)).toEqual({ feeCharged: '101', code: 'txInsufficientFee' });
    const tc = await payment(c, '101');
    expect((await postAsync(tc)).tx_status).toBe('PENDING');
    expect(ctx.net.closer.pending(ta.hash().toString('hex'))).toBe(false);
    expect((await postAsync(ta)).tx_status).toBe('TRY_AGAIN_LATER');
    expect(ctx.net.closer.queueLength()).toBe(2);
  });
});
