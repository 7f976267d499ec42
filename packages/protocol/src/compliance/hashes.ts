// The two SEP-3 hashes: the memo hash (sha256 of the attachment text) and the
// network hash of the sequence-0 auth transaction (stored as transaction_id).

import { createHash } from 'node:crypto';
import { parseAuthTransaction } from './auth-transaction.js';

/**
 * XDR `ENVELOPE_TYPE_TX`, the tag hashed between network id and transaction.
 * @see https://github.com/stellar/stellar-protocol/blob/master/ecosystem/sep-0003.md
 */
export const ENVELOPE_TYPE_TX = 2;

/**
 * sha256 of the exact attachment text: the 32 bytes the tx's MEMO_HASH must carry.
 * @see https://github.com/stellar/stellar-protocol/blob/master/ecosystem/sep-0003.md
 */
export function attachmentMemoHash(attachment: string): Buffer {
  return createHash('sha256').update(Buffer.from(attachment, 'utf8')).digest();
}

/**
 * {@link attachmentMemoHash} in standard base64: the form Horizon reports hash memos
 * in and the key compliance `/receive` looks transactions up by.
 * @see https://github.com/stellar/stellar-protocol/blob/master/ecosystem/sep-0003.md
 */
export function attachmentMemoHashBase64(attachment: string): string {
  return attachmentMemoHash(attachment).toString('base64');
}

/**
 * Network hash of a bare `Transaction` XDR:
 * `hex(sha256(sha256(passphrase) || uint32be(2) || XDR(tx)))`. For the auth tx this is
 * the hash *as received* (sequence 0), not of the transaction later submitted. A
 * `TransactionV0` body hashes as its v1 equivalent (as stellar-core hashes v0
 * envelopes), so both layouts of the same transaction give the same hash.
 * @throws {ProtocolError} `invalid_transaction` (field `data.tx`) when the XDR does not decode
 * @see https://github.com/stellar/stellar-protocol/blob/master/ecosystem/sep-0003.md
 */
export function authTransactionHash(txXdrBase64: string, networkPassphrase: string): string {
  const tx = parseAuthTransaction(txXdrBase64);
  const tag = Buffer.alloc(4);
  tag.writeUInt32BE(ENVELOPE_TYPE_TX);
  // Re-encoding (rather than hashing the received bytes) matches Go, which unmarshals first.
  return createHash('sha256')
    .update(createHash('sha256').update(networkPassphrase, 'utf8').digest())
    .update(tag)
    .update(tx.toXDR())
    .digest('hex');
}
