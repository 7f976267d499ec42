// The network's heartbeat. Submitted transactions wait in a FIFO queue; every close interval
// the closer takes at most one transaction per source account (the protocol 20+ rule; the rest
// stay queued for later ledgers), re-validates and applies each against the live state, records
// history under TOIDs, and then tells waiting submitters and streams about the new ledger.
import { createHash } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { Keypair, xdr } from '@stellar/stellar-sdk';
import { BASE_FEE, BASE_RESERVE, LedgerState, TOTAL_COINS, newAccount } from './ledger-state.js';
import { HistoryStore, type OpRow, type TxRow } from './history-store.js';
import { effectJson, isPaymentType, ledgerJson, operationJson, transactionJson } from './horizon-json.js';
import { effectAccountRef } from './muxed-fields.js';
import { minimalMetaXdr, type TxOutcome } from './result-xdr.js';
import { toid } from './toid.js';
import { applyTransaction, checkValid, type LedgerContext } from './transaction-validator.js';
import { networkId, type ParsedTx } from './xdr-decode.js';

export const PROTOCOL_VERSION = 23;

export type SubmitResult =
  { kind: 'applied'; row: TxRow } | { kind: 'rejected'; outcome: TxOutcome; tx: ParsedTx };

interface Pending {
  tx: ParsedTx;
  waiters: ((r: SubmitResult) => void)[];
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
  /** Called just before a ledger is assembled, to contribute transactions first (friendbot). */
  beforeClose?: (closer: LedgerCloser, lc: LedgerContext) => ParsedTx | null;
  now?: () => number;
}

export interface AsyncSubmitStatus {
  status: 'PENDING' | 'DUPLICATE' | 'ERROR' | 'TRY_AGAIN_LATER';
  outcome?: TxOutcome;
}

function zeroHash(): Buffer {
  return Buffer.alloc(32);
}

export class LedgerCloser extends EventEmitter {
  readonly state = new LedgerState();
  readonly history = new HistoryStore();
  readonly networkId: Buffer;
  readonly root: Keypair;
  head: LedgerHead;
  private queue: Pending[] = [];
  private readonly pendingByHash = new Map<string, Pending>();
  private readonly queuedBySource = new Map<string, number>();
  private readonly now: () => number;

  constructor(private readonly options: LedgerCloserOptions) {
    super();
    this.setMaxListeners(0);
    this.networkId = networkId(options.networkPassphrase);
    this.root = Keypair.master(options.networkPassphrase);
    this.now = options.now ?? (() => Math.floor(Date.now() / 1000));
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
    return { ledger: this.head.sequence + 1, closeTime: Math.max(this.now(), this.head.closeTime) };
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

  private enqueue(tx: ParsedTx): Pending {
    const p: Pending = { tx, waiters: [] };
    this.queue.push(p);
    this.pendingByHash.set(tx.envelopeHash, p);
    this.queuedBySource.set(tx.source.account, (this.queuedBySource.get(tx.source.account) ?? 0) + 1);
    return p;
  }

  private dequeue(p: Pending): void {
    this.pendingByHash.delete(p.tx.envelopeHash);
    const n = (this.queuedBySource.get(p.tx.source.account) ?? 1) - 1;
    if (n <= 0) this.queuedBySource.delete(p.tx.source.account);
    else this.queuedBySource.set(p.tx.source.account, n);
  }

  /**
   * Synchronous submission: resolves when the transaction is applied (successfully or not) or
   * rejected. A transaction whose source already has one queued waits for a later ledger.
   */
  submit(tx: ParsedTx): Promise<SubmitResult> {
    const done = this.history.transaction(tx.envelopeHash);
    if (done) return Promise.resolve({ kind: 'applied', row: done });
    let p = this.pendingByHash.get(tx.envelopeHash);
    if (!p) {
      if (!this.hasQueued(tx.source.account)) {
        const invalid = checkValid(tx, this.state, this.nextContext());
        if (invalid) return Promise.resolve({ kind: 'rejected', outcome: invalid, tx });
      }
      p = this.enqueue(tx);
    }
    const pending = p;
    return new Promise((resolve) => pending.waiters.push(resolve));
  }

  /** Asynchronous submission, answering like Horizon's /transactions_async. */
  submitAsync(tx: ParsedTx): AsyncSubmitStatus {
    if (this.history.transaction(tx.envelopeHash) || this.pendingByHash.has(tx.envelopeHash)) {
      return { status: 'DUPLICATE' };
    }
    if (this.hasQueued(tx.source.account)) return { status: 'TRY_AGAIN_LATER' };
    const invalid = checkValid(tx, this.state, this.nextContext());
    if (invalid) return { status: 'ERROR', outcome: invalid };
    this.enqueue(tx);
    return { status: 'PENDING' };
  }

  /** Closes one ledger now; returns its sequence. */
  closeLedger(): ClosedLedger {
    const lc: LedgerContext = this.nextContext();
    const selected: Pending[] = [];
    const extra = this.options.beforeClose?.(this, lc);
    if (extra) selected.push({ tx: extra, waiters: [] });
    const sources = new Set<string>(selected.map((p) => p.tx.source.account));
    let ops = selected.reduce((n, p) => n + p.tx.operations.length, 0);
    const remaining: Pending[] = [];
    for (const p of this.queue) {
      const src = p.tx.source.account;
      if (sources.has(src) || ops + p.tx.operations.length > this.options.maxOperationsPerLedger) {
        remaining.push(p);
        continue;
      }
      sources.add(src);
      ops += p.tx.operations.length;
      selected.push(p);
      this.dequeue(p);
    }
    this.queue = remaining;

    const results: [Pending, SubmitResult][] = [];
    const touched = new Set<string>();
    let order = 0;
    let okCount = 0;
    let failedCount = 0;
    let opCount = 0;
    let txSetOps = 0;
    let fees = 0n;
    for (const p of selected) {
      const invalid = checkValid(p.tx, this.state, lc);
      if (invalid) {
        results.push([p, { kind: 'rejected', outcome: invalid, tx: p.tx }]);
        continue;
      }
      order += 1;
      const row = this.recordTransaction(p.tx, lc, order, touched);
      fees += BigInt(row.json.fee_charged as string);
      txSetOps += p.tx.operations.length;
      if (row.successful) {
        okCount += 1;
        opCount += p.tx.operations.length;
      } else failedCount += 1;
      results.push([p, { kind: 'applied', row }]);
    }
    this.head.feePool += fees;
    this.recordLedger(lc, selected, okCount, failedCount, opCount, txSetOps);
    for (const [p, r] of results) for (const w of p.waiters) w(r);
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
        isPayment: isPaymentType(op.typeName),
        txHash: tx.envelopeHash,
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
          json: effectJson(base, id, j + 1, e, lc.closeTime, effectAccountRef(op, op.source ?? tx.source, e)),
        })),
      };
      this.history.addOperation(opRow, a.participants);
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
