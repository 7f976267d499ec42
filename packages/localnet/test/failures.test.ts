import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  Account,
  Asset,
  Keypair,
  NetworkError,
  Networks,
  Operation,
  TransactionBuilder,
  xdr,
} from '@stellar/stellar-sdk';
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

  it('op_too_few_offers for a path payment that needs an empty order book', async () => {
    const [a, b, issuer] = [await funded(ctx), await funded(ctx), await funded(ctx)];
    const usd = new Asset('USD', issuer.publicKey());
    // core credits the destination before converting (PathPaymentStrictReceiveOpFrame::doApply),
    // so without this trustline the answer would be op_no_trust.
    await ctx.server.submitTransaction(await buildTx(ctx, b, [Operation.changeTrust({ asset: usd })]));
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

  it('answers 400 transaction_malformed, echoing the envelope and without result codes, for undecodable envelopes', async () => {
    const [a, b] = [await funded(ctx), await funded(ctx)];
    const valid = (await buildTx(ctx, a, [pay(b.publicKey(), '1')])).toEnvelope().toXDR();
    const seqBefore = (await ctx.server.loadAccount(a.publicKey())).sequence;
    // [form body, envelope Horizon echoes in extras.envelope_xdr]
    const cases: [string, string][] = [
      ['tx=AAAA', 'AAAA'], // envelope type 0 (v0) with nothing after it
      ['tx=not-base64!!', 'not-base64!!'],
      ['tx=AAAAAg', 'AAAAAg'], // base64 without its padding
      ['tx=AAAABw%3D%3D', 'AAAABw=='], // unknown envelope type 7
      [
        `tx=${encodeURIComponent(valid.subarray(0, 60).toString('base64'))}`,
        valid.subarray(0, 60).toString('base64'),
      ],
      [
        `tx=${encodeURIComponent(Buffer.concat([valid, Buffer.alloc(4)]).toString('base64'))}`,
        Buffer.concat([valid, Buffer.alloc(4)]).toString('base64'),
      ], // a valid envelope followed by trailing bytes
      // Horizon reads `tx` with getString: a missing or empty field is the empty envelope.
      ['tx=', ''],
      ['nothing=1', ''],
      ['', ''],
    ];
    for (const endpoint of ['/transactions', '/transactions_async']) {
      for (const [body, echoed] of cases) {
        const res = await fetch(`${ctx.net.url}${endpoint}`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
          body,
        });
        const where = `${endpoint} ${JSON.stringify(body.slice(0, 40))}`;
        expect(res.status, where).toBe(400);
        expect(res.headers.get('content-type'), where).toMatch(/^application\/problem\+json/);
        const problem = (await res.json()) as Record<string, unknown>;
        expect(problem, where).toEqual({
          type: 'https://stellar.org/horizon-errors/transaction_malformed',
          title: 'Transaction Malformed',
          status: 400,
          detail: expect.stringMatching(/^Horizon could not decode the transaction envelope/) as unknown,
          extras: { envelope_xdr: echoed },
        });
      }
    }
    // Nothing was applied, not even the truncated or padded copies of the valid envelope.
    ctx.net.closeLedger();
    expect((await ctx.server.loadAccount(a.publicKey())).sequence).toBe(seqBefore);
  });

  it('answers 400 bad_request naming the parameter in extras.invalid_field for bad query parameters', async () => {
    const a = await funded(ctx);
    const routes = ['/payments', `/accounts/${a.publicKey()}/payments`, '/transactions', '/ledgers'];
    // [query, invalid_field, reason]; the limit reasons are Horizon's own (actions/helpers.go getLimit).
    const cases: [string, string, string | RegExp][] = [
      ['limit=201', 'limit', 'invalid limit: value provided that is over limit max of 200'],
      ['limit=0', 'limit', 'invalid limit: non-positive value provided'],
      ['limit=-3', 'limit', 'invalid limit: non-positive value provided'],
      ['limit=abc', 'limit', 'unparseable value'],
      ['limit=1.5', 'limit', 'unparseable value'],
      ['limit=99999999999999999999', 'limit', 'unparseable value'],
      ['order=sideways', 'order', /order/],
      ['order=ASC', 'order', /order/],
      ['cursor=notanumber', 'cursor', /cursor/],
      ['cursor=-5', 'cursor', /cursor/],
      ['cursor=99999999999999999999', 'cursor', /cursor/],
      ['limit=5&order=asc&cursor=12x', 'cursor', /cursor/],
    ];
    for (const route of routes) {
      for (const [qs, field, reason] of cases) {
        const res = await fetch(`${ctx.net.url}${route}?${qs}`);
        const where = `${route}?${qs}`;
        expect(res.status, where).toBe(400);
        expect(res.headers.get('content-type'), where).toMatch(/^application\/problem\+json/);
        expect(res.headers.get('access-control-allow-origin'), where).toBe('*');
        const problem = (await res.json()) as Record<string, unknown>;
        expect(problem, where).toEqual({
          type: 'https://stellar.org/horizon-errors/bad_request',
          title: 'Bad Request',
          status: 400,
          detail: 'The request you sent was invalid in some way.',
          extras: {
            invalid_field: field,
            reason: typeof reason === 'string' ? reason : (expect.stringMatching(reason) as unknown),
          },
        });
      }
      // The same parameters within range are fine.
      const ok = await fetch(`${ctx.net.url}${route}?limit=200&order=desc&cursor=now`);
      expect(ok.status, route).toBe(200);
    }
    // The SDK rejects with a NetworkError whose response is the problem document itself.
    const err = await ctx.server
      .payments()
      .forAccount(a.publicKey())
      .limit(201)
      .call()
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NetworkError);
    expect((err as NetworkError).getResponse()).toMatchObject({
      status: 400,
      extras: { invalid_field: 'limit' },
    });
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
