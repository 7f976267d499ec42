// Strkey checks for account ids (G…) and secret seeds (S…), and the legacy
// "destination" rule (an account id or a stellar address).

import { StrKey } from '@stellar/stellar-sdk';
import { isStellarAddress } from './address.js';

/**
 * True for a valid ed25519 public key strkey (`G…`, 56 characters, good checksum).
 * @see https://github.com/stellar/stellar-protocol/blob/master/ecosystem/sep-0023.md
 */
export function isAccountId(value: string): boolean {
  return typeof value === 'string' && StrKey.isValidEd25519PublicKey(value);
}

/**
 * True for a valid muxed account strkey (`M…`, 69 characters, good checksum): CAP-27.
 * @see https://github.com/stellar/stellar-protocol/blob/master/ecosystem/sep-0023.md
 */
export function isMuxedAccountId(value: string): boolean {
  return typeof value === 'string' && StrKey.isValidMed25519PublicKey(value);
}

/**
 * A claimable balance id as Horizon prints it (`00000000` + 64 hex, lower case) from that form (any
 * case) or its `B…` strkey (SEP-23); null when malformed.
 * @see https://github.com/stellar/stellar-protocol/blob/master/ecosystem/sep-0023.md
 */
export function parseClaimableBalanceId(raw: string): string | null {
  if (typeof raw !== 'string') return null;
  if (/^00000000[0-9a-fA-F]{64}$/.test(raw)) return raw.toLowerCase();
  if (raw.startsWith('B') && StrKey.isValidClaimableBalance(raw)) {
    // type byte 0 (v0) + the 32-byte hash; the XDR form's type is a 4-byte int.
    return `000000${Buffer.from(StrKey.decodeClaimableBalance(raw)).toString('hex')}`;
  }
  return null;
}

/**
 * True for a valid ed25519 secret seed strkey (`S…`, 56 characters, good checksum).
 * @see https://github.com/stellar/stellar-protocol/blob/master/ecosystem/sep-0023.md
 */
export function isSeed(value: string): boolean {
  return typeof value === 'string' && StrKey.isValidEd25519SecretSeed(value);
}

/**
 * True for a payment destination: an account id or a `name*domain` address
 * (the legacy `stellar_destination` validator).
 * @see https://github.com/stellar/stellar-protocol/blob/master/ecosystem/sep-0002.md
 */
export function isStellarDestination(value: string): boolean {
  return isAccountId(value) || isStellarAddress(value);
}
