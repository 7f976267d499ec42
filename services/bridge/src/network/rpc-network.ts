// The network port over Stellar RPC (@stellar/stellar-sdk rpc.Server, JSON-RPC 2.0):
// - accounts: getLedgerEntries; submission: sendTransaction, then getTransaction until the
//   outcome is known (TRY_AGAIN_LATER and "not in a ledger yet" surface as unknown outcomes, so the
//   submitter resubmits the same envelope or resolves it by hash, never rebuilding it early);
// - payments: getEvents with CAP-67 credits to the account (see rpc-records.ts), polled;
// - gap policy: a cursor older than RPC's window is backfilled from Horizon when one is
//   configured, otherwise HistoryGapError (reported by the listener's HistoryGapGuard exactly as a
//   Horizon gap is; never a silent skip).
import { MEMO_REQUIRED_KEY } from '../services/memo-required.js';
import { Asset, rpc, xdr, Keypair, type FeeBumpTransaction, type Transaction } from '@stellar/stellar-sdk';
import type { Logger } from '@anchor/support';
import type { PaymentRecord } from '../services/listener.service.js';
import { numbers, type HorizonNetwork } from './horizon-network.js';
import {
  creditTopics,
  decodeCredit,
  envelopeTransaction,
  memoOf,
  operationId,
  operationParts,
  paymentRecord,
  paysDestination,
  type RpcTransaction,
} from './rpc-records.js';
import {
  AccountNotFound,
  HistoryGapError,
  cursorLedger,
  endOfLedgerCursor,
  type FeeStats,
  type FoundTransaction,
  type LandedTransaction,
  type LatestLedger,
  type NetworkAccount,
  type NetworkClaimableBalance,
  type PaymentStreamHandlers,
  type StellarNetwork,
} from './stellar-network.js';

export interface RpcNetworkOptions {
  url: string;
  networkPassphrase: string;
  logger: Logger;
  /** Horizon kept only to backfill history older than RPC's window. */
  backfill?: HorizonNetwork;
  /** getTransaction and getEvents polling interval. */
  pollIntervalMs: number;
  /** How long a submission waits for its ledger before its outcome counts as unknown (Horizon: 30 s). */
  submitTimeoutMs: number;
  /**
   * The credit assets the bridge accepts: their trustlines are read with the account entry to
   * tell the last ledger that changed a receiving account (RPC cannot list an account's lines).
   */
  assets?: readonly { code: string; issuer?: string }[];
}

/**
 * An RPC answer that leaves a submission's outcome open, in the shape of Horizon's client errors
 * (`response.status`), so the submitter's classification (503/504 = unknown) applies as is.
 */
class OutcomeUnknown extends Error {
  readonly response: { status: number };
  constructor(status: number, message: string) {
    super(message);
    this.name = 'OutcomeUnknown';
    this.response = { status };
  }
}

/** A rejected or failed transaction, shaped like Horizon's 400 (horizon-errors' asRejection reads it). */
class Rejected extends Error {
  readonly response: { status: number; data: { extras: { result_xdr: string } } };
  constructor(resultXdr: string) {
    super('transaction rejected');
    this.name = 'Rejected';
    this.response = { status: 400, data: { extras: { result_xdr: resultXdr } } };
  }
}

/** stellar-core's minimum base fee per operation, in stroops. */
const MIN_BASE_FEE = 100;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const EVENTS_LIMIT = 200;
/** RPC's "outside the ledger range" error (JSON-RPC -32600). */
const isOutsideRange = (err: unknown) => (err as { code?: number } | null)?.code === -32600;

/** Where a payments query starts: after an operation, after an RPC event id, or at a ledger. */
type Position = { opCursor: string } | { eventCursor: string };

export class RpcNetwork implements StellarNetwork {
  readonly backend = 'rpc' as const;
  readonly server: rpc.Server;
  /** Per account: the cursor a Horizon backfill reached (at least RPC's window). */
  private readonly backfilled = new Map<string, string>();

  /** RPC cannot search claimable balances by claimant: only a backfill Horizon can. */
  readonly claimableBalances?: (accountId: string) => Promise<NetworkClaimableBalance[]>;

  constructor(private readonly options: RpcNetworkOptions) {
    this.server = new rpc.Server(options.url, { allowHttp: options.url.startsWith('http:') });
    const horizon = options.backfill;
    if (horizon) this.claimableBalances = (accountId) => horizon.claimableBalances(accountId);
  }

  async health(): Promise<void> {
    await this.server.getHealth();
  }

  async historyElderLedger(): Promise<number> {
    if (this.options.backfill) return this.options.backfill.historyElderLedger();
    return (await this.server.getHealth()).oldestLedger;
  }

  async lastChangedLedger(accountId: string): Promise<number> {
    // The account entry and the trustlines of the accepted assets (getLedgerEntries needs exact
    // keys): a credit changes one of them. A missing account counts as changed now.
    const owner = Keypair.fromPublicKey(accountId).xdrPublicKey();
    const keys = [xdr.LedgerKey.account(new xdr.LedgerKeyAccount({ accountId: owner }))];
    for (const a of this.options.assets ?? []) {
      if (!a.issuer) continue;
      const asset = new Asset(a.code, a.issuer).toTrustLineXDRObject();
      keys.push(xdr.LedgerKey.trustline(new xdr.LedgerKeyTrustLine({ accountId: owner, asset })));
    }
    const res = await this.server._getLedgerEntries(...keys);
    const entries = res.entries ?? [];
    if (!entries.some((e) => e.key === keys[0]?.toXDR('base64'))) return res.latestLedger;
    return Math.max(...entries.map((e) => e.lastModifiedLedgerSeq ?? res.latestLedger));
  }

  async loadAccount(accountId: string): Promise<NetworkAccount> {
    const key = xdr.LedgerKey.account(
      new xdr.LedgerKeyAccount({ accountId: Keypair.fromPublicKey(accountId).xdrPublicKey() }),
    );
    // The SEP-29 data entry comes in the same request: RPC serves data entries as their own keys.
    const memoKey = xdr.LedgerKey.data(
      new xdr.LedgerKeyData({
        accountId: Keypair.fromPublicKey(accountId).xdrPublicKey(),
        dataName: MEMO_REQUIRED_KEY,
      }),
    );
    const res = await this.server._getLedgerEntries(key, memoKey);
    const entries = (res.entries ?? []).map((e) => xdr.LedgerEntryData.fromXDR(e.xdr, 'base64'));
    const account = entries.find((e) => e.switch().name === 'account');
    if (!account) throw new AccountNotFound(`account ${accountId} not found`);
    const data: Record<string, string> = {};
    for (const e of entries.filter((x) => x.switch().name === 'data')) {
      data[e.data().dataName().toString()] = e.data().dataValue().toString('base64');
    }
    return { accountId, sequence: account.account().seqNum().toString(), data };
  }

  async feeStats(): Promise<FeeStats> {
    // getFeeStats has no base fee; classic's has been the protocol minimum since launch.
    const stats = await this.server.getFeeStats();
    return { baseFee: MIN_BASE_FEE, bids: numbers(stats.inclusionFee) };
  }

  async submit(tx: Transaction | FeeBumpTransaction): Promise<LandedTransaction> {
    const hash = tx.hash().toString('hex');
    const sent = await this.server._sendTransaction(tx);
    if (sent.status === 'ERROR') throw new Rejected(String(sent.errorResultXdr ?? ''));
    if (sent.status === 'TRY_AGAIN_LATER')
      throw new OutcomeUnknown(503, 'sendTransaction: TRY_AGAIN_LATER (not accepted; same envelope later)');
    // PENDING or DUPLICATE (already queued): wait for its ledger.
    const deadline = Date.now() + this.options.submitTimeoutMs;
    while (Date.now() < deadline) {
      const found = await this.findTransaction(hash);
      if (found && !found.successful) throw new Rejected(found.result_xdr ?? '');
      if (found) return found;
      await sleep(this.options.pollIntervalMs);
    }
    throw new OutcomeUnknown(
      504,
      `transaction ${hash} not in a ledger after ${this.options.submitTimeoutMs} ms`,
    );
  }

  async findTransaction(hash: string): Promise<FoundTransaction | undefined> {
    const res = await this.server._getTransaction(hash);
    if (res.status === 'NOT_FOUND') return undefined;
    return {
      hash,
      successful: res.status === 'SUCCESS',
      ledger: Number(res.ledger),
      envelope_xdr: String(res.envelopeXdr ?? ''),
      result_xdr: res.resultXdr,
      // The transaction's own TOID: the id of its operation "-1".
      toid: operationId(Number(res.ledger), Number(res.applicationOrder), -1),
    };
  }

  async sequenceUsedBy(
    source: string,
    sequence: string,
    hash: string,
  ): Promise<'this' | 'other' | undefined> {
    // RPC serves ledger entries and transactions from one ingestion of each ledger: once the
    // account's sequence reached the number, getTransaction knows the transaction that used it.
    const account = await this.loadAccount(source);
    if (BigInt(account.sequence) < BigInt(sequence)) return undefined;
    return (await this.findTransaction(hash)) ? 'this' : 'other';
  }

  async latestLedger(): Promise<LatestLedger> {
    const res = await this.server._getLatestLedger();
    return { sequence: res.sequence, closedAt: Number(res.closeTime) };
  }

  async latestPaymentCursor(): Promise<string> {
    return endOfLedgerCursor((await this.latestLedger()).sequence);
  }

  async paymentsPage(accountId: string, cursor: string, limit: number): Promise<PaymentRecord[]> {
    return (await this.credits(accountId, { opCursor: cursor }, limit)).records;
  }

  streamPayments(accountId: string, cursor: string, handlers: PaymentStreamHandlers): () => void {
    let stopped = false;
    void (async () => {
      let position: Position = { opCursor: cursor };
      while (!stopped) {
        try {
          const page = await this.credits(accountId, position, EVENTS_LIMIT);
          for (const record of page.records) if (!stopped) handlers.onmessage(record);
          position = page.next;
          if (page.records.length < EVENTS_LIMIT) await sleep(this.options.pollIntervalMs);
        } catch (err) {
          if (!stopped) handlers.onerror({ message: `rpc: ${String((err as Error).message ?? err)}` });
          return;
        }
      }
    })();
    return () => {
      stopped = true;
    };
  }

  async operation(id: string): Promise<PaymentRecord> {
    const { ledger, order, opIndex } = operationParts(id);
    let cursor: string | undefined;
    for (;;) {
      const page = await this.server
        ._getTransactions(
          cursor
            ? { pagination: { cursor, limit: 200 } }
            : { startLedger: ledger, pagination: { limit: 200 } },
        )
        .catch((err: unknown) => {
          if (isOutsideRange(err)) throw new AccountNotFound(`operation ${id} is outside RPC's window`);
          throw err;
        });
      const txs = page.transactions ?? [];
      const hit = txs.find((t) => t.ledger === ledger && t.applicationOrder === order);
      if (hit) {
        const tx = hit.envelopeXdr && envelopeTransaction(hit.envelopeXdr, this.options.networkPassphrase);
        const credit = (hit.events?.contractEventsXdr?.[opIndex] ?? [])
          .map((e) => xdr.ContractEvent.fromXDR(e, 'base64').body().v0())
          .map((b) =>
            decodeCredit({
              topic: b.topics().map((t) => t.toXDR('base64')),
              value: b.data().toXDR('base64'),
            }),
          )
          .filter((c) => c !== undefined && tx && paysDestination(tx, opIndex, c))
          .pop();
        if (credit && tx) return paymentRecord(hit, tx, opIndex, credit);
        break;
      }
      if (txs.length === 0 || (txs[txs.length - 1]?.ledger ?? 0) > ledger) break;
      cursor = page.cursor;
    }
    throw new AccountNotFound(`operation ${id} not found`);
  }

  async mergedAmount(record: PaymentRecord): Promise<string> {
    // The merge's CAP-67 transfer event carries the merged balance.
    return String(record.amount ?? '0');
  }

  async transactionMemo(hash: string): Promise<{ memo_type?: string; memo?: string }> {
    const res = await this.server._getTransaction(hash);
    if (res.status === 'NOT_FOUND' || !res.envelopeXdr)
      throw new AccountNotFound(`transaction ${hash} not found`);
    return memoOf(envelopeTransaction(res.envelopeXdr, this.options.networkPassphrase));
  }

  /** Credits to the account after `position`, and where the next query starts. */
  private async credits(
    accountId: string,
    position: Position,
    limit: number,
  ): Promise<{ records: PaymentRecord[]; next: Position }> {
    let res: rpc.Api.RawGetEventsResponse | undefined;
    for (let attempt = 0; !res; attempt++) {
      const query = await this.eventQuery(accountId, position);
      if (query === 'backfill') {
        const cursor = (position as { opCursor: string }).opCursor;
        return this.backfill(accountId, cursor, limit);
      }
      if (query === 'nothing yet') return { records: [], next: position };
      res = await this.server
        ._getEvents({
          ...query,
          filters: [{ type: 'contract', topics: creditTopics(accountId) }],
          limit,
        } as rpc.Api.GetEventsRequest)
        .catch((err: unknown) => {
          // The window moved past us between the range check and the query: check again (a gap
          // is then reported as one); an event cursor left behind ends the session.
          if (isOutsideRange(err) && 'opCursor' in position && attempt < 3) return undefined;
          if (isOutsideRange(err))
            throw new Error(`rpc: cursor left the window: ${String((err as Error).message)}`);
          throw err;
        });
    }
    // One getTransaction and one envelope decoding per transaction, however many of its
    // operations credited us (a batch of 100 payments is one transaction).
    const txs = new Map<string, Promise<{ info: RpcTransaction; tx: Transaction }>>();
    const transactionOf = (hash: string, eventId: string) => {
      let found = txs.get(hash);
      if (!found) {
        found = this.server._getTransaction(hash).then((t) => {
          if (!t.envelopeXdr) throw new Error(`rpc: transaction ${hash} of event ${eventId} not found`);
          const info = { ...t, txHash: hash } as RpcTransaction;
          return { info, tx: envelopeTransaction(t.envelopeXdr, this.options.networkPassphrase) };
        });
        txs.set(hash, found);
      }
      return found;
    };
    const events = res.events ?? [];
    const resolved = await Promise.all(
      events.map(async (e) => {
        const credit = decodeCredit({ topic: e.topic ?? [], value: e.value });
        if (!credit || credit.to !== accountId) return undefined;
        const { info, tx } = await transactionOf(e.txHash, e.id);
        // Trades a path payment or an offer made with us are not payments to us (Horizon's
        // payments list them neither): only the operation's own movement to its destination.
        if (!paysDestination(tx, e.operationIndex, credit)) return undefined;
        return paymentRecord(info, tx, e.operationIndex, credit);
      }),
    );
    // One record per operation, its last credit (a path payment's final transfer comes last).
    const byOperation = new Map<string, PaymentRecord>();
    for (const r of resolved) if (r) byOperation.set(r.id, r);
    return { records: [...byOperation.values()], next: { eventCursor: res.cursor } };
  }

  /** The getEvents range for `position`, 'backfill' when it lies before RPC's window. */
  private async eventQuery(
    accountId: string,
    position: Position,
  ): Promise<{ cursor: string } | { startLedger: number } | 'backfill' | 'nothing yet'> {
    if ('eventCursor' in position) return { cursor: position.eventCursor };
    let cursor = position.opCursor;
    const health = await this.server.getHealth();
    const floor = this.backfilled.get(accountId);
    if (floor !== undefined && BigInt(floor) > BigInt(/^\d+$/.test(cursor) ? cursor : '0')) cursor = floor;
    const ledger = cursorLedger(cursor);
    const endOfLedger = /^\d+$/.test(cursor) && (BigInt(cursor) & 0xffffffffn) === 0xffffffffn;
    // The first ledger whose events we still need (ledger 1 is genesis: no transactions).
    const need = cursor === '0' || !/^\d+$/.test(cursor) ? 2 : endOfLedger ? ledger + 1 : ledger;
    if (need < health.oldestLedger) {
      if (this.options.backfill) return 'backfill';
      // Nothing changed the account since the cursor's ledger: the forgotten ledgers credited it
      // nothing (e.g. a quiet account, or an RPC restarted with a fresh window).
      if (ledger > 0 && (await this.lastChangedLedger(accountId)) <= ledger)
        return { startLedger: health.oldestLedger };
      throw new HistoryGapError(accountId, cursor, ledger, health.oldestLedger);
    }
    if (need > health.latestLedger) return 'nothing yet';
    if (endOfLedger || need === 2) return { startLedger: need };
    // After every event of operation `cursor` (its RPC event TOID is one less: ops count from 0).
    // RPC starts after a cursor by adding one to its uint32 event index, so `-4294967295` would
    // wrap to the operation's first event again: the highest index that does not wrap is one less.
    const eventToid = BigInt(cursor) - 1n;
    return { cursor: `${eventToid.toString().padStart(19, '0')}-4294967294` };
  }

  /** Reads history older than RPC's window from Horizon (same records, same cursors). */
  private async backfill(
    accountId: string,
    cursor: string,
    limit: number,
  ): Promise<{ records: PaymentRecord[]; next: Position }> {
    const horizon = this.options.backfill as HorizonNetwork;
    const latest = await horizon.latestLedger();
    const records = await horizon.paymentsPage(accountId, cursor, limit);
    this.options.logger.warn('cursor outside RPC retention: backfilling from Horizon', {
      account: accountId,
      cursor,
      records: records.length,
    });
    const last = records[records.length - 1]?.paging_token ?? cursor;
    // Horizon had nothing more up to `latest`: RPC takes over from there.
    if (records.length < limit) this.backfilled.set(accountId, endOfLedgerCursor(latest.sequence));
    return {
      records,
      next: { opCursor: records.length < limit ? endOfLedgerCursor(latest.sequence) : last },
    };
  }
}
