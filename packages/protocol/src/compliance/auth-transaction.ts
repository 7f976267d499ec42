// The SEP-3 auth transaction: unsigned, sequence 0, MEMO_HASH = sha256(attachment),
// carried in AuthData.tx as a bare `Transaction` XDR (legacy-reference §8.1: a v1
// Transaction with a G… source is byte-identical to the legacy v0 one).

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
 * Decodes a bare `Transaction` XDR (base64).
 * @throws {ProtocolError} `invalid_transaction` (field `data.tx`)
 * @see https://github.com/stellar/stellar-protocol/blob/master/ecosystem/sep-0003.md
 */
export function parseAuthTransaction(txXdrBase64: string): xdr.Transaction {
  try {
    return xdr.Transaction.fromXDR(txXdrBase64, 'base64');
  } catch (e) {
    throw new ProtocolError('invalid_transaction', 'Error decoding Transaction XDR', {
      field: 'data.tx',
      cause: e,
    });
  }
}

/**
 * The MEMO_HASH bytes of a transaction, or `undefined` when its memo is another type.
 * @see https://github.com/stellar/stellar-protocol/blob/master/ecosystem/sep-0003.md
 */
export function transactionMemoHash(tx: xdr.Transaction): Buffer | undefined {
  const memo = tx.memo();
  return memo.switch() === xdr.MemoType.memoHash() ? Buffer.from(memo.hash()) : undefined;
}
