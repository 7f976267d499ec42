// The callbacks' shapes of the value rules of @anchor/protocol: form fields that
// fail become InvalidParameterError naming the field, stellar addresses parse to
// undefined instead of throwing (with the domain lower-cased, as stored), and an
// asset is the pair the bank books (native is `XLM` with no issuer). The rules
// themselves are protocol's; nothing here re-implements them.
import {
  amountToStroops,
  formatStellarAddress,
  isAmount,
  isProtocolError,
  isStellarAddress,
  MESSAGES,
  parseAsset,
  parseStellarAddress,
  stroopsToAmount,
  type StellarAddress,
} from '@anchor/protocol';
import { InvalidParameterError } from '@anchor/support';

/** Longest name part we store (customers.name, allowed_senders.user_name). */
const MAX_NAME_LENGTH = 64;

/** `name*domain` with the domain lower-cased; undefined when it is not a stellar address we can store. */
export function toStellarAddress(value: string): StellarAddress | undefined {
  if (!isStellarAddress(value)) return undefined;
  const { name, domain } = parseStellarAddress(value);
  if (name.length > MAX_NAME_LENGTH) return undefined;
  return { name, domain: domain.toLowerCase() };
}

/** True for a SEP-2 name part (`bob`, `maria@gmail.com`) that fits the name columns. */
export function isFederationName(name: string): boolean {
  // Any valid domain does: only the name part is in question.
  return toStellarAddress(formatStellarAddress({ name, domain: 'localhost' })) !== undefined;
}

/** A positive amount with at most 7 decimals, as a 7-decimal string. */
export function amountParam(name: string, value: string): string {
  if (!isAmount(value)) throw new InvalidParameterError(name, MESSAGES.amount);
  return stroopsToAmount(amountToStroops(value));
}

/** An asset as the bank books it: native is `XLM` with no issuer. */
export interface AssetKey {
  code: string;
  issuer: string;
}

const native = (): AssetKey => ({ code: 'XLM', issuer: '' });

/**
 * The `asset_code`/`asset_issuer` pair by protocol's rules (both empty is native),
 * plus the bridge's convention that `XLM` without issuer is native (account_merge).
 * @throws InvalidParameterError naming `asset_code` or `asset_issuer`
 */
export function assetParams(code: string, issuer: string): AssetKey {
  if (code === 'XLM' && issuer === '') return native();
  try {
    const asset = parseAsset(code, issuer);
    return asset.type === 'native' ? native() : { code: asset.code, issuer: asset.issuer };
  } catch (err) {
    if (!isProtocolError(err, 'invalid_asset')) throw err;
    if (err.field === 'asset_code') throw new InvalidParameterError('asset_code', MESSAGES.assetCode);
    if (err.field === 'asset_issuer') throw new InvalidParameterError('asset_issuer', MESSAGES.accountId);
    throw new InvalidParameterError(
      code === '' ? 'asset_code' : 'asset_issuer',
      MESSAGES.assetCodeOrIssuerMissing,
    );
  }
}
