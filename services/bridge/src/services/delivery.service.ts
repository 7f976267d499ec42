// Delivery of received payments to the bank: the durable outbox worker.
// A delivery is the legacy receive-callback form (keys sorted as Go's
// url.Values.Encode, `id` = the operation id as a stable idempotency key) with
// X-Payload-Mac (+ legacy X_PAYLOAD_MAC) over the exact bytes. Transient
// failures are retried forever with capped exponential backoff, across
// restarts; a permanent refusal (see isPermanentRefusal) is a dead letter that
// waits for an operator. First attempts and retries are two lanes with their
// own share of the slots, so new payments never queue behind failing ones, and
// failure log lines have a per-minute budget (the counter has every failure).
import type { AxiosInstance } from 'axios';
import { encodeFormGoStyle } from '@anchor/protocol';
import { payloadMac, type Logger } from '@anchor/support';
import type {
  DeliveryKind,
  DeliveryLane,
  OperationKey,
  OutboxRow,
  ReceivedPaymentStore,
} from '../stores/received-payment.store.js';
import { LogBudget } from './log-budget.js';

/** What the listener stores in the outbox for one operation. */
export interface DeliveryPayload {
  id: string;
  from: string;
  amount: string;
  asset_code: string;
  asset_issuer: string;
  memo_type: string;
  memo: string;
  transaction_id: string;
  /** For error deliveries: why the payment was rejected. */
  error?: string;
  /** The M… address the payment was sent to and its muxed id, when it was muxed. */
  to_muxed?: string;
  to_muxed_id?: string;
  /** The claimable balance the bridge claimed, for a delivered claim. */
  claimable_balance_id?: string;
}

export interface DeliveryOptions {
  store: ReceivedPaymentStore;
  http: AxiosInstance;
  logger: Logger;
  receiveUrl?: string;
  errorUrl?: string;
  complianceUrl?: string;
  macKey?: string;
  retryMinMs: number;
  retryMaxMs: number;
  concurrency: number;
  callbackTimeoutMs: number;
  /** Failure log lines per minute (first failure of a delivery, dead letter, recovery). */
  failureLogPerMinute: number;
}

/** Counts failed attempts by kind and outcome (`retry` or `dead`); /metrics in production. */
export interface FailureCounter {
  inc(labels: { kind: DeliveryKind; outcome: 'retry' | 'dead' }): void;
}

export class DeliveryError extends Error {
  constructor(
    message: string,
    /** The bank refused this payment for good: retrying would get the same answer. */
    readonly permanent = false,
  ) {
    super(message);
  }
}

/**
 * A 4xx is the bank's answer about the payment itself (unknown route, a form it rejects) and
 * will not change by asking again, so it ends the retries. Not permanent: 401/403 (our MAC key
 * or the bank's auth setup is wrong: fixed by configuration, then the queue resumes on its own),
 * 407, 408 and 425 (timing), 429 (slow down), and every 5xx or transport failure.
 */
export function isPermanentRefusal(status: number): boolean {
  return status >= 400 && status < 500 && ![401, 403, 407, 408, 425, 429].includes(status);
}

/** Most slots retries may hold: at least one, at most half, so first attempts always have room. */
export function laneCaps(concurrency: number): Record<DeliveryLane, number> {
  return {
    fresh: concurrency > 1 ? concurrency - 1 : 1,
    retry: Math.max(1, Math.floor(concurrency / 2)),
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export class DeliveryService {
  private readonly accounts = new Set<string>();
  /** Outbox row id → the lane it was taken from. */
  private readonly inFlight = new Map<number, DeliveryLane>();
  private readonly caps: Record<DeliveryLane, number>;
  private readonly failureLog: LogBudget;
  private failures?: FailureCounter;
  private wake?: () => void;
  /** Acknowledged deliveries waiting for the next batch write, and whether one is being written. */
  private readonly acks: { row: OutboxRow; resolve: () => void; reject: (err: unknown) => void }[] = [];
  private acking = false;
  private running = false;
  private loop?: Promise<void>;
  /** Successful deliveries by this process (benchmark, metrics). */
  delivered = 0;

  constructor(private readonly options: DeliveryOptions) {
    this.caps = laneCaps(options.concurrency);
    this.failureLog = new LogBudget(options.logger, options.failureLogPerMinute, 'delivery failures');
  }

  /** Where failed attempts are counted (the app's /metrics, built after this service). */
  countFailuresIn(counter: FailureCounter): void {
    this.failures = counter;
  }

  /** Deliveries of `accountId` are ours to send (we hold its listener lock). */
  addAccount(accountId: string): void {
    this.accounts.add(accountId);
    this.notify();
  }

  removeAccount(accountId: string): void {
    this.accounts.delete(accountId);
  }

  /** New rows are waiting. */
  notify(): void {
    this.wake?.();
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.notify();
    await this.loop;
    while (this.inFlight.size > 0) await sleep(20);
  }

  private inLane(lane: DeliveryLane): number {
    let n = 0;
    for (const l of this.inFlight.values()) if (l === lane) n++;
    return n;
  }

  /**
   * One pass fills the free slots: first attempts first (oldest first, up to their cap), then
   * retries (soonest due first, up to theirs). A new payment thus waits only for first attempts
   * recorded before it, each of which takes one attempt and then moves to the retry lane; and
   * retries keep at least one slot whatever arrives (with concurrency ≥ 2).
   */
  private async run(): Promise<void> {
    while (this.running) {
      let idleMs = 1_000;
      try {
        this.failureLog.roll();
        const accounts = [...this.accounts];
        let free = this.options.concurrency - this.inFlight.size;
        const open: DeliveryLane[] = [];
        let full = false;
        for (const lane of ['fresh', 'retry'] as const) {
          const room = Math.min(free, this.caps[lane] - this.inLane(lane));
          if (room <= 0 || accounts.length === 0) continue;
          const rows = await this.options.store.dueDeliveries(accounts, lane, Date.now(), room, [
            ...this.inFlight.keys(),
          ]);
          for (const row of rows) this.dispatch(row, lane);
          free -= rows.length;
          if (rows.length === room) full = true;
          else open.push(lane);
        }
        // A lane that filled its room may have more due: look again (a finished attempt wakes us).
        if (full && free > 0) continue;
        const next = await this.options.store.nextDueMs(accounts, open);
        if (next !== undefined) idleMs = Math.max(10, Math.min(idleMs, next - Date.now()));
      } catch (err) {
        this.options.logger.warn('outbox poll failed', { error: String(err) });
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, idleMs);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wake = undefined;
    }
  }

  private dispatch(row: OutboxRow, lane: DeliveryLane): void {
    this.inFlight.set(row.id, lane);
    void this.attempt(row).finally(() => {
      this.inFlight.delete(row.id);
      // Refill when a quarter of the slots is free, not after every delivery: one outbox query
      // then fills several slots (the loop's own timer still runs, whatever the count).
      const free = this.options.concurrency - this.inFlight.size;
      if (free >= Math.max(1, Math.floor(this.options.concurrency / 4))) this.notify();
    });
  }

  /**
   * Records an acknowledged delivery. Acknowledgements that arrive while one batch commits are
   * written together in the next one (one database transaction for many deliveries); each
   * caller still waits for its own row to be durable.
   */
  private acknowledge(row: OutboxRow): Promise<void> {
    return new Promise((resolve, reject) => {
      this.acks.push({ row, resolve, reject });
      // After this turn's other I/O callbacks, so the answers that came in together share it.
      if (!this.acking) setImmediate(() => void this.writeAcks());
      this.acking = true;
    });
  }

  private async writeAcks(): Promise<void> {
    try {
      while (this.acks.length > 0) {
        const batch = this.acks.splice(0);
        try {
          await this.options.store.markDelivered(batch.map((a) => a.row));
          for (const a of batch) a.resolve();
        } catch (err) {
          for (const a of batch) a.reject(err);
        }
      }
    } finally {
      this.acking = false;
    }
  }

  /**
   * Delivers a recorded payment again now (legacy /reprocess) and returns the error text or
   * undefined. The row is queued due only after this attempt's longest possible duration, so the
   * loop cannot send it a second time meanwhile, and a crash mid-way still leaves it queued.
   */
  async redeliver(op: OperationKey & { kind: DeliveryKind; payload: string }): Promise<string | undefined> {
    const hold = 2 * this.options.callbackTimeoutMs + 1_000;
    return this.attempt(await this.options.store.requeue(op, Date.now() + hold));
  }

  /** One delivery attempt; records the outcome. Returns the error text or undefined on success. */
  private async attempt(row: OutboxRow): Promise<string | undefined> {
    const about = { operation_id: row.operation_id, kind: row.kind, attempts: row.attempts + 1 };
    try {
      await this.send(row.kind, JSON.parse(row.payload) as DeliveryPayload);
    } catch (err) {
      return this.failed(row, about, err);
    }
    try {
      await this.acknowledge(row);
    } catch (err) {
      // The bank has it; only our record of that failed. It is sent again (delivery is
      // at-least-once, the bank deduplicates on id), after the usual backoff, so that a database
      // that keeps failing does not turn into a flood of callbacks. The error's code, not its
      // text: a query builder's error carries the SQL, and last_error is shown by the admin API.
      return this.failed(
        row,
        about,
        new DeliveryError(`Delivered, but recording it failed (${describe(err)}): it will be sent again`),
      );
    }
    this.delivered++;
    if (row.attempts > 0) this.failureLog.info('delivered after failed attempts', about);
    return undefined;
  }

  /** Records a failed attempt: a dead letter when the bank refused for good, else a retry. */
  private async failed(
    row: OutboxRow,
    about: { operation_id: string; kind: DeliveryKind; attempts: number },
    err: unknown,
  ): Promise<string> {
    const message = err instanceof DeliveryError ? err.message : `Delivery failed: ${String(err)}`;
    if (err instanceof DeliveryError && err.permanent) {
      this.failures?.inc({ kind: row.kind, outcome: 'dead' });
      this.failureLog.warn('delivery refused for good: dead letter, retry it from the admin API', {
        ...about,
        error: message,
      });
      await this.options.store.markDead(row, message).catch(() => undefined);
      return message;
    }
    const delay = Math.min(
      this.options.retryMaxMs,
      this.options.retryMinMs * 2 ** Math.min(row.attempts, 30),
    );
    const jittered = Math.round(delay * (0.8 + Math.random() * 0.4));
    this.failures?.inc({ kind: row.kind, outcome: 'retry' });
    const detail = { ...about, retry_in_ms: jittered, error: message };
    // The first failure of a delivery is news; its later ones are not (the admin API shows them).
    if (row.attempts === 0) this.failureLog.warn('delivery failed, will retry', detail);
    else this.options.logger.debug('delivery failed again, will retry', detail);
    await this.options.store.markAttemptFailed(row, Date.now() + jittered, message).catch(() => undefined);
    return message;
  }

  private async send(kind: DeliveryKind, payload: DeliveryPayload): Promise<void> {
    if (kind === 'error') {
      if (!this.options.errorUrl) return;
      const form = {
        ...baseForm(payload, payload.memo_type === 'hash' ? '' : payload.memo, ''),
        error: payload.error ?? '',
      };
      await this.post(this.options.errorUrl, form, 'error callback');
      return;
    }
    if (!this.options.receiveUrl) throw new DeliveryError('No receive callback configured');
    let route = payload.memo_type === 'hash' ? '' : payload.memo;
    let data = '';
    if (payload.memo_type === 'hash' && this.options.complianceUrl) {
      const auth = await this.complianceReceive(payload.memo);
      data = auth.data;
      route = auth.route;
    }
    await this.post(this.options.receiveUrl, baseForm(payload, route, data), 'receive callback');
  }

  async complianceReceive(memo: string): Promise<{ data: string; route: string }> {
    const url = new URL('receive', withSlash(this.options.complianceUrl as string)).toString();
    const body = encodeFormGoStyle({ memo });
    let res;
    try {
      res = await this.options.http.post(url, body, {
        headers: this.headers(body),
        responseType: 'text',
        transformResponse: (d: unknown) => d,
        timeout: this.options.callbackTimeoutMs,
      });
    } catch (err) {
      throw new DeliveryError(`Error sending request to compliance server: ${describe(err)}`);
    }
    if (res.status !== 200) throw refusal('Error response from compliance server', res.status);
    try {
      const data = String((JSON.parse(String(res.data)) as { data?: unknown }).data ?? '');
      const authData = JSON.parse(data) as { attachment?: unknown };
      const attachment =
        typeof authData.attachment === 'string'
          ? JSON.parse(authData.attachment)
          : (authData.attachment ?? {});
      const route = (attachment as { transaction?: { route?: unknown } }).transaction?.route;
      return { data, route: route === undefined || route === null ? '' : String(route) };
    } catch {
      throw new DeliveryError('Cannot parse compliance server response');
    }
  }

  private headers(body: string): Record<string, string> {
    const headers: Record<string, string> = { 'Content-Type': 'application/x-www-form-urlencoded' };
    if (this.options.macKey) {
      const mac = payloadMac(this.options.macKey, body);
      headers['X-Payload-Mac'] = mac;
      headers['X_PAYLOAD_MAC'] = mac;
    }
    return headers;
  }

  private async post(url: string, form: Record<string, string>, what: string): Promise<void> {
    const body = encodeFormGoStyle(form);
    let status: number;
    try {
      const res = await this.options.http.post(url, body, {
        headers: this.headers(body),
        timeout: this.options.callbackTimeoutMs,
        responseType: 'text',
        transformResponse: (d: unknown) => d,
      });
      status = res.status;
    } catch (err) {
      throw new DeliveryError(`Error sending request to ${what}: ${describe(err)}`);
    }
    if (status !== 200) throw refusal(`Error response from ${what}`, status);
  }
}

function baseForm(p: DeliveryPayload, route: string, data: string): Record<string, string> {
  return {
    id: p.id,
    from: p.from,
    route,
    amount: p.amount,
    asset_code: p.asset_code,
    asset_issuer: p.asset_issuer,
    memo_type: p.memo_type,
    memo: p.memo,
    data,
    transaction_id: p.transaction_id,
    // New fields, only for a payment sent to an M… address (legacy receivers see no change).
    ...(p.to_muxed ? { to_muxed: p.to_muxed, to_muxed_id: p.to_muxed_id ?? '0' } : {}),
    ...(p.claimable_balance_id ? { claimable_balance_id: p.claimable_balance_id } : {}),
  };
}

/** The legacy text for a transient failure; a permanent one says so, with the status. */
function refusal(text: string, status: number): DeliveryError {
  return isPermanentRefusal(status)
    ? new DeliveryError(`${text} (HTTP ${status}, permanent: not retried)`, true)
    : new DeliveryError(text);
}

function withSlash(url: string): string {
  return url.endsWith('/') ? url : `${url}/`;
}

function describe(err: unknown): string {
  const e = err as { code?: string; message?: string };
  return e.code ?? e.message ?? String(err);
}
