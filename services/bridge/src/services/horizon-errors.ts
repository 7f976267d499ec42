// Horizon submission failures → the bridge's documented error codes
// (legacy-reference §2.5.7). Result codes come from the problem's
// `extras.result_codes`, or are derived from a result XDR when we only have a
// transaction record (after a timeout we looked the transaction up by hash).
import { NotFoundError, xdr } from '@stellar/stellar-sdk';
import { horizonResultCode } from '@anchor/protocol';
import { AppError } from '@anchor/support';

export type OperationKind = 'payment' | 'allow_trust' | 'other';

export interface ResultCodes {
  transaction: string;
  /** A fee bump's inner transaction code (Horizon's extras.result_codes.inner_transaction). */
  inner_transaction?: string;
  operations?: string[];
}

const TX_ERRORS: Record<string, [string, string]> = {
  tx_bad_seq: ['transaction_bad_seq', 'Bad Sequence. Please, try again.'],
  tx_bad_auth: ['transaction_bad_auth', 'Invalid network or too few signatures.'],
  tx_insufficient_balance: [
    'transaction_insufficient_balance',
    'Transaction fee would bring account below reserve.',
  ],
  tx_no_source_account: ['transaction_no_account', 'Source account not found.'],
  tx_insufficient_fee: ['transaction_insufficient_fee', 'Transaction fee is too small.'],
  tx_bad_auth_extra: ['transaction_bad_auth_extra', 'Unused signatures attached to transaction.'],
  tx_too_late: [
    'transaction_too_late',
    'Transaction time bounds expired before it was included in a ledger.',
  ],
};

const PAYMENT_OP_ERRORS: Record<string, [string, string]> = {
  op_malformed: ['payment_malformed', 'Operation is malformed.'],
  op_underfunded: ['payment_underfunded', 'Not enough funds to send this transaction.'],
  op_src_no_trust: ['payment_src_no_trust', 'No trustline on source account.'],
  op_src_not_authorized: ['payment_src_not_authorized', 'Source not authorized to transfer.'],
  op_no_destination: ['payment_no_destination', 'Destination account does not exist.'],
  op_no_trust: ['payment_no_trust', 'Destination missing a trust line for asset.'],
  op_not_authorized: [
    'payment_not_authorized',
    'Destination not authorized to trust asset. It needs to be allowed first by using /authorize endpoint.',
  ],
  op_line_full: ['payment_line_full', 'Sending this payment would make a destination go above their limit.'],
  op_no_issuer: ['payment_no_issuer', 'Missing issuer on asset.'],
  op_too_few_offers: ['payment_too_few_offers', 'Not enough offers to satisfy path.'],
  op_cross_self: ['payment_offer_cross_self', 'would cross one of its own offers.'],
  op_over_source_max: ['payment_over_sendmax', 'Could not satisfy sendmax.'],
  op_low_reserve: [
    'payment_low_reserve',
    'Starting balance would leave the new account below the base reserve.',
  ],
  op_already_exists: ['payment_destination_exists', 'Destination account already exists.'],
};

const ALLOW_TRUST_OP_ERRORS: Record<string, [string, string]> = {
  op_malformed: ['allow_trust_malformed', 'Asset name is malformed.'],
  // Horizon prints allow_trust's and set_trust_line_flags' NO_TRUST_LINE as op_no_trust and
  // TRUST_NOT_REQUIRED as op_not_required (stellar-horizon internal/codes/main.go).
  op_no_trust: ['allow_trust_no_trustline', 'Trustor does not have a trustline yet.'],
  op_not_required: [
    'allow_trust_trust_not_required',
    'Authorizing account does not require allowing trust. Set AUTH_REQUIRED_FLAG on your account to use this feature.',
  ],
  op_cant_revoke: [
    'allow_trust_cant_revoke',
    "Authorizing account has AUTH_REVOCABLE_FLAG set. Can't revoke the trustline.",
  ],
};

/** A transaction Horizon rejected, with its codes; becomes a 400 with a documented code. */
export class HorizonRejection extends Error {
  constructor(
    readonly codes: ResultCodes,
    readonly resultXdr: string | undefined,
    readonly status: number,
  ) {
    super(`transaction rejected: ${codes.transaction} ${(codes.operations ?? []).join(',')}`);
    this.name = 'HorizonRejection';
  }
}

/**
 * Any rejection the tables above do not name: still the client's 400, with Horizon's raw codes in
 * `data.result_codes`, so a code Horizon adds later never becomes a 500.
 */
function unmappedRejection(data: { result_codes: ResultCodes }): AppError {
  return new AppError(400, 'transaction_failed', 'The Stellar network rejected the transaction.', { data });
}

/** The bridge error for a rejected transaction, looking at the operation at `opIndex`. */
export function rejectionToAppError(rejection: HorizonRejection, kind: OperationKind, opIndex = 0): AppError {
  const { operations = [] } = rejection.codes;
  // A fee bump's own code says only "inner failed"; the inner transaction's code is the cause.
  const transaction = rejection.codes.inner_transaction ?? rejection.codes.transaction;
  const data = { result_codes: rejection.codes };
  if (transaction === 'tx_internal_error') {
    return new AppError(500, 'internal_server_error', 'Internal Server Error, please try again.', { data });
  }
  if (transaction === 'tx_failed') {
    const opCode = operations[opIndex] ?? operations.find((c) => c !== 'op_success') ?? '';
    const table = kind === 'allow_trust' ? ALLOW_TRUST_OP_ERRORS : PAYMENT_OP_ERRORS;
    const hit = table[opCode];
    return hit ? new AppError(400, hit[0], hit[1], { data }) : unmappedRejection(data);
  }
  const hit = TX_ERRORS[transaction];
  return hit ? new AppError(400, hit[0], hit[1], { data }) : unmappedRejection(data);
}

/** Extracts a HorizonRejection from an SDK error (AxiosError or SDK NetworkError), if it is one. */
export function asRejection(err: unknown): HorizonRejection | undefined {
  const response = (err as { response?: { status?: number; data?: unknown } } | null)?.response;
  if (!response?.status) return undefined;
  const data = response.data as
    { extras?: { result_codes?: ResultCodes; result_xdr?: string }; type?: string } | undefined;
  const codes = data?.extras?.result_codes;
  if (codes?.transaction) return new HorizonRejection(codes, data?.extras?.result_xdr, response.status);
  const resultXdr = data?.extras?.result_xdr;
  if (resultXdr) {
    const derived = codesFromResultXdr(resultXdr);
    if (derived) return new HorizonRejection(derived, resultXdr, response.status);
  }
  return undefined;
}

/** HTTP status of an SDK error, when Horizon answered. */
export function horizonStatus(err: unknown): number | undefined {
  return (err as { response?: { status?: number } } | null)?.response?.status;
}

/**
 * Whether Horizon answered 404. Not by `err.name`: the SDK's NotFoundError does not set its name
 * (it is `'Error'`), so a name check never matches.
 */
export function isNotFound(err: unknown): boolean {
  return err instanceof NotFoundError || horizonStatus(err) === 404;
}

/**
 * Horizon's `result_codes` rebuilt from a result XDR (when we only have the transaction record),
 * with Horizon's own strings (HORIZON_RESULT_CODES, from stellar-horizon internal/codes). An arm
 * the table lacks keeps its XDR name, so it still reaches the client as an unmapped code.
 */
export function codesFromResultXdr(resultXdr: string): ResultCodes | undefined {
  try {
    const result = xdr.TransactionResult.fromXDR(resultXdr, 'base64').result();
    const transaction = code(result.switch().name);
    const arm = result.switch().name;
    if (arm === 'txFeeBumpInnerSuccess' || arm === 'txFeeBumpInnerFailed') {
      const inner = (result.value() as xdr.InnerTransactionResultPair).result().result();
      return { transaction, inner_transaction: code(inner.switch().name), ...opCodes(inner) };
    }
    return { transaction, ...opCodes(result) };
  } catch {
    return undefined;
  }
}

function code(arm: string): string {
  return horizonResultCode(arm) ?? arm;
}

function opCodes(result: { switch(): { name: string }; value(): unknown }): { operations?: string[] } {
  const arm = result.switch().name;
  if (arm !== 'txFailed' && arm !== 'txSuccess') return {};
  const operations = (result.value() as xdr.OperationResult[]).map((op) => {
    if (op.switch().name !== 'opInner') return code(op.switch().name);
    const inner = op.tr().value() as unknown as { switch(): { name: string } };
    return code(inner.switch().name);
  });
  return { operations };
}
