import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Asset, AuthRequiredFlag, AuthRevocableFlag, Keypair, Operation } from '@stellar/stellar-sdk';
import { buildTx, funded, startNet, submitExpectingFailure, type Ctx } from './helpers.js';

let ctx: Ctx;
beforeAll(async () => {
  ctx = await startNet();
});
afterAll(async () => {
  await ctx.net.close();
});

describe('trustlines and authorization', () => {
  it('needs a trustline, authorization from an auth-required issuer and room under the limit', async () => {
    const [issuer, alice, bob] = [await funded(ctx), await funded(ctx), await funded(ctx)];
    const usd = new Asset('USD', issuer.publicKey());
    await ctx.server.submitTransaction(
      await buildTx(ctx, issuer, [
        Operation.setOptions({ setFlags: (AuthRequiredFlag | AuthRevocableFlag) as never }),
      ]),
    );
    const issue = (to: Keypair, amount: string) =>
      buildTx(ctx, issuer, [Operation.payment({ destination: to.publicKey(), asset: usd, amount })]);

    // Given no trustline: op_no_trust.
    expect((await submitExpectingFailure(ctx, await issue(alice, '10'))).codes?.operations).toEqual([
      'op_no_trust',
    ]);

    // Given a trustline that is not yet authorized: op_not_authorized.
    await ctx.server.submitTransaction(
      await buildTx(ctx, alice, [Operation.changeTrust({ asset: usd, limit: '100' })]),
    );
    const line = (await ctx.server.loadAccount(alice.publicKey())).balances[0] as {
      is_authorized: boolean;
      limit: string;
    };
    expect(line).toMatchObject({ is_authorized: false, limit: '100.0000000' });
    expect((await submitExpectingFailure(ctx, await issue(alice, '10'))).codes?.operations).toEqual([
      'op_not_authorized',
    ]);

    // When the issuer authorizes it: payments flow, up to the limit.
    await ctx.server.submitTransaction(
      await buildTx(ctx, issuer, [
        Operation.setTrustLineFlags({ trustor: alice.publicKey(), asset: usd, flags: { authorized: true } }),
      ]),
    );
    expect((await ctx.server.submitTransaction(await issue(alice, '60'))).successful).toBe(true);
    expect((await submitExpectingFailure(ctx, await issue(alice, '41'))).codes?.operations).toEqual([
      'op_line_full',
    ]);

    // Alice cannot pay Bob without his trustline, nor more than she holds.
    const aliceToBob = (amount: string) =>
      buildTx(ctx, alice, [Operation.payment({ destination: bob.publicKey(), asset: usd, amount })]);
    expect((await submitExpectingFailure(ctx, await aliceToBob('1'))).codes?.operations).toEqual([
      'op_no_trust',
    ]);
    await ctx.server.submitTransaction(await buildTx(ctx, bob, [Operation.changeTrust({ asset: usd })]));
    await ctx.server.submitTransaction(
      await buildTx(ctx, issuer, [
        Operation.allowTrust({ trustor: bob.publicKey(), assetCode: 'USD', authorize: 1 }),
      ]),
    );
    expect((await submitExpectingFailure(ctx, await aliceToBob('61'))).codes?.operations).toEqual([
      'op_underfunded',
    ]);
    expect((await ctx.server.submitTransaction(await aliceToBob('20'))).successful).toBe(true);

    // Revoking Alice's authorization stops her from sending.
    await ctx.server.submitTransaction(
      await buildTx(ctx, issuer, [
        Operation.setTrustLineFlags({ trustor: alice.publicKey(), asset: usd, flags: { authorized: false } }),
      ]),
    );
    expect((await submitExpectingFailure(ctx, await aliceToBob('1'))).codes?.operations).toEqual([
      'op_src_not_authorized',
    ]);

    const bobAccount = await ctx.server.loadAccount(bob.publicKey());
    expect(bobAccount.balances[0]).toMatchObject({
      asset_code: 'USD',
      balance: '20.0000000',
      is_authorized: true,
    });
    expect(bobAccount.subentry_count).toBe(1);
    const payments = await ctx.server.payments().forAccount(bob.publicKey()).order('desc').limit(1).call();
    expect(payments.records[0]).toMatchObject({
      asset_code: 'USD',
      asset_issuer: issuer.publicKey(),
      amount: '20.0000000',
    });
  });

  it('cannot revoke without auth_revocable and cannot delete a trustline with a balance', async () => {
    const [issuer, alice] = [await funded(ctx), await funded(ctx)];
    const eur = new Asset('EUR', issuer.publicKey());
    await ctx.server.submitTransaction(await buildTx(ctx, alice, [Operation.changeTrust({ asset: eur })]));
    await ctx.server.submitTransaction(
      await buildTx(ctx, issuer, [
        Operation.payment({ destination: alice.publicKey(), asset: eur, amount: '5' }),
      ]),
    );
    const revoke = await buildTx(ctx, issuer, [
      Operation.setTrustLineFlags({ trustor: alice.publicKey(), asset: eur, flags: { authorized: false } }),
    ]);
    expect((await submitExpectingFailure(ctx, revoke)).codes?.operations).toEqual(['op_cant_revoke']);
    const remove = await buildTx(ctx, alice, [Operation.changeTrust({ asset: eur, limit: '0' })]);
    expect((await submitExpectingFailure(ctx, remove)).codes?.operations).toEqual(['op_invalid_limit']);
  });
});

describe('multi-signature thresholds', () => {
  it('weighs signatures against low, medium and high thresholds', async () => {
    const [acct, dest] = [await funded(ctx), await funded(ctx)];
    const cosigner = Keypair.random();
    await ctx.server.submitTransaction(
      await buildTx(ctx, acct, [
        Operation.setOptions({ signer: { ed25519PublicKey: cosigner.publicKey(), weight: 1 } }),
        Operation.setOptions({ masterWeight: 1, lowThreshold: 1, medThreshold: 2, highThreshold: 3 }),
      ]),
    );
    const account = await ctx.server.loadAccount(acct.publicKey());
    expect(account.thresholds).toEqual({ low_threshold: 1, med_threshold: 2, high_threshold: 3 });
    expect(account.signers).toContainEqual({
      weight: 1,
      key: cosigner.publicKey(),
      type: 'ed25519_public_key',
    });

    const payment = Operation.payment({ destination: dest.publicKey(), asset: Asset.native(), amount: '1' });
    // Master alone meets the low threshold (fee, sequence) but not the medium one (payment).
    const single = await buildTx(ctx, acct, [payment]);
    expect((await submitExpectingFailure(ctx, single)).codes).toEqual({
      transaction: 'tx_failed',
      operations: ['op_bad_auth'],
    });
    // Both keys reach 2: the payment goes through.
    const both = await buildTx(ctx, acct, [payment], { signers: [acct, cosigner] });
    expect((await ctx.server.submitTransaction(both)).successful).toBe(true);
    // High threshold (3) is out of reach for an account merge.
    const merge = await buildTx(ctx, acct, [Operation.accountMerge({ destination: dest.publicKey() })], {
      signers: [acct, cosigner],
    });
    expect((await submitExpectingFailure(ctx, merge)).codes?.operations).toEqual(['op_bad_auth']);
    // A stranger's signature does not count.
    const stranger = await buildTx(ctx, acct, [payment], { signers: [Keypair.random()] });
    expect((await submitExpectingFailure(ctx, stranger)).codes?.transaction).toBe('tx_bad_auth');
  });

  it('checks each operation source account as well as the transaction source', async () => {
    const [channel, base, dest] = [await funded(ctx), await funded(ctx), await funded(ctx)];
    const op = Operation.payment({
      source: base.publicKey(),
      destination: dest.publicKey(),
      asset: Asset.native(),
      amount: '2',
    });
    const unsigned = await buildTx(ctx, channel, [op]);
    expect((await submitExpectingFailure(ctx, unsigned)).codes?.operations).toEqual(['op_bad_auth']);
    const signed = await buildTx(ctx, channel, [op], { signers: [channel, base] });
    expect((await ctx.server.submitTransaction(signed, { skipMemoRequiredCheck: true })).successful).toBe(
      true,
    );
    expect((await ctx.server.loadAccount(base.publicKey())).balances[0]!.balance).toBe('998.0000000');
  });
});
