// Small value rules shared by the callbacks, the console and the config.
// Stellar address parsing is local for now: @anchor/protocol does not export
// its SEP-2 helpers yet (switch to its parseStellarAddress once it does).
import { StrKey } from '@stellar/stellar-sdk';

const DNS_LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/i;

/** A DNS name (`bank-b.test`), optionally with a `:port` for development domains. */
export function isDomainName(value: string): boolean {
  const match = /^([^:]+)(?::(\d{1,5}))?$/.exec(value);
  if (!match) return false;
  const [, host = '', port] = match;
  if (port !== undefined && Number(port) > 65535) return false;
  if (host.length > 253) return false;
  return host.split('.').every((label) => DNS_LABEL.test(label));
}

// SEP-2 name part: printable, no whitespace, no `*` or `>`.
const BAD_NAME_CHAR = /[\s\p{Z}\p{C}*>]/u;

/** True for a valid SEP-2 name part (`bob`, `maria@gmail.com`, `+14155550100`). */
export function isFederationName(value: string): boolean {
  return value.length > 0 && value.length <= 64 && !BAD_NAME_CHAR.test(value);
}

/** Splits `name*domain`; undefined when it is not a stellar address. */
export function parseStellarAddress(value: string): { name: string; domain: string } | undefined {
  const parts = value.split('*');
  if (parts.length !== 2) return undefined;
  const [name = '', domain = ''] = parts;
  if (!isFederationName(name) || !isDomainName(domain)) return undefined;
  return { name, domain: domain.toLowerCase() };
}

export function isAccountId(value: string): boolean {
  return StrKey.isValidEd25519PublicKey(value);
}

const STROOPS_PER_UNIT = 10_000_000n;
const INT64_MAX = 9_223_372_036_854_775_807n;

/** Parses a positive amount with at most 7 decimals into stroops; undefined when invalid. */
export function toStroops(amount: string): bigint | undefined {
  const match = /^(\d{1,12})(?:\.(\d{1,7}))?$/.exec(amount);
  if (!match) return undefined;
  const [, whole = '0', fraction = ''] = match;
  const stroops = BigInt(whole) * STROOPS_PER_UNIT + BigInt(fraction.padEnd(7, '0'));
  if (stroops <= 0n || stroops > INT64_MAX) return undefined;
  return stroops;
}

/** Formats stroops as a 7-decimal amount string. */
export function fromStroops(stroops: bigint): string {
  const sign = stroops < 0n ? '-' : '';
  const abs = stroops < 0n ? -stroops : stroops;
  return `${sign}${abs / STROOPS_PER_UNIT}.${(abs % STROOPS_PER_UNIT).toString().padStart(7, '0')}`;
}

/** An asset as the bank books it: native is `XLM` with no issuer. */
export interface AssetKey {
  code: string;
  issuer: string;
}

/**
 * Legacy asset rules (reference §1.4) plus the bridge's conventions: both empty is
 * native, `XLM` without issuer is native (account_merge), otherwise code 1–12
 * alphanumeric and a G… issuer. Returns the problem as text when invalid.
 */
export function parseAsset(code: string, issuer: string): AssetKey | { problem: string; field: string } {
  if (code === '' && issuer === '') return { code: 'XLM', issuer: '' };
  if (code === 'XLM' && issuer === '') return { code: 'XLM', issuer: '' };
  if (code === '') return { problem: 'Asset code or issuer is missing', field: 'asset_code' };
  if (!/^[A-Za-z0-9]{1,12}$/.test(code))
    return { problem: 'Asset code must be 1-12 alphanumeric characters.', field: 'asset_code' };
  if (issuer === '') return { problem: 'Asset code or issuer is missing', field: 'asset_issuer' };
  if (!isAccountId(issuer))
    return {
      problem: 'Account ID must start with `G` and contain 56 alphanum characters.',
      field: 'asset_issuer',
    };
  return { code, issuer };
}

/** `USD` or `USD:GABC…` style label for screens. */
export function assetLabel(asset: AssetKey): string {
  return asset.issuer ? `${asset.code}:${asset.issuer}` : asset.code;
}

/** Parses a stored, non-negative amount (any number of whole digits) into stroops. */
export function storedToStroops(value: string): bigint {
  const match = /^(\d+)(?:\.(\d{0,7})\d*)?$/.exec(value);
  if (!match) throw new Error(`not a stored amount: ${value}`);
  const [, whole = '0', fraction = ''] = match;
  return BigInt(whole) * STROOPS_PER_UNIT + BigInt(fraction.padEnd(7, '0'));
}
