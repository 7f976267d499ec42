// Real XDR results: every operation outcome is an xdr.OperationResult plus the string code
// Horizon would print for it (HORIZON_RESULT_CODES in @anchor/protocol, from stellar-horizon
// internal/codes/main.go), and every transaction outcome is an xdr.TransactionResult.
import { horizonResultCode } from '@anchor/protocol';
import { xdr } from '@stellar/stellar-sdk';

export interface OpOutcome {
  /** Horizon's result code string, e.g. "op_underfunded". */
  code: string;
  result: xdr.OperationResult;
}

/** Arm names of TransactionResultResult that carry no value. */
export type TxFailureCode =
  | 'txTooEarly'
  | 'txTooLate'
  | 'txMissingOperation'
  | 'txBadSeq'
  | 'txBadAuth'
  | 'txInsufficientBalance'
  | 'txNoAccount'
  | 'txInsufficientFee'
  | 'txBadAuthExtra'
  | 'txInternalError'
  | 'txNotSupported'
  | 'txBadMinSeqAgeOrGap'
  | 'txMalformed';

/** Horizon's string for a result arm; a missing entry is a localnet bug, so it throws. */
function horizonCode(arm: string): string {
  const code = horizonResultCode(arm);
  if (code === undefined) throw new Error(`no Horizon result code for ${arm}`);
  return code;
}

type UnionFactory = Record<string, (value?: unknown) => unknown>;

/**
 * Builds the OperationResult for operation arm `opArm` (e.g. "payment") with result `suffix`
 * (e.g. "Underfunded" → PaymentResult.paymentUnderfunded()). `value` is the arm's payload when
 * it has one (account merge balance, path payment success, no-issuer asset).
 */
export function opResult(opArm: string, suffix: string, value?: unknown): OpOutcome {
  // create_passive_sell_offer's arm carries a ManageSellOfferResult.
  const resultArm = opArm === 'createPassiveSellOffer' ? 'manageSellOffer' : opArm;
  const cls = (xdr as unknown as Record<string, UnionFactory>)[
    `${resultArm[0]!.toUpperCase()}${resultArm.slice(1)}Result`
  ]!;
  const factory = `${resultArm}${suffix}`;
  const inner = value === undefined ? cls[factory]!() : cls[factory]!(value);
  const tr = (xdr.OperationResultTr as unknown as UnionFactory)[opArm]!(inner);
  return {
    code: horizonCode(`${resultArm}${suffix}`),
    result: xdr.OperationResult.opInner(tr as xdr.OperationResultTr),
  };
}

export function opSuccess(opArm: string, value?: unknown): OpOutcome {
  return opResult(opArm, 'Success', value);
}

export function opBadAuth(): OpOutcome {
  return { code: horizonCode('opBadAuth'), result: xdr.OperationResult.opBadAuth() };
}

export function opNoSourceAccount(): OpOutcome {
  return { code: horizonCode('opNoAccount'), result: xdr.OperationResult.opNoAccount() };
}

export function opNotSupported(): OpOutcome {
  return { code: horizonCode('opNotSupported'), result: xdr.OperationResult.opNotSupported() };
}

export function opTooManySubentries(): OpOutcome {
  return { code: horizonCode('opTooManySubentries'), result: xdr.OperationResult.opTooManySubentries() };
}

const EXT0 = new xdr.TransactionResultExt(0);

function int64(v: bigint): xdr.Int64 {
  return xdr.Int64.fromString(v.toString());
}

/** The result of a whole transaction as an xdr.TransactionResult. */
export interface TxOutcome {
  /** Horizon's code: tx_success, tx_failed, tx_bad_seq, … */
  code: string;
  opCodes: string[];
  /** For a fee bump: the inner transaction's code. */
  innerCode?: string;
  feeCharged: bigint;
  result: xdr.TransactionResult;
  successful: boolean;
}

export function txSuccessOrFailed(feeCharged: bigint, ops: OpOutcome[], successful: boolean): TxOutcome {
  const results = ops.map((o) => o.result);
  return {
    code: successful ? 'tx_success' : 'tx_failed',
    opCodes: ops.map((o) => o.code),
    feeCharged,
    successful,
    result: new xdr.TransactionResult({
      feeCharged: int64(feeCharged),
      result: successful
        ? xdr.TransactionResultResult.txSuccess(results)
        : xdr.TransactionResultResult.txFailed(results),
      ext: EXT0,
    }),
  };
}

export function txFailure(feeCharged: bigint, code: TxFailureCode): TxOutcome {
  return {
    code: horizonCode(code),
    opCodes: [],
    feeCharged,
    successful: false,
    result: new xdr.TransactionResult({
      feeCharged: int64(feeCharged),
      result: (xdr.TransactionResultResult as unknown as UnionFactory)[
        code
      ]!() as xdr.TransactionResultResult,
      ext: EXT0,
    }),
  };
}

/** Wraps the inner transaction's outcome in a fee bump's outer result. */
export function feeBumpOutcome(feeCharged: bigint, innerHash: Buffer, inner: TxOutcome): TxOutcome {
  const innerArm = inner.result.result();
  const innerResult = new xdr.InnerTransactionResult({
    feeCharged: int64(0n),
    result: (xdr.InnerTransactionResultResult as unknown as UnionFactory)[innerArm.switch().name]!(
      innerArm.switch().name === 'txSuccess' || innerArm.switch().name === 'txFailed'
        ? innerArm.results()
        : undefined,
    ) as xdr.InnerTransactionResultResult,
    ext: new xdr.InnerTransactionResultExt(0),
  });
  const pair = new xdr.InnerTransactionResultPair({ transactionHash: innerHash, result: innerResult });
  return {
    code: inner.successful ? 'tx_fee_bump_inner_success' : 'tx_fee_bump_inner_failed',
    innerCode: inner.code,
    opCodes: inner.opCodes,
    feeCharged,
    successful: inner.successful,
    result: new xdr.TransactionResult({
      feeCharged: int64(feeCharged),
      result: inner.successful
        ? xdr.TransactionResultResult.txFeeBumpInnerSuccess(pair)
        : xdr.TransactionResultResult.txFeeBumpInnerFailed(pair),
      ext: EXT0,
    }),
  };
}

const metaCache = new Map<number, string>();
/**
 * A minimal but valid TransactionMeta (v2, no ledger entry changes) for `opCount` operations.
 * Documented as a simplification: clients that read balances from meta will see no changes.
 */
export function minimalMetaXdr(opCount: number): string {
  let m = metaCache.get(opCount);
  if (!m) {
    const operations = Array.from({ length: opCount }, () => new xdr.OperationMeta({ changes: [] }));
    m = new xdr.TransactionMeta(
      2,
      new xdr.TransactionMetaV2({ txChangesBefore: [], operations, txChangesAfter: [] }),
    ).toXDR('base64');
    metaCache.set(opCount, m);
  }
  return m;
}
