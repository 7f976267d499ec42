// Conformance: muxed accounts (CAP-27 / SEP-23) where muxed.test.ts does not reach: a path
// payment strict receive to an M… destination, and offers crossed by an M… taker (the trade
// effects on both sides). Each row names the real source it was checked against
// (stellar/stellar-horizon v28.0.0).
import { Asset, Keypair, MuxedAccount, Operation, TransactionBuilder } from '@stellar/stellar-sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTx, funded, mux, startNet, type Ctx } from '../helpers.js';

const OPS = 'internal/ingest/processors/operations_processor.go (addAccountAndMuxedAccountDetails)';
const TRADES = 'internal/ingest/processors/effects_processor.go (addClaimTradeEffects, tradeDetails)';

type Json = Record<string, unknown>;
let ctx: Ctx;
let maker: Keypair;
let taker: Keypair;
let bob: Keypair;
let usd: Asset;

async function records(path: string): Promise<Json[]> {
  const r = await fetch(`${ctx.net.url}${path}`);
  expect(r.status).toBe(200);
  return ((await r.json()) as { _embedded: { records: Json[] } })._embedded.records;
}

/** Submits `ops` from `kp` as the muxed source M…`id`; returns the transaction hash. */
async function fromMuxed(kp: Keypair, id: string, ops: Parameters<typeof buildTx>[2]): Promise<string> {
  const b = new TransactionBuilder(new MuxedAccount(await ctx.server.loadAccount(kp.publicKey()), id), {
    fee: '1000',
    networkPassphrase: ctx.net.networkPassphrase,
  });
  for (const op of ops) b.addOperation(op);
  const tx = b.setTimeout(60).build();
  tx.sign(kp);
  return (await ctx.server.submitTransaction(tx, { skipMemoRequiredCheck: true })).hash;
}

beforeAll(async () => {
  ctx = await startNet();
  const issuer = await funded(ctx);
  [maker, taker, bob] = [await funded(ctx), await funded(ctx), await funded(ctx)];
  usd = new Asset('USD', issuer.publicKey());
  for (const kp of [maker, taker, bob]) {
    await ctx.server.submitTransaction(await buildTx(ctx, kp, [Operation.changeTrust({ asset: usd })]));
  }
  await ctx.server.submitTransaction(
    await buildTx(ctx, issuer, [
      Operation.payment({ destination: maker.publicKey(), asset: usd, amount: '100' }),
    ]),
  );
  await ctx.server.submitTransaction(
    await buildTx(ctx, maker, [
      Operation.manageSellOffer({ selling: usd, buying: Asset.native(), amount: '100', price: '1' }),
    ]),
  );
});
afterAll(async () => {
  await ctx?.net.close();
});

describe('muxed accounts in trades and path payments', () => {
  it(`path_payment_strict_receive: from/to and their muxed forms, account_credited on the muxed destination — ${OPS}`, async () => {
    const hash = await fromMuxed(taker, '6', [
      Operation.pathPaymentStrictReceive({
        sendAsset: Asset.native(),
        sendMax: '10',
        destination: mux(bob, '9'),
        destAsset: usd,
        destAmount: '5',
        path: [],
      }),
    ]);
    const [op] = await records(`/transactions/${hash}/operations`);
    expect(op).toMatchObject({
      type: 'path_payment_strict_receive',
      from: taker.publicKey(),
      from_muxed: mux(taker, '6'),
      from_muxed_id: '6',
      to: bob.publicKey(),
      to_muxed: mux(bob, '9'),
      to_muxed_id: '9',
      amount: '5.0000000',
    });
    const credited = (await records(`/transactions/${hash}/effects`)).find(
      (e) => e.type === 'account_credited',
    );
    expect(credited).toMatchObject({
      account: bob.publicKey(),
      account_muxed: mux(bob, '9'),
      account_muxed_id: '9',
    });
  });

  it(`an offer crossed by a muxed taker: the taker's trade effect is muxed, the maker's names the taker as seller with seller_muxed(_id) — ${TRADES}`, async () => {
    const hash = await fromMuxed(taker, '5', [
      Operation.manageBuyOffer({ selling: Asset.native(), buying: usd, buyAmount: '10', price: '1' }),
    ]);
    const [op] = await records(`/transactions/${hash}/operations`);
    expect(op).toMatchObject({ source_account_muxed: mux(taker, '5'), source_account_muxed_id: '5' });
    const trades = (await records(`/transactions/${hash}/effects`)).filter((e) => e.type === 'trade');
    const mine = trades.find((e) => e.account === taker.publicKey());
    const theirs = trades.find((e) => e.account === maker.publicKey());
    expect(mine).toMatchObject({
      account_muxed: mux(taker, '5'),
      account_muxed_id: '5',
      seller: maker.publicKey(),
    });
    expect(mine).not.toHaveProperty('seller_muxed');
    expect(theirs).toMatchObject({
      seller: taker.publicKey(),
      seller_muxed: mux(taker, '5'),
      seller_muxed_id: '5',
    });
    expect(theirs).not.toHaveProperty('account_muxed');
  });
});
