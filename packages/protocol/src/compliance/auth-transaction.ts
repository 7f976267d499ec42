// The SEP-3 auth transaction: unsigned, sequence 0, MEMO_HASH = sha256(attachment),
// carried in AuthData.tx as a bare `Transaction` XDR (legacy-reference §8.1: a v1
// Transaction with a G… source is byte-identical to the legacy pre-protocol-13 one), or
// as a bare `TransactionV0` body by the final Go sender.

import { Account, Memo, TransactionBuilder, xdr } from '@stellar/stellar-sdk';
import { ProtocolError } from '../errors.js';
import { isAccountId } from '../keys.js';

/**
 * Fee per operation in stroops, as the Go sender used.
 * @see https://github.com/stellar/stellar-protocol/blob/master/ecosystem/sep-0003.md
 */
export const AUTH_TRANSACTION_BASE_FEE = 100;

/**
 * Inputs of {@link buildAuthTransaction}.
 * @see https://github.com/stellar/stellar-protocol/blob/master/ecosystem/sep-0003.md
 */
export interface BuildAuthTransactionInput {
  /** `G…` source account of the payment. */
  source: string;
  /** Sequence number written into the tx. @defaultValue '0' */
  sequence?: string;
  operations: readonly xdr.Operation[];
  /** The 32-byte sha256 of the attachment text. */
  memoHash: Uint8Array;
  networkPassphrase: string;
  /** Unix seconds; `{0, 0}` (no limit) as in Go unless given. */
  timebounds?: { minTime: number | string; maxTime: number | string };
  /** Fee per operation in stroops. @defaultValue {@link AUTH_TRANSACTION_BASE_FEE} */
  baseFee?: number;
}

/**
 * Builds the bare `Transaction` XDR (base64) for `AuthData.tx`.
 * @throws {ProtocolError} `invalid_account_id` for a bad source; `invalid_transaction`
 *   for a memo hash that is not 32 bytes or no operations
 * @see https://github.com/stellar/stellar-protocol/blob/master/ecosystem/sep-0003.md
 */
export function buildAuthTransaction(input: BuildAuthTransactionInput): string {
  if (!isAccountId(input.source)) {
    throw new ProtocolError('invalid_account_id', `Invalid source account: ${input.source}`, {
      field: 'source',
    });
  }
  if (input.memoHash.length !== 32) {
    throw new ProtocolError('invalid_transaction', 'memoHash must be 32 bytes', { field: 'memoHash' });
  }
  if (input.operations.length === 0) {
    throw new ProtocolError('invalid_transaction', 'at least one operation is required', {
      field: 'operations',
    });
  }
  // TransactionBuilder.build() increments the account sequence, so start one below.
  const account = new Account(input.source, (BigInt(input.sequence ?? '0') - 1n).toString());
  const builder = new TransactionBuilder(account, {
    fee: String(input.baseFee ?? AUTH_TRANSACTION_BASE_FEE),
    networkPassphrase: input.networkPassphrase,
    timebounds: input.timebounds ?? { minTime: 0, maxTime: 0 },
    memo: Memo.hash(Buffer.from(input.memoHash)),
  });
  for (const op of input.operations) builder.addOperation(op);
  return builder.build().toEnvelope().v1().tx().toXDR('base64');
}

/**
 * Decodes the bare transaction XDR (base64) of `AuthData.tx`. Two layouts are accepted:
 * - a v1 `Transaction` (MuxedAccount source; with a `G…` source this is byte-identical
 *   to the pre-protocol-13 `Transaction` the older Go sender wrote);
 * - a `TransactionV0` body (32 raw source key bytes, no key-type discriminant), as the
 *   final Go sender (stellar/go@698593a4) writes it. It is returned as its v1 equivalent,
 *   exactly as stellar-base and stellar-core treat a v0 envelope, so the hash
 *   ({@link authTransactionHash}) and the memo are the same for both layouts.
 *
 * The v1 layout is tried first; either decode must consume every byte.
 * @throws {ProtocolError} `invalid_transaction` (field `data.tx`) when neither decodes
 * @see https://github.com/stellar/stellar-protocol/blob/master/ecosystem/sep-0003.md
 */
export function parseAuthTransaction(txXdrBase64: string): xdr.Transaction {
  const bytes = Buffer.from(txXdrBase64, 'base64');
  let v1Error: unknown;
  try {
    // js-xdr's fromXDR throws when input is left over, so trailing bytes fail here too.
    return xdr.Transaction.fromXDR(bytes);
  } catch (e) {
    v1Error = e;
  }
  try {
    return transactionFromV0(xdr.TransactionV0.fromXDR(bytes));
  } catch {
    throw new ProtocolError('invalid_transaction', 'Error decoding Transaction XDR', {
      field: 'data.tx',
      cause: v1Error,
    });
  }
}

/**
 * The v1 `Transaction` equivalent of a `TransactionV0`: the source becomes a
 * KEY_TYPE_ED25519 MuxedAccount, optional timeBounds become PRECOND_TIME (or
 * PRECOND_NONE), everything else is kept. Its XDR is `uint32(0) || XDR(v0)`, which is how
 * stellar-base's `Transaction.signatureBase` rebuilds a v1 transaction from a v0 one.
 */
function transactionFromV0(v0: xdr.TransactionV0): xdr.Transaction {
  const timeBounds = v0.timeBounds();
  return new xdr.Transaction({
    sourceAccount: xdr.MuxedAccount.keyTypeEd25519(v0.sourceAccountEd25519()),
    fee: v0.fee(),
    seqNum: v0.seqNum(),
    cond: timeBounds ? xdr.Preconditions.precondTime(timeBounds) : xdr.Preconditions.precondNone(),
    memo: v0.memo(),
    operations: v0.operations(),
    // TransactionV0Ext has only case 0.
    ext: new xdr.TransactionExt(0),
  });
}

/**
 * The MEMO_HASH bytes of a transaction, or `undefined` when its memo is another type.
 * @see https://github.com/stellar/stellar-protocol/blob/master/ecosystem/sep-0003.md
 */
export function transactionMemoHash(tx: xdr.Transaction): Buffer | undefined {
  const memo = tx.memo();
  return memo.switch() === xdr.MemoType.memoHash() ? Buffer.from(memo.hash()) : undefined;
}
