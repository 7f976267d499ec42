// SEP-2 stellar addresses (`name*domain`): parsing, validation, formatting.

import { isValidDomain } from './domain.js';
import { ProtocolError } from './errors.js';
import { MESSAGES } from './messages.js';

/**
 * A parsed `name*domain` stellar address.
 * @see https://github.com/stellar/stellar-protocol/blob/master/ecosystem/sep-0002.md
 */
export interface StellarAddress {
  name: string;
  domain: string;
}

// SEP-2: the name part is printable UTF-8 without whitespace, `*` or `>`.
// `\p{C}` rejects control and unassigned characters, `\s`/`\p{Z}` all whitespace.
const BAD_NAME_CHAR = /[\s\p{Z}\p{C}*>]/u;

/**
 * Splits and validates a stellar address.
 *
 * Rules (legacy-reference §4.3): exactly one `*`; name non-empty, no whitespace,
 * `*` or `>`; domain a DNS name, optionally with `:port` for dev domains.
 *
 * @param address e.g. `bob*stellar.org`, `maria@gmail.com*stellar.org`
 * @returns the name and domain parts, unchanged
 * @throws {ProtocolError} `invalid_stellar_address` (message {@link MESSAGES}.stellarAddress)
 * @see https://github.com/stellar/stellar-protocol/blob/master/ecosystem/sep-0002.md
 */
export function parseStellarAddress(address: string): StellarAddress {
  const fail = (why: string): never => {
    throw new ProtocolError('invalid_stellar_address', `${MESSAGES.stellarAddress} (${why})`, {
      field: 'address',
    });
  };
  if (typeof address !== 'string') return fail('not a string');
  const parts = address.split('*');
  if (parts.length !== 2) return fail('invalid address');
  const [name, domain] = parts as [string, string];
  if (name.length === 0 || BAD_NAME_CHAR.test(name)) return fail('name part of address is invalid');
  if (!isValidDomain(domain)) return fail('domain part of address is invalid');
  return { name, domain };
}

/**
 * True when {@link parseStellarAddress} would accept `address`.
 * @see https://github.com/stellar/stellar-protocol/blob/master/ecosystem/sep-0002.md
 */
export function isStellarAddress(address: string): boolean {
  try {
    parseStellarAddress(address);
    return true;
  } catch {
    return false;
  }
}

/**
 * Joins a name and a domain into `name*domain`.
 * @see https://github.com/stellar/stellar-protocol/blob/master/ecosystem/sep-0002.md
 */
export function formatStellarAddress(address: StellarAddress): string {
  return `${address.name}*${address.domain}`;
}
