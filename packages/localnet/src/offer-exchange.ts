// Offer crossing as stellar-core does it (src/transactions/OfferExchange.cpp, protocol 10+):
// exchangeV10 with its rounding modes and 1% price-error threshold, adjustOffer, the
// liabilities an offer holds on its seller's account or trustlines, and convertWithOffers, which
// crosses the best offers of one asset pair until a limit is met. All amounts are BigInt
// stroops; prices are n/d rationals (int32 each), compared exactly, and best offers are picked by
// the double n/d then offer id, as core's LedgerTxnOfferSQL isBetterOffer does.
import { INT64_MAX } from './amount.js';
import {
  BASE_RESERVE,
  TL_AUTHORIZED,
  TL_AUTHORIZED_TO_MAINTAIN_LIABILITIES,
  minBalance,
  trustlineKey,
  type AccountEntry,
  type LedgerTxn,
  type OfferEntry,
  type TrustLine,
} from './ledger-state.js';
import type { Asset, Price } from './xdr-decode.js';

export type Rounding = 'normal' | 'strict_receive' | 'strict_send';

/** stellar-core's MAX_OFFERS_TO_CROSS per operation (TransactionUtils.cpp). */
export const MAX_OFFERS_TO_CROSS = 1000;
export const PASSIVE_FLAG = 1;

function min(...v: bigint[]): bigint {
  return v.reduce((a, b) => (b < a ? b : a));
}

function divide(value: bigint, by: bigint, roundUp: boolean): bigint {
  const q = value / by;
  return roundUp && q * by !== value ? q + 1n : q;
}

export interface Exchange {
  wheatReceive: bigint;
  sheepSend: bigint;
  wheatStays: boolean;
}

function offerValue(n: bigint, d: bigint, maxSend: bigint, maxReceive: bigint): bigint {
  return min(maxSend * n, maxReceive * d);
}

/** exchangeV10WithoutPriceErrorThresholds: who stays, and the rounded amounts. */
export function exchangeWithoutThresholds(
  price: Price,
  maxWheatSend: bigint,
  maxWheatReceive: bigint,
  maxSheepSend: bigint,
  maxSheepReceive: bigint,
  round: Rounding,
): Exchange {
  const n = BigInt(price.n);
  const d = BigInt(price.d);
  const wheatValue = offerValue(n, d, maxWheatSend, maxSheepReceive);
  const sheepValue = offerValue(d, n, maxSheepSend, maxWheatReceive);
  const wheatStays = wheatValue > sheepValue;
  let wheatReceive: bigint;
  let sheepSend: bigint;
  if (wheatStays) {
    if (round === 'strict_send') {
      wheatReceive = sheepValue / n;
      sheepSend = min(maxSheepSend, maxSheepReceive);
    } else if (n > d || round === 'strict_receive') {
      wheatReceive = sheepValue / n;
      sheepSend = divide(wheatReceive * n, d, true);
    } else {
      sheepSend = sheepValue / d;
      wheatReceive = divide(sheepSend * d, n, false);
    }
  } else if (n > d) {
    wheatReceive = wheatValue / n;
    sheepSend = divide(wheatReceive * n, d, false);
  } else {
    sheepSend = wheatValue / d;
    wheatReceive = divide(sheepSend * d, n, true);
  }
  return { wheatReceive, sheepSend, wheatStays };
}

/** checkPriceErrorBound: at most 1% from the offer's price (unbounded in wheat's favour if allowed). */
function withinErrorBound(
  price: Price,
  wheatReceive: bigint,
  sheepSend: bigint,
  canFavorWheat: boolean,
): boolean {
  const lhs = 100n * BigInt(price.n) * wheatReceive;
  const rhs = 100n * BigInt(price.d) * sheepSend;
  if (canFavorWheat && rhs > lhs) return true;
  const diff = lhs > rhs ? lhs - rhs : rhs - lhs;
  return diff <= BigInt(price.n) * wheatReceive;
}

/** exchangeV10: the amounts one crossing moves, after the price-error thresholds. */
export function exchangeV10(
  price: Price,
  maxWheatSend: bigint,
  maxWheatReceive: bigint,
  maxSheepSend: bigint,
  maxSheepReceive: bigint,
  round: Rounding,
): Exchange {
  const r = exchangeWithoutThresholds(
    price,
    maxWheatSend,
    maxWheatReceive,
    maxSheepSend,
    maxSheepReceive,
    round,
  );
  if (r.wheatReceive > 0n && r.sheepSend > 0n) {
    if (round === 'normal' && !withinErrorBound(price, r.wheatReceive, r.sheepSend, false)) {
      return { ...r, wheatReceive: 0n, sheepSend: 0n };
    }
    return r;
  }
  // Strict send may sell sheep for no wheat; every other mode then trades nothing.
  return round === 'strict_send' ? r : { ...r, wheatReceive: 0n, sheepSend: 0n };
}

/** adjustOffer: the largest amount an offer can honestly keep given what its seller holds. */
export function adjustOffer(price: Price, maxWheatSend: bigint, maxSheepReceive: bigint): bigint {
  return exchangeV10(price, maxWheatSend, INT64_MAX, INT64_MAX, maxSheepReceive, 'normal').wheatReceive;
}

/** An offer's liabilities: what it may still buy and sell (getOfferBuying/SellingLiabilities). */
export function offerLiabilities(price: Price, amount: bigint): { buying: bigint; selling: bigint } {
  const r = exchangeWithoutThresholds(price, amount, INT64_MAX, INT64_MAX, INT64_MAX, 'normal');
  return { buying: r.sheepSend, selling: r.wheatReceive };
}

export function sameAsset(a: Asset, b: Asset): boolean {
  if (a.type === 'native' || b.type === 'native') return a.type === b.type;
  return a.code === b.code && a.issuer === b.issuer;
}

export function assetString(a: Asset): string {
  return a.type === 'native' ? 'native' : `${a.code}:${a.issuer}`;
}

/** Price comparison as core's Price operators: a.n × b.d against b.n × a.d. */
export function comparePrice(a: Price, b: Price): number {
  const l = BigInt(a.n) * BigInt(b.d);
  const r = BigInt(b.n) * BigInt(a.d);
  return l < r ? -1 : l > r ? 1 : 0;
}

/**
 * One account's holding of one asset, as core's TrustLineWrapper sees it: the native balance,
 * a trustline, or the issuer's own asset (unlimited, always authorized, balance never moves).
 */
export type Holding =
  | { kind: 'native'; account: AccountEntry }
  | { kind: 'line'; line: TrustLine }
  | { kind: 'issuer' }
  | { kind: 'none' };

export function holding(account: AccountEntry, asset: Asset): Holding {
  if (asset.type === 'native') return { kind: 'native', account };
  if (asset.issuer === account.id) return { kind: 'issuer' };
  const line = account.trustlines.get(trustlineKey(asset.code, asset.issuer));
  return line ? { kind: 'line', line } : { kind: 'none' };
}

export function isAuthorized(h: Holding): boolean {
  return (
    h.kind === 'native' || h.kind === 'issuer' || (h.kind === 'line' && (h.line.flags & TL_AUTHORIZED) !== 0)
  );
}

function maintainsLiabilities(h: Holding): boolean {
  return (
    isAuthorized(h) || (h.kind === 'line' && (h.line.flags & TL_AUTHORIZED_TO_MAINTAIN_LIABILITIES) !== 0)
  );
}

/** getAvailableBalance: spendable without breaking the reserve or the offers' selling liabilities. */
export function availableOf(h: Holding): bigint {
  switch (h.kind) {
    case 'native':
      return h.account.balance - minBalance(h.account) - (h.account.sellingLiabilities ?? 0n);
    case 'line':
      return h.line.balance - (h.line.sellingLiabilities ?? 0n);
    case 'issuer':
      return INT64_MAX;
    default:
      return 0n;
  }
}

/** getMaxAmountReceive: room left under the limit after the offers' buying liabilities. */
export function maxReceiveOf(h: Holding): bigint {
  switch (h.kind) {
    case 'native':
      return INT64_MAX - h.account.balance - (h.account.buyingLiabilities ?? 0n);
    case 'line':
      if (!maintainsLiabilities(h)) return 0n;
      return h.line.limit - h.line.balance - (h.line.buyingLiabilities ?? 0n);
    case 'issuer':
      return INT64_MAX;
    default:
      return 0n;
  }
}

export function canSellAtMost(h: Holding): bigint {
  if (h.kind === 'line' && !maintainsLiabilities(h)) return 0n;
  const v = availableOf(h);
  return v > 0n ? v : 0n;
}

export function canBuyAtMost(h: Holding): bigint {
  const v = maxReceiveOf(h);
  return v > 0n ? v : 0n;
}

/** Moves a balance without checks (crossing math already bounded it); the issuer's never moves. */
export function addBalance(h: Holding, delta: bigint, ledger: number): void {
  if (h.kind === 'native') h.account.balance += delta;
  else if (h.kind === 'line') {
    h.line.balance += delta;
    h.line.lastModifiedLedger = ledger;
  }
}

function addLiabilities(h: Holding, buying: bigint, selling: bigint): void {
  if (h.kind === 'native') {
    h.account.buyingLiabilities = (h.account.buyingLiabilities ?? 0n) + buying;
    h.account.sellingLiabilities = (h.account.sellingLiabilities ?? 0n) + selling;
  } else if (h.kind === 'line') {
    h.line.buyingLiabilities = (h.line.buyingLiabilities ?? 0n) + buying;
    h.line.sellingLiabilities = (h.line.sellingLiabilities ?? 0n) + selling;
  }
}

/** acquireLiabilities (sign 1) / releaseLiabilities (sign -1) of an offer on its seller. */
export function offerLiabilitiesOnSeller(seller: AccountEntry, o: OfferEntry, sign: 1n | -1n): void {
  const l = offerLiabilities(o.price, o.amount);
  addLiabilities(holding(seller, o.buying), sign * l.buying, 0n);
  addLiabilities(holding(seller, o.selling), 0n, sign * l.selling);
}

/** canCreateEntryWithoutSponsorship for one more subentry. */
export function hasReserveForSubentry(a: AccountEntry): boolean {
  return a.balance - minBalance(a) - (a.sellingLiabilities ?? 0n) >= BASE_RESERVE;
}

/** One crossed offer, as a ClaimOfferAtom plus the offer's price (Horizon's trade price). */
export interface Claim {
  seller: string;
  offerId: bigint;
  assetSold: Asset;
  amountSold: bigint;
  assetBought: Asset;
  amountBought: bigint;
  price: Price;
}

function isBetter(a: OfferEntry, b: OfferEntry): boolean {
  const pa = a.price.n / a.price.d;
  const pb = b.price.n / b.price.d;
  return pa < pb || (pa === pb && a.id < b.id);
}

/** The best offer selling `wheat` for `sheep` (loadBestOffer). */
export function bestOffer(txn: LedgerTxn, sheep: Asset, wheat: Asset): OfferEntry | undefined {
  let best: OfferEntry | undefined;
  for (const o of txn.allOffers()) {
    if (!sameAsset(o.selling, wheat) || !sameAsset(o.buying, sheep)) continue;
    if (!best || isBetter(o, best)) best = o;
  }
  return best;
}

/** Removes an offer entry and its subentry from the seller. */
export function eraseOffer(txn: LedgerTxn, seller: AccountEntry, id: bigint): void {
  txn.removeOffer(id);
  seller.numSubEntries -= 1;
}

function crossOffer(
  txn: LedgerTxn,
  ledger: number,
  best: OfferEntry,
  maxWheatReceive: bigint,
  maxSheepSend: bigint,
  round: Rounding,
): { exchange: Exchange; claim: Claim } {
  const offer = txn.loadOffer(best.id)!;
  const seller = txn.load(offer.seller)!;
  offerLiabilitiesOnSeller(seller, offer, -1n);
  const wheatLine = holding(seller, offer.selling);
  const sheepLine = holding(seller, offer.buying);
  // As in core, a no-op since protocol 10 for offers that were adjusted when last touched.
  offer.amount = adjustOffer(
    offer.price,
    min(offer.amount, canSellAtMost(wheatLine)),
    canBuyAtMost(sheepLine),
  );
  const maxWheatSend = min(offer.amount, canSellAtMost(wheatLine));
  const ex = exchangeV10(
    offer.price,
    maxWheatSend,
    maxWheatReceive,
    maxSheepSend,
    canBuyAtMost(sheepLine),
    round,
  );
  addBalance(sheepLine, ex.sheepSend, ledger);
  addBalance(wheatLine, -ex.wheatReceive, ledger);
  offer.amount = ex.wheatStays
    ? adjustOffer(
        offer.price,
        min(offer.amount - ex.wheatReceive, canSellAtMost(wheatLine)),
        canBuyAtMost(sheepLine),
      )
    : 0n;
  if (offer.amount === 0n) eraseOffer(txn, seller, offer.id);
  else offerLiabilitiesOnSeller(seller, offer, 1n);
  return {
    exchange: ex,
    claim: {
      seller: offer.seller,
      offerId: offer.id,
      assetSold: offer.selling,
      amountSold: ex.wheatReceive,
      assetBought: offer.buying,
      amountBought: ex.sheepSend,
      price: { ...offer.price },
    },
  };
}

export type ConvertResult = 'ok' | 'partial' | 'bad_price' | 'cross_self' | 'crossed_too_many';

export interface Conversion {
  result: ConvertResult;
  sheepSend: bigint;
  wheatReceived: bigint;
  claims: Claim[];
}

/**
 * convertWithOffers: sells up to maxSheepSend of `sheep` for up to maxWheatReceive of `wheat`
 * across the best offers. `filter` may stop at an offer ('bad_price' / 'cross_self');
 * `maxOffers` bounds the offers crossed (core's operation work limit).
 */
export function convertWithOffers(
  txn: LedgerTxn,
  ledger: number,
  sheep: Asset,
  maxSheepSend: bigint,
  wheat: Asset,
  maxWheatReceive: bigint,
  round: Rounding,
  filter: (o: OfferEntry) => 'keep' | 'bad_price' | 'cross_self',
  maxOffers: number,
): Conversion {
  const out: Conversion = { result: 'ok', sheepSend: 0n, wheatReceived: 0n, claims: [] };
  let needMore = maxWheatReceive > 0n && maxSheepSend > 0n;
  if (needMore && maxOffers <= 0) return { ...out, result: 'crossed_too_many' };
  while (needMore) {
    const best = bestOffer(txn, sheep, wheat);
    if (!best) break;
    const f = filter(best);
    if (f !== 'keep') return { ...out, result: f };
    if (out.claims.length >= maxOffers) return { ...out, result: 'crossed_too_many' };
    const { exchange, claim } = crossOffer(txn, ledger, best, maxWheatReceive, maxSheepSend, round);
    out.claims.push(claim);
    out.sheepSend += exchange.sheepSend;
    maxSheepSend -= exchange.sheepSend;
    out.wheatReceived += exchange.wheatReceive;
    maxWheatReceive -= exchange.wheatReceive;
    needMore = !exchange.wheatStays && maxWheatReceive > 0n && maxSheepSend > 0n;
    if (!needMore) return out;
    if (txn.offer(claim.offerId)) return { ...out, result: 'partial' };
  }
  return needMore ? { ...out, result: 'partial' } : out;
}
