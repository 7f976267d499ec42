// History-gap detection for the payment listener. Horizon may keep only the latest ledgers
// (--history-retention-count); an ascending page or stream from a cursor at or before its
// `history_elder_ledger` silently starts at the oldest record it still has (stellar-horizon
// internal/actions/helpers.go validateAndAdjustCursor), so payments received between the stored
// cursor and that ledger would be skipped without a word. Stellar RPC keeps a short window
// (getHealth's oldestLedger) and refuses a start outside it. Before every session (start and each
// reconnect) the listener asks this guard; the RPC adapter's HistoryGapError (the window moved
// past the cursor during a session) comes here too, so both backends give one report: an error
// log, /admin/listener's `historyGap`, the bridge_listener_gaps_total metric when it halts, and
// — with policy `halt` — that account's delivery stopped.
import type { Logger } from '@anchor/support';
import type { StellarNetwork } from '../network/stellar-network.js';

export type HistoryGapPolicy = 'halt' | 'continue';

export interface HistoryGap {
  /** The stored cursor and its ledger. */
  cursor: string;
  cursorLedger: number;
  /** The network's oldest retained ledger when the gap was seen (Horizon's elder, RPC's oldest). */
  elderLedger: number;
  /** Ledgers whose records the network no longer has: cursorLedger … elderLedger − 1. */
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
    return this.report(account, cursor, elderLedger, log);
  }

  /** Records and logs a gap between `cursor` and the network's oldest ledger `elderLedger`. */
  report(account: string, cursor: string, elderLedger: number, log: Logger): HistoryGap {
    const cursorLedger = /^\d+$/.test(cursor) ? Number(BigInt(cursor) >> 32n) : 0;
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
      {
        backend: this.network.backend,
        cursor,
        cursor_ledger: cursorLedger,
        history_elder_ledger: elderLedger,
        policy: this.policy,
      },
    );
    return gap;
  }
}
