// Order book conformance: offers, crossing, path payments that cross offers, and the Horizon
// endpoints around them, all through the real SDK. Each row names the source it was checked
// against. Amounts in the crossing rows are worked by hand from stellar-core's exchangeV10
// (src/transactions/OfferExchange.cpp) so a rounding regression changes them.
import { Asset, Keypair, Operation, xdr } from '@stellar/stellar-sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTx, funded, startNet, submitExpectingFailure, type Ctx } from '../helpers.js';

let ctx: Ctx;
let issuer: Keypair;
let usd: Asset;
let eur: Asset;

async function submit(source: Keypair, ops: xdr.Operation[]) {
  return ctx.server.submitTransaction(await buildTx(ctx, source, ops), { skipMemoRequiredCheck: true });
}

/** A funded account trusting USD and EUR, holding `usdAmount` USD and `eurAmount` EUR. */
async function trader(usdAmount = '0', eurAmount = '0'): Promise<Keypair> {
  const kp = await funded(ctx, '1000');
  await submit(kp, [Operation.changeTrust({ asset: usd }), Operation.changeTrust({ asset: eur })]);
  const pays: xdr.Operation[] = [];
  if (usdAmount !== '0')
    pays.push(Operation.payment({ destination: kp.publicKey(), asset: usd, amount: usdAmount }));
  if (eurAmount !== '0')
    pays.push(Operation.payment({ destination: kp.publicKey(), asset: eur, amount: eurAmount }));
  if (pays.length) await submit(issuer, pays);
  return kp;
}

function opResult(resultXdr: string, i = 0): xdr.OperationResultTr {
  return xdr.TransactionResult.fromXDR(resultXdr, 'base64').result().results()[i]!.tr();
}

function balance(b: { asset_type: string; asset_code?: string }[], code: string) {
  return b.find((x) => (code === 'XLM' ? x.asset_type === 'native' : x.asset_code === code)) as unknown as {
    balance: string;
    buying_liabilities: string;
    selling_liabilities: string;
  };
}

beforeAll(async () => {
  ctx = await startNet();
  issuer = await funded(ctx, '1000');
  usd = new Asset('USD', issuer.publicKey());
  eur = new Asset('EUR', issuer.publicKey());
});
afterAll(() => ctx.net.close());

describe('offers and crossing (stellar-core ManageOfferOpFrameBase.cpp, OfferExchange.cpp)', () => {
  let maker: Keypair;
  let makerOfferId: string;

  it('manage_sell_offer rests on the book: result offer created, /offers, liabilities (Horizon offer resource, core acquireLiabilities)', async () => {
    maker = await trader('1000');
    const r = await submit(maker, [
      Operation.manageSellOffer({ selling: usd, buying: Asset.native(), amount: '100', price: '2' }),
    ]);
    const success = opResult(r.result_xdr).manageSellOfferResult().success();
    expect(success.offersClaimed()).toHaveLength(0);
    expect(success.offer().switch().name).toBe('manageOfferCreated');
    makerOfferId = success.offer().offer().offerId().toString();
    expect(makerOfferId).toBe('1'); // core's generateID: ++idPool from 0

    const page = await ctx.server.offers().forAccount(maker.publicKey()).call();
    expect(page.records).toHaveLength(1);
    const o = page.records[0]!;
    expect(o).toMatchObject({
      id: makerOfferId,
      paging_token: makerOfferId,
      seller: maker.publicKey(),
      selling: { asset_type: 'credit_alphanum4', asset_code: 'USD', asset_issuer: issuer.publicKey() },
      buying: { asset_type: 'native' },
      amount: '100.0000000',
      price_r: { n: 2, d: 1 },
      price: '2.0000000',
    });
    expect((await ctx.server.offers().offer(makerOfferId).call()).id).toBe(makerOfferId);
    const acct = await ctx.server.loadAccount(maker.publicKey());
    expect(balance(acct.balances, 'USD').selling_liabilities).toBe('100.0000000');
    expect(balance(acct.balances, 'XLM').buying_liabilities).toBe('200.0000000');
    expect(acct.subentry_count).toBe(3); // two trustlines + the offer

    const op = (await ctx.server.operations().forAccount(maker.publicKey()).order('desc').limit(1).call())
      .records[0]!;
    expect(op).toMatchObject({
      type: 'manage_sell_offer',
      amount: '100.0000000',
      price: '2.0000000',
      price_r: { n: 2, d: 1 },
      offer_id: '0',
      selling_asset_code: 'USD',
      buying_asset_type: 'native',
    });
  });

  it('a crossing offer takes the resting one at its price: 50 XLM buys 25 USD, claim atom, trade effects, /trades (core exchangeV10; Horizon trades_processor.go, effects_processor.go)', async () => {
    const taker = await trader();
    const r = await submit(taker, [
      Operation.manageSellOffer({ selling: Asset.native(), buying: usd, amount: '50', price: '0.5' }),
    ]);
    const success = opResult(r.result_xdr).manageSellOfferResult().success();
    // wheatValue 200 > sheepValue 50: the maker stays; wheatReceive = 50/2 = 25, sheepSend = 25 × 2.
    expect(success.offer().switch().name).toBe('manageOfferDeleted');
    const claim = success.offersClaimed()[0]!.orderBook();
    expect(claim.offerId().toString()).toBe(makerOfferId);
    expect(claim.amountSold().toString()).toBe('250000000');
    expect(claim.amountBought().toString()).toBe('500000000');

    const takerAcct = await ctx.server.loadAccount(taker.publicKey());
    expect(balance(takerAcct.balances, 'USD').balance).toBe('25.0000000');
    expect((await ctx.server.offers().offer(makerOfferId).call()).amount).toBe('75.0000000');
    const makerAcct = await ctx.server.loadAccount(maker.publicKey());
    expect(balance(makerAcct.balances, 'USD').selling_liabilities).toBe('75.0000000');

    const effects = await ctx.server.effects().forAccount(taker.publicKey()).order('desc').limit(1).call();
    expect(effects.records[0]).toMatchObject({
      type: 'trade',
      type_i: 33,
      seller: maker.publicKey(),
      offer_id: makerOfferId,
      bought_amount: '25.0000000',
      bought_asset_code: 'USD',
      sold_amount: '50.0000000',
      sold_asset_type: 'native',
    });
    const makerEffect = (
      await ctx.server.effects().forAccount(maker.publicKey()).order('desc').limit(1).call()
    ).records[0];
    expect(makerEffect).toMatchObject({
      type: 'trade',
      seller: taker.publicKey(),
      sold_amount: '25.0000000',
      bought_amount: '50.0000000',
    });

    const trades = await ctx.server.trades().forAccount(taker.publicKey()).call();
    expect(trades.records).toHaveLength(1);
    expect(trades.records[0]).toMatchObject({
      trade_type: 'orderbook',
      base_offer_id: makerOfferId,
      base_account: maker.publicKey(),
      base_amount: '25.0000000',
      base_asset_code: 'USD',
      counter_account: taker.publicKey(),
      counter_amount: '50.0000000',
      counter_asset_type: 'native',
      base_is_seller: true,
      price: { n: '2', d: '1' },
    });
    // The taker left no offer: Horizon's synthetic counter offer id (EncodeOfferId TOIDType).
    expect(
      BigInt((trades.records[0] as unknown as { counter_offer_id: string }).counter_offer_id),
    ).toBeGreaterThan(1n << 62n);
    expect((await ctx.server.trades().forOffer(makerOfferId).call()).records).toHaveLength(1);
  });

  it('order_book groups price levels; bids at the inverse price (Horizon db2/history/orderbook.go)', async () => {
    const bidder = await trader();
    await submit(bidder, [
      Operation.manageBuyOffer({ selling: Asset.native(), buying: usd, buyAmount: '10', price: '1' }),
    ]);
    const book = await ctx.server.orderbook(usd, Asset.native()).call();
    expect(book.asks).toEqual([{ price_r: { n: 2, d: 1 }, price: '2.0000000', amount: '75.0000000' }]);
    // The buy offer sells 10 XLM for USD at 1 XLM/USD.
    expect(book.bids).toEqual([{ price_r: { n: 1, d: 1 }, price: '1.0000000', amount: '10.0000000' }]);
    expect(book.base).toEqual({
      asset_type: 'credit_alphanum4',
      asset_code: 'USD',
      asset_issuer: issuer.publicKey(),
    });
    expect(book.counter).toEqual({ asset_type: 'native' });
  });

  it('passive offers do not take offers at an equal price (core: passive && price >= maxWheatPrice stops)', async () => {
    const a = await trader('0', '100');
    const b = await trader('100');
    await submit(a, [
      Operation.createPassiveSellOffer({ selling: eur, buying: usd, amount: '10', price: '1' }),
    ]);
    const r = await submit(b, [
      Operation.createPassiveSellOffer({ selling: usd, buying: eur, amount: '10', price: '1' }),
    ]);
    const success = opResult(r.result_xdr).createPassiveSellOfferResult().success();
    expect(success.offersClaimed()).toHaveLength(0);
    expect(success.offer().switch().name).toBe('manageOfferCreated');
    expect(success.offer().offer().flags()).toBe(1);
    const book = await ctx.server.orderbook(eur, usd).call();
    expect(book.asks).toHaveLength(1);
    expect(book.bids).toHaveLength(1);
    // Clean up so the path payment rows below see only their own offers.
    const ids = [
      (await ctx.server.offers().forAccount(a.publicKey()).call()).records[0]!.id,
      (await ctx.server.offers().forAccount(b.publicKey()).call()).records[0]!.id,
    ];
    await submit(a, [
      Operation.manageSellOffer({ selling: eur, buying: usd, amount: '0', price: '1', offerId: ids[0] }),
    ]);
    await submit(b, [
      Operation.manageSellOffer({ selling: usd, buying: eur, amount: '0', price: '1', offerId: ids[1] }),
    ]);
    expect((await ctx.server.offers().forAccount(a.publicKey()).call()).records).toHaveLength(0);
    expect((await ctx.server.loadAccount(a.publicKey())).subentry_count).toBe(2);
  });

  it('updates keep the offer id; deleting releases liabilities (core: MANAGE_OFFER_UPDATED / DELETED)', async () => {
    const r = await submit(maker, [
      Operation.manageSellOffer({
        selling: usd,
        buying: Asset.native(),
        amount: '80',
        price: '2',
        offerId: makerOfferId,
      }),
    ]);
    const success = opResult(r.result_xdr).manageSellOfferResult().success();
    expect(success.offer().switch().name).toBe('manageOfferUpdated');
    expect(success.offer().offer().offerId().toString()).toBe(makerOfferId);
    expect((await ctx.server.offers().offer(makerOfferId).call()).amount).toBe('80.0000000');
  });

  it.each([
    [
      'op_offer_not_found',
      () => Operation.manageSellOffer({ selling: usd, buying: eur, amount: '1', price: '1', offerId: '999' }),
    ],
    ['op_malformed', () => Operation.manageSellOffer({ selling: usd, buying: usd, amount: '1', price: '1' })],
    [
      'op_sell_no_trust',
      () =>
        Operation.manageSellOffer({
          selling: new Asset('GBP', issuer.publicKey()),
          buying: usd,
          amount: '1',
          price: '1',
        }),
    ],
    [
      'op_buy_no_trust',
      () =>
        Operation.manageSellOffer({
          selling: usd,
          buying: new Asset('GBP', issuer.publicKey()),
          amount: '1',
          price: '1',
        }),
    ],
    [
      'op_underfunded',
      () => Operation.manageSellOffer({ selling: usd, buying: eur, amount: '5000', price: '1' }),
    ],
    [
      'op_cross_self',
      () => Operation.manageBuyOffer({ selling: Asset.native(), buying: usd, buyAmount: '1', price: '3' }),
    ],
  ])('result code %s (Horizon internal/codes/main.go)', async (code, op) => {
    const tx = await buildTx(ctx, maker, [op()]);
    const f = await submitExpectingFailure(ctx, tx);
    expect(f.codes?.operations).toEqual([code]);
  });
});

describe('path payments crossing offers (core PathPaymentStrictSend/ReceiveOpFrame.cpp)', () => {
  let usdMaker: Keypair;
  let eurMaker: Keypair;
  let payer: Keypair;
  let payee: Keypair;

  beforeAll(async () => {
    // One at a time: the issuer pays each of them.
    usdMaker = await trader('1000');
    eurMaker = await trader('0', '1000');
    payer = await trader();
    payee = await trader();
    await submit(usdMaker, [
      Operation.manageSellOffer({ selling: usd, buying: Asset.native(), amount: '75', price: '2' }),
    ]);
    await submit(eurMaker, [
      Operation.manageBuyOffer({ selling: eur, buying: usd, buyAmount: '100', price: '1' }),
    ]);
  });

  it('strict send 20 XLM → USD → EUR: the quote from /paths/strict-send is what the payment delivers', async () => {
    // The earlier maker's offer (2 XLM/USD, lower id) is crossed first; amounts are equal either way.
    const quote = await ctx.server.strictSendPaths(Asset.native(), '20', [eur]).call();
    expect(quote.records[0]).toMatchObject({
      source_asset_type: 'native',
      source_amount: '20.0000000',
      destination_asset_code: 'EUR',
      destination_amount: '10.0000000',
      path: [{ asset_type: 'credit_alphanum4', asset_code: 'USD', asset_issuer: issuer.publicKey() }],
    });
    const r = await submit(payer, [
      Operation.pathPaymentStrictSend({
        sendAsset: Asset.native(),
        sendAmount: '20',
        destination: payee.publicKey(),
        destAsset: eur,
        destMin: '9',
        path: [usd],
      }),
    ]);
    const success = opResult(r.result_xdr).pathPaymentStrictSendResult().success();
    // Hop 1 at 2 XLM/USD (strict send: wheatReceive = 20/2 = 10); hop 2 at 1 USD/EUR.
    expect(
      success
        .offers()
        .map((o) => [o.orderBook().amountSold().toString(), o.orderBook().amountBought().toString()]),
    ).toEqual([
      ['100000000', '200000000'],
      ['100000000', '100000000'],
    ]);
    expect(success.last().amount().toString()).toBe('100000000');
    const op = (await ctx.server.payments().forAccount(payee.publicKey()).order('desc').limit(1).call())
      .records[0]!;
    expect(op).toMatchObject({
      type: 'path_payment_strict_send',
      amount: '10.0000000',
      source_amount: '20.0000000',
    });
  });

  it('strict receive 5 EUR: source amount from the claims, offers in source → destination order', async () => {
    const quote = await ctx.server.strictReceivePaths([Asset.native()], eur, '5').call();
    expect(quote.records[0]).toMatchObject({ source_amount: '10.0000000', destination_amount: '5.0000000' });
    const r = await submit(payer, [
      Operation.pathPaymentStrictReceive({
        sendAsset: Asset.native(),
        sendMax: '11',
        destination: payee.publicKey(),
        destAsset: eur,
        destAmount: '5',
        path: [usd],
      }),
    ]);
    const success = opResult(r.result_xdr).pathPaymentStrictReceiveResult().success();
    const offers = success.offers().map((o) => o.orderBook());
    expect(offers[0]!.assetBought().switch().name).toBe('assetTypeNative');
    expect(offers[0]!.amountBought().toString()).toBe('100000000');
    expect(offers[1]!.assetSold().alphaNum4().assetCode().toString()).toMatch(/^EUR/);
    const op = (await ctx.server.payments().forAccount(payee.publicKey()).order('desc').limit(1).call())
      .records[0]!;
    expect(op).toMatchObject({
      type: 'path_payment_strict_receive',
      amount: '5.0000000',
      source_amount: '10.0000000',
    });
  });

  it('fails op_over_source_max, op_under_dest_min and op_too_few_offers as core does', async () => {
    const over = await buildTx(ctx, payer, [
      Operation.pathPaymentStrictReceive({
        sendAsset: Asset.native(),
        sendMax: '1',
        destination: payee.publicKey(),
        destAsset: eur,
        destAmount: '5',
        path: [usd],
      }),
    ]);
    expect((await submitExpectingFailure(ctx, over)).codes?.operations).toEqual(['op_over_source_max']);
    const under = await buildTx(ctx, payer, [
      Operation.pathPaymentStrictSend({
        sendAsset: Asset.native(),
        sendAmount: '2',
        destination: payee.publicKey(),
        destAsset: eur,
        destMin: '5',
        path: [usd],
      }),
    ]);
    expect((await submitExpectingFailure(ctx, under)).codes?.operations).toEqual(['op_under_dest_min']);
    const few = await buildTx(ctx, payer, [
      Operation.pathPaymentStrictReceive({
        sendAsset: Asset.native(),
        sendMax: '100000',
        destination: payee.publicKey(),
        destAsset: eur,
        destAmount: '5000',
        path: [usd],
      }),
    ]);
    expect((await submitExpectingFailure(ctx, few)).codes?.operations).toEqual(['op_too_few_offers']);
  });
});
