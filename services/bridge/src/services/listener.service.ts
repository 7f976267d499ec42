// The payment listener. For each receiving account, whichever replica holds the
// account's database lock:
//   1. resumes from the cursor stored for the account ("now" only on the very
//      first start, made durable at once), applying the cursor-reset policy when
//      the cursor is ahead of the network (a network reset);
//   2. catches up by paging /accounts/{id}/payments (200 per page), then follows
//      the SSE stream; silence or stream errors → reconnect with backoff;
//   3. per page of operations: reads what each needs (transaction memo, merge
//      effects), then in ONE database transaction records them (unique ids),
//      queues their callbacks in the outbox and advances the cursor (a payment
//      under its asset's min_amount is queued as below_minimum: never sent);
//   4. the DeliveryService sends the outbox.
// Before every session the stored cursor is checked against the network's retained history
// (history-gap.ts).
import { compareAmounts } from '@anchor/protocol';
import type { Logger } from '@anchor/support';
import { STATUS, type ReceivedPaymentStore, type RecordOperation } from '../stores/received-payment.store.js';
import type { AccountLock, LockHandle } from '../stores/listener-lock.store.js';
import type { DeliveryPayload, DeliveryService } from './delivery.service.js';
import type { HistoryGap, HistoryGapGuard } from './history-gap.js';
import { isNotFound } from './horizon-errors.js';
import { readIncoming, type Credit } from './incoming-kinds.js';
import { HistoryGapError, endOfLedgerCursor, type StellarNetwork } from '../network/stellar-network.js';

export interface AllowedAsset {
  code: string;
  issuer?: string;
  /** Payments of this asset below this amount are recorded but not delivered. */
  min_amount?: string;
}

type Delivery = { kind: 'receive' | 'error'; payload: DeliveryPayload; status?: 'below_minimum' };

export type CursorResetPolicy = 'now' | 'oldest' | 'halt';

export interface ListenerOptions {
  network: StellarNetwork;
  store: ReceivedPaymentStore;
  lock: AccountLock;
  delivery: DeliveryService;
  logger: Logger;
  accounts: string[];
  assets: readonly AllowedAsset[];
  cursorReset: CursorResetPolicy;
  /** Checks the stored cursor against the network's oldest retained ledger before each session. */
  historyGap?: HistoryGapGuard;
  silenceTimeoutMs: number;
  reconnectMinMs: number;
  reconnectMaxMs: number;
  lockRetryMs: number;
  pageSize?: number;
  /** Counts history gaps that halted an account (metric bridge_listener_gaps_total). */
  onGap?: (account: string) => void;
}

/** A payment-like record as Horizon's payments endpoint returns it. */
export type PaymentRecord = Record<string, unknown> & {
  id: string;
  paging_token: string;
  type: string;
  transaction_hash: string;
};

export interface AccountState {
  account: string;
  state: 'waiting_for_lock' | 'catching_up' | 'streaming' | 'reconnecting' | 'halted' | 'stopped';
  cursor?: string;
  lastEventAt?: string;
  lastError?: string;
  processed: number;
  /** Set when the stored cursor was older than the network's retained history. */
  historyGap?: HistoryGap;
}

class Stopped extends Error {}

export class PaymentListener {
  private running = false;
  private readonly loops: Promise<void>[] = [];
  private readonly stopWaiters = new Set<() => void>();
  readonly states = new Map<string, AccountState>();

  constructor(private readonly options: ListenerOptions) {
    for (const account of options.accounts)
      this.states.set(account, { account, state: 'stopped', processed: 0 });
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.options.delivery.start();
    for (const account of this.options.accounts) this.loops.push(this.accountLoop(account));
  }

  async stop(): Promise<void> {
    this.running = false;
    for (const wake of this.stopWaiters) wake();
    await Promise.all(this.loops);
    await this.options.delivery.stop();
  }

  /** Healthy unless an account halted (cursor-reset policy `halt`). */
  healthy(): boolean {
    return [...this.states.values()].every((s) => s.state !== 'halted');
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      if (!this.running) return resolve();
      const done = () => {
        clearTimeout(timer);
        this.stopWaiters.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.stopWaiters.add(done);
    });
  }

  private setState(account: string, patch: Partial<AccountState>): void {
    const state = this.states.get(account) as AccountState;
    Object.assign(state, patch);
  }

  private async accountLoop(account: string): Promise<void> {
    const log = this.options.logger.child({ account });
    while (this.running) {
      let handle: LockHandle | undefined;
      try {
        this.setState(account, { state: 'waiting_for_lock' });
        handle = await this.options.lock.tryAcquire(account);
      } catch (err) {
        log.warn('listener lock unavailable', { error: String(err) });
      }
      if (!handle) {
        await this.sleep(this.options.lockRetryMs);
        continue;
      }
      log.info('listener lock taken; processing this receiving account');
      this.options.delivery.addAccount(account);
      try {
        await this.holdAndListen(account, handle, log);
      } finally {
        this.options.delivery.removeAccount(account);
        await handle.release().catch(() => undefined);
      }
      if (this.states.get(account)?.state === 'halted') return;
    }
    this.setState(account, { state: 'stopped' });
  }

  /** Runs sessions while the lock is ours. */
  private async holdAndListen(account: string, handle: LockHandle, log: Logger): Promise<void> {
    let lockLost = false;
    const checker = setInterval(() => {
      void handle.check().then((ok) => {
        if (!ok && !lockLost) {
          lockLost = true;
          log.warn('listener lock lost; stepping back');
          for (const wake of this.stopWaiters) wake();
        }
      });
    }, this.options.lockRetryMs);
    const active = () => this.running && !lockLost;
    let backoff = this.options.reconnectMinMs;
    try {
      while (active()) {
        // Horizon's rate limit is per client: one account's 429 holds back every account loop.
        if (await this.waitOutRateLimit(account, log)) backoff = this.options.reconnectMinMs;
        if (!active()) break;
        try {
          const progressed = await this.session(account, active, log);
          if (this.states.get(account)?.state === 'halted') return;
          backoff = progressed
            ? this.options.reconnectMinMs
            : Math.min(backoff * 2, this.options.reconnectMaxMs);
        } catch (err) {
          if (err instanceof Stopped) break;
          if (err instanceof HistoryGapError) {
            // Never skip silently: stop this account until an operator resets its cursor knowingly.
            const historyGap = this.options.historyGap?.report(account, err.cursor, err.oldestLedger, log);
            this.setState(account, { state: 'halted', lastError: err.message, historyGap });
            this.options.onGap?.(account);
            return;
          }
          this.setState(account, { state: 'reconnecting', lastError: String((err as Error).message ?? err) });
          if (this.rateLimitedForMs() > 0) continue; // the loop's top waits exactly as long as asked
          log.warn('listener session failed; reconnecting', { error: String(err), retry_in_ms: backoff });
          await this.sleep(backoff);
          backoff = Math.min(backoff * 2, this.options.reconnectMaxMs);
          continue;
        }
        if (active()) {
          this.setState(account, { state: 'reconnecting' });
          await this.sleep(backoff);
        }
      }
    } finally {
      clearInterval(checker);
    }
  }

  private rateLimitedForMs(): number {
    return this.options.network.rateLimitedForMs?.() ?? 0;
  }

  /** Sleeps while the network's rate limit asks us to stay away; true if it did. */
  private async waitOutRateLimit(account: string, log: Logger): Promise<boolean> {
    const wait = this.rateLimitedForMs();
    if (wait <= 0) return false;
    this.setState(account, { state: 'reconnecting', lastError: 'rate limited by the network' });
    log.warn('rate limited by the network; waiting as its headers ask', { retry_in_ms: wait });
    await this.sleep(wait);
    return true;
  }

  /** Resolves the starting cursor: stored, else "now" made durable, with the reset policy applied. */
  private async startCursor(account: string, log: Logger): Promise<string | undefined> {
    const { network, store } = this.options;
    let cursor = await store.getCursor(account);
    if (cursor === undefined) {
      cursor = await this.latestCursor(account);
      await store.setCursor(account, cursor);
      log.info('first start: listening from now', { cursor });
      return cursor;
    }
    const latest = (await network.latestLedger()).sequence;
    const cursorLedger = /^\d+$/.test(cursor) ? Number(BigInt(cursor) >> 32n) : 0;
    if (latest !== undefined && cursorLedger > Number(latest)) {
      log.warn('stored cursor is ahead of the network (network reset?)', {
        cursor,
        cursor_ledger: cursorLedger,
        latest_ledger: latest,
        policy: this.options.cursorReset,
      });
      switch (this.options.cursorReset) {
        case 'halt':
          this.setState(account, { state: 'halted', lastError: 'cursor ahead of the network; policy halt' });
          return undefined;
        case 'oldest':
          cursor = '0';
          break;
        case 'now':
          cursor = await this.latestCursor(account);
          break;
      }
      await store.setCursor(account, cursor);
    }
    const gap = await this.options.historyGap?.check(account, cursor, log);
    if (gap) {
      this.setState(account, { historyGap: gap });
      if (gap.policy === 'halt') {
        this.setState(account, {
          state: 'halted',
          lastError: 'cursor older than the network history; policy halt',
        });
        this.options.onGap?.(account);
        return undefined;
      }
    }
    return cursor;
  }

  private async latestCursor(account: string): Promise<string> {
    return this.options.network.latestPaymentCursor(account);
  }

  /** One catch-up + stream session; returns whether anything was processed. */
  private async session(account: string, active: () => boolean, log: Logger): Promise<boolean> {
    const { network } = this.options;
    const cursor0 = await this.startCursor(account, log);
    if (cursor0 === undefined) return false;
    let cursor = cursor0;
    let progressed = false;
    const pageSize = this.options.pageSize ?? 200;
    this.setState(account, { state: 'catching_up', cursor });
    for (;;) {
      if (!active()) throw new Stopped();
      let records: PaymentRecord[];
      try {
        records = await network.paymentsPage(account, cursor, pageSize);
      } catch (err) {
        // Policy `continue` over a backend that refuses a start before its oldest ledger (RPC):
        // reported as any gap, then read on from the oldest ledger, as Horizon itself does. The
        // skip is accepted knowingly, so it is stored: a reconnect does not go back behind it.
        const guard = this.options.historyGap;
        if (!(err instanceof HistoryGapError) || guard?.policy !== 'continue') throw err;
        if (!this.states.get(account)?.historyGap)
          this.setState(account, { historyGap: guard.report(account, err.cursor, err.oldestLedger, log) });
        cursor = endOfLedgerCursor(err.oldestLedger - 1);
        await this.options.store.setCursor(account, cursor);
        continue;
      }
      if (!active()) throw new Stopped();
      const last = records[records.length - 1];
      if (last) {
        await this.handleMany(account, records, log);
        cursor = last.paging_token;
        progressed = true;
      }
      if (records.length < pageSize) break;
    }
    // Follow the stream from where the catch-up ended.
    this.setState(account, { state: 'streaming', cursor });
    const queue: PaymentRecord[] = [];
    let failure: unknown;
    let lastActivity = Date.now();
    let wake: (() => void) | undefined;
    const close = network.streamPayments(account, cursor, {
      onmessage: (record) => {
        queue.push(record);
        lastActivity = Date.now();
        wake?.();
      },
      onerror: (event) => {
        // Empty error events are benign (Horizon closes idle streams); real ones end the session.
        if (!event.message && !event.status) return;
        failure = new Error(`stream error: ${event.message ?? event.status}`);
        wake?.();
      },
      reconnectTimeout: this.options.silenceTimeoutMs,
    });
    const stopWake = () => wake?.();
    this.stopWaiters.add(stopWake);
    try {
      for (;;) {
        while (queue.length > 0) {
          if (!active()) throw new Stopped();
          const batch: PaymentRecord[] = [];
          for (const record of queue.splice(0, pageSize)) {
            const after = batch[batch.length - 1]?.paging_token ?? cursor;
            if (compareTokens(record.paging_token, after) > 0) batch.push(record);
          }
          const last = batch[batch.length - 1];
          if (!last) continue;
          await this.handleMany(account, batch, log);
          cursor = last.paging_token;
          progressed = true;
        }
        if (!active()) throw new Stopped();
        if (failure) throw failure;
        if (Date.now() - lastActivity > this.options.silenceTimeoutMs) {
          log.info('stream silent; reconnecting', { silent_ms: Date.now() - lastActivity });
          return progressed;
        }
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, Math.min(1_000, this.options.silenceTimeoutMs));
          wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        wake = undefined;
      }
    } finally {
      this.stopWaiters.delete(stopWake);
      close();
    }
  }

  /** Processes one operation record: read, then record + queue + advance cursor atomically. */
  async handle(account: string, record: PaymentRecord, log: Logger): Promise<void> {
    await this.handleMany(account, [record], log);
  }

  /**
   * Processes consecutive records (a page): reads what each needs, then records them, queues
   * their deliveries and advances the cursor past the last, in one database transaction.
   */
  private async handleMany(account: string, records: PaymentRecord[], log: Logger): Promise<void> {
    const ops: RecordOperation[] = [];
    for (const record of records) {
      const { status, deliveries } = await this.classify(account, record, log);
      ops.push({
        accountId: account,
        operationId: String(record.id),
        pagingToken: String(record.paging_token),
        transactionId: String(record.transaction_hash ?? 'N/A'),
        status,
        deliveries: deliveries.map((d) => ({
          kind: d.kind,
          payload: JSON.stringify(d.payload),
          status: d.status,
        })),
      });
    }
    const recorded = await this.options.store.recordMany(ops);
    const state = this.states.get(account) as AccountState;
    state.cursor = ops[ops.length - 1]?.pagingToken;
    state.lastEventAt = new Date().toISOString();
    let queued = false;
    ops.forEach((op, i) => {
      if (!recorded[i]) return log.debug('operation already recorded', { operation_id: op.operationId });
      state.processed++;
      if (op.deliveries.some((d) => d.status === undefined)) queued = true;
    });
    if (queued) this.options.delivery.notify();
  }

  private async classify(
    account: string,
    record: PaymentRecord,
    log: Logger,
  ): Promise<{ status: string; deliveries: Delivery[] }> {
    if (record.transaction_successful === false) return { status: 'Transaction failed', deliveries: [] };
    const incoming = readIncoming(record, account);
    switch (incoming.kind) {
      case 'not_payment':
        return { status: STATUS.notPayment, deliveries: [] };
      case 'outgoing':
        log.debug('own outgoing operation ignored', { operation_id: record.id });
        return { status: STATUS.notPermitted, deliveries: [] };
      case 'unsupported':
        // Recorded with its reason (GET /admin/unsupported-operations), never skipped silently.
        log.warn('operation kind not understood: recorded, not delivered', {
          operation_id: record.id,
          type: record.type,
        });
        return { status: incoming.reason, deliveries: [] };
      case 'credit':
        break;
    }
    const credit = incoming.credit;
    let payload: DeliveryPayload;
    try {
      payload = await this.payloadOf(record, credit);
    } catch (err) {
      // A transient Horizon failure ends the session (the operation is retried from the
      // cursor); only a transaction Horizon does not know is recorded as an error.
      if (!isNotFound(err)) throw err;
      return {
        status: `unable to get transaction details: ${String((err as Error).message ?? err)}`,
        deliveries: [],
      };
    }
    const allowed = this.options.assets.find((a) =>
      credit.native
        ? a.code === 'XLM' && !a.issuer
        : a.code === payload.asset_code && a.issuer === payload.asset_issuer,
    );
    if (!allowed) {
      return {
        status: STATUS.assetNotAllowed,
        deliveries: [{ kind: 'error', payload: { ...payload, error: STATUS.assetNotAllowed } }],
      };
    }
    if (allowed.min_amount !== undefined && compareAmounts(payload.amount, allowed.min_amount) < 0) {
      // Dust: kept on record (admin can still deliver it), never sent on its own.
      return {
        status: STATUS.belowMinimum,
        deliveries: [{ kind: 'receive', payload, status: 'below_minimum' }],
      };
    }
    return { status: STATUS.queued, deliveries: [{ kind: 'receive', payload }] };
  }

  /** The delivery payload of an operation that credited `account` (admin and /reprocess too). */
  async convert(record: PaymentRecord, account: string): Promise<DeliveryPayload> {
    const incoming = readIncoming(record, account);
    if (incoming.kind !== 'credit') throw new Error(`operation ${record.id} credits no receiving account`);
    return this.payloadOf(record, incoming.credit);
  }

  private async payloadOf(record: PaymentRecord, credit: Credit): Promise<DeliveryPayload> {
    const { network } = this.options;
    const amount = credit.amount ?? (await retry(() => network.mergedAmount(record)));
    // With join=transactions the record carries its transaction (the SDK names it transaction_attr).
    const joined = (record.transaction_attr ?? record.transaction) as
      { memo_type?: string; memo?: string } | undefined;
    const tx =
      joined && typeof joined === 'object' && joined.memo_type
        ? joined
        : await retry(() => network.transactionMemo(String(record.transaction_hash)));
    return {
      id: String(record.id),
      from: credit.from,
      amount,
      asset_code: credit.asset_code,
      asset_issuer: credit.asset_issuer,
      memo_type: tx.memo_type ?? 'none',
      memo: tx.memo ?? '',
      transaction_id: String(record.transaction_hash),
      ...(credit.to_muxed ? { to_muxed: credit.to_muxed, to_muxed_id: credit.to_muxed_id } : {}),
    };
  }
}

async function retry<T>(fn: () => Promise<T>, attempts = 3): Promise<T> {
  let last: unknown;
  for (let i = 0; i < attempts; i++) {
    try {
      return await fn();
    } catch (err) {
      last = err;
      if (isNotFound(err)) break;
      await new Promise((r) => setTimeout(r, 100 * 2 ** i));
    }
  }
  throw last;
}

export function compareTokens(a: string, b: string): number {
  if (/^\d+$/.test(a) && /^\d+$/.test(b)) {
    const x = BigInt(a);
    const y = BigInt(b);
    return x < y ? -1 : x > y ? 1 : 0;
  }
  return a < b ? -1 : a > b ? 1 : 0;
}
