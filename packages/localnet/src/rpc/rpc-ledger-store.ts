// What Stellar RPC keeps in its database, derived from localnet's own history: per ledger its
// header, transactions (envelope, result, protocol-23 TransactionMeta v4 with CAP-67 events) and
// events under RPC's cursors, for a retention window counted in ledgers. It follows the closer
// lazily (sync() on every request), so a transaction sent through Horizon or RPC is seen by both.
import type { BalanceChange } from '../sac-transfer-appliers.js';
import { xdr } from '@stellar/stellar-sdk';
import type { TxRow } from '../history-store.js';
import type { LedgerCloser } from '../ledger-closer.js';
import { toid } from '../toid.js';
import { decodeEnvelope } from '../xdr-decode.js';
import { Cap67EventBuilder, type OpFacts, type TxEvents } from './cap67-events.js';

/** RPC's default history-retention-window: one day of 5-second ledgers. */
export const ONE_DAY_OF_LEDGERS = 17_280;

export interface RpcTx {
  hash: string;
  ledger: number;
  closeTime: number;
  applicationOrder: number;
  feeBump: boolean;
  successful: boolean;
  /** The fee bid per operation (a fee bump counts as one more operation), for getFeeStats. */
  inclusionFeePerOp: bigint;
  envelopeXdr: string;
  resultXdr: string;
  /** Kept for the ledger's close meta; meta and XDR text are built on demand (see rendered()). */
  result: xdr.TransactionResult;
  events: TxEvents;
  xdr?: RenderedTx;
}

/** The base64 parts of a transaction that only getTransaction(s) need. */
export interface RenderedTx {
  envelope: xdr.TransactionEnvelope;
  meta: xdr.TransactionMeta;
  resultMetaXdr: string;
  transactionEventsXdr: string[];
  contractEventsXdr: string[][];
}

export function rendered(t: RpcTx): RenderedTx {
  if (t.xdr) return t.xdr;
  const meta = transactionMeta(t.events);
  t.xdr = {
    envelope: xdr.TransactionEnvelope.fromXDR(t.envelopeXdr, 'base64'),
    meta,
    resultMetaXdr: meta.toXDR('base64'),
    transactionEventsXdr: t.events.transaction.map((e) => e.toXDR('base64')),
    contractEventsXdr: t.events.operations.map((list) => list.map((e) => e.toXDR('base64'))),
  };
  return t.xdr;
}

/** Protocol 23's TransactionMeta v4: operation metas with their events, the fee event; no entry changes. */
function transactionMeta(ev: TxEvents): xdr.TransactionMeta {
  return new xdr.TransactionMeta(
    4,
    new xdr.TransactionMetaV4({
      ext: new xdr.ExtensionPoint(0),
      txChangesBefore: [],
      operations: ev.operations.map(
        (events) => new xdr.OperationMetaV2({ ext: new xdr.ExtensionPoint(0), changes: [], events }),
      ),
      txChangesAfter: [],
      sorobanMeta: null,
      events: ev.transaction,
      diagnosticEvents: [],
    }),
  );
}

export interface RpcEvent {
  /** RPC's event id / cursor: `%019d-%010d` of TOID(ledger, tx, op) and the event index. */
  id: string;
  /** (TOID << 32) | event index, the order of ids. */
  key: bigint;
  ledger: number;
  closeTime: number;
  txHash: string;
  txIndex: number;
  opIndex: number;
  successful: boolean;
  contractId: Buffer;
  topicXdr: string[];
  valueXdr: string;
}

export interface RpcLedger {
  sequence: number;
  hash: string;
  closeTime: number;
  header: xdr.LedgerHeader;
  txs: RpcTx[];
  events: RpcEvent[];
  /** LedgerCloseMeta v2, built the first time it is asked for. */
  metaXdr?: string;
}

export function eventKey(ledger: number, tx: number, op: number, event: number): bigint {
  return (toid(ledger, tx, op) << 32n) | BigInt(event);
}

export function eventId(key: bigint): string {
  return `${(key >> 32n).toString().padStart(19, '0')}-${(key & 0xffffffffn).toString().padStart(10, '0')}`;
}

export class RpcLedgerStore {
  /** Ledgers in the window, oldest first. */
  readonly ledgers: RpcLedger[] = [];
  private readonly txByHash = new Map<string, RpcTx>();
  private readonly events: Cap67EventBuilder;
  private historyLedgers = 0;
  private historyTxs = 0;

  constructor(
    private readonly closer: LedgerCloser,
    networkPassphrase: string,
    readonly retentionWindow: number,
  ) {
    if (!Number.isInteger(retentionWindow) || retentionWindow < 1)
      throw new Error('rpc retention window must be a positive number of ledgers');
    this.events = new Cap67EventBuilder(networkPassphrase);
  }

  get latest(): RpcLedger {
    this.sync();
    return this.ledgers[this.ledgers.length - 1]!;
  }

  get oldest(): RpcLedger {
    this.sync();
    return this.ledgers[0]!;
  }

  ledger(sequence: number): RpcLedger | undefined {
    this.sync();
    const first = this.ledgers[0]!.sequence;
    const l = this.ledgers[sequence - first];
    return l?.sequence === sequence ? l : undefined;
  }

  transaction(hash: string): RpcTx | undefined {
    this.sync();
    return this.txByHash.get(hash);
  }

  /** Takes in every ledger the closer recorded since the last call, then drops what left the window. */
  sync(): void {
    const h = this.closer.history;
    // Positions count from the first ledger ever recorded; Horizon's retention drops from the front.
    while (this.historyLedgers < h.dropped.ledgers + h.ledgers.length) {
      const row = h.ledgers[this.historyLedgers++ - h.dropped.ledgers]!;
      const ledger: RpcLedger = {
        sequence: row.sequence,
        hash: row.hash,
        closeTime: row.closeTime,
        header: xdr.LedgerHeader.fromXDR(row.json.header_xdr as string, 'base64'),
        txs: [],
        events: [],
      };
      const fees: RpcEvent[] = [];
      const ops: RpcEvent[] = [];
      const txAt = (i: number) => h.txs.all[i - h.dropped.txs];
      while (txAt(this.historyTxs)?.ledger === row.sequence) {
        this.addTransaction(ledger, txAt(this.historyTxs++)!, fees, ops);
      }
      ledger.events = fees.concat(ops);
      this.ledgers.push(ledger);
    }
    const keepFrom = this.ledgers[this.ledgers.length - 1]!.sequence - this.retentionWindow + 1;
    let drop = 0;
    while (drop < this.ledgers.length - 1 && this.ledgers[drop]!.sequence < keepFrom) {
      for (const tx of this.ledgers[drop]!.txs) this.txByHash.delete(tx.hash);
      drop++;
    }
    if (drop) this.ledgers.splice(0, drop);
  }

  private addTransaction(ledger: RpcLedger, row: TxRow, fees: RpcEvent[], ops: RpcEvent[]): void {
    const h = this.closer.history;
    const order = Number((row.key >> 12n) & 0xfffffn);
    const envelopeXdr = row.json.envelope_xdr as string;
    const resultXdr = row.json.result_xdr as string;
    const parsed = decodeEnvelope(envelopeXdr, this.closer.networkId);
    const result = xdr.TransactionResult.fromXDR(resultXdr, 'base64');
    const opFacts = (i: number): OpFacts => {
      const op = h.operation(toid(ledger.sequence, order, i + 1).toString());
      const changes = op?.json.asset_balance_changes as BalanceChange[] | null | undefined;
      return {
        ...(op?.authorizedAfter === undefined ? {} : { authorizedAfter: op.authorizedAfter }),
        ...(changes ? { balanceChanges: changes } : {}),
      };
    };
    const ev = this.events.build(parsed, result, opFacts);
    const tx: RpcTx = {
      hash: row.hash,
      ledger: ledger.sequence,
      closeTime: ledger.closeTime,
      applicationOrder: order,
      feeBump: parsed.feeBump !== undefined,
      successful: row.successful,
      inclusionFeePerOp: parsed.feeBump
        ? parsed.feeBump.fee / BigInt(parsed.operations.length + 1)
        : parsed.fee / BigInt(Math.max(parsed.operations.length, 1)),
      envelopeXdr,
      resultXdr,
      result,
      events: ev,
    };
    ledger.txs.push(tx);
    this.txByHash.set(tx.hash, tx);

    // Fee events sit before every transaction of the ledger (tx 0, op 0, numbered across the
    // ledger), operation events under (tx order, op index from 0, event index), as RPC stores them.
    const base = {
      ledger: ledger.sequence,
      closeTime: ledger.closeTime,
      txHash: tx.hash,
      successful: tx.successful,
    };
    for (const t of ev.transaction) {
      const k = eventKey(ledger.sequence, 0, 0, fees.length);
      fees.push({ ...base, id: eventId(k), key: k, txIndex: 0, opIndex: 0, ...eventBody(t.event()) });
    }
    ev.operations.forEach((list, op) =>
      list.forEach((e, i) => {
        const k = eventKey(ledger.sequence, order, op, i);
        ops.push({ ...base, id: eventId(k), key: k, txIndex: order, opIndex: op, ...eventBody(e) });
      }),
    );
  }
}

function eventBody(e: xdr.ContractEvent): Pick<RpcEvent, 'contractId' | 'topicXdr' | 'valueXdr'> {
  const v0 = e.body().v0();
  return {
    contractId: e.contractId() as unknown as Buffer,
    topicXdr: v0.topics().map((t) => t.toXDR('base64')),
    valueXdr: v0.data().toXDR('base64'),
  };
}

/** LedgerCloseMeta v2 of a ledger: header, the transaction set and each transaction's result and meta. */
export function ledgerCloseMeta(l: RpcLedger): string {
  if (l.metaXdr) return l.metaXdr;
  const txes = l.txs.map((t) => rendered(t).envelope);
  const phase = (components: xdr.TxSetComponent[]) => new xdr.TransactionPhase(0, components);
  const classic = txes.length
    ? [
        xdr.TxSetComponent.txsetCompTxsMaybeDiscountedFee(
          new xdr.TxSetComponentTxsMaybeDiscountedFee({ baseFee: xdr.Int64.fromString('100'), txes }),
        ),
      ]
    : [];
  const meta = new xdr.LedgerCloseMeta(
    2,
    new xdr.LedgerCloseMetaV2({
      ext: new xdr.LedgerCloseMetaExt(0),
      ledgerHeader: headerEntry(l),
      txSet: new xdr.GeneralizedTransactionSet(
        1,
        new xdr.TransactionSetV1({
          previousLedgerHash: l.header.previousLedgerHash(),
          phases: [phase(classic), phase([])],
        }),
      ),
      txProcessing: l.txs.map(
        (t) =>
          new xdr.TransactionResultMetaV1({
            ext: new xdr.ExtensionPoint(0),
            result: new xdr.TransactionResultPair({
              transactionHash: Buffer.from(t.hash, 'hex'),
              result: t.result,
            }),
            feeProcessing: [],
            txApplyProcessing: rendered(t).meta,
            postTxApplyFeeProcessing: [],
          }),
      ),
      upgradesProcessing: [],
      scpInfo: [],
      totalByteSizeOfLiveSorobanState: xdr.Uint64.fromString('0'),
      evictedKeys: [],
    }),
  );
  const text = meta.toXDR('base64');
  l.metaXdr = text;
  return text;
}

export function headerEntry(l: RpcLedger): xdr.LedgerHeaderHistoryEntry {
  return new xdr.LedgerHeaderHistoryEntry({
    hash: Buffer.from(l.hash, 'hex'),
    header: l.header,
    ext: new xdr.LedgerHeaderHistoryEntryExt(0),
  });
}
