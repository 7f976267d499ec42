import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Account, Asset, Keypair, Networks, Operation, TransactionBuilder, xdr } from '@stellar/stellar-sdk';
import { buildTx, funded, startNet, submitExpectingFailure, type Ctx } from './helpers.js';

let ctx: Ctx;
beforeAll(async () => {
  ctx = await startNet();
});
afterAll(async () => {
  await ctx.net.close();
});

const pay = (destination: string, amount: string, asset = Asset.native()) =>
  Operation.payment({ destination, asset, amount });

describe('transaction failures carry the real result codes', () => {
  it('tx_bad_seq without charging a fee', async () => {
    const [a, b] = [await funded(ctx), await funded(ctx)];
    const before = await ctx.server.loadAccount(a.publicKey());
    const tx = await buildTx(ctx, a, [pay(b.publicKey(), '1')], {
      sequence: (BigInt(before.sequence) + 5n).toString(),
    });
    const r = await submitExpectingFailure(ctx, tx);
    expect(r.status).toBe(400);
    expect(r.type).toBe('https://stellar.org/horizon-errors/transaction_failed');
    expect(r.codes).toEqual({ transaction: 'tx_bad_seq' });
    expect(xdr.TransactionResult.fromXDR(r.resultXdr!, 'base64').result().switch().name).toBe('txBadSeq');
    expect((await ctx.server.loadAccount(a.publicKey())).balances[0]!.balance).toBe('1000.0000000');
  });

  it('tx_bad_auth for a wrong signer and for the wrong network passphrase', async () => {
    const [a, b] = [await funded(ctx), await funded(ctx)];
    const wrongSigner = await buildTx(ctx, a, [pay(b.publicKey(), '1')], { signers: [Keypair.random()] });
    expect((await submitExpectingFailure(ctx, wrongSigner)).codes).toEqual({ transaction: 'tx_bad_auth' });
    const acct = await ctx.server.loadAccount(a.publicKey());
    const wrongNet = new TransactionBuilder(acct, { fee: '100', networkPassphrase: Networks.TESTNET })
      .addOperation(pay(b.publicKey(), '1'))
      .setTimeout(60)
      .build();
    wrongNet.sign(a);
    expect((await submitExpectingFailure(ctx, wrongNet)).codes).toEqual({ transaction: 'tx_bad_auth' });
  });

  it('tx_bad_auth_extra for an unused signature', async () => {
    const [a, b] = [await funded(ctx), await funded(ctx)];
    const tx = await buildTx(ctx, a, [pay(b.publicKey(), '1')], { signers: [a, Keypair.random()] });
    expect((await submitExpectingFailure(ctx, tx)).codes).toEqual({ transaction: 'tx_bad_auth_extra' });
  });

  it('tx_insufficient_fee, tx_too_late and tx_no_source_account', async () => {
    const [a, b] = [await funded(ctx), await funded(ctx)];
    const cheap = await buildTx(ctx, a, [pay(b.publicKey(), '1'), pay(b.publicKey(), '1')], { fee: '50' });
    expect((await submitExpectingFailure(ctx, cheap)).codes).toEqual({ transaction: 'tx_insufficient_fee' });

    const acct = await ctx.server.loadAccount(a.publicKey());
    const late = new TransactionBuilder(acct, {
      fee: '100',
      networkPassphrase: ctx.net.networkPassphrase,
      timebounds: { minTime: 0, maxTime: Math.floor(Date.now() / 1000) - 60 },
    })
      .addOperation(pay(b.publicKey(), '1'))
      .build();
    late.sign(a);
    expect((await submitExpectingFailure(ctx, late)).codes).toEqual({ transaction: 'tx_too_late' });

    const ghost = Keypair.random();
    const fromGhost = await buildTx(ctx, ghost, [pay(b.publicKey(), '1')], { sequence: '1' });
    expect((await submitExpectingFailure(ctx, fromGhost)).codes).toEqual({
      transaction: 'tx_no_source_account',
    });
  });

  it('op_underfunded charges the fee and consumes the sequence number', async () => {
    const [a, b] = [await funded(ctx, '10'), await funded(ctx)];
    const before = await ctx.server.loadAccount(a.publicKey());
    const tx = await buildTx(ctx, a, [pay(b.publicKey(), '1'), pay(b.publicKey(), '9.5')]);
    const r = await submitExpectingFailure(ctx, tx);
    expect(r.codes).toEqual({ transaction: 'tx_failed', operations: ['op_success', 'op_underfunded'] });
    const result = xdr.TransactionResult.fromXDR(r.resultXdr!, 'base64');
    expect(result.feeCharged().toString()).toBe('200');
    const after = await ctx.server.loadAccount(a.publicKey());
    expect(after.balances[0]!.balance).toBe('9.9999800');
    expect(after.sequence).toBe((BigInt(before.sequence) + 1n).toString());
    const failed = await ctx.server.transactions().transaction(tx.hash().toString('hex')).call();
    expect(failed.successful).toBe(false);
    const payments = await ctx.server.payments().forAccount(b.publicKey()).call();
    expect(payments.records.some((p) => p.transaction_hash === failed.hash)).toBe(false);
    const withFailed = await ctx.server
      .operations()
      .forAccount(a.publicKey())
      .includeFailed(true)
      .order('desc')
      .limit(2)
      .call();
    expect(withFailed.records.every((o) => o.transaction_successful === false)).toBe(true);
  });

  it('op_no_destination, op_already_exists and op_low_reserve', async () => {
    const a = await funded(ctx);
    const b = await funded(ctx);
    const nobody = Keypair.random().publicKey();
    expect(
      (await submitExpectingFailure(ctx, await buildTx(ctx, a, [pay(nobody, '1')]))).codes?.operations,
    ).toEqual(['op_no_destination']);
    const create = Operation.createAccount({ destination: b.publicKey(), startingBalance: '5' });
    expect((await submitExpectingFailure(ctx, await buildTx(ctx, a, [create]))).codes?.operations).toEqual([
      'op_already_exists',
    ]);
    const tiny = Operation.createAccount({ destination: nobody, startingBalance: '0.5' });
    expect((await submitExpectingFailure(ctx, await buildTx(ctx, a, [tiny]))).codes?.operations).toEqual([
      'op_low_reserve',
    ]);
  });

  it('op_too_few_offers for a path payment that needs the order book', async () => {
    const [a, b, issuer] = [await funded(ctx), await funded(ctx), await funded(ctx)];
    const usd = new Asset('USD', issuer.publicKey());
    const tx = await buildTx(ctx, a, [
      Operation.pathPaymentStrictReceive({
        sendAsset: Asset.native(),
        sendMax: '100',
        destination: b.publicKey(),
        destAsset: usd,
        destAmount: '1',
        path: [],
      }),
    ]);
    expect((await submitExpectingFailure(ctx, tx)).codes).toEqual({
      transaction: 'tx_failed',
      operations: ['op_too_few_offers'],
    });
  });

  it('answers 400 transaction_malformed for undecodable envelopes', async () => {
    for (const body of ['tx=AAAA', 'tx=not-base64!!', 'tx=', 'nothing=1']) {
      const res = await fetch(`${ctx.net.url}/transactions`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        body,
      });
      expect(res.status).toBe(400);
      const problem = (await res.json()) as { type: string };
      expect(problem.type).toMatch(/transaction_malformed|bad_request/);
    }
  });

  it('submits a fee bump transaction paid by another account', async () => {
    const [a, b, payer] = [await funded(ctx), await funded(ctx), await funded(ctx)];
    const inner = await buildTx(ctx, a, [pay(b.publicKey(), '3')], { fee: '0' });
    const bump = TransactionBuilder.buildFeeBumpTransaction(payer, '200', inner, ctx.net.networkPassphrase);
    bump.sign(payer);
    const res = await ctx.server.submitTransaction(bump);
    expect(res.successful).toBe(true);
    const r = xdr.TransactionResult.fromXDR(res.result_xdr, 'base64');
    expect(r.result().switch().name).toBe('txFeeBumpInnerSuccess');
    expect((await ctx.server.loadAccount(a.publicKey())).balances[0]!.balance).toBe('997.0000000');
    expect((await ctx.server.loadAccount(payer.publicKey())).balances[0]!.balance).toBe('999.9999800');
  });

  it('answers 504 when the ledger does not close in time, then applies the transaction later', async () => {
    const slow = await startNet({ closeIntervalMs: 0, submitTimeoutMs: 50 });
    try {
      const kp = Keypair.random();
      const funding = slow.net.fund(kp.publicKey(), '100');
      slow.net.closeLedger();
      await funding;
      const tx = await buildTx(slow, kp, [pay(slow.net.rootKeypair.publicKey(), '1')]);
      const r = await submitExpectingFailure(slow, tx);
      expect(r.status).toBe(504);
      slow.net.closeLedger();
      const record = await slow.server.transactions().transaction(tx.hash().toString('hex')).call();
      expect(record.successful).toBe(true);
    } finally {
      await slow.net.close();
    }
  });

  it('rejects a transaction built for an account with a bad sequence in a fresh Account object', async () => {
    const a = await funded(ctx);
    const tx = new TransactionBuilder(new Account(a.publicKey(), '0'), {
      fee: '100',
      networkPassphrase: ctx.net.networkPassphrase,
    })
      .addOperation(Operation.bumpSequence({ bumpTo: '5' }))
      .setTimeout(60)
      .build();
    tx.sign(a);
    expect((await submitExpectingFailure(ctx, tx)).codes?.transaction).toBe('tx_bad_seq');
  });
});
