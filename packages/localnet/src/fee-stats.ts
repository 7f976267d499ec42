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

interface LedgerFees {
  sequence: number;
  chargedPerOp: bigint[];
  maxPerOp: bigint[];
  txSetOperations: number;
  capacity: number;
}

/** The last HORIZON_FEE_WINDOW ledgers' fees, fed by the ledger closer. */
export class FeeStatsWindow {
  private ledgers: LedgerFees[] = [];

  record(l: LedgerFees): void {
    this.ledgers.push(l);
    if (this.ledgers.length > HORIZON_FEE_WINDOW) this.ledgers.shift();
  }

  /**
   * The /fee_stats document. `last_ledger_base_fee` is the header's base fee, which surge pricing
   * does not change (it lowers nothing and raises only what the set charges).
   */
  horizonJson(lastLedger: number, lastBaseFee: bigint): Record<string, unknown> {
    const last = this.ledgers[this.ledgers.length - 1];
    const charged = this.ledgers.flatMap((l) => l.chargedPerOp);
    const max = this.ledgers.flatMap((l) => l.maxPerOp);
    const usage = last && last.sequence === lastLedger ? last.txSetOperations / last.capacity : 0;
    return {
      last_ledger: String(lastLedger),
      last_ledger_base_fee: String(lastBaseFee),
      ledger_capacity_usage: usage.toFixed(2),
      fee_charged: percentiles(charged, lastBaseFee),
      max_fee: percentiles(max, lastBaseFee),
    };
  }
}
