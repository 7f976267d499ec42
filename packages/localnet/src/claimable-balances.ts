// Claimable balances as stellar-core keeps them and Horizon shows them: the entry, its id
// (sha256 of the operation-id preimage), claim predicates (validity, the relative → absolute
// rewrite at creation, evaluation at close time) and Horizon's JSON for the entry and predicates.
// Sources: stellar-core src/transactions/CreateClaimableBalanceOpFrame.cpp and
// ClaimClaimableBalanceOpFrame.cpp; stellar-horizon internal/resourceadapter/claimable_balances.go;
// stellar/go xdr/json.go (claim predicate JSON).
import { createHash } from 'node:crypto';
import { StrKey, xdr } from '@stellar/stellar-sdk';
import { INT64_MAX, formatAmount } from './amount.js';
import { isoTime } from './horizon-json.js';
import type { Asset } from './xdr-decode.js';

export interface Claimant {
  destination: string;
  predicate: xdr.ClaimPredicate;
}

export interface ClaimableBalanceEntry {
  /** Horizon's spelling: hex of the XDR ClaimableBalanceID ("00000000" + sha256). */
  id: string;
  asset: Asset;
  amount: bigint;
  /** Predicates as stored by core: relative times already made absolute. */
  claimants: Claimant[];
  sponsor: string;
  clawbackEnabled: boolean;
  lastModifiedLedger: number;
  lastModifiedTime: number;
}

/** The id stellar-core gives the balance created by operation `opIndex` of a transaction. */
export function balanceIdFor(txSource: string, seqNum: bigint, opIndex: number): string {
  const preimage = xdr.HashIdPreimage.envelopeTypeOpId(
    new xdr.HashIdPreimageOperationId({
      sourceAccount: xdr.PublicKey.publicKeyTypeEd25519(StrKey.decodeEd25519PublicKey(txSource)),
      seqNum: xdr.Int64.fromString(seqNum.toString()),
      opNum: opIndex,
    }),
  );
  return `00000000${createHash('sha256').update(preimage.toXDR()).digest('hex')}`;
}

const MAX_PREDICATE_DEPTH = 4;

/** isClaimPredicateValid: and/or take exactly two, not takes one, times are ≥ 0, depth ≤ 4. */
export function predicateValid(p: xdr.ClaimPredicate, depth = 1): boolean {
  if (depth > MAX_PREDICATE_DEPTH) return false;
  switch (p.switch().name) {
    case 'claimPredicateUnconditional':
      return true;
    case 'claimPredicateAnd':
    case 'claimPredicateOr': {
      const parts = p.switch().name === 'claimPredicateAnd' ? p.andPredicates() : p.orPredicates();
      return parts.length === 2 && parts.every((q) => predicateValid(q, depth + 1));
    }
    case 'claimPredicateNot': {
      const inner = p.notPredicate();
      return inner !== null && inner !== undefined && predicateValid(inner, depth + 1);
    }
    case 'claimPredicateBeforeAbsoluteTime':
      return p.absBefore().toBigInt() >= 0n;
    case 'claimPredicateBeforeRelativeTime':
      return p.relBefore().toBigInt() >= 0n;
    default:
      return false;
  }
}

/** Core stores `rel_before: n` as `abs_before: closeTime + n` (saturating at INT64_MAX). */
export function absolutize(p: xdr.ClaimPredicate, closeTime: number): xdr.ClaimPredicate {
  const P = xdr.ClaimPredicate;
  switch (p.switch().name) {
    case 'claimPredicateAnd':
      return P.claimPredicateAnd(p.andPredicates().map((q) => absolutize(q, closeTime)));
    case 'claimPredicateOr':
      return P.claimPredicateOr(p.orPredicates().map((q) => absolutize(q, closeTime)));
    case 'claimPredicateNot':
      return P.claimPredicateNot(absolutize(p.notPredicate()!, closeTime));
    case 'claimPredicateBeforeRelativeTime': {
      const sum = BigInt(closeTime) + p.relBefore().toBigInt();
      return P.claimPredicateBeforeAbsoluteTime(
        xdr.Int64.fromString((sum > INT64_MAX ? INT64_MAX : sum).toString()),
      );
    }
    default:
      return p;
  }
}

/** Whether the predicate holds for a ledger closing at `closeTime` (unix seconds). */
export function predicateHolds(p: xdr.ClaimPredicate, closeTime: number): boolean {
  switch (p.switch().name) {
    case 'claimPredicateUnconditional':
      return true;
    case 'claimPredicateAnd':
      return p.andPredicates().every((q) => predicateHolds(q, closeTime));
    case 'claimPredicateOr':
      return p.orPredicates().some((q) => predicateHolds(q, closeTime));
    case 'claimPredicateNot':
      return !predicateHolds(p.notPredicate()!, closeTime);
    case 'claimPredicateBeforeAbsoluteTime':
      return BigInt(closeTime) < p.absBefore().toBigInt();
    default:
      return false; // relative predicates never survive creation
  }
}

// Go's time.Time marshals only years 0..9999; later instants are left to abs_before_epoch.
const MAX_ISO_SECONDS = 253402300799n;

/** Horizon's predicate JSON (stellar/go xdr/json.go claimPredicateJSON). */
export function predicateJson(p: xdr.ClaimPredicate): Record<string, unknown> {
  switch (p.switch().name) {
    case 'claimPredicateUnconditional':
      return { unconditional: true };
    case 'claimPredicateAnd':
      return { and: p.andPredicates().map(predicateJson) };
    case 'claimPredicateOr':
      return { or: p.orPredicates().map(predicateJson) };
    case 'claimPredicateNot':
      return { not: predicateJson(p.notPredicate()!) };
    case 'claimPredicateBeforeAbsoluteTime': {
      const t = p.absBefore().toBigInt();
      const iso = t <= MAX_ISO_SECONDS ? isoTime(t) : null;
      return { ...(iso ? { abs_before: iso } : {}), abs_before_epoch: t.toString() };
    }
    default:
      return { rel_before: p.relBefore().toBigInt().toString() };
  }
}

/** "native" or "CODE:ISSUER" (xdr.Asset.StringCanonical). */
export function canonicalAsset(a: Asset): string {
  return a.type === 'native' ? 'native' : `${a.code}:${a.issuer}`;
}

export function claimantsJson(claimants: Claimant[]): Record<string, unknown>[] {
  return claimants.map((c) => ({ destination: c.destination, predicate: predicateJson(c.predicate) }));
}

/** GET /claimable_balances/{id} (PopulateClaimableBalance). */
export function claimableBalanceJson(base: string, b: ClaimableBalanceEntry): Record<string, unknown> {
  const self = `${base}/claimable_balances/${b.id}`;
  return {
    _links: {
      self: { href: self },
      transactions: { href: `${self}/transactions{?cursor,limit,order}`, templated: true },
      operations: { href: `${self}/operations{?cursor,limit,order}`, templated: true },
    },
    id: b.id,
    asset: canonicalAsset(b.asset),
    amount: formatAmount(b.amount),
    sponsor: b.sponsor,
    last_modified_ledger: b.lastModifiedLedger,
    last_modified_time: isoTime(b.lastModifiedTime),
    claimants: claimantsJson(b.claimants),
    flags: { clawback_enabled: b.clawbackEnabled },
    paging_token: `${b.lastModifiedLedger}-${b.id}`,
  };
}

export interface BalanceFilter {
  claimant?: string;
  sponsor?: string;
  asset?: string;
  /** `${last_modified_ledger}-${id}` of the last record seen. */
  cursor?: { ledger: number; id: string };
  order: 'asc' | 'desc';
  limit: number;
}

function compareBalances(a: ClaimableBalanceEntry, b: ClaimableBalanceEntry): number {
  if (a.lastModifiedLedger !== b.lastModifiedLedger) return a.lastModifiedLedger - b.lastModifiedLedger;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/** GET /claimable_balances: filtered, ordered by (last_modified_ledger, id) as Horizon pages them. */
export function listBalances(
  balances: Iterable<ClaimableBalanceEntry>,
  f: BalanceFilter,
): ClaimableBalanceEntry[] {
  const sign = f.order === 'asc' ? 1 : -1;
  const cursor = f.cursor;
  const rows = [...balances].filter(
    (b) =>
      (!f.claimant || b.claimants.some((c) => c.destination === f.claimant)) &&
      (!f.sponsor || b.sponsor === f.sponsor) &&
      (!f.asset || canonicalAsset(b.asset) === f.asset) &&
      (!cursor ||
        sign *
          compareBalances(b, { lastModifiedLedger: cursor.ledger, id: cursor.id } as ClaimableBalanceEntry) >
          0),
  );
  return rows.sort((a, b) => sign * compareBalances(a, b)).slice(0, f.limit);
}
