// Conformance: transaction validation as stellar-core and Horizon's txsub do it. Every row names
// the real source it was checked against (stellar/stellar-core master, stellar/stellar-horizon
// v28.0.0), driven through the real SDK against localnet.
import {
  Asset,
  AuthRequiredFlag,
  FeeBumpTransaction,
  Keypair,
  Operation,
  TransactionBuilder,
  xdr,
  type Transaction,
} from '@stellar/stellar-sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTx, funded, startNet, submitExpectingFailure, type Ctx } from '../helpers.js';

const CORE_TX = 'stellar/stellar-core src/transactions/TransactionFrame.cpp';
const CORE_FEE_BUMP = 'stellar/stellar-core src/transactions/FeeBumpTransactionFrame.cpp';
const TXSUB = 'stellar/stellar-horizon internal/txsub/system.go (Submit) and errors.go (ErrBadSequence)';

let ctx: Ctx;
beforeAll(async () => {
  ctx = await startNet();
});
afterAll(async () => {
  await ctx?.net.close();
});

const feeCharged = (resultXdr: string | undefined) =>
  xdr.TransactionResult.fromXDR(resultXdr!, 'base64').feeCharged().toString();

async function account(kp: Keypair): Promise<Record<string, unknown>> {
  const r = await fetch(`${ctx.net.url}/accounts/${kp.publicKey()}`);
  expect(r.status).toBe(200);
  return (await r.json()) as Record<string, unknown>;
}

/** A fee bump of `inner` paying `fee` in total, built by hand: the SDK refuses a lower rate. */
function feeBumpWithFee(inner: Transaction, feeSource: Keypair, fee: string): FeeBumpTransaction {
  const built = TransactionBuilder.buildFeeBumpTransaction(
    feeSource,
    inner.fee,
    inner,
    ctx.net.networkPassphrase,
  );
  const env = built.toEnvelope();
  env.feeBump().tx().fee(xdr.Int64.fromString(fee));
  env.feeBump().signatures([]);
  const tx = new FeeBumpTransaction(env, ctx.net.networkPassphrase);
  tx.sign(feeSource);
  return tx;
}

async function postForm(path: string, tx: Transaction | FeeBumpTransaction) {
  const res = await fetch(`${ctx.net.url}${path}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: `tx=${encodeURIComponent(tx.toEnvelope().toXDR('base64'))}`,
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

describe('validation conformance', () => {
  it(`the balance check needs the full declared fee, not the fee that would be charged — ${CORE_TX} (commonValid: feeToPay = getFullFee())`, async () => {
    // 10 XLM, reserve 1 XLM: 9 XLM available. A declared fee of 9.5 XLM is refused although
    // only 100 stroops would be charged; 8 XLM declared passes and is charged 100 stroops.
    const a = await funded(ctx, '10');
    const op = Operation.bumpSequence({ bumpTo: '0' });
    const tooMuch = await buildTx(ctx, a, [op], { fee: '95000000' });
    const r = await submitExpectingFailure(ctx, tooMuch);
    expect(r.codes).toEqual({ transaction: 'tx_insufficient_balance' });
    expect(feeCharged(r.resultXdr)).toBe('100');
    const ok = await buildTx(ctx, a, [op], { fee: '80000000' });
    const res = await ctx.server.submitTransaction(ok, { skipMemoRequiredCheck: true });
    expect((await ctx.server.transactions().transaction(res.hash).call()).fee_charged).toBe('100');
  });

  it(`the fee source of a fee bump needs its full declared fee too — ${CORE_FEE_BUMP} (commonValid: feeToPay = getFullFee())`, async () => {
    const [a, payer] = [await funded(ctx), await funded(ctx, '10')];
    const inner = await buildTx(ctx, a, [Operation.bumpSequence({ bumpTo: '0' })]);
    const r = await submitExpectingFailure(ctx, feeBumpWithFee(inner, payer, '95000000'));
    expect(r.codes).toEqual({ transaction: 'tx_insufficient_balance' });
  });

  it(`a fee bump whose fee per operation (fee / (ops + 1)) is below its inner transaction's is tx_insufficient_fee, charging the fee needed — ${CORE_FEE_BUMP} (commonValidPreSeqNum: v1 < v2, setInsufficientFeeErrorWithFeeCharged)`, async () => {
    const [a, payer] = [await funded(ctx), await funded(ctx)];
    // Inner: 2 operations at 1000 stroops each. The bump must pay ≥ 2000 × 3 / 2 = 3000.
    const ops = [Operation.bumpSequence({ bumpTo: '0' }), Operation.bumpSequence({ bumpTo: '0' })];
    const inner = await buildTx(ctx, a, ops, { fee: '1000' });
    const low = await submitExpectingFailure(ctx, feeBumpWithFee(inner, payer, '2999'));
    expect(low.codes).toEqual({ transaction: 'tx_insufficient_fee' });
    expect(feeCharged(low.resultXdr)).toBe('3000');
    const res = await ctx.server.submitTransaction(feeBumpWithFee(inner, payer, '3000'), {
      skipMemoRequiredCheck: true,
    });
    expect(res.successful).toBe(true);
  });

  it(`a never-used account has no sequence_ledger / sequence_time, and min-seq age and gap pass for it — ${CORE_TX} (isTooEarlyForAccount: no AccountEntryExtensionV3 → 0); stellar-horizon internal/resourceadapter/account_entry.go`, async () => {
    const funder = await funded(ctx);
    const fresh = Keypair.random();
    await ctx.server.submitTransaction(
      await buildTx(ctx, funder, [
        Operation.createAccount({ destination: fresh.publicKey(), startingBalance: '10' }),
      ]),
      { skipMemoRequiredCheck: true },
    );
    const before = await account(fresh);
    expect(before).not.toHaveProperty('sequence_ledger');
    expect(before).not.toHaveProperty('sequence_time');

    // core also fails a gap larger than the ledger sequence itself, so the gap stays below it.
    const gap = ctx.net.latestLedger();
    const guarded = async () => {
      const tx = new TransactionBuilder(await ctx.server.loadAccount(fresh.publicKey()), {
        fee: '100',
        networkPassphrase: ctx.net.networkPassphrase,
      })
        .addOperation(Operation.bumpSequence({ bumpTo: '0' }))
        .setMinAccountSequenceAge(86_400)
        .setMinAccountSequenceLedgerGap(gap)
        .setTimeout(60)
        .build();
      tx.sign(fresh);
      return tx;
    };
    const res = await ctx.server.submitTransaction(await guarded(), { skipMemoRequiredCheck: true });
    expect(res.successful).toBe(true);
    const after = await account(fresh);
    expect(after.sequence_ledger).toBe(res.ledger);
    expect(after.sequence_time).toMatch(/^\d+$/);
    // Now the sequence number has a ledger and a time, and the same guard refuses.
    const again = await submitExpectingFailure(ctx, await guarded());
    expect(again.codes).toEqual({ transaction: 'tx_bad_minseq_age_or_gap' });
  });

  describe('allow_trust revoking with an issuer that is not AUTH_REVOCABLE', () => {
    const SRC =
      'stellar/stellar-core src/transactions/AllowTrustOpFrame.cpp (isAuthRevocationValid, isRevocationToMaintainLiabilitiesValid)';
    let issuer: Keypair;
    let holder: Keypair;
    let stranger: Keypair;
    beforeAll(async () => {
      [issuer, holder, stranger] = [await funded(ctx), await funded(ctx), await funded(ctx)];
      await ctx.server.submitTransaction(
        await buildTx(ctx, issuer, [Operation.setOptions({ setFlags: AuthRequiredFlag })]),
        { skipMemoRequiredCheck: true },
      );
      await ctx.server.submitTransaction(
        await buildTx(ctx, holder, [Operation.changeTrust({ asset: new Asset('EUR', issuer.publicKey()) })]),
        { skipMemoRequiredCheck: true },
      );
    });
    const allow = async (trustor: Keypair, authorize: 0 | 1 | 2) =>
      buildTx(ctx, issuer, [
        Operation.allowTrust({ trustor: trustor.publicKey(), assetCode: 'EUR', authorize }),
      ]);

    it(`a line that was never authorized: op_cant_revoke — ${SRC}`, async () => {
      const r = await submitExpectingFailure(ctx, await allow(holder, 0));
      expect(r.codes).toEqual({ transaction: 'tx_failed', operations: ['op_cant_revoke'] });
    });

    it(`no trust line at all: op_cant_revoke, checked before the line is loaded — ${SRC}`, async () => {
      const r = await submitExpectingFailure(ctx, await allow(stranger, 0));
      expect(r.codes).toEqual({ transaction: 'tx_failed', operations: ['op_cant_revoke'] });
    });

    it(`authorized → authorized to maintain liabilities: op_cant_revoke; granting is allowed — ${SRC}`, async () => {
      await ctx.server.submitTransaction(await allow(holder, 1), { skipMemoRequiredCheck: true });
      const r = await submitExpectingFailure(ctx, await allow(holder, 2));
      expect(r.codes).toEqual({ transaction: 'tx_failed', operations: ['op_cant_revoke'] });
    });
  });

  describe('minSeqNum ≥ seqNum', () => {
    const build = async (kp: Keypair) => {
      const acct = await ctx.server.loadAccount(kp.publicKey());
      const next = (BigInt(acct.sequence) + 1n).toString();
      const tx = new TransactionBuilder(acct, { fee: '100', networkPassphrase: ctx.net.networkPassphrase })
        .addOperation(Operation.bumpSequence({ bumpTo: '0' }))
        .setMinAccountSequence(next) // = the transaction's own sequence number
        .setTimeout(60)
        .build();
      tx.sign(kp);
      return tx;
    };

    it(`POST /transactions answers Horizon's canned tx_bad_seq result, fee charged 0, before core sees it — ${TXSUB}`, async () => {
      const a = await funded(ctx);
      const { status, body } = await postForm('/transactions', await build(a));
      expect(status).toBe(400);
      const extras = body.extras as Record<string, unknown>;
      expect(extras.result_xdr).toBe('AAAAAAAAAAD////7AAAAAA==');
      expect(extras.result_codes).toEqual({ transaction: 'tx_bad_seq' });
    });

    it(`the same canned result for a fee bump around it (envelope.MinSeqNum is the inner's) — ${TXSUB}`, async () => {
      const [a, payer] = [await funded(ctx), await funded(ctx)];
      const { status, body } = await postForm('/transactions', feeBumpWithFee(await build(a), payer, '200'));
      expect(status).toBe(400);
      expect((body.extras as Record<string, unknown>).result_xdr).toBe('AAAAAAAAAAD////7AAAAAA==');
    });

    it(`POST /transactions_async goes to core, which answers tx_bad_seq charging the base fee — ${CORE_TX} (isBadSeq with minSeqNum); stellar-horizon internal/actions/submit_transaction_async.go`, async () => {
      const a = await funded(ctx);
      const { status, body } = await postForm('/transactions_async', await build(a));
      expect(status).toBe(400);
      expect(body.tx_status).toBe('ERROR');
      const result = xdr.TransactionResult.fromXDR(body.error_result_xdr as string, 'base64');
      expect(result.result().switch().name).toBe('txBadSeq');
      expect(result.feeCharged().toString()).toBe('100');
    });
  });
});
