// SEP-3 auth requests: building the `data`/`sig` form on the sending side, and on
// the receiving side validating it in a fixed order so the reported `field` is
// deterministic (the Go server picked one at random from a map).

import type { xdr } from '@stellar/stellar-sdk';
import { isStellarAddress } from '../address.js';
import { ProtocolError } from '../errors.js';
import { encodeFormGoStyle } from '../form.js';
import { MESSAGES } from '../messages.js';
import { parseAttachment } from './attachment.js';
import { parseAuthData, serializeAuthData } from './auth-data.js';
import { parseAuthTransaction, transactionMemoHash } from './auth-transaction.js';
import { attachmentMemoHash } from './hashes.js';
import { isBase64, signAuthData } from './signature.js';
import type { Attachment, AuthData, AuthRequest } from './types.js';

/**
 * A structurally valid auth request (the signature is not verified yet).
 * @see https://github.com/stellar/stellar-protocol/blob/master/ecosystem/sep-0003.md
 */
export interface ParsedAuthRequest {
  authData: AuthData;
  /** The exact `data` text: what the signature covers. */
  rawData: string;
  /** The base64 `sig` as received. */
  sig: string;
  attachment: Attachment;
  tx: xdr.Transaction;
}

/**
 * Serializes `authData` (Go layout) and signs it.
 * @returns the form fields to POST to the receiver's AUTH_SERVER
 * @throws {ProtocolError} `invalid_seed`
 * @see https://github.com/stellar/stellar-protocol/blob/master/ecosystem/sep-0003.md
 */
export function createAuthRequest(seed: string, authData: AuthData): AuthRequest {
  const data = serializeAuthData(authData);
  return { data, sig: signAuthData(seed, data) };
}

/**
 * The request body exactly as Go's `AuthRequest.ToURLValues().Encode()`:
 * `data=…&sig=…` with `url.QueryEscape` escaping.
 * @see https://github.com/stellar/stellar-protocol/blob/master/ecosystem/sep-0003.md
 */
export function encodeAuthRequest(request: AuthRequest): string {
  return encodeFormGoStyle({ data: request.data, sig: request.sig });
}

/**
 * Validates a received auth request form, checking in this order and reporting the
 * first failure: `data` present and a JSON object of AuthData types; `sig` present and
 * base64; `data.sender` a stellar address; `data.tx` base64 of a `Transaction` (or
 * `TransactionV0`) XDR; `data.attachment` JSON of the attachment shape. Empty strings count as absent.
 * Does not verify the signature (needs the sender's SIGNING_KEY) nor the memo hash
 * (see {@link checkMemoHash}).
 *
 * @throws {ProtocolError} `invalid_auth_request` with `field` = `data` | `sig` |
 *   `data.sender` | `data.tx` | `data.attachment`
 * @see https://github.com/stellar/stellar-protocol/blob/master/ecosystem/sep-0003.md
 */
export function parseAuthRequest(form: {
  data?: string | undefined;
  sig?: string | undefined;
}): ParsedAuthRequest {
  const fail = (field: string, message: string, cause?: unknown): never => {
    throw new ProtocolError('invalid_auth_request', message, { field, cause });
  };
  const rawData = form.data ?? '';
  const sig = form.sig ?? '';
  if (rawData === '') fail('data', 'data is required');
  const authData = parseAuthData(rawData);
  if (sig === '') fail('sig', 'sig is required');
  if (!isBase64(sig)) fail('sig', 'Invalid base64 string.');

  if (!isStellarAddress(authData.sender)) fail('data.sender', MESSAGES.stellarAddress);
  if (!isBase64(authData.tx)) fail('data.tx', 'tx must be base64');
  let tx: xdr.Transaction;
  try {
    tx = parseAuthTransaction(authData.tx);
  } catch (e) {
    return fail('data.tx', 'Error decoding Transaction XDR', e);
  }
  if (authData.attachment === '') fail('data.attachment', 'attachment is required');
  const attachment = parseAttachment(authData.attachment);
  return { authData, rawData, sig, attachment, tx };
}

/**
 * Checks that the tx memo is MEMO_HASH and equals sha256(attachment text).
 * @param authData the `tx` and `attachment` strings as received
 * @throws {ProtocolError} `memo_hash_mismatch` (field `data.tx`); `invalid_transaction`
 *   when `tx` does not decode
 * @see https://github.com/stellar/stellar-protocol/blob/master/ecosystem/sep-0003.md
 */
export function checkMemoHash(authData: Pick<AuthData, 'tx' | 'attachment'>): void {
  const memo = transactionMemoHash(parseAuthTransaction(authData.tx));
  if (!memo) {
    throw new ProtocolError('memo_hash_mismatch', 'Transaction does not contain Memo.Hash', {
      field: 'data.tx',
    });
  }
  if (!memo.equals(attachmentMemoHash(authData.attachment))) {
    throw new ProtocolError('memo_hash_mismatch', 'Memo preimage hash does not equal tx Memo.Hash', {
      field: 'data.tx',
    });
  }
}
