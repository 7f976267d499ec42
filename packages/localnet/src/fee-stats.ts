// Fee statistics over the last ledgers, in the two shapes the real network reports them:
// Horizon's /fee_stats (stellar/go services/horizon/internal/operationfeestats/main.go and
// actions/fee_stats.go: last 5 ledgers, fee per operation with a fee bump counting as one more
// operation, the last base fee everywhere when there were no transactions) and Stellar RPC's
// getFeeStats (which shares the percentile rule: the nearest-rank value, PostgreSQL's
// percentile_disc).
import type { ParsedTx } from './xdr-decode.js';

export const HORIZON_FEE_WINDOW = 5;
const PERCENTILES = [10, 20, 30, 40, 50, 60, 70, 80, 90, 95, 99];

/** max, min, mode (most frequent, the lowest on a tie) and p10…p99 of `values`, as strings. */
export function percentiles(values: bigint[], empty: bigint): Record<string, string> {
  const sorted = [...values].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const pct = (p: number) =>
    sorted.length ? sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)]! : empty;
  const counts = new Map<bigint, number>();
  let mode = empty;
  for (const f of sorted) {
    const n = (counts.get(f) ?? 0) + 1;
    counts.set(f, n);
    if (n > (counts.get(mode) ?? 0)) mode = f;
  }
  const out: Record<string, string> = {
    max: String(sorted.length ? sorted[sorted.length - 1] : empty),
    min: String(sorted.length ? sorted[0] : empty),
    mode: String(mode),
  };
  for (const p of PERCENTILES) out[`p${p}`] = String(pct(p));
  return out;
}

/** Operations a transaction is priced by: its own plus one for a fee-bump wrapper. */
export function pricedOperations(tx: ParsedTx): bigint {
  return BigInt(tx.operations.length + (tx.feeBump ? 1 : 0));
}

/** The highest fee the envelope offers (the outer one for a fee bump). */
export function declaredFee(tx: ParsedTx): bigint {
  return tx.feeBump ? tx.feeBump.fee : tx.fee;
}

/** A fee bid as stellar-core compares them: fee over priced operations, never divided. */
export interface FeeRate {
  fee: bigint;
  ops: bigint;
}

export function feeRate(tx: ParsedTx): FeeRate {
  return { fee: declaredFee(tx), ops: pricedOperations(tx) };
}

/** Sign of a − b by rate, cross-multiplied (core's feeRate3WayCompare). */
export function compareRates(a: FeeRate, b: FeeRate): number {
  const d = a.fee * b.ops - b.fee * a.ops;
  return d > 0n ? 1 : d < 0n ? -1 : 0;
}

/** The least fee for `ops` operations whose rate beats `ref` strictly (core's computeBetterFee). */
export function betterFee(ref: FeeRate, ops: bigint): bigint {
  return (ref.fee * ops) / ref.ops + 1n;
}

interface LedgerFees {
  sequence: number;
  chargedPerOp: bigint[];
  maxPerOp: bigint[];
  txSetOperations: number;
  capacity: number;
}

function capacityUsage(ops: number, capacity: number): string {
  if (capacity === 0) return '0';
  return String(Math.round((ops * 100) / capacity) / 100);
}

/** The last HORIZON_FEE_WINDOW ledgers' fees, fed by the ledger closer. */
export class FeeStatsWindow {
  private ledgers: LedgerFees[] = [];

  record(l: LedgerFees): void {
    this.ledgers.push(l);
    if (this.ledgers.length > HORIZON_FEE_WINDOW) this.ledgers.shift();
  }

  /**
   * The /fee_stats document. `ledger_capacity_usage` is Horizon's LedgerCapacityUsageStats
   * (internal/db2/history/ledger.go): ROUND(Σ operations / Σ max_tx_set_size, 2) over the same 5
   * ledgers, printed as Go prints a float64 `,string` field ("0.5", "1", "0").
   * `last_ledger_base_fee` is the header's base fee, which surge pricing does not change (it
   * lowers nothing and raises only what the set charges).
   */
  horizonJson(lastLedger: number, lastBaseFee: bigint): Record<string, unknown> {
    const window = this.ledgers.filter((l) => l.sequence > lastLedger - HORIZON_FEE_WINDOW);
    const charged = window.flatMap((l) => l.chargedPerOp);
    const max = window.flatMap((l) => l.maxPerOp);
    const ops = window.reduce((n, l) => n + l.txSetOperations, 0);
    const capacity = window.reduce((n, l) => n + l.capacity, 0);
    return {
      last_ledger: String(lastLedger),
      last_ledger_base_fee: String(lastBaseFee),
      ledger_capacity_usage: capacityUsage(ops, capacity),
      fee_charged: percentiles(charged, lastBaseFee),
      max_fee: percentiles(max, lastBaseFee),
    };
  }
}
