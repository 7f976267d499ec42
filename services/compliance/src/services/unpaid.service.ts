// Auth requests answered "ok" that no payment followed: the trace of a peer that
// collects our customers' details (or just fills our tables) without ever paying.
// Seen by the operator on the internal port (GET /unpaid_auth) and in /metrics.
import type { ComplianceStore, UnpaidAuthorizations } from '../stores/compliance.store.js';

/** An authorization counts as unpaid when no payment came within this time. */
export const UNPAID_AFTER_MS = 60 * 60 * 1000;

/** Sender domains listed, those with most unpaid authorizations first. */
export const UNPAID_TOP_DOMAINS = 50;

export class UnpaidService {
  constructor(
    private readonly store: ComplianceStore,
    private readonly now: () => Date = () => new Date(),
  ) {}

  summary(): Promise<UnpaidAuthorizations> {
    return this.store.unpaidAuthorizations(
      new Date(this.now().getTime() - UNPAID_AFTER_MS),
      UNPAID_TOP_DOMAINS,
    );
  }
}
