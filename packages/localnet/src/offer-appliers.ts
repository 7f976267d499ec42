// The order book's operations: manage_sell_offer, manage_buy_offer, create_passive_sell_offer
// (stellar-core's ManageOfferOpFrameBase.cpp and its subclasses) and both path payments
// crossing offers hop by hop (PathPaymentStrictReceive/SendOpFrame.cpp), with the real
// success results (offers claimed, the offer left on the book, `last`) and Horizon's trade
// effects (effects_processor.go addIngestTradeEffects). Liquidity pools are not modelled.
import { StrKey, xdr } from '@stellar/stellar-sdk';
import { INT64_MAX, formatAmount } from './amount.js';
import { MAX_SUBENTRIES } from './ledger-state.js';
import type { AccountEntry, OfferEntry } from './ledger-state.js';
import {
  MAX_OFFERS_TO_CROSS,
  PASSIVE_FLAG,
  addBalance,
  canBuyAtMost,
  canSellAtMost,
  comparePrice,
  convertWithOffers,
  hasReserveForSubentry,
  holding,
  isAuthorized,
  availableOf,
  maxReceiveOf,
  offerLiabilities,
  offerLiabilitiesOnSeller,
  adjustOffer,
  exchangeWithoutThresholds,
  sameAsset,
  type Claim,
  type Conversion,
} from './offer-exchange.js';
import { assetFields, credit, debit, validAsset, xdrAsset, type ApplyContext } from './operation-appliers.js';
import { opResult, type OpOutcome } from './result-xdr.js';
import type { Asset, ParsedOp, Price } from './xdr-decode.js';

type OfferOp = ParsedOp & { type: 'manage_sell_offer' | 'create_passive_sell_offer' | 'manage_buy_offer' };

/** Horizon's strings for manage offer results (internal/codes/main.go), quirks included. */
const OFFER_CODES: Record<string, string> = {
  Success: 'op_success',
  Malformed: 'op_malformed',
  SellNoTrust: 'op_sell_no_trust',
  BuyNoTrust: 'op_buy_no_trust',
  SellNotAuthorized: 'sell_not_authorized',
  BuyNotAuthorized: 'buy_not_authorized',
  LineFull: 'op_line_full',
  Underfunded: 'op_underfunded',
  CrossSelf: 'op_cross_self',
  SellNoIssuer: 'op_sell_no_issuer',
  BuyNoIssuer: 'buy_no_issuer',
  NotFound: 'op_offer_not_found',
  LowReserve: 'op_low_reserve',
};

type UnionFactory = Record<string, (value?: unknown) => unknown>;

/** A manage offer result; create_passive_sell_offer carries a ManageSellOfferResult in its own arm. */
function offerResult(op: OfferOp, suffix: string, value?: unknown): OpOutcome {
  const buy = op.type === 'manage_buy_offer';
  const cls = (buy ? xdr.ManageBuyOfferResult : xdr.ManageSellOfferResult) as unknown as UnionFactory;
  const name = `${buy ? 'manageBuyOffer' : 'manageSellOffer'}${suffix}`;
  const inner = value === undefined ? cls[name]!() : cls[name]!(value);
  const arm = buy
    ? 'manageBuyOffer'
    : op.type === 'manage_sell_offer'
      ? 'manageSellOffer'
      : 'createPassiveSellOffer';
  const tr = (xdr.OperationResultTr as unknown as UnionFactory)[arm]!(inner) as xdr.OperationResultTr;
  return { code: OFFER_CODES[suffix]!, result: xdr.OperationResult.opInner(tr) };
}

function exceededWorkLimit(): OpOutcome {
  return { code: 'op_exceeded_work_limit', result: xdr.OperationResult.opExceededWorkLimit() };
}

function tooManySubentries(): OpOutcome {
  return { code: 'op_too_many_subentries', result: xdr.OperationResult.opTooManySubentries() };
}

function accountIdXdr(id: string): xdr.AccountId {
  return xdr.PublicKey.publicKeyTypeEd25519(StrKey.decodeEd25519PublicKey(id));
}

function int64(v: bigint): xdr.Int64 {
  return xdr.Int64.fromString(v.toString());
}

export function offerEntryXdr(o: OfferEntry): xdr.OfferEntry {
  return new xdr.OfferEntry({
    sellerId: accountIdXdr(o.seller),
    offerId: int64(o.id),
    selling: xdrAsset(o.selling),
    buying: xdrAsset(o.buying),
    amount: int64(o.amount),
    price: new xdr.Price({ n: o.price.n, d: o.price.d }),
    flags: o.flags,
    ext: new xdr.OfferEntryExt(0),
  });
}

function claimAtomXdr(c: Claim): xdr.ClaimAtom {
  return xdr.ClaimAtom.claimAtomTypeOrderBook(
    new xdr.ClaimOfferAtom({
      sellerId: accountIdXdr(c.seller),
      offerId: int64(c.offerId),
      assetSold: xdrAsset(c.assetSold),
      amountSold: int64(c.amountSold),
      assetBought: xdrAsset(c.assetBought),
      amountBought: int64(c.amountBought),
    }),
  );
}

/** Horizon's two trade effects per claimed offer: the taker's, then the seller's. */
function tradeEffects(ctx: ApplyContext, taker: string, claims: Claim[]): void {
  for (const c of claims) {
    ctx.participants.add(c.seller);
    const offer_id = c.offerId.toString();
    ctx.effects.push({
      type: 'trade',
      account: taker,
      fields: {
        seller: c.seller,
        offer_id,
        sold_amount: formatAmount(c.amountBought),
        ...assetFields(c.assetBought, 'sold_'),
        bought_amount: formatAmount(c.amountSold),
        ...assetFields(c.assetSold, 'bought_'),
      },
    });
    ctx.effects.push({
      type: 'trade',
      account: c.seller,
      fields: {
        seller: taker,
        offer_id,
        sold_amount: formatAmount(c.amountSold),
        ...assetFields(c.assetSold, 'sold_'),
        bought_amount: formatAmount(c.amountBought),
        ...assetFields(c.assetBought, 'bought_'),
      },
    });
  }
}

function validPrice(p: Price): boolean {
  return p.n > 0 && p.d > 0;
}

/**
 * The three manage offer operations. `sheep` is what the source sells, `wheat` what it buys;
 * a buy offer works at the inverse price with its limit on wheat received.
 */
export function manageOffer(op: OfferOp, sourceId: string, ctx: ApplyContext): OpOutcome {
  const buy = op.type === 'manage_buy_offer';
  const sheep = op.selling;
  const wheat = op.buying;
  const price: Price = buy ? { n: op.price.d, d: op.price.n } : op.price;
  const amount = buy ? op.buyAmount : op.amount;
  const isDelete = amount === 0n;
  // doCheckValid
  if (
    !validAsset(sheep) ||
    !validAsset(wheat) ||
    sameAsset(sheep, wheat) ||
    amount < 0n ||
    !validPrice(op.price) ||
    (op.offerId === 0n && isDelete) ||
    op.offerId < 0n
  ) {
    return offerResult(op, 'Malformed');
  }
  const txn = ctx.txn;
  const src = txn.load(sourceId)!;
  // checkOfferValid
  if (!isDelete) {
    if (sheep.type !== 'native') {
      const h = holding(src, sheep);
      if (h.kind === 'none') return offerResult(op, 'SellNoTrust');
      if (h.kind === 'line' && h.line.balance === 0n) return offerResult(op, 'Underfunded');
      if (!isAuthorized(h)) return offerResult(op, 'SellNotAuthorized');
    }
    if (wheat.type !== 'native') {
      const h = holding(src, wheat);
      if (h.kind === 'none') return offerResult(op, 'BuyNoTrust');
      if (!isAuthorized(h)) return offerResult(op, 'BuyNotAuthorized');
    }
  }
  let creating = false;
  let flags = 0;
  if (op.offerId !== 0n) {
    const existing = txn.loadOffer(op.offerId);
    if (!existing || existing.seller !== sourceId) return offerResult(op, 'NotFound');
    offerLiabilitiesOnSeller(src, existing, -1n);
    flags = existing.flags;
    txn.removeOffer(existing.id);
  } else {
    creating = true;
    flags = op.type === 'create_passive_sell_offer' ? PASSIVE_FLAG : 0;
    if (!hasReserveForSubentry(src)) return offerResult(op, 'LowReserve');
    if (src.numSubEntries >= MAX_SUBENTRIES) return tooManySubentries();
    src.numSubEntries += 1;
  }
  const passive = (flags & PASSIVE_FLAG) !== 0;
  const limit = (sent: bigint, received: bigint, maxSheep: bigint, maxWheat: bigint) =>
    buy
      ? { maxSheep, maxWheat: min(amount - received, maxWheat) }
      : { maxSheep: min(amount - sent, maxSheep), maxWheat };

  let left = 0n;
  let claims: Claim[] = [];
  if (!isDelete) {
    const own = opLiabilities(buy, price, amount);
    const lim0 = limit(0n, 0n, canSellAtMost(holding(src, sheep)), canBuyAtMost(holding(src, wheat)));
    if (maxReceiveOf(holding(src, wheat)) < own.buying) return offerResult(op, 'LineFull');
    if (availableOf(holding(src, sheep)) < own.selling) return offerResult(op, 'Underfunded');
    if (lim0.maxWheat === 0n) return offerResult(op, 'LineFull');
    const maxWheatPrice: Price = { n: price.d, d: price.n };
    const conv = convertWithOffers(
      txn,
      ctx.ledger,
      sheep,
      lim0.maxSheep,
      wheat,
      lim0.maxWheat,
      'normal',
      (o) => {
        const c = comparePrice(o.price, maxWheatPrice);
        if ((passive && c >= 0) || c > 0) return 'bad_price';
        return o.seller === sourceId ? 'cross_self' : 'keep';
      },
      MAX_OFFERS_TO_CROSS,
    );
    if (conv.result === 'cross_self') return offerResult(op, 'CrossSelf');
    if (conv.result === 'crossed_too_many') return exceededWorkLimit();
    claims = conv.claims;
    if (conv.wheatReceived > 0n) {
      addBalance(holding(src, wheat), conv.wheatReceived, ctx.ledger);
      addBalance(holding(src, sheep), -conv.sheepSend, ctx.ledger);
    }
    if (conv.result !== 'ok') {
      const lim = limit(
        conv.sheepSend,
        conv.wheatReceived,
        canSellAtMost(holding(src, sheep)),
        canBuyAtMost(holding(src, wheat)),
      );
      left = adjustOffer(price, lim.maxSheep, lim.maxWheat);
    }
  }
  let offerArm: xdr.ManageOfferSuccessResultOffer;
  if (left > 0n) {
    const offer: OfferEntry = {
      id: creating ? txn.nextOfferId() : op.offerId,
      seller: sourceId,
      selling: sheep,
      buying: wheat,
      amount: left,
      price: { ...price },
      flags,
      lastModifiedLedger: ctx.ledger,
      lastModifiedTime: ctx.closeTime,
    };
    txn.putOffer(offer);
    offerLiabilitiesOnSeller(src, offer, 1n);
    ctx.details.offer_id = offer.id.toString();
    offerArm = creating
      ? xdr.ManageOfferSuccessResultOffer.manageOfferCreated(offerEntryXdr(offer))
      : xdr.ManageOfferSuccessResultOffer.manageOfferUpdated(offerEntryXdr(offer));
    ctx.trade = { claims, buyOfferId: offer.id };
  } else {
    offerArm = xdr.ManageOfferSuccessResultOffer.manageOfferDeleted();
    src.numSubEntries -= 1;
    ctx.trade = { claims };
  }
  tradeEffects(ctx, sourceId, claims);
  return offerResult(
    op,
    'Success',
    new xdr.ManageOfferSuccessResult({ offersClaimed: claims.map(claimAtomXdr), offer: offerArm }),
  );
}

function min(a: bigint, b: bigint): bigint {
  return a < b ? a : b;
}

/** The operation's own liabilities (ManageSell/BuyOfferOpFrame getOfferBuying/SellingLiabilities). */
function opLiabilities(buy: boolean, price: Price, amount: bigint): { buying: bigint; selling: bigint } {
  if (!buy) return offerLiabilities(price, amount);
  const r = exchangeWithoutThresholds(price, INT64_MAX, INT64_MAX, INT64_MAX, amount, 'normal');
  return { buying: r.sheepSend, selling: r.wheatReceive };
}

/** Reported liabilities of one holding, for the account resource's balances. */
export function liabilitiesOf(a: AccountEntry, asset: Asset): { buying: bigint; selling: bigint } {
  const h = holding(a, asset);
  if (h.kind === 'native') return { buying: a.buyingLiabilities ?? 0n, selling: a.sellingLiabilities ?? 0n };
  if (h.kind === 'line')
    return { buying: h.line.buyingLiabilities ?? 0n, selling: h.line.sellingLiabilities ?? 0n };
  return { buying: 0n, selling: 0n };
}

type PathOp = ParsedOp & { type: 'path_payment_strict_receive' | 'path_payment_strict_send' };

/**
 * Both path payments. Strict receive credits the destination first and converts backwards from
 * the destination asset; strict send debits the source first and converts forwards. Offers of
 * the source account stop the payment (op_cross_self), as in core.
 */
export function pathPayment(op: PathOp, sourceId: string, ctx: ApplyContext): OpOutcome {
  const strictReceive = op.type === 'path_payment_strict_receive';
  const arm = strictReceive ? 'pathPaymentStrictReceive' : 'pathPaymentStrictSend';
  const destId = op.destination.account;
  ctx.participants.add(destId);
  ctx.details.source_amount = formatAmount(0n);
  const amounts = strictReceive ? [op.destAmount, op.sendMax] : [op.sendAmount, op.destMin];
  if (
    amounts.some((a) => a <= 0n) ||
    ![op.sendAsset, op.destAsset, ...op.path].every(validAsset) ||
    op.path.length > 5
  ) {
    return opResult(arm, 'Malformed');
  }
  const bypassIssuerCheck =
    op.destAsset.type !== 'native' &&
    op.path.length === 0 &&
    sameAsset(op.sendAsset, op.destAsset) &&
    op.destAsset.issuer === destId;
  if (!bypassIssuerCheck && !ctx.txn.get(destId)) return opResult(arm, 'NoDestination');
  let budget = MAX_OFFERS_TO_CROSS;
  const claims: Claim[] = [];
  const hop = (send: Asset, maxSend: bigint, recv: Asset, maxRecv: bigint): Conversion | OpOutcome => {
    const conv = convertWithOffers(
      ctx.txn,
      ctx.ledger,
      send,
      maxSend,
      recv,
      maxRecv,
      strictReceive ? 'strict_receive' : 'strict_send',
      (o) => (o.seller === sourceId ? 'cross_self' : 'keep'),
      budget,
    );
    budget -= conv.claims.length;
    if (conv.result === 'cross_self') return opResult(arm, 'OfferCrossSelf');
    if (conv.result === 'crossed_too_many') return exceededWorkLimit();
    const complete = strictReceive ? conv.wheatReceived === maxRecv : conv.sheepSend === maxSend;
    if (conv.result !== 'ok' || !complete) return opResult(arm, 'TooFewOffers');
    return conv;
  };
  let sent: bigint;
  let received: bigint;
  if (strictReceive) {
    const dest = ctx.txn.load(destId);
    if (dest) {
      const c = credit(ctx, dest, op.destAsset, op.destAmount);
      if (c) return opResult(arm, c);
    }
    let recv = op.destAsset;
    let need = op.destAmount;
    for (const send of [...op.path].reverse().concat([op.sendAsset])) {
      if (sameAsset(send, recv)) continue;
      const r = hop(send, INT64_MAX, recv, need);
      if (!('claims' in r)) return r;
      claims.unshift(...r.claims);
      need = r.sheepSend;
      recv = send;
    }
    if (need > op.sendMax) return opResult(arm, 'OverSendmax');
    const d = debit(ctx, ctx.txn.load(sourceId)!, op.sendAsset, need);
    if (d) return opResult(arm, d);
    sent = need;
    received = op.destAmount;
  } else {
    const d = debit(ctx, ctx.txn.load(sourceId)!, op.sendAsset, op.sendAmount);
    if (d) return opResult(arm, d);
    let send = op.sendAsset;
    let have = op.sendAmount;
    for (const recv of [...op.path, op.destAsset]) {
      if (sameAsset(send, recv)) continue;
      const r = hop(send, have, recv, INT64_MAX);
      if (!('claims' in r)) return r;
      claims.push(...r.claims);
      have = r.wheatReceived;
      send = recv;
    }
    if (have < op.destMin) return opResult(arm, 'UnderDestmin');
    const dest = ctx.txn.load(destId);
    if (dest) {
      const c = credit(ctx, dest, op.destAsset, have);
      if (c) return opResult(arm, c);
    }
    sent = op.sendAmount;
    received = have;
  }
  // Horizon's path payment effects: the destination credited, the source debited, then trades.
  ctx.effects.push({
    type: 'account_credited',
    account: destId,
    fields: { amount: formatAmount(received), ...assetFields(op.destAsset) },
  });
  ctx.effects.push({
    type: 'account_debited',
    account: sourceId,
    fields: { amount: formatAmount(sent), ...assetFields(op.sendAsset) },
  });
  tradeEffects(ctx, sourceId, claims);
  ctx.trade = { claims };
  ctx.details.source_amount = formatAmount(sent);
  ctx.details.amount = formatAmount(received);
  const last = new xdr.SimplePaymentResult({
    destination: accountIdXdr(destId),
    asset: xdrAsset(op.destAsset),
    amount: int64(received),
  });
  const offers = claims.map(claimAtomXdr);
  const success = strictReceive
    ? new xdr.PathPaymentStrictReceiveResultSuccess({ offers, last })
    : new xdr.PathPaymentStrictSendResultSuccess({ offers, last });
  return opResult(arm, 'Success', success);
}
