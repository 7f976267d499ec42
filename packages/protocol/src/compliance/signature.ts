// SEP-3 request signatures: plain ed25519 over the raw UTF-8 bytes of the `data`
// string — no hashing, no network id, no tag (Go `keypair.Full.Sign`).
// Signing and verifying go through node:crypto (OpenSSL) rather than the SDK's pure-JS
// ed25519, which is ~30× slower and capped the auth endpoint; ed25519 is deterministic,
// so signatures are byte-identical either way.

import { createPrivateKey, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import { StrKey } from '@stellar/stellar-sdk';
import { ProtocolError } from '../errors.js';
import { isAccountId, isSeed } from '../keys.js';

/**
 * Length of an ed25519 signature in bytes.
 * @see https://github.com/stellar/stellar-protocol/blob/master/ecosystem/sep-0003.md
 */
export const ED25519_SIGNATURE_LENGTH = 64;

// DER wrappers that turn raw 32-byte ed25519 keys into node:crypto keys (RFC 8410).
const SPKI_ED25519_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');
const PKCS8_ED25519_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

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
  const rawSeed = StrKey.decodeEd25519SecretSeed(seed);
  const der = Buffer.concat([PKCS8_ED25519_PREFIX, rawSeed]);
  try {
    const key = createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
    return sign(null, Buffer.from(data, 'utf8'), key).toString('base64');
  } finally {
    rawSeed.fill(0);
    der.fill(0);
  }
}

/**
 * Most public keys kept by {@link verifyAuthSignature}: a receiving bank verifies the
 * same few sending banks over and over, so their parsed keys are cached.
 */
const PUBLIC_KEY_CACHE_SIZE = 1000;
const publicKeys = new Map<string, KeyObject>();

/** The node:crypto key of a `G…` account id (cached), or `undefined` when it is not one. */
function publicKeyOf(accountId: string): KeyObject | undefined {
  const cached = publicKeys.get(accountId);
  if (cached) {
    // Re-insert so the Map's insertion order is least recently used first.
    publicKeys.delete(accountId);
    publicKeys.set(accountId, cached);
    return cached;
  }
  if (!isAccountId(accountId)) return undefined;
  const key = createPublicKey({
    key: Buffer.concat([SPKI_ED25519_PREFIX, StrKey.decodeEd25519PublicKey(accountId)]),
    format: 'der',
    type: 'spki',
  });
  // The first key in insertion order is the least recently used one.
  if (publicKeys.size >= PUBLIC_KEY_CACHE_SIZE) publicKeys.delete(publicKeys.keys().next().value as string);
  publicKeys.set(accountId, key);
  return key;
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
 * True when `sig` is base64 of exactly 64 bytes, the shape of an ed25519 signature:
 * checkable before anything is fetched to verify it.
 * @see https://github.com/stellar/stellar-protocol/blob/master/ecosystem/sep-0003.md
 */
export function isSignatureShaped(sig: string): boolean {
  return isBase64(sig) && Buffer.from(sig, 'base64').length === ED25519_SIGNATURE_LENGTH;
}

/**
 * Verifies `sig` over the exact `data` text against `accountId`. False (never a throw)
 * for a malformed account id, non-base64 sig or a sig that is not exactly 64 bytes.
 * Parsed keys of the {@link PUBLIC_KEY_CACHE_SIZE} most recently used account ids are kept.
 * @see https://github.com/stellar/stellar-protocol/blob/master/ecosystem/sep-0003.md
 */
export function verifyAuthSignature(accountId: string, data: string, sig: string): boolean {
  if (!isSignatureShaped(sig)) return false;
  const raw = Buffer.from(sig, 'base64');
  try {
    const key = publicKeyOf(accountId);
    return key !== undefined && verify(null, Buffer.from(data, 'utf8'), key, raw);
  } catch {
    return false;
  }
}
