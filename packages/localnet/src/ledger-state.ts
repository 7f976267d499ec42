// The ledger's current entries: accounts with their trustlines, signers and data entries, the
// order book's offers and claimable balances (there are no liquidity pools). LedgerTxn is a
// copy-on-write overlay so a failed operation rolls back the whole transaction's changes (offers,
// balances and the offer id pool included) while the fee and sequence number stay charged.

import type { Asset } from './xdr-decode.js';
import type { ClaimableBalanceEntry } from './claimable-balances.js';

export const BASE_RESERVE = 5_000_000n; // 0.5 XLM
export const BASE_FEE = 100n;
export const TOTAL_COINS = 100_000_000_000n * 10_000_000n; // 100 billion XLM, the genesis supply

/** Account flags (AccountFlags in Stellar-ledger-entries.x). */
export const AUTH_REQUIRED = 1;
export const AUTH_REVOCABLE = 2;
export const AUTH_IMMUTABLE = 4;
export const AUTH_CLAWBACK_ENABLED = 8;
export const ACCOUNT_FLAGS_MASK = 15;

/** Trustline flags (TrustLineFlags). */
export const TL_AUTHORIZED = 1;
export const TL_AUTHORIZED_TO_MAINTAIN_LIABILITIES = 2;
export const TL_CLAWBACK_ENABLED = 4;

export const MAX_SIGNERS = 20;
/** stellar-core's ACCOUNT_SUBENTRY_LIMIT. */
export const MAX_SUBENTRIES = 1000;

export interface Signer {
  /** G… (ed25519), T… (pre-authorized tx) or X… (sha256 hash). */
  key: string;
  weight: number;
}

export interface TrustLine {
  type: 'credit_alphanum4' | 'credit_alphanum12';
  code: string;
  issuer: string;
  balance: bigint;
  limit: bigint;
  flags: number;
  lastModifiedLedger: number;
  /** Held by this account's offers (stellar-core's TrustLineEntry v1 ext); absent = 0. */
  buyingLiabilities?: bigint;
  sellingLiabilities?: bigint;
}

/** An order book entry (OfferEntry): sells `amount` of `selling` at `price` = buying per selling. */
export interface OfferEntry {
  id: bigint;
  seller: string;
  selling: Asset;
  buying: Asset;
  amount: bigint;
  price: { n: number; d: number };
  /** PASSIVE_FLAG (1) for create_passive_sell_offer. */
  flags: number;
  lastModifiedLedger: number;
  lastModifiedTime: number;
}

export interface DataEntry {
  value: Buffer;
  lastModifiedLedger: number;
}

export interface AccountEntry {
  id: string;
  balance: bigint;
  seqNum: bigint;
  /**
   * Ledger and close time at which seqNum last changed (for minSeqAge / minSeqLedgerGap); both 0
   * while it never has, as core's AccountEntryExtensionV3 is absent until then.
   */
  seqLedger: number;
  seqTime: number;
  numSubEntries: number;
  /** Reserves this account pays for others' entries (claimable balances it created). */
  numSponsoring: number;
  flags: number;
  homeDomain: string;
  inflationDest?: string;
  masterWeight: number;
  lowThreshold: number;
  medThreshold: number;
  highThreshold: number;
  signers: Signer[];
  data: Map<string, DataEntry>;
  /** Keyed by `${code}:${issuer}`. */
  trustlines: Map<string, TrustLine>;
  lastModifiedLedger: number;
  lastModifiedTime: number;
  /** Native liabilities of this account's offers (AccountEntry v1 ext); absent = 0. */
  buyingLiabilities?: bigint;
  sellingLiabilities?: bigint;
}

export function trustlineKey(code: string, issuer: string): string {
  return `${code}:${issuer}`;
}

export function minBalance(
  account: Pick<AccountEntry, 'numSubEntries'> & { numSponsoring?: number },
  extraSubEntries = 0,
): bigint {
  return BigInt(2 + account.numSubEntries + (account.numSponsoring ?? 0) + extraSubEntries) * BASE_RESERVE;
}

/** Balance the account may spend without dropping below its reserve or its offers' selling liabilities. */
export function availableBalance(account: AccountEntry): bigint {
  return account.balance - minBalance(account) - (account.sellingLiabilities ?? 0n);
}

export function newAccount(
  id: string,
  balance: bigint,
  seqNum: bigint,
  ledger: number,
  time: number,
): AccountEntry {
  return {
    id,
    balance,
    seqNum,
    seqLedger: 0,
    seqTime: 0,
    numSubEntries: 0,
    numSponsoring: 0,
    flags: 0,
    homeDomain: '',
    masterWeight: 1,
    lowThreshold: 0,
    medThreshold: 0,
    highThreshold: 0,
    signers: [],
    data: new Map(),
    trustlines: new Map(),
    lastModifiedLedger: ledger,
    lastModifiedTime: time,
  };
}

function cloneAccount(a: AccountEntry): AccountEntry {
  const trustlines = new Map<string, TrustLine>();
  for (const [k, t] of a.trustlines) trustlines.set(k, { ...t });
  return { ...a, signers: a.signers.map((s) => ({ ...s })), data: new Map(a.data), trustlines };
}

/**
 * Whether the AccountEntry itself differs. Trustlines and data entries are ledger entries of their
 * own in stellar-core, so changing only them leaves the account's lastModifiedLedgerSeq alone.
 */
function accountEntryChanged(a: AccountEntry, b: AccountEntry): boolean {
  const scalar: (keyof AccountEntry)[] = [
    'balance',
    'seqNum',
    'seqLedger',
    'seqTime',
    'numSubEntries',
    'numSponsoring',
    'flags',
    'homeDomain',
    'inflationDest',
    'masterWeight',
    'lowThreshold',
    'medThreshold',
    'highThreshold',
    'buyingLiabilities',
    'sellingLiabilities',
  ];
  if (scalar.some((k) => (a[k] ?? 0n) !== (b[k] ?? 0n))) return true;
  return JSON.stringify(a.signers) !== JSON.stringify(b.signers);
}

function trustLineChanged(a: TrustLine, b: TrustLine): boolean {
  return (
    a.balance !== b.balance ||
    a.limit !== b.limit ||
    a.flags !== b.flags ||
    (a.buyingLiabilities ?? 0n) !== (b.buyingLiabilities ?? 0n) ||
    (a.sellingLiabilities ?? 0n) !== (b.sellingLiabilities ?? 0n)
  );
}

/** Read access shared by the ledger and its overlays. */
export interface AccountReader {
  get(id: string): AccountEntry | undefined;
}

/** Read access to the order book, shared by the ledger and its overlays. */
export interface OfferReader {
  offer(id: bigint): OfferEntry | undefined;
  /** Every live offer (order unspecified). */
  allOffers(): Iterable<OfferEntry>;
}

export class LedgerState implements AccountReader, OfferReader {
  readonly accounts = new Map<string, AccountEntry>();
  readonly offers = new Map<bigint, OfferEntry>();
  /** The header's idPool: the last offer id handed out. */
  idPool = 0n;

  offer(id: bigint): OfferEntry | undefined {
    return this.offers.get(id);
  }

  allOffers(): Iterable<OfferEntry> {
    return this.offers.values();
  }
  /** Keyed by Horizon's hex balance id. Entries are immutable: created, then removed. */
  readonly claimableBalances = new Map<string, ClaimableBalanceEntry>();

  get(id: string): AccountEntry | undefined {
    return this.accounts.get(id);
  }

  put(entry: AccountEntry): void {
    this.accounts.set(entry.id, entry);
  }
}

/**
 * A copy-on-write overlay over a parent reader. load() returns a private mutable copy;
 * commit() publishes every touched account to the state in one step, discard() drops them.
 */
export class LedgerTxn implements AccountReader, OfferReader {
  private readonly changes = new Map<string, AccountEntry | null>();
  private readonly offerChanges = new Map<bigint, OfferEntry | null>();
  private idPool: bigint;
  private readonly balanceChanges = new Map<string, ClaimableBalanceEntry | null>();

  constructor(private readonly state: LedgerState) {
    this.idPool = state.idPool;
  }

  offer(id: bigint): OfferEntry | undefined {
    if (this.offerChanges.has(id)) return this.offerChanges.get(id) ?? undefined;
    return this.state.offers.get(id);
  }

  *allOffers(): Iterable<OfferEntry> {
    for (const [id, o] of this.state.offers) if (!this.offerChanges.has(id)) yield o;
    for (const o of this.offerChanges.values()) if (o) yield o;
  }

  /** A mutable copy of the offer, or undefined when it does not exist. */
  loadOffer(id: bigint): OfferEntry | undefined {
    if (this.offerChanges.has(id)) return this.offerChanges.get(id) ?? undefined;
    const base = this.state.offers.get(id);
    if (!base) return undefined;
    const copy = { ...base, price: { ...base.price } };
    this.offerChanges.set(id, copy);
    return copy;
  }

  putOffer(o: OfferEntry): void {
    this.offerChanges.set(o.id, o);
  }

  removeOffer(id: bigint): void {
    this.offerChanges.set(id, null);
  }

  /** stellar-core's generateID: the next offer id from the header's idPool. */
  nextOfferId(): bigint {
    this.idPool += 1n;
    return this.idPool;
  }

  get(id: string): AccountEntry | undefined {
    if (this.changes.has(id)) return this.changes.get(id) ?? undefined;
    return this.state.get(id);
  }

  /** A mutable copy of the account, or undefined when it does not exist. */
  load(id: string): AccountEntry | undefined {
    if (this.changes.has(id)) return this.changes.get(id) ?? undefined;
    const base = this.state.get(id);
    if (!base) return undefined;
    const copy = cloneAccount(base);
    this.changes.set(id, copy);
    return copy;
  }

  create(entry: AccountEntry): void {
    this.changes.set(entry.id, entry);
  }

  remove(id: string): void {
    this.changes.set(id, null);
  }

  getBalance(id: string): ClaimableBalanceEntry | undefined {
    if (this.balanceChanges.has(id)) return this.balanceChanges.get(id) ?? undefined;
    return this.state.claimableBalances.get(id);
  }

  putBalance(entry: ClaimableBalanceEntry): void {
    this.balanceChanges.set(entry.id, entry);
  }

  removeBalance(id: string): void {
    this.balanceChanges.set(id, null);
  }

  /** Ids of accounts touched so far (for history participants and snapshots). */
  touched(): string[] {
    return [...this.changes.keys()];
  }

  commit(ledger: number, closeTime: number): void {
    for (const [id, entry] of this.changes) {
      if (entry === null) {
        this.state.accounts.delete(id);
      } else {
        const base = this.state.accounts.get(id);
        if (!base || accountEntryChanged(base, entry)) {
          entry.lastModifiedLedger = ledger;
          entry.lastModifiedTime = closeTime;
        }
        for (const [key, tl] of entry.trustlines) {
          const before = base?.trustlines.get(key);
          if (!before || trustLineChanged(before, tl)) tl.lastModifiedLedger = ledger;
        }
        this.state.accounts.set(id, entry);
      }
    }
    this.changes.clear();
    for (const [id, o] of this.offerChanges) {
      if (o === null) {
        this.state.offers.delete(id);
      } else {
        o.lastModifiedLedger = ledger;
        o.lastModifiedTime = closeTime;
        this.state.offers.set(id, o);
      }
    }
    this.offerChanges.clear();
    this.state.idPool = this.idPool;
    for (const [id, entry] of this.balanceChanges) {
      if (entry === null) this.state.claimableBalances.delete(id);
      else
        this.state.claimableBalances.set(id, {
          ...entry,
          lastModifiedLedger: ledger,
          lastModifiedTime: closeTime,
        });
    }
    this.balanceChanges.clear();
  }
}
