// The network port over Horizon (@stellar/stellar-sdk Horizon.Server): the code paths the bridge
// has always used, gathered behind StellarNetwork. Also serves as the RPC adapter's backfill.
import { Horizon, type Transaction } from '@stellar/stellar-sdk';
import type { PaymentRecord } from '../services/listener.service.js';
import { SharedPaymentStream } from './shared-payment-stream.js';
import { isNotFound } from '../services/horizon-errors.js';
import {
  endOfLedgerCursor,
  type FoundTransaction,
  type LandedTransaction,
  type LatestLedger,
  type NetworkAccount,
  type NetworkClaimableBalance,
  type PaymentStreamHandlers,
  type StellarNetwork,
} from './stellar-network.js';

/** Horizon's mid-stream error text (stellar-horizon internal/render/sse/stream.go ErrRateLimited). */
const STREAM_RATE_LIMITED = 'Rate limit exceeded';

type HeaderBag = { get?: (name: string) => unknown } & Record<string, unknown>;

function header(headers: HeaderBag | undefined, name: string): number | undefined {
  const raw = typeof headers?.get === 'function' ? headers.get(name) : headers?.[name];
  const n = Number(raw);
  return raw === undefined || raw === null || raw === '' || !Number.isFinite(n) || n < 0 ? undefined : n;
}

/**
 * How long a 429 asks the client to wait: until X-RateLimit-Reset (the whole allowance back, so
 * the catch-up that follows does not run straight into the limit again), else Retry-After (the
 * next single request), else `fallbackMs` (a 429 from something in front of Horizon, say).
 */
function rateLimitWaitMs(headers: HeaderBag | undefined, fallbackMs: number): number {
  const seconds = header(headers, 'x-ratelimit-reset') ?? header(headers, 'retry-after');
  return seconds === undefined ? fallbackMs : seconds * 1000;
}

export class HorizonNetwork implements StellarNetwork {
  readonly backend = 'horizon' as const;
  readonly server: Horizon.Server;
  /** Epoch ms before which Horizon's rate limit said to stay away. */
  private limitedUntil = 0;
  private readonly rateLimitFallbackMs: number;
  /** Set with `oneStream`: every account's payments come from one /payments stream. */
  private readonly shared: SharedPaymentStream | undefined;

  /**
   * `oneStream`: follow every account over one network-wide stream ([listener] one_stream).
   * `rateLimitFallbackMs`: the wait after a 429 that says nothing about when to come back.
   */
  constructor(url: string, options: { oneStream?: boolean; rateLimitFallbackMs?: number } = {}) {
    this.server = new Horizon.Server(url, { allowHttp: url.startsWith('http:') });
    this.rateLimitFallbackMs = options.rateLimitFallbackMs ?? 60_000;
    this.shared = options.oneStream
      ? new SharedPaymentStream({
          open: (cursor, handlers) => this.stream(this.server.payments(), cursor, handlers),
          page: (accountId, cursor, limit) => this.paymentsPage(accountId, cursor, limit),
          nowCursor: async () => endOfLedgerCursor((await this.latestLedger()).sequence),
        })
      : undefined;
    this.server.httpClient.interceptors.response.use(
      (response) => response,
      (error: { response?: { status?: number; headers?: HeaderBag } }) => {
        if (error?.response?.status === 429) this.noteRateLimited(error.response.headers);
        return Promise.reject(error);
      },
    );
  }

  rateLimitedForMs(): number {
    return Math.max(0, this.limitedUntil - Date.now());
  }

  private noteRateLimited(headers: HeaderBag | undefined): void {
    this.limitedUntil = Math.max(
      this.limitedUntil,
      Date.now() + rateLimitWaitMs(headers, this.rateLimitFallbackMs),
    );
  }

  async health(): Promise<void> {
    await this.server.root();
  }

  async historyElderLedger(): Promise<number> {
    return Number((await this.server.root()).history_elder_ledger);
  }

  async lastChangedLedger(accountId: string): Promise<number> {
    const acct = await this.server.loadAccount(accountId);
    return Math.max(
      Number(acct.last_modified_ledger),
      ...acct.balances.map((b) => Number((b as { last_modified_ledger?: number }).last_modified_ledger ?? 0)),
    );
  }

  async loadAccount(accountId: string): Promise<NetworkAccount> {
    const account = await this.server.loadAccount(accountId);
    return { accountId, sequence: account.sequenceNumber(), data: { ...account.data_attr } };
  }

  async submit(tx: Transaction): Promise<LandedTransaction> {
    // The bank decides memos: SEP-29's memo-required check is not the bridge's to make.
    const res = await this.server.submitTransaction(tx, { skipMemoRequiredCheck: true });
    return {
      hash: res.hash,
      ledger: Number(res.ledger),
      envelope_xdr: res.envelope_xdr ?? tx.toEnvelope().toXDR('base64'),
      result_xdr: res.result_xdr,
    };
  }

  async findTransaction(hash: string): Promise<FoundTransaction | undefined> {
    try {
      const record = (await this.server.transactions().transaction(hash).call()) as unknown as Record<
        string,
        unknown
      >;
      return {
        hash,
        successful: record.successful !== false,
        ledger: Number(record.ledger_attr ?? record.ledger),
        envelope_xdr: String(record.envelope_xdr ?? ''),
        result_xdr: record.result_xdr as string | undefined,
        toid: String(record.paging_token),
      };
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  async latestLedger(): Promise<LatestLedger> {
    const page = await this.server.ledgers().order('desc').limit(1).call();
    const record = page.records[0];
    return {
      sequence: Number(record?.sequence ?? 0),
      closedAt: Date.parse(String(record?.closed_at ?? '')) / 1000,
    };
  }

  async latestPaymentCursor(accountId: string): Promise<string> {
    try {
      const page = await this.server.payments().forAccount(accountId).order('desc').limit(1).call();
      return page.records[0]?.paging_token ?? '0';
    } catch (err) {
      if (isNotFound(err)) return '0';
      throw err;
    }
  }

  async paymentsPage(accountId: string, cursor: string, limit: number): Promise<PaymentRecord[]> {
    const page = await this.server
      .payments()
      .forAccount(accountId)
      .cursor(cursor)
      .order('asc')
      .limit(limit)
      .join('transactions')
      .call();
    return page.records as unknown as PaymentRecord[];
  }

  streamPayments(accountId: string, cursor: string, handlers: PaymentStreamHandlers): () => void {
    if (this.shared) return this.shared.subscribe(accountId, cursor, handlers);
    return this.stream(this.server.payments().forAccount(accountId), cursor, handlers);
  }

  private stream(
    builder: ReturnType<Horizon.Server['payments']>,
    cursor: string,
    handlers: PaymentStreamHandlers,
  ): () => void {
    return builder
      .cursor(cursor)
      .join('transactions')
      .stream({
        onmessage: (record) => handlers.onmessage(record as unknown as PaymentRecord),
        onerror: (event) => {
          const e = (event ?? {}) as { message?: string; status?: number; data?: unknown };
          // A mid-stream limit arrives as a server-sent `event: error`; a refused reconnect as a 429.
          if (e.data === STREAM_RATE_LIMITED || e.status === 429) {
            handlers.onerror({ message: STREAM_RATE_LIMITED, status: e.status, rateLimited: true });
            return;
          }
          handlers.onerror({ message: e.message, status: e.status });
        },
        reconnectTimeout: handlers.reconnectTimeout,
      });
  }

  async operation(operationId: string): Promise<PaymentRecord> {
    return (await this.server.operations().operation(operationId).call()) as unknown as PaymentRecord;
  }

  async mergedAmount(record: PaymentRecord): Promise<string> {
    const effects = await this.server.effects().forOperation(String(record.id)).limit(50).call();
    const credited = effects.records.find(
      (e) => (e as unknown as { type: string }).type === 'account_credited',
    ) as unknown as { amount?: string } | undefined;
    return credited?.amount ?? '0';
  }

  async claimableBalances(accountId: string): Promise<NetworkClaimableBalance[]> {
    const out: NetworkClaimableBalance[] = [];
    let page = await this.server.claimableBalances().claimant(accountId).limit(200).call();
    for (;;) {
      for (const r of page.records)
        out.push({ id: r.id, asset: r.asset, amount: r.amount, sponsor: String(r.sponsor ?? '') });
      if (page.records.length < 200) return out;
      page = await page.next();
    }
  }

  async transactionMemo(hash: string): Promise<{ memo_type?: string; memo?: string }> {
    return (await this.server.transactions().transaction(hash).call()) as unknown as {
      memo_type?: string;
      memo?: string;
    };
  }
}
