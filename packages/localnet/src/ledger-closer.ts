// The network's heartbeat. Submitted transactions enter a queue with stellar-core's admission
// rules (one pending transaction per source account, applied and dropped hashes banned for a
// while, transactions not included within a few ledgers dropped); every close interval the
// closer takes the queue by fee rate (highest first, arrival order on a tie) up to the ledger's
// operation capacity, charging a surge-priced set its lowest included rate, re-validates and
// applies each against the live state, records history under TOIDs, and then tells waiting
// submitters and streams about the new ledger.
import { createHash } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { Asset, Keypair, xdr } from '@stellar/stellar-sdk';
import { BASE_FEE, BASE_RESERVE, LedgerState, TOTAL_COINS, newAccount } from './ledger-state.js';
import { HistoryStore, type OpRow, type TxRow } from './history-store.js';
import { effectJson, isPaymentType, ledgerJson, operationJson, transactionJson } from './horizon-json.js';
import { effectAccountRef, withTradeSellerMuxed } from './muxed-fields.js';
import { minimalMetaXdr, txFailure, type TxOutcome } from './result-xdr.js';
import {
  FeeStatsWindow,
  betterFee,
  compareRates,
  declaredFee,
  feeRate,
  pricedOperations,
  type FeeRate,
} from './fee-stats.js';
import { toid } from './toid.js';
import type { SacContext } from './sac-transfer-appliers.js';
import { applyTransaction, checkValid, type LedgerContext } from './transaction-validator.js';
import { networkId, type ParsedTx } from './xdr-decode.js';

export const PROTOCOL_VERSION = 23;

export type SubmitResult =
  { kind: 'applied'; row: TxRow } | { kind: 'rejected'; outcome: TxOutcome; tx: ParsedTx };

/**
 * stellar-core's queue depths (src/main/Config.cpp TRANSACTION_QUEUE_TIMEOUT_LEDGERS and
 * TRANSACTION_QUEUE_BAN_LEDGERS, used by src/herder/TransactionQueue.cpp): a transaction not
 * included within 4 ledgers is dropped, and a dropped or applied hash is refused with
 * TRY_AGAIN_LATER for the next 10 ledgers.
 */
export const QUEUE_TIMEOUT_LEDGERS = 4;
export const QUEUE_BAN_LEDGERS = 10;
/**
 * stellar-core's TRANSACTION_QUEUE_SIZE_MULTIPLIER (src/main/Config.cpp): the queue holds this
 * many ledgers' worth of operations; past that a transaction must evict cheaper ones or is refused.
 */
export const QUEUE_SIZE_MULTIPLIER = 2;

interface Pending {
  tx: ParsedTx;
  /** Head sequence when it was admitted; its age is counted in ledgers closed since. */
  admittedAt: number;
}

export interface LedgerHead {
  sequence: number;
  closeTime: number;
  hash: string;
  feePool: bigint;
  totalCoins: bigint;
}

export interface ClosedLedger {
  sequence: number;
  closeTime: number;
  /** Accounts whose entries changed in this ledger. */
  touched: Set<string>;
}

export interface LedgerCloserOptions {
  networkPassphrase: string;
  baseUrl: string;
  /** Operations per ledger before further transactions wait for the next one. */
  maxOperationsPerLedger: number;
  /** Dev only: apply invoke_host_function calls of a classic asset's SAC (sac-transfer-appliers.ts). */
  devSacTransfers?: boolean;
  /** Called just before a ledger is assembled, to contribute transactions first (friendbot). */
  beforeClose?: (closer: LedgerCloser, lc: LedgerContext) => ParsedTx | null;
  now?: () => number;
}

export interface AsyncSubmitStatus {
  status: 'PENDING' | 'DUPLICATE' | 'ERROR' | 'TRY_AGAIN_LATER';
  outcome?: TxOutcome;
}

/** Contract ids of the classic assets' SACs, computed once per asset. */
function sacContext(passphrase: string): SacContext {
  const ids = new Map<string, string>();
  return {
    contractIdOf(asset) {
      const key = asset.type === 'native' ? 'native' : `${asset.code}:${asset.issuer}`;
      let id = ids.get(key);
      if (id === undefined) {
        id = (asset.type === 'native' ? Asset.native() : new Asset(asset.code, asset.issuer)).contractId(
          passphrase,
        );
        ids.set(key, id);
      }
      return id;
    },
  };
}

function zeroHash(): Buffer {
  return Buffer.alloc(32);
}

export class LedgerCloser extends EventEmitter {
  readonly state = new LedgerState();
  readonly history = new HistoryStore();
  readonly feeStats = new FeeStatsWindow();
  readonly networkId: Buffer;
  readonly root: Keypair;
  head: LedgerHead;
  private queue: Pending[] = [];
  private readonly pendingByHash = new Map<string, Pending>();
  private readonly queuedBySource = new Map<string, number>();
  /** Hash → first head sequence at which it is no longer banned. */
  private readonly banned = new Map<string, number>();
  /** Synchronous submitters waiting for a hash to be applied (or rejected at close). */
  private readonly watchers = new Map<string, ((r: SubmitResult) => void)[]>();
  private readonly now: () => number;
  private readonly sac?: SacContext;

  constructor(private readonly options: LedgerCloserOptions) {
    super();
    this.setMaxListeners(0);
    this.networkId = networkId(options.networkPassphrase);
    this.root = Keypair.master(options.networkPassphrase);
    this.now = options.now ?? (() => Math.floor(Date.now() / 1000));
    if (options.devSacTransfers) this.sac = sacContext(options.networkPassphrase);
    this.head = {
      sequence: 0,
      closeTime: 0,
      hash: zeroHash().toString('hex'),
      feePool: 0n,
      totalCoins: TOTAL_COINS,
    };
  }

  get baseUrl(): string {
    return this.options.baseUrl;
  }

  /** Creates ledger 1 with the root account holding every lumen, as stellar-core's genesis. */
  genesis(): void {
    const t = this.now();
    this.state.put(newAccount(this.root.publicKey(), TOTAL_COINS, 0n, 1, t));
    this.recordLedger({ ledger: 1, closeTime: t }, [], 0, 0, 0, 0);
  }

  /** Restores a head from a snapshot (history starts afresh after it). */
  restoreHead(head: LedgerHead): void {
    this.head = head;
    this.recordLedger({ ledger: head.sequence, closeTime: head.closeTime }, [], 0, 0, 0, 0, true);
  }

  /** Next ledger's context, used for validating at submission time. */
  nextContext(): LedgerContext {
    return {
      ledger: this.head.sequence + 1,
      closeTime: Math.max(this.now(), this.head.closeTime),
      ...(this.sac ? { sac: this.sac } : {}),
    };
  }

  hasQueued(source: string): boolean {
    return (this.queuedBySource.get(source) ?? 0) > 0;
  }

  pending(hash: string): boolean {
    return this.pendingByHash.has(hash);
  }

  queueLength(): number {
    return this.queue.length;
  }

  private enqueue(tx: ParsedTx): void {
    const p: Pending = { tx, admittedAt: this.head.sequence };
    this.queue.push(p);
    this.pendingByHash.set(tx.envelopeHash, p);
    this.queuedBySource.set(tx.source.account, (this.queuedBySource.get(tx.source.account) ?? 0) + 1);
  }

  private dequeue(p: Pending): void {
    this.pendingByHash.delete(p.tx.envelopeHash);
    const n = (this.queuedBySource.get(p.tx.source.account) ?? 1) - 1;
    if (n <= 0) this.queuedBySource.delete(p.tx.source.account);
    else this.queuedBySource.set(p.tx.source.account, n);
  }

  private isBanned(hash: string): boolean {
    const until = this.banned.get(hash);
    return until !== undefined && this.head.sequence < until;
  }

  /**
   * The one queue entry point, answering as stellar-core's TransactionQueue::tryAdd does: a
   * banned hash or a source that already has a transaction pending is TRY_AGAIN_LATER, the same
   * envelope again is DUPLICATE, an invalid one is ERROR with its result. Horizon's
   * /transactions_async, Stellar RPC's sendTransaction and synchronous submission all come here.
   */
  admit(tx: ParsedTx): AsyncSubmitStatus {
    if (this.isBanned(tx.envelopeHash)) return { status: 'TRY_AGAIN_LATER' };
    if (this.pendingByHash.has(tx.envelopeHash)) return { status: 'DUPLICATE' };
    if (this.hasQueued(tx.source.account)) return { status: 'TRY_AGAIN_LATER' };
    const full = this.makeRoom(tx);
    if (full) return full;
    const invalid = checkValid(tx, this.state, this.nextContext());
    if (invalid) return { status: 'ERROR', outcome: invalid };
    this.enqueue(tx);
    return { status: 'PENDING' };
  }

  /**
   * stellar-core's TxQueueLimiter::canAddTx: the queue holds QUEUE_SIZE_MULTIPLIER ledgers of
   * operations. A transaction that does not fit evicts the cheapest queued ones if its fee rate
   * beats each of them strictly (they are banned, as core bans them); otherwise it is banned and
   * refused with txINSUFFICIENT_FEE whose fee_charged is the least fee that would have won.
   * (Core's rule that a newcomer must also beat bids evicted since the last close cannot bite
   * here: localnet's queue frees room only at a close.) Null: it fits.
   */
  private makeRoom(tx: ParsedTx): AsyncSubmitStatus | null {
    const limit = QUEUE_SIZE_MULTIPLIER * this.options.maxOperationsPerLedger;
    const bid = feeRate(tx);
    const refuse = (ref: FeeRate): AsyncSubmitStatus => {
      this.banned.set(tx.envelopeHash, this.head.sequence + QUEUE_BAN_LEDGERS);
      return { status: 'ERROR', outcome: txFailure(betterFee(ref, bid.ops), 'txInsufficientFee') };
    };
    const size = tx.operations.length;
    let queued = this.queue.reduce((n, p) => n + p.tx.operations.length, 0);
    if (queued + size <= limit) return null;
    if (size > limit) return { status: 'TRY_AGAIN_LATER' };
    // Cheapest first; among equal bids the newest goes first.
    const cheapest = this.queue
      .map((p, i) => ({ p, i }))
      .sort((a, b) => compareRates(feeRate(a.p.tx), feeRate(b.p.tx)) || b.i - a.i)
      .map((x) => x.p);
    const evict: Pending[] = [];
    for (const p of cheapest) {
      if (queued + size <= limit) break;
      if (compareRates(bid, feeRate(p.tx)) <= 0) return refuse(feeRate(p.tx));
      evict.push(p);
      queued -= p.tx.operations.length;
    }
    for (const p of evict) {
      this.dequeue(p);
      this.banned.set(p.tx.envelopeHash, this.head.sequence + QUEUE_BAN_LEDGERS);
    }
    const gone = new Set(evict);
    this.queue = this.queue.filter((p) => !gone.has(p));
    return null;
  }

  /**
   * Synchronous submission as Horizon's txsub does it: an already recorded hash answers from
   * history; otherwise the envelope goes to the queue and, unless the queue answered ERROR, the
   * caller waits for the hash to appear in a closed ledger. TRY_AGAIN_LATER and DUPLICATE are not
   * errors to Horizon (internal/txsub/submitter.go), so such a submission simply waits, and
   * times out unless the same hash lands some other way.
   */
  submit(tx: ParsedTx, timeoutMs: number): Promise<SubmitResult | { kind: 'timeout' }> {
    const done = this.history.transaction(tx.envelopeHash);
    if (done) return Promise.resolve({ kind: 'applied', row: done });
    const r = this.admit(tx);
    if (r.status === 'ERROR') return Promise.resolve({ kind: 'rejected', outcome: r.outcome!, tx });
    return new Promise((resolve) => {
      const list = this.watchers.get(tx.envelopeHash) ?? [];
      this.watchers.set(tx.envelopeHash, list);
      const watcher = (res: SubmitResult) => {
        clearTimeout(timer);
        resolve(res);
      };
      list.push(watcher);
      const timer = setTimeout(() => {
        const left = (this.watchers.get(tx.envelopeHash) ?? []).filter((w) => w !== watcher);
        if (left.length) this.watchers.set(tx.envelopeHash, left);
        else this.watchers.delete(tx.envelopeHash);
        resolve({ kind: 'timeout' });
      }, timeoutMs);
    });
  }

  /** Ages the queue after a close: drops what waited QUEUE_TIMEOUT_LEDGERS, forgets old bans. */
  private ageQueue(closed: number, applied: Pending[]): void {
    for (const p of applied) this.banned.set(p.tx.envelopeHash, closed + QUEUE_BAN_LEDGERS);
    this.queue = this.queue.filter((p) => {
      if (closed - p.admittedAt < QUEUE_TIMEOUT_LEDGERS) return true;
      this.dequeue(p);
      this.banned.set(p.tx.envelopeHash, closed + QUEUE_BAN_LEDGERS);
      return false;
    });
    for (const [hash, until] of this.banned) if (closed >= until) this.banned.delete(hash);
  }

  /** Closes one ledger now; returns its sequence. */
  closeLedger(): ClosedLedger {
    const lc: LedgerContext = this.nextContext();
    const selected: Pending[] = [];
    const extra = this.options.beforeClose?.(this, lc);
    if (extra) selected.push({ tx: extra, admittedAt: this.head.sequence });
    const sources = new Set<string>(selected.map((p) => p.tx.source.account));
    let ops = selected.reduce((n, p) => n + p.tx.operations.length, 0);
    const remaining = new Set<Pending>();
    let surged = false;
    // Highest fee per operation first (cross-multiplied, so no rounding); sort is stable.
    const rate = (p: Pending) => feeRate(p.tx);
    const byRate = [...this.queue].sort((a, b) => compareRates(rate(b), rate(a)));
    let lowest: bigint | undefined;
    for (const p of byRate) {
      const src = p.tx.source.account;
      if (sources.has(src) || ops + p.tx.operations.length > this.options.maxOperationsPerLedger) {
        if (!sources.has(src)) surged = true;
        remaining.add(p);
        continue;
      }
      sources.add(src);
      ops += p.tx.operations.length;
      selected.push(p);
      this.dequeue(p);
      const r = rate(p);
      if (lowest === undefined || r.fee / r.ops < lowest) lowest = r.fee / r.ops;
    }
    this.queue = this.queue.filter((p) => remaining.has(p));
    // stellar-core surge pricing: a set that left transactions out for capacity charges every
    // included transaction the lowest included fee rate instead of the base fee.
    if (surged && lowest !== undefined && lowest > BASE_FEE) lc.baseFee = lowest;

    const results: [Pending, SubmitResult][] = [];
    const touched = new Set<string>();
    let order = 0;
    let okCount = 0;
    let failedCount = 0;
    let opCount = 0;
    let txSetOps = 0;
    let fees = 0n;
    const chargedPerOp: bigint[] = [];
    const maxPerOp: bigint[] = [];
    for (const p of selected) {
      const invalid = checkValid(p.tx, this.state, lc, 'close');
      if (invalid) {
        results.push([p, { kind: 'rejected', outcome: invalid, tx: p.tx }]);
        continue;
      }
      order += 1;
      const row = this.recordTransaction(p.tx, lc, order, touched);
      fees += BigInt(row.json.fee_charged as string);
      chargedPerOp.push(BigInt(row.json.fee_charged as string) / pricedOperations(p.tx));
      maxPerOp.push(declaredFee(p.tx) / pricedOperations(p.tx));
      txSetOps += p.tx.operations.length;
      if (row.successful) {
        okCount += 1;
        opCount += p.tx.operations.length;
      } else failedCount += 1;
      results.push([p, { kind: 'applied', row }]);
    }
    this.head.feePool += fees;
    this.recordLedger(lc, selected, okCount, failedCount, opCount, txSetOps);
    this.feeStats.record({
      sequence: lc.ledger,
      chargedPerOp,
      maxPerOp,
      txSetOperations: txSetOps,
      capacity: this.options.maxOperationsPerLedger,
    });
    this.ageQueue(
      lc.ledger,
      results.flatMap(([p, r]) => (r.kind === 'applied' ? [p] : [])),
    );
    for (const [p, r] of results) {
      const list = this.watchers.get(p.tx.envelopeHash);
      this.watchers.delete(p.tx.envelopeHash);
      for (const w of list ?? []) w(r);
    }
    const closed = { sequence: lc.ledger, closeTime: lc.closeTime, touched };
    this.emit('ledger', closed);
    return closed;
  }

  private recordTransaction(tx: ParsedTx, lc: LedgerContext, order: number, touched: Set<string>): TxRow {
    const applied = applyTransaction(tx, this.state, lc);
    for (const p of applied.participants) touched.add(p);
    const key = toid(lc.ledger, order, 0);
    const pagingToken = key.toString();
    const base = this.options.baseUrl;
    const o = applied.outcome;
    const json = transactionJson({
      base,
      tx,
      ledger: lc.ledger,
      closeTime: lc.closeTime,
      pagingToken,
      successful: o.successful,
      feeCharged: o.feeCharged,
      resultXdr: o.result.toXDR('base64'),
      resultMetaXdr: minimalMetaXdr(tx.operations.length),
      sourceSequence: applied.sourceSequence,
    });
    const row: TxRow = {
      key,
      pagingToken,
      json,
      hash: tx.envelopeHash,
      ...(tx.feeBump ? { innerHash: tx.hash.toString('hex') } : {}),
      ledger: lc.ledger,
      successful: o.successful,
      ...(o.successful ? {} : { resultCodes: resultCodes(o) }),
    };
    this.history.addTransaction(row, applied.participants);
    applied.ops.forEach((a, i) => {
      const op = tx.operations[i]!;
      const opKey = toid(lc.ledger, order, i + 1);
      const id = opKey.toString();
      const opRow: OpRow = {
        key: opKey,
        pagingToken: id,
        successful: o.successful,
        // An invoke_host_function is a payment when it moved a classic asset (IsPayment in Horizon).
        isPayment:
          isPaymentType(op.typeName) || (o.successful && Array.isArray(a.details.asset_balance_changes)),
        txHash: tx.envelopeHash,
        ...(typeof a.details.authorizedAfter === 'boolean'
          ? { authorizedAfter: a.details.authorizedAfter }
          : {}),
        json: operationJson({
          base,
          op,
          applied: a,
          id,
          txHash: tx.envelopeHash,
          successful: o.successful,
          closeTime: lc.closeTime,
          sourceRef: op.source ?? tx.source,
        }),
        effects: a.effects.map((e, j) => ({
          key: opKey * 4096n + BigInt(j + 1),
          pagingToken: `${id}-${j + 1}`,
          json: effectJson(
            base,
            id,
            j + 1,
            withTradeSellerMuxed(op.source ?? tx.source, e),
            lc.closeTime,
            effectAccountRef(op, op.source ?? tx.source, e),
          ),
        })),
      };
      this.history.addOperation(opRow, a.participants);
      if (o.successful && a.trade) {
        this.history.trades.record({
          base,
          opId: opKey,
          closeTime: lc.closeTime,
          taker: a.sourceAccount,
          ...a.trade,
        });
      }
    });
    return row;
  }

  private recordLedger(
    lc: LedgerContext,
    txs: Pending[],
    okCount: number,
    failedCount: number,
    opCount: number,
    txSetOps: number,
    restored = false,
  ): void {
    const prevHash = Buffer.from(this.head.hash, 'hex');
    const txSetHash = createHash('sha256');
    txSetHash.update(prevHash);
    for (const p of txs) txSetHash.update(p.tx.envelopeHash);
    const header = new xdr.LedgerHeader({
      ledgerVersion: PROTOCOL_VERSION,
      previousLedgerHash: prevHash,
      scpValue: new xdr.StellarValue({
        txSetHash: txSetHash.digest(),
        closeTime: xdr.Uint64.fromString(String(lc.closeTime)),
        upgrades: [],
        ext: xdr.StellarValueExt.stellarValueBasic(),
      }),
      txSetResultHash: zeroHash(),
      bucketListHash: zeroHash(),
      ledgerSeq: lc.ledger,
      totalCoins: xdr.Int64.fromString(this.head.totalCoins.toString()),
      feePool: xdr.Int64.fromString(this.head.feePool.toString()),
      inflationSeq: 0,
      idPool: xdr.Uint64.fromString('0'),
      baseFee: Number(BASE_FEE),
      baseReserve: Number(BASE_RESERVE),
      maxTxSetSize: this.options.maxOperationsPerLedger,
      skipList: [zeroHash(), zeroHash(), zeroHash(), zeroHash()],
      ext: new xdr.LedgerHeaderExt(0),
    });
    const headerBytes = header.toXDR();
    const hash = restored ? this.head.hash : createHash('sha256').update(headerBytes).digest('hex');
    const key = toid(lc.ledger, 0, 0);
    this.history.addLedger({
      key,
      pagingToken: key.toString(),
      sequence: lc.ledger,
      closeTime: lc.closeTime,
      hash,
      json: ledgerJson({
        base: this.options.baseUrl,
        sequence: lc.ledger,
        hash,
        prevHash: prevHash.toString('hex'),
        pagingToken: key.toString(),
        closeTime: lc.closeTime,
        successfulTxCount: okCount,
        failedTxCount: failedCount,
        operationCount: opCount,
        txSetOperationCount: txSetOps,
        feePool: this.head.feePool,
        totalCoins: this.head.totalCoins,
        headerXdr: headerBytes.toString('base64'),
        protocolVersion: PROTOCOL_VERSION,
        maxTxSetSize: this.options.maxOperationsPerLedger,
      }),
    });
    this.head = { ...this.head, sequence: lc.ledger, closeTime: lc.closeTime, hash };
  }
}

/** Horizon's extras.result_codes for a non-successful outcome. */
export function resultCodes(o: TxOutcome): {
  transaction: string;
  inner_transaction?: string;
  operations?: string[];
} {
  return {
    transaction: o.code,
    ...(o.innerCode ? { inner_transaction: o.innerCode } : {}),
    ...(o.opCodes.length ? { operations: o.opCodes } : {}),
  };
}
