// One network-wide payments stream for every receiving account ([listener] one_stream): the
// listener's per-account loops subscribe here instead of opening one Horizon stream each, and
// each record is handed to the accounts it names. A subscriber first catches up on its own
// account from its cursor while the shared stream already runs (started at the end of the
// latest ledger before any catch-up), so the two overlap and nothing falls between them;
// records the shared stream brings meanwhile wait and follow the catch-up, in order, and
// anything at or before a subscriber's cursor is dropped.
import { compareTokens, type PaymentRecord } from '../services/listener.service.js';
import type { PaymentStreamHandlers } from './stellar-network.js';

export interface SharedStreamSource {
  /** Opens the network-wide payments stream after `cursor`; returns the function that stops it. */
  open(cursor: string, handlers: PaymentStreamHandlers): () => void;
  /** The account's payments after `cursor`, oldest first. */
  page(accountId: string, cursor: string, limit: number): Promise<PaymentRecord[]>;
  /** The cursor at the end of the latest closed ledger: nothing after it exists yet. */
  nowCursor(): Promise<string>;
}

interface Subscriber {
  account: string;
  cursor: string;
  handlers: PaymentStreamHandlers;
  /** Shared-stream records that arrived during the subscriber's catch-up; null once caught up. */
  pending: PaymentRecord[] | null;
}

/** Whether a payment record names `account`: any top-level address field, or a SAC balance change. */
export function involves(record: PaymentRecord, account: string): boolean {
  if (Object.values(record).includes(account)) return true;
  const changes = record.asset_balance_changes;
  return (
    Array.isArray(changes) &&
    changes.some((c: { from?: unknown; to?: unknown }) => c?.from === account || c?.to === account)
  );
}

export class SharedPaymentStream {
  private readonly subs = new Set<Subscriber>();
  private upstream: (() => void) | undefined;
  private starting: Promise<void> | undefined;

  constructor(
    private readonly source: SharedStreamSource,
    private readonly pageSize = 200,
  ) {}

  subscribe(account: string, cursor: string, handlers: PaymentStreamHandlers): () => void {
    const sub: Subscriber = { account, cursor, handlers, pending: [] };
    this.subs.add(sub);
    this.join(sub).catch((err: unknown) => {
      if (this.subs.has(sub)) sub.handlers.onerror({ message: String((err as Error)?.message ?? err) });
    });
    return () => this.leave(sub);
  }

  private async join(sub: Subscriber): Promise<void> {
    await this.ensureUpstream(sub.handlers.reconnectTimeout);
    for (;;) {
      const records = await this.source.page(sub.account, sub.cursor, this.pageSize);
      if (!this.subs.has(sub)) return;
      for (const r of records) this.deliver(sub, r);
      if (records.length < this.pageSize) break;
    }
    const waiting = sub.pending ?? [];
    sub.pending = null;
    for (const r of waiting) this.deliver(sub, r);
  }

  private ensureUpstream(reconnectTimeout: number): Promise<void> {
    if (this.upstream) return Promise.resolve();
    this.starting ??= this.source
      .nowCursor()
      .then((cursor) => {
        if (this.subs.size === 0 || this.upstream) return;
        this.upstream = this.source.open(cursor, {
          onmessage: (record) => this.dispatch(record),
          onerror: (event) => {
            if (event.message || event.status) this.fail(event);
          },
          reconnectTimeout,
        });
      })
      .finally(() => {
        this.starting = undefined;
      });
    return this.starting;
  }

  private dispatch(record: PaymentRecord): void {
    for (const sub of this.subs) {
      if (!involves(record, sub.account)) continue;
      if (sub.pending) sub.pending.push(record);
      else this.deliver(sub, record);
    }
  }

  private deliver(sub: Subscriber, record: PaymentRecord): void {
    if (compareTokens(record.paging_token, sub.cursor) <= 0) return;
    sub.cursor = record.paging_token;
    sub.handlers.onmessage(record);
  }

  /** The shared stream failed: it stops, and every subscriber's session ends and rejoins. */
  private fail(event: Parameters<PaymentStreamHandlers['onerror']>[0]): void {
    this.stopUpstream();
    for (const sub of [...this.subs]) sub.handlers.onerror(event);
  }

  private leave(sub: Subscriber): void {
    this.subs.delete(sub);
    if (this.subs.size === 0) this.stopUpstream();
  }

  private stopUpstream(): void {
    const stop = this.upstream;
    this.upstream = undefined;
    stop?.();
  }
}
