// Everything Horizon serves from its history database: ledgers, transactions (successful and
// failed), operations, payments and effects, each under its TOID paging token, indexed globally
// and per participating account. Records are appended in TOID order, so every index is a sorted
// array and a page is a binary search plus a slice. With a retention count, the records of the
// oldest ledgers are dropped from the front, as Horizon's reaper deletes them.
import { TradeStore } from './order-book-json.js';
import { toid } from './toid.js';

export interface Keyed {
  /** Sort key: the TOID (effects: TOID × 4096 + order). */
  key: bigint;
  pagingToken: string;
  json: Record<string, unknown>;
  /** Cached JSON.stringify(json): SSE fans the same record out to many clients. */
  text?: string;
}

export interface LedgerRow extends Keyed {
  sequence: number;
  closeTime: number;
  hash: string;
}

export interface TxRow extends Keyed {
  hash: string;
  /** A fee bump's inner transaction hash, under which Horizon finds it too. */
  innerHash?: string;
  ledger: number;
  successful: boolean;
  /** Result codes when failed, for a repeated submission of the same envelope. */
  resultCodes?: { transaction: string; inner_transaction?: string; operations?: string[] };
}

export interface OpRow extends Keyed {
  successful: boolean;
  isPayment: boolean;
  txHash: string;
  effects: EffectRow[];
  /** A trustline's AUTHORIZED flag after allow_trust / set_trust_line_flags (for RPC's events). */
  authorizedAfter?: boolean;
}

export type EffectRow = Keyed;

export interface PageQuery {
  /** Exclusive bound: records after it (asc) or before it (desc). */
  cursor?: bigint;
  order: 'asc' | 'desc';
  limit: number;
}

/** Returns the index of the first element whose key is > k. */
function upperBound(arr: Keyed[], k: bigint): number {
  let lo = 0;
  let hi = arr.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (arr[mid]!.key <= k) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Returns the index of the first element whose key is >= k. */
function lowerBound(arr: Keyed[], k: bigint): number {
  let lo = 0;
  let hi = arr.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (arr[mid]!.key < k) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** A page of `arr` within keys [lo, hi). */
export function pageOf<T extends Keyed>(arr: T[], q: PageQuery, lo?: bigint, hi?: bigint): T[] {
  const out: T[] = [];
  if (q.order === 'asc') {
    let i = q.cursor === undefined ? 0 : upperBound(arr, q.cursor);
    if (lo !== undefined) i = Math.max(i, lowerBound(arr, lo));
    for (; i < arr.length && out.length < q.limit; i++) {
      const r = arr[i]!;
      if (hi !== undefined && r.key >= hi) break;
      out.push(r);
    }
  } else {
    let i = (q.cursor === undefined ? arr.length : lowerBound(arr, q.cursor)) - 1;
    if (hi !== undefined) i = Math.min(i, lowerBound(arr, hi) - 1);
    for (; i >= 0 && out.length < q.limit; i--) {
      const r = arr[i]!;
      if (lo !== undefined && r.key < lo) break;
      out.push(r);
    }
  }
  return out;
}

/** Successful-only and all-inclusive views of the same stream of records. */
class DualIndex<T extends Keyed & { successful: boolean }> {
  readonly all: T[] = [];
  readonly ok: T[] = [];
  add(r: T): void {
    this.all.push(r);
    if (r.successful) this.ok.push(r);
  }
  view(includeFailed: boolean): T[] {
    return includeFailed ? this.all : this.ok;
  }
}

interface AccountHistory {
  txs: DualIndex<TxRow>;
  ops: DualIndex<OpRow>;
  payments: DualIndex<OpRow>;
  effects: EffectRow[];
}

/** Removes and returns the leading elements of `arr` whose key is below `bound`. */
function cut<T extends Keyed>(arr: T[], bound: bigint): T[] {
  return arr.splice(0, lowerBound(arr, bound));
}

export class HistoryStore {
  /** How many ledgers and transactions were dropped so far (readers that index by position). */
  readonly dropped = { ledgers: 0, txs: 0 };
  readonly ledgers: LedgerRow[] = [];
  readonly txs = new DualIndex<TxRow>();
  readonly ops = new DualIndex<OpRow>();
  readonly payments = new DualIndex<OpRow>();
  readonly effects: EffectRow[] = [];
  readonly trades = new TradeStore();
  private readonly txByHash = new Map<string, TxRow>();
  private readonly opById = new Map<string, OpRow>();
  private readonly ledgerBySeq = new Map<number, LedgerRow>();
  private readonly accounts = new Map<string, AccountHistory>();

  private account(id: string): AccountHistory {
    let a = this.accounts.get(id);
    if (!a) {
      a = { txs: new DualIndex(), ops: new DualIndex(), payments: new DualIndex(), effects: [] };
      this.accounts.set(id, a);
    }
    return a;
  }

  addLedger(row: LedgerRow): void {
    this.ledgers.push(row);
    this.ledgerBySeq.set(row.sequence, row);
  }

  addTransaction(row: TxRow, participants: Iterable<string>): void {
    this.txs.add(row);
    this.txByHash.set(row.hash, row);
    if (row.innerHash) this.txByHash.set(row.innerHash, row);
    for (const p of participants) this.account(p).txs.add(row);
  }

  addOperation(row: OpRow, participants: Iterable<string>): void {
    this.ops.add(row);
    this.opById.set(row.pagingToken, row);
    if (row.isPayment) this.payments.add(row);
    for (const p of participants) {
      const a = this.account(p);
      a.ops.add(row);
      if (row.isPayment) a.payments.add(row);
    }
    for (const e of row.effects) {
      this.effects.push(e);
      this.account(e.json.account as string).effects.push(e);
    }
  }

  /** The oldest ledger still recorded: Horizon's `history_elder_ledger`. */
  elderLedger(): number | undefined {
    return this.ledgers[0]?.sequence;
  }

  /**
   * Drops every record of the ledgers before `ledger`, as Horizon's reaper does
   * (stellar/stellar-horizon internal/ingest/reap.go: target elder = latest − retention + 1).
   */
  dropBefore(ledger: number): void {
    const bound = toid(ledger, 0, 0);
    for (const l of cut(this.ledgers, bound)) {
      this.ledgerBySeq.delete(l.sequence);
      this.dropped.ledgers += 1;
    }
    for (const t of cut(this.txs.all, bound)) {
      this.txByHash.delete(t.hash);
      if (t.innerHash) this.txByHash.delete(t.innerHash);
      this.dropped.txs += 1;
    }
    cut(this.txs.ok, bound);
    for (const o of cut(this.ops.all, bound)) this.opById.delete(o.pagingToken);
    cut(this.ops.ok, bound);
    cut(this.payments.all, bound);
    cut(this.payments.ok, bound);
    cut(this.effects, bound * 4096n);
    for (const a of this.accounts.values()) {
      cut(a.txs.all, bound);
      cut(a.txs.ok, bound);
      cut(a.ops.all, bound);
      cut(a.ops.ok, bound);
      cut(a.payments.all, bound);
      cut(a.payments.ok, bound);
      cut(a.effects, bound * 4096n);
    }
  }

  ledger(seq: number): LedgerRow | undefined {
    return this.ledgerBySeq.get(seq);
  }

  /** The transaction by its hash or, for a fee bump, its inner transaction's hash. */
  transaction(hash: string): TxRow | undefined {
    return this.txByHash.get(hash);
  }

  operation(id: string): OpRow | undefined {
    return this.opById.get(id);
  }

  hasAccount(id: string): boolean {
    return this.accounts.has(id);
  }

  accountTxs(id: string, includeFailed: boolean): TxRow[] {
    return this.accounts.get(id)?.txs.view(includeFailed) ?? [];
  }

  accountOps(id: string, includeFailed: boolean): OpRow[] {
    return this.accounts.get(id)?.ops.view(includeFailed) ?? [];
  }

  accountPayments(id: string, includeFailed: boolean): OpRow[] {
    return this.accounts.get(id)?.payments.view(includeFailed) ?? [];
  }

  accountEffects(id: string): EffectRow[] {
    return this.accounts.get(id)?.effects ?? [];
  }
}
