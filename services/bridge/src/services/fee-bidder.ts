// What the submitter bids per operation, from what the network reports (Horizon's fee_stats
// max_fee, RPC's getFeeStats inclusionFee): the configured percentile of recent bids, never below
// the ledger's base fee or `[submitter] base_fee`, never above `[fees] max_fee`. Also the raised
// bid after tx_insufficient_fee and the rate of a fee bump for a transaction stuck under surge.
import type { Logger } from '@anchor/support';
import type { FeeStats, StellarNetwork } from '../network/stellar-network.js';

export const FEE_PERCENTILES = [
  'p10',
  'p20',
  'p30',
  'p40',
  'p50',
  'p60',
  'p70',
  'p80',
  'p90',
  'p95',
  'p99',
] as const;
export type FeePercentile = (typeof FEE_PERCENTILES)[number];

/**
 * stellar-core replaces a pending transaction with a fee bump of it only at this multiple of its
 * fee rate (TransactionQueue.cpp FEE_MULTIPLIER); below it the bump is refused tx_insufficient_fee.
 */
export const REPLACE_BY_FEE_MULTIPLIER = 10;

/** Fee stats are read at most this often (a ledger closes every ~5 s). */
const STATS_TTL_MS = 1_000;

export interface FeeBidderOptions {
  network: StellarNetwork;
  logger: Logger;
  percentile: FeePercentile;
  /** The highest bid per operation, in stroops. */
  maxFee: number;
  /** The lowest bid per operation (`[submitter] base_fee`), and the bid when fee stats fail. */
  floor: number;
}

export class FeeBidder {
  private cached?: { at: number; stats: FeeStats };

  constructor(private readonly options: FeeBidderOptions) {}

  get maxFee(): number {
    return this.options.maxFee;
  }

  /** The bid per operation for a new transaction. */
  async bid(): Promise<number> {
    const stats = await this.stats();
    const wanted = Math.max(
      this.options.floor,
      stats?.baseFee ?? 0,
      stats?.bids[this.options.percentile] ?? 0,
    );
    return Math.min(wanted, this.options.maxFee);
  }

  /**
   * The next bid after `current` was refused tx_insufficient_fee (at least `required`, the rate the
   * network said it needs, and double the last); undefined when the cap was already bid.
   */
  raise(current: number, required = 0): number | undefined {
    if (current >= this.options.maxFee) return undefined;
    return Math.min(Math.max(current * 2, required), this.options.maxFee);
  }

  /**
   * The rate of a fee bump for an envelope stuck at `current` per operation: enough to replace it
   * in the queue and at least today's bid. Undefined when the cap does not allow it, or when no
   * recent transaction bid more than `current` (then the wait is not about the fee: Horizon
   * unreachable, an answer lost, and a bump would only cost more).
   */
  async bumpRate(current: number): Promise<number | undefined> {
    const stats = await this.stats();
    if ((stats?.bids.max ?? 0) <= current) return undefined;
    const rate = Math.max(current * REPLACE_BY_FEE_MULTIPLIER, await this.bid());
    return rate <= this.options.maxFee ? rate : undefined;
  }

  private async stats(): Promise<FeeStats | undefined> {
    if (this.cached && Date.now() - this.cached.at < STATS_TTL_MS) return this.cached.stats;
    try {
      const stats = await this.options.network.feeStats();
      this.cached = { at: Date.now(), stats };
      return stats;
    } catch (err) {
      // A bid is never worth failing a payment over: the floor still gets in outside surges.
      this.options.logger.warn('fee stats unavailable; bidding the floor', { error: String(err) });
      return undefined;
    }
  }
}
