// History-gap detection for the payment listener. Horizon may keep only the latest ledgers
// (--history-retention-count); an ascending page or stream from a cursor at or before its
// `history_elder_ledger` silently starts at the oldest record it still has (stellar-horizon
// internal/actions/helpers.go validateAndAdjustCursor), so payments received between the stored
// cursor and that ledger would be skipped without a word. Before every session (start and each
// reconnect) the listener asks this guard; a gap is logged as an error, shown in
// /admin/listener and /metrics, and — with policy `halt` — stops that account's delivery.
// The guard asks the network port, so it holds for Stellar RPC's retention window too (there a
// cursor outside the window halts even under `continue`: RPC cannot start "at the oldest").
import type { Logger } from '@anchor/support';
import type { StellarNetwork } from '../network/stellar-network.js';

export type HistoryGapPolicy = 'halt' | 'continue';

export interface HistoryGap {
  /** The stored cursor and its ledger. */
  cursor: string;
  cursorLedger: number;
  /** Horizon's oldest retained ledger when the gap was seen. */
  elderLedger: number;
  /** Ledgers whose records Horizon no longer has: cursorLedger … elderLedger − 1. */
  missingLedgers: number;
  detectedAt: string;
  policy: HistoryGapPolicy;
}

export class HistoryGapGuard {
  /** Gaps seen by this process, by receiving account (kept until restart: reconcile, then restart). */
  readonly gaps = new Map<string, HistoryGap>();

  constructor(
    private readonly network: StellarNetwork,
    readonly policy: HistoryGapPolicy,
  ) {}

  /**
   * The gap between `cursor` and Horizon's retained history, if any. Cursor "0" (from the
   * beginning) is no gap. An account whose entries (account or any trustline) were last changed
   * at or before the cursor's ledger received nothing since, so there is nothing to miss.
   */
  async check(account: string, cursor: string, log: Logger): Promise<HistoryGap | undefined> {
    if (!/^\d+$/.test(cursor) || cursor === '0') return undefined;
    const cursorLedger = Number(BigInt(cursor) >> 32n);
    const elderLedger = await this.network.historyElderLedger();
    if (!(cursorLedger < elderLedger)) return undefined;
    if ((await this.network.lastChangedLedger(account)) <= cursorLedger) return undefined;
    const gap: HistoryGap = {
      cursor,
      cursorLedger,
      elderLedger,
      missingLedgers: elderLedger - cursorLedger,
      detectedAt: new Date().toISOString(),
      policy: this.policy,
    };
    this.gaps.set(account, gap);
    log.error(
      'stored cursor is older than the oldest ledger the network keeps: payments in the missing ' +
        'ledgers cannot be read from it; reconcile them (see README, "History gaps")',
      { cursor, cursor_ledger: cursorLedger, history_elder_ledger: elderLedger, policy: this.policy },
    );
    return gap;
  }
}
