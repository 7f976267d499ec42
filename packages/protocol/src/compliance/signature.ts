// SEP-3 request signatures: plain ed25519 over the raw UTF-8 bytes of the `data`
// string — no hashing, no network id, no tag (Go `keypair.Full.Sign`).

import { Keypair } from '@stellar/stellar-sdk';
import { ProtocolError } from '../errors.js';
import { isAccountId, isSeed } from '../keys.js';

/**
 * Length of an ed25519 signature in bytes.
 * @see https://github.com/stellar/stellar-protocol/blob/master/ecosystem/sep-0003.md
 */
export const ED25519_SIGNATURE_LENGTH = 64;

/**
 * Signs the exact `data` text with a secret seed.
 * @param seed `S…` signing seed (its `G…` is SIGNING_KEY in our stellar.toml)
 * @param data the AuthData JSON text exactly as it will be sent
 * @returns standard base64 of the 64-byte signature
 * @throws {ProtocolError} `invalid_seed`
 * @see https://github.com/stellar/stellar-protocol/blob/master/ecosystem/sep-0003.md
 */
export function signAuthData(seed: string, data: string): string {
  if (!isSeed(seed)) throw new ProtocolError('invalid_seed', 'Invalid signing seed', { field: 'seed' });
  return Keypair.fromSecret(seed).sign(Buffer.from(data, 'utf8')).toString('base64');
}

const STRICT_BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/**
 * True for non-empty standard (padded) base64, the govalidator `base64` rule.
 * @see https://github.com/stellar/stellar-protocol/blob/master/ecosystem/sep-0003.md
 */
export function isBase64(value: string): boolean {
  return typeof value === 'string' && value.length > 0 && STRICT_BASE64.test(value);
}

/**
 * Verifies `sig` over the exact `data` text against `accountId`. False (never a throw)
 * for a malformed account id, non-base64 sig or a sig that is not exactly 64 bytes.
 * @see https://github.com/stellar/stellar-protocol/blob/master/ecosystem/sep-0003.md
 */
export function verifyAuthSignature(accountId: string, data: string, sig: string): boolean {
  if (!isAccountId(accountId) || !isBase64(sig)) return false;
  const raw = Buffer.from(sig, 'base64');
  if (raw.length !== ED25519_SIGNATURE_LENGTH) return false;
  try {
    return Keypair.fromPublicKey(accountId).verify(Buffer.from(data, 'utf8'), raw);
  } catch {
    return false;
  }
}
