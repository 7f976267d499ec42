// Assets as the legacy servers take them from forms: a (code, issuer) pair where
// both empty means native XLM (legacy-reference §1.4).

import { Asset as SdkAsset } from '@stellar/stellar-sdk';
import { ProtocolError } from './errors.js';
import { isAccountId } from './keys.js';
import { MESSAGES } from './messages.js';

/**
 * Longest asset code (alphanum12).
 * @see https://developers.stellar.org/docs/learn/fundamentals/stellar-data-structures/assets
 */
export const MAX_ASSET_CODE_LENGTH = 12;

/**
 * Native XLM. Serialized as `{}` in legacy JSON.
 * @see https://developers.stellar.org/docs/learn/fundamentals/stellar-data-structures/assets
 */
export interface NativeAsset {
  type: 'native';
}

/**
 * An issued asset.
 * @see https://developers.stellar.org/docs/learn/fundamentals/stellar-data-structures/assets
 */
export interface CreditAsset {
  type: 'credit';
  code: string;
  issuer: string;
}

/**
 * A Stellar asset: native or issued.
 * @see https://developers.stellar.org/docs/learn/fundamentals/stellar-data-structures/assets
 */
export type Asset = NativeAsset | CreditAsset;

const ASSET_CODE = /^[a-zA-Z0-9]{1,12}$/;

/**
 * True for 1–12 ASCII alphanumeric characters.
 * @see https://github.com/stellar/stellar-protocol/blob/master/ecosystem/sep-0001.md
 */
export function isAssetCode(code: string): boolean {
  return typeof code === 'string' && ASSET_CODE.test(code);
}

/**
 * Builds an {@link Asset} from form values. Both empty/absent → native; both set →
 * credit asset (code 1–12 alnum, issuer a `G…` key); exactly one set → error.
 *
 * @throws {ProtocolError} `invalid_asset` with message `Asset code or issuer is missing`
 *   (field `asset`), `Invalid asset_code` (field `asset_code`) or `Invalid asset_issuer`
 *   (field `asset_issuer`)
 * @see https://github.com/stellar/stellar-protocol/blob/master/ecosystem/sep-0001.md
 */
export function parseAsset(code?: string, issuer?: string): Asset {
  const c = code ?? '';
  const i = issuer ?? '';
  if (c === '' && i === '') return { type: 'native' };
  if (c === '' || i === '') {
    throw new ProtocolError('invalid_asset', MESSAGES.assetCodeOrIssuerMissing, { field: 'asset' });
  }
  if (!isAssetCode(c))
    throw new ProtocolError('invalid_asset', MESSAGES.invalidAssetCode, { field: 'asset_code' });
  if (!isAccountId(i)) {
    throw new ProtocolError('invalid_asset', MESSAGES.invalidAssetIssuer, { field: 'asset_issuer' });
  }
  return { type: 'credit', code: c, issuer: i };
}

/**
 * Converts to the stellar-sdk `Asset` used by operation builders.
 * @see https://developers.stellar.org/docs/learn/fundamentals/stellar-data-structures/assets
 */
export function toSdkAsset(asset: Asset): SdkAsset {
  return asset.type === 'native' ? SdkAsset.native() : new SdkAsset(asset.code, asset.issuer);
}

/**
 * The `{code, issuer}` pair of an asset, empty strings for native (the form/callback shape).
 * @see https://github.com/stellar/stellar-protocol/blob/master/ecosystem/sep-0003.md
 */
export function assetToPair(asset: Asset): { code: string; issuer: string } {
  return asset.type === 'native' ? { code: '', issuer: '' } : { code: asset.code, issuer: asset.issuer };
}
