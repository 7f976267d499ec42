// The bridge's one door to the Stellar network, in the bridge's own words. The submitter, the
// listener, the handlers and admin talk only to this port; an adapter speaks Horizon
// (horizon-network.ts) or Stellar RPC (rpc-network.ts), and nothing above knows which one runs.
//
// Shared vocabulary, so both adapters are interchangeable over one database:
// - A payment record has Horizon's payment-record shape (PaymentRecord) with the memo joined.
// - A cursor is an operation id (Horizon's TOID paging token) on both backends, so a cursor
//   stored by one backend is resumed by the other, and a received operation keeps its id.
import { NotFoundError, type Transaction } from '@stellar/stellar-sdk';
import type { PaymentRecord } from '../services/listener.service.js';

export interface NetworkAccount {
  accountId: string;
  /** The account's current sequence number. */
  sequence: string;
  /**
   * The account's data entries that the bridge reads, base64 values as Horizon prints them
   * (today only SEP-29's `config.memo_required`; Horizon gives them all).
   */
  data: Record<string, string>;
}

/** A submitted transaction that is in a ledger. */
export interface LandedTransaction {
  hash: string;
  ledger: number;
  envelope_xdr: string;
  result_xdr?: string;
}

/** A transaction found by hash: landed, successful or not. */
export interface FoundTransaction extends LandedTransaction {
  successful: boolean;
  /** Its TOID (Horizon's paging_token): operation `i` (from 0) has id toid + i + 1. */
  toid?: string;
}

/** A claimable balance as Horizon's /claimable_balances lists it (the fields the bridge reads). */
export interface NetworkClaimableBalance {
  id: string;
  /** SEP-11: `native` or `CODE:ISSUER`. */
  asset: string;
  amount: string;
  sponsor: string;
}

export interface LatestLedger {
  sequence: number;
  /** The ledger's close time (the network's clock), unix seconds. */
  closedAt: number;
}

export interface PaymentStreamHandlers {
  onmessage(record: PaymentRecord): void;
  /**
   * A failure that ends the stream; `message` empty for benign events. `rateLimited`: the
   * network refused or ended the stream for its rate limit (Horizon's 429 or mid-stream
   * `event: error` "Rate limit exceeded").
   */
  onerror(event: { message?: string; status?: number; rateLimited?: boolean }): void;
  /** Reconnect after this much silence (Horizon's SSE client); polling adapters ignore it. */
  reconnectTimeout: number;
}

export interface StellarNetwork {
  /** Which adapter runs (logs, admin, metrics labels). */
  readonly backend: 'horizon' | 'rpc';
  /** Resolves when the network answers (readiness): Horizon's root, RPC's getHealth. */
  health(): Promise<void>;
  /**
   * The oldest ledger whose payments this backend can still read (Horizon's
   * history_elder_ledger; RPC's oldestLedger, or the backfill Horizon's when one is configured).
   */
  historyElderLedger(): Promise<number>;
  /**
   * The last ledger that changed the account's entries (account or trustline): nothing was
   * received after it. An adapter that cannot tell answers the latest ledger (assume changed).
   */
  lastChangedLedger(accountId: string): Promise<number>;
  /** @throws AccountNotFound when the account does not exist. */
  loadAccount(accountId: string): Promise<NetworkAccount>;
  /**
   * Submits a signed envelope and waits until it is in a ledger. A rejection or a failed
   * transaction throws what horizon-errors' asRejection understands (or a HorizonRejection); an
   * unknown outcome throws an error carrying `response.status` 502/503/504/429 or none at all
   * (connection lost), exactly as Horizon's client does, so the submitter's rules apply unchanged.
   */
  submit(tx: Transaction): Promise<LandedTransaction>;
  /**
   * How long the network asked this client to stay away (ms; 0 = not limited): set by a 429
   * from its rate limit, from the headers it came with. Only Horizon limits this way.
   */
  rateLimitedForMs?(): number;
  /** The transaction by hash; undefined when the network does not know it (yet). */
  findTransaction(hash: string): Promise<FoundTransaction | undefined>;
  latestLedger(): Promise<LatestLedger>;
  /** The cursor meaning "from now on" for a receiving account (first start, reset to now). */
  latestPaymentCursor(accountId: string): Promise<string>;
  /** Payments to (and, on Horizon, from) the account after `cursor`, oldest first. */
  paymentsPage(accountId: string, cursor: string, limit: number): Promise<PaymentRecord[]>;
  /** Follows the account's payments after `cursor`; returns the function that stops it. */
  streamPayments(accountId: string, cursor: string, handlers: PaymentStreamHandlers): () => void;
  /** An operation by id, as a payment record (admin, /reprocess). @throws AccountNotFound-like 404 */
  operation(operationId: string): Promise<PaymentRecord>;
  /** The lumens an account_merge credited to its destination. */
  mergedAmount(record: PaymentRecord): Promise<string>;
  /**
   * The claimable balances `accountId` is a claimant of (Horizon's `/claimable_balances?claimant=`);
   * absent when the backend cannot list them (RPC without a Horizon to ask).
   */
  claimableBalances?(accountId: string): Promise<NetworkClaimableBalance[]>;
  /** The memo of a transaction (when a record came without its transaction joined). */
  transactionMemo(hash: string): Promise<{ memo_type?: string; memo?: string }>;
}

/**
 * "Not found" from any backend. The SDK's own NotFoundError (so horizon-errors' isNotFound
 * matches), with the name and 404 status Horizon's client errors carry.
 */
export class AccountNotFound extends NotFoundError {
  override readonly response = { status: 404 };
  constructor(message: string) {
    super(message, undefined);
    this.name = 'NotFoundError';
  }
}

/**
 * The stored cursor is older than the history the network still keeps (Stellar RPC's retention
 * window) and no Horizon is configured to backfill it: continuing would skip payments silently.
 */
export class HistoryGapError extends Error {
  constructor(
    readonly accountId: string,
    readonly cursorLedger: number,
    readonly oldestLedger: number,
  ) {
    super(
      `stored cursor (ledger ${cursorLedger}) is older than the network's oldest ledger ${oldestLedger}: ` +
        'payments in between cannot be read; configure network.horizon_url to backfill, or reset the cursor knowingly',
    );
    this.name = 'HistoryGapError';
  }
}

/** The ledger an operation id (TOID) or cursor belongs to; 0 for "0" and non-numeric tokens. */
export function cursorLedger(cursor: string): number {
  return /^\d+$/.test(cursor) ? Number(BigInt(cursor) >> 32n) : 0;
}

/** The cursor just after every operation of `ledger` (TOID with the largest tx and op parts). */
export function endOfLedgerCursor(ledger: number): string {
  return ((BigInt(ledger) << 32n) | 0xffffffffn).toString();
}
