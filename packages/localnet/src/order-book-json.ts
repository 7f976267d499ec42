// Horizon's order book resources: offer operation details (operations_processor.go), the offer
// resource (resourceadapter/offer.go), trades as the trades processor records them
// (trades_processor.go: base = the offer's seller unless the asset order swaps it, synthetic
// counter offer ids for takers that left no offer) and the order book summary
// (db2/history/orderbook.go: price levels reduced as big.Rat, bids at the inverse price).
import { formatAmount } from './amount.js';
import type { Keyed } from './history-store.js';
import { isoTime } from './horizon-json.js';
import type { OfferEntry } from './ledger-state.js';
import { assetString, sameAsset, type Claim } from './offer-exchange.js';
import { assetFields } from './operation-appliers.js';
import type { Asset, ParsedOp, Price } from './xdr-decode.js';

function gcd(a: bigint, b: bigint): bigint {
  while (b) [a, b] = [b, a % b];
  return a;
}

/** big.Rat(n, d).FloatString(7): rounded half away from zero. */
export function priceString(p: Price): string {
  const n = BigInt(p.n) * 10_000_000n;
  const d = BigInt(p.d);
  return formatAmount((2n * n + d) / (2n * d));
}

function reduced(n: bigint, d: bigint): { n: number; d: number } {
  const g = gcd(n, d);
  return { n: Number(n / g), d: Number(d / g) };
}

export function assetJson(a: Asset): Record<string, string> {
  return assetFields(a);
}

type OfferOp = ParsedOp & { type: 'manage_sell_offer' | 'manage_buy_offer' | 'create_passive_sell_offer' };

export function offerOperationFields(op: OfferOp): Record<string, unknown> {
  return {
    amount: formatAmount(op.type === 'manage_buy_offer' ? op.buyAmount : op.amount),
    price: priceString(op.price),
    price_r: { n: op.price.n, d: op.price.d },
    ...assetFields(op.buying, 'buying_'),
    ...assetFields(op.selling, 'selling_'),
    ...(op.type === 'create_passive_sell_offer' ? {} : { offer_id: op.offerId.toString() }),
  };
}

export function offerJson(base: string, o: OfferEntry): Record<string, unknown> {
  return {
    _links: {
      self: { href: `${base}/offers/${o.id}` },
      offer_maker: { href: `${base}/accounts/${o.seller}` },
    },
    id: o.id.toString(),
    paging_token: o.id.toString(),
    seller: o.seller,
    selling: assetJson(o.selling),
    buying: assetJson(o.buying),
    amount: formatAmount(o.amount),
    price_r: { n: o.price.n, d: o.price.d },
    price: priceString(o.price),
    last_modified_ledger: o.lastModifiedLedger,
    last_modified_time: isoTime(o.lastModifiedTime),
  };
}

export interface PriceLevel {
  price_r: { n: number; d: number };
  price: string;
  amount: string;
}

function levels(offers: OfferEntry[], invert: boolean, limit: number): PriceLevel[] {
  const byPrice = new Map<number, { price: Price; amount: bigint }>();
  for (const o of offers) {
    const k = o.price.n / o.price.d;
    const l = byPrice.get(k);
    if (l) l.amount += o.amount;
    else byPrice.set(k, { price: o.price, amount: o.amount });
  }
  return [...byPrice.entries()]
    .sort((a, b) => a[0] - b[0])
    .slice(0, limit)
    .map(([, l]) => {
      const r = invert
        ? reduced(BigInt(l.price.d), BigInt(l.price.n))
        : reduced(BigInt(l.price.n), BigInt(l.price.d));
      return { price_r: r, price: priceString(r), amount: formatAmount(l.amount) };
    });
}

export function orderBookJson(
  offers: Iterable<OfferEntry>,
  selling: Asset,
  buying: Asset,
  limit: number,
): Record<string, unknown> {
  const asks: OfferEntry[] = [];
  const bids: OfferEntry[] = [];
  for (const o of offers) {
    if (sameAsset(o.selling, selling) && sameAsset(o.buying, buying)) asks.push(o);
    else if (sameAsset(o.selling, buying) && sameAsset(o.buying, selling)) bids.push(o);
  }
  return {
    bids: levels(bids, true, limit),
    asks: levels(asks, false, limit),
    base: assetJson(selling),
    counter: assetJson(buying),
  };
}

export interface TradeRow extends Keyed {
  accounts: string[];
  offerIds: string[];
}

/** EncodeOfferId(opID, TOIDType): a taker that left no offer on the book. */
const TOID_OFFER_TYPE = 1n << 62n;

export interface TradeInput {
  base: string;
  opId: bigint;
  closeTime: number;
  taker: string;
  claims: Claim[];
  buyOfferId?: bigint;
}

/** Every trade, by account and by offer id, in (operation, order) order. */
export class TradeStore {
  readonly all: TradeRow[] = [];
  private readonly byAccount = new Map<string, TradeRow[]>();
  private readonly byOffer = new Map<string, TradeRow[]>();
  /** Horizon orders base and counter by its history_assets ids, which follow first sight. */
  private readonly assetIds = new Map<string, number>();

  private assetId(a: Asset): number {
    const k = assetString(a);
    let id = this.assetIds.get(k);
    if (id === undefined) {
      id = this.assetIds.size + 1;
      this.assetIds.set(k, id);
    }
    return id;
  }

  record(t: TradeInput): void {
    t.claims.forEach((c, order) => {
      // Zeroed atoms are offers core garbage-collected, not trades.
      if (c.amountSold === 0n && c.amountBought === 0n) return;
      const counterOfferId = (t.buyOfferId ?? TOID_OFFER_TYPE + t.opId).toString();
      let side = {
        base: { account: c.seller, offer: c.offerId.toString(), asset: c.assetSold, amount: c.amountSold },
        counter: { account: t.taker, offer: counterOfferId, asset: c.assetBought, amount: c.amountBought },
        price: { n: c.price.n, d: c.price.d },
        baseIsSeller: true,
      };
      const soldId = this.assetId(c.assetSold);
      const boughtId = this.assetId(c.assetBought);
      if (soldId > boughtId) {
        side = {
          base: side.counter,
          counter: side.base,
          price: { n: side.price.d, d: side.price.n },
          baseIsSeller: false,
        };
      }
      const token = `${t.opId}-${order}`;
      const prefixed = (p: string, a: Asset) => assetFields(a, `${p}_`);
      const row: TradeRow = {
        key: t.opId * 4096n + BigInt(order),
        pagingToken: token,
        accounts: [side.base.account, side.counter.account],
        offerIds: [side.base.offer, side.counter.offer],
        json: {
          _links: {
            self: { href: '' },
            base: { href: `${t.base}/accounts/${side.base.account}` },
            counter: { href: `${t.base}/accounts/${side.counter.account}` },
            operation: { href: `${t.base}/operations/${t.opId}` },
          },
          id: token,
          paging_token: token,
          ledger_close_time: isoTime(t.closeTime),
          trade_type: 'orderbook',
          base_offer_id: side.base.offer,
          base_account: side.base.account,
          base_amount: formatAmount(side.base.amount),
          ...prefixed('base', side.base.asset),
          counter_offer_id: side.counter.offer,
          counter_account: side.counter.account,
          counter_amount: formatAmount(side.counter.amount),
          ...prefixed('counter', side.counter.asset),
          base_is_seller: side.baseIsSeller,
          price: { n: String(side.price.n), d: String(side.price.d) },
        },
      };
      this.all.push(row);
      for (const a of new Set(row.accounts)) this.index(this.byAccount, a, row);
      for (const o of new Set(row.offerIds)) this.index(this.byOffer, o, row);
    });
  }

  private index(m: Map<string, TradeRow[]>, k: string, row: TradeRow): void {
    const list = m.get(k);
    if (list) list.push(row);
    else m.set(k, [row]);
  }

  forAccount(id: string): TradeRow[] {
    return this.byAccount.get(id) ?? [];
  }

  forOffer(id: string): TradeRow[] {
    return this.byOffer.get(id) ?? [];
  }
}

/** Offers as a keyed, id-sorted collection so the generic pager can serve /offers. */
export function offerRows(
  base: string,
  offers: Iterable<OfferEntry>,
  keep: (o: OfferEntry) => boolean,
): Keyed[] {
  return [...offers]
    .filter(keep)
    .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
    .map((o) => ({ key: o.id, pagingToken: o.id.toString(), json: offerJson(base, o) }));
}
