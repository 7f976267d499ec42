// Delivery of received payments to the bank: the durable outbox worker.
// A delivery is the legacy receive-callback form (keys sorted as Go's
// url.Values.Encode, `id` = the operation id as a stable idempotency key) with
// X-Payload-Mac (+ legacy X_PAYLOAD_MAC) over the exact bytes. Failures are
// retried forever with capped exponential backoff, across restarts.
import type { AxiosInstance } from 'axios';
import { encodeFormGoStyle } from '@anchor/protocol';
import { payloadMac, type Logger } from '@anchor/support';
import type { DeliveryKind, OutboxRow, ReceivedPaymentStore } from '../stores/received-payment.store.js';

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
}

export class DeliveryError extends Error {}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export class DeliveryService {
  private readonly accounts = new Set<string>();
  private readonly inFlight = new Set<number>();
  private wake?: () => void;
  private running = false;
  private loop?: Promise<void>;
  /** Successful deliveries by this process (benchmark, metrics). */
  delivered = 0;

  constructor(private readonly options: DeliveryOptions) {}

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

  private async run(): Promise<void> {
    while (this.running) {
      let idleMs = 1_000;
      try {
        const free = this.options.concurrency - this.inFlight.size;
        if (free > 0 && this.accounts.size > 0) {
          const rows = await this.options.store.dueDeliveries([...this.accounts], Date.now(), free, [
            ...this.inFlight,
          ]);
          for (const row of rows) this.dispatch(row);
          if (rows.length === free) continue;
          const next = await this.options.store.nextDueMs([...this.accounts]);
          if (next !== undefined) idleMs = Math.max(10, Math.min(idleMs, next - Date.now()));
        } else if (free <= 0) {
          idleMs = 1_000;
        }
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

  private dispatch(row: OutboxRow): void {
    this.inFlight.add(row.id);
    void this.attempt(row).finally(() => {
      this.inFlight.delete(row.id);
      this.notify();
    });
  }

  /** One delivery attempt; records the outcome. Returns the error text or undefined on success. */
  async attempt(row: OutboxRow): Promise<string | undefined> {
    try {
      await this.send(row.kind, JSON.parse(row.payload) as DeliveryPayload);
      await this.options.store.markDelivered(row);
      this.delivered++;
      return undefined;
    } catch (err) {
      const message = err instanceof DeliveryError ? err.message : `Delivery failed: ${String(err)}`;
      const delay = Math.min(
        this.options.retryMaxMs,
        this.options.retryMinMs * 2 ** Math.min(row.attempts, 30),
      );
      const jittered = Math.round(delay * (0.8 + Math.random() * 0.4));
      this.options.logger.warn('delivery failed, will retry', {
        operation_id: row.operation_id,
        kind: row.kind,
        attempts: row.attempts + 1,
        retry_in_ms: jittered,
        error: message,
      });
      await this.options.store.markAttemptFailed(row, Date.now() + jittered, message).catch(() => undefined);
      return message;
    }
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
    if (res.status !== 200) throw new DeliveryError('Error response from compliance server');
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
    if (status !== 200) throw new DeliveryError(`Error response from ${what}`);
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
  };
}

function withSlash(url: string): string {
  return url.endsWith('/') ? url : `${url}/`;
}

function describe(err: unknown): string {
  const e = err as { code?: string; message?: string };
  return e.code ?? e.message ?? String(err);
}
