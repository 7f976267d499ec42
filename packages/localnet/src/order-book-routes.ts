// Horizon's order book endpoints: /offers (seller, selling, buying filters), /offers/{id},
// /accounts/{id}/offers, /order_book, /trades (+ per account and per offer) and
// /paths/strict-send, /paths/strict-receive. Paths are found as Horizon's path finder does it
// (at most 3 intermediate assets, its default --max-path-length) and priced by crossing the
// live book on a throw-away LedgerTxn with core's own rounding, so a quote is exactly what a
// path payment submitted next would get while the book is unchanged.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { StrKey } from '@stellar/stellar-sdk';
import { INT64_MAX, formatAmount, parseAmount } from './amount.js';
import { LedgerTxn, type OfferEntry } from './ledger-state.js';
import { assetString, convertWithOffers, sameAsset, MAX_OFFERS_TO_CROSS } from './offer-exchange.js';
import { offerJson, offerRows, orderBookJson, assetJson } from './order-book-json.js';
import { badRequest, collection, notFound, sendJson, type HorizonContext } from './horizon-routes.js';
import type { Asset } from './xdr-decode.js';

const MAX_PATH_LENGTH = 3;
const MAX_PATHS = 20;

function assetFromString(raw: string, field: string): Asset {
  if (raw === 'native') return { type: 'native' };
  const m = /^([A-Za-z0-9]{1,12}):(G[A-Z2-7]{55})$/.exec(raw);
  if (!m || !StrKey.isValidEd25519PublicKey(m[2]!)) throw badRequest(field, 'invalid asset');
  return { type: m[1]!.length <= 4 ? 'credit_alphanum4' : 'credit_alphanum12', code: m[1]!, issuer: m[2]! };
}

/** An asset from `<prefix>asset_type/_code/_issuer`, or undefined when no type is given. */
function assetFromParts(q: URLSearchParams, prefix: string): Asset | undefined {
  const type = q.get(`${prefix}asset_type`);
  if (type === null || type === '') return undefined;
  if (type === 'native') return { type: 'native' };
  const code = q.get(`${prefix}asset_code`) ?? '';
  const issuer = q.get(`${prefix}asset_issuer`) ?? '';
  const max = type === 'credit_alphanum4' ? 4 : type === 'credit_alphanum12' ? 12 : 0;
  const minLen = type === 'credit_alphanum4' ? 1 : 5;
  if (!max) throw badRequest(`${prefix}asset_type`, 'invalid asset type');
  if (!new RegExp(`^[A-Za-z0-9]{${minLen},${max}}$`).test(code))
    throw badRequest(`${prefix}asset_code`, 'invalid asset code');
  if (!StrKey.isValidEd25519PublicKey(issuer)) throw badRequest(`${prefix}asset_issuer`, 'invalid issuer');
  return { type: type as 'credit_alphanum4' | 'credit_alphanum12', code, issuer };
}

function assetParam(q: URLSearchParams, name: string): Asset | undefined {
  const raw = q.get(name);
  if (raw !== null && raw !== '') return assetFromString(raw, name);
  return assetFromParts(q, `${name}_`);
}

function accountParam(raw: string, field: string): string {
  if (!StrKey.isValidEd25519PublicKey(raw)) throw badRequest(field, 'invalid account ID');
  return raw;
}

function amountParam(q: URLSearchParams, name: string): bigint {
  let v: bigint;
  try {
    v = parseAmount(q.get(name) ?? '');
  } catch {
    throw badRequest(name, 'invalid amount');
  }
  if (v <= 0n) throw badRequest(name, 'amount must be positive');
  return v;
}

/**
 * Prices `hops` (source asset first) by crossing the live book on a discarded LedgerTxn:
 * strict send returns the amount received for `amount` sent, strict receive the amount to send.
 */
function quote(ctx: HorizonContext, hops: Asset[], amount: bigint, strictSend: boolean): bigint | undefined {
  const txn = new LedgerTxn(ctx.closer.state);
  const ledger = ctx.closer.head.sequence + 1;
  let budget = MAX_OFFERS_TO_CROSS;
  const order = strictSend ? hops : [...hops].reverse();
  let have = amount;
  for (let i = 1; i < order.length; i++) {
    const [send, recv] = strictSend ? [order[i - 1]!, order[i]!] : [order[i]!, order[i - 1]!];
    if (sameAsset(send, recv)) continue;
    const conv = strictSend
      ? convertWithOffers(txn, ledger, send, have, recv, INT64_MAX, 'strict_send', () => 'keep', budget)
      : convertWithOffers(txn, ledger, send, INT64_MAX, recv, have, 'strict_receive', () => 'keep', budget);
    budget -= conv.claims.length;
    if (conv.result !== 'ok') return undefined;
    if (strictSend ? conv.sheepSend !== have : conv.wheatReceived !== have) return undefined;
    have = strictSend ? conv.wheatReceived : conv.sheepSend;
  }
  return have;
}

/** Every simple asset path from `from` (walking offers forwards, or backwards) of ≤ 3 middle assets. */
function walk(offers: OfferEntry[], from: Asset, forwards: boolean, visit: (path: Asset[]) => void): void {
  const step = (path: Asset[]) => {
    visit(path);
    if (path.length > MAX_PATH_LENGTH + 1) return;
    const cur = path[path.length - 1]!;
    const next = new Map<string, Asset>();
    for (const o of offers) {
      const [inAsset, outAsset] = forwards ? [o.buying, o.selling] : [o.selling, o.buying];
      if (sameAsset(inAsset, cur) && !path.some((p) => sameAsset(p, outAsset)))
        next.set(assetString(outAsset), outAsset);
    }
    for (const a of next.values()) step([...path, a]);
  };
  step([from]);
}

function pathRecord(source: Asset, sourceAmount: bigint, dest: Asset, destAmount: bigint, middle: Asset[]) {
  const prefixed = (p: string, a: Asset) =>
    Object.fromEntries(Object.entries(assetJson(a)).map(([k, v]) => [`${p}_${k}`, v]));
  return {
    ...prefixed('source', source),
    source_amount: formatAmount(sourceAmount),
    ...prefixed('destination', dest),
    destination_amount: formatAmount(destAmount),
    path: middle.map(assetJson),
  };
}

function heldAssets(ctx: HorizonContext, id: string): Asset[] {
  const a = ctx.closer.state.get(id);
  if (!a) throw notFound();
  const out: Asset[] = [{ type: 'native' }];
  for (const t of a.trustlines.values()) out.push({ type: t.type, code: t.code, issuer: t.issuer });
  return out;
}

function assetList(raw: string, field: string): Asset[] {
  return raw
    .split(',')
    .filter(Boolean)
    .map((s) => assetFromString(s.trim(), field));
}

function paths(
  ctx: HorizonContext,
  res: ServerResponse,
  q: URLSearchParams,
  strictSend: boolean,
  url: string,
): void {
  const offers = [...ctx.closer.state.allOffers()];
  const records: { rec: Record<string, unknown>; rank: bigint }[] = [];
  if (strictSend) {
    const source = assetFromParts(q, 'source_');
    if (!source) throw badRequest('source_asset_type', 'missing source asset');
    const amount = amountParam(q, 'source_amount');
    const destAccount = q.get('destination_account');
    const destAssets = q.get('destination_assets');
    if ((destAccount ? 1 : 0) + (destAssets ? 1 : 0) !== 1) {
      throw badRequest(
        'destination_assets',
        'exactly one of destination_assets and destination_account is required',
      );
    }
    const targets = destAccount
      ? heldAssets(ctx, accountParam(destAccount, 'destination_account'))
      : assetList(destAssets!, 'destination_assets');
    walk(offers, source, true, (path) => {
      const last = path[path.length - 1]!;
      if (!targets.some((t) => sameAsset(t, last))) return;
      const got = quote(ctx, path, amount, true);
      if (got !== undefined && got > 0n)
        records.push({ rec: pathRecord(source, amount, last, got, path.slice(1, -1)), rank: -got });
    });
  } else {
    const dest = assetFromParts(q, 'destination_');
    if (!dest) throw badRequest('destination_asset_type', 'missing destination asset');
    const amount = amountParam(q, 'destination_amount');
    const srcAccount = q.get('source_account');
    const srcAssets = q.get('source_assets');
    if ((srcAccount ? 1 : 0) + (srcAssets ? 1 : 0) !== 1) {
      throw badRequest('source_assets', 'exactly one of source_assets and source_account is required');
    }
    const sources = srcAccount
      ? heldAssets(ctx, accountParam(srcAccount, 'source_account'))
      : assetList(srcAssets!, 'source_assets');
    walk(offers, dest, false, (back) => {
      const path = [...back].reverse();
      const first = path[0]!;
      if (!sources.some((s) => sameAsset(s, first))) return;
      const need = quote(ctx, path, amount, false);
      if (need !== undefined)
        records.push({ rec: pathRecord(first, need, dest, amount, path.slice(1, -1)), rank: need });
    });
  }
  records.sort((a, b) => (a.rank < b.rank ? -1 : a.rank > b.rank ? 1 : 0));
  sendJson(res, 200, {
    _links: { self: { href: url } },
    _embedded: { records: records.slice(0, MAX_PATHS).map((r) => r.rec) },
  });
}

function offerId(raw: string): bigint {
  if (!/^\d{1,19}$/.test(raw) || BigInt(raw) > INT64_MAX || BigInt(raw) === 0n)
    throw badRequest('offer_id', 'invalid offer ID');
  return BigInt(raw);
}

/** Serves the request when it is an order book endpoint; false otherwise. */
export function orderBookRoute(
  ctx: HorizonContext,
  req: IncomingMessage,
  res: ServerResponse,
  q: URLSearchParams,
  seg: string[],
): boolean {
  const base = ctx.closer.baseUrl;
  const state = ctx.closer.state;
  const trades = ctx.closer.history.trades;
  const [a, b, c] = seg;
  if (a === 'offers' && seg.length === 1) {
    const seller = q.get('seller') ? accountParam(q.get('seller')!, 'seller') : undefined;
    const selling = assetParam(q, 'selling');
    const buying = assetParam(q, 'buying');
    const keep = (o: OfferEntry) =>
      (!seller || o.seller === seller) &&
      (!selling || sameAsset(o.selling, selling)) &&
      (!buying || sameAsset(o.buying, buying));
    collection(ctx, req, res, q, {
      path: '/offers',
      kind: 'toid',
      rows: () => offerRows(base, state.allOffers(), keep),
    });
    return true;
  }
  if (a === 'offers' && seg.length === 2) {
    const o = state.offer(offerId(b!));
    if (!o) throw notFound();
    sendJson(res, 200, offerJson(base, o));
    return true;
  }
  if (a === 'offers' && seg.length === 3 && c === 'trades') {
    const id = offerId(b!).toString();
    collection(ctx, req, res, q, {
      path: `/offers/${id}/trades`,
      kind: 'effect',
      rows: () => trades.forOffer(id),
    });
    return true;
  }
  if (a === 'accounts' && seg.length === 3 && (c === 'offers' || c === 'trades')) {
    const id = accountParam(b!, 'account_id');
    const path = `/accounts/${id}/${c}`;
    if (c === 'offers') {
      collection(ctx, req, res, q, {
        path,
        kind: 'toid',
        rows: () => offerRows(base, state.allOffers(), (o) => o.seller === id),
      });
    } else {
      collection(ctx, req, res, q, { path, kind: 'effect', rows: () => trades.forAccount(id) });
    }
    return true;
  }
  if (a === 'trades' && seg.length === 1) {
    collection(ctx, req, res, q, { path: '/trades', kind: 'effect', rows: () => trades.all });
    return true;
  }
  if (a === 'order_book' && seg.length === 1) {
    const invalid = () => badRequest('selling_asset_type', 'selling and buying assets are required');
    const selling = assetFromParts(q, 'selling_');
    const buying = assetFromParts(q, 'buying_');
    if (!selling || !buying) throw invalid();
    const limitRaw = q.get('limit') ?? '';
    const limit = limitRaw === '' ? 20 : Number(limitRaw);
    if (!/^\d{1,3}$/.test(limitRaw || '20') || limit < 1 || limit > 200)
      throw badRequest('limit', 'invalid limit');
    sendJson(res, 200, orderBookJson(state.allOffers(), selling, buying, limit));
    return true;
  }
  if (a === 'paths' && seg.length === 2 && (b === 'strict-send' || b === 'strict-receive')) {
    paths(ctx, res, q, b === 'strict-send', `${base}${req.url ?? ''}`);
    return true;
  }
  return false;
}
