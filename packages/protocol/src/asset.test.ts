import { Asset as SdkAsset } from '@stellar/stellar-sdk';
import { describe, expect, it } from 'vitest';
import { assetToPair, isAssetCode, parseAsset, toSdkAsset } from './asset.js';
import { ProtocolError } from './errors.js';

const ISSUER = 'GAMVF7G4GJC4A7JMFJWLUAEIBFQD5RT3DCB5DC5TJDEKQBBACQ4JZVEE';

function errorOf(fn: () => unknown): ProtocolError {
  try {
    fn();
  } catch (e) {
    if (e instanceof ProtocolError) return e;
  }
  throw new Error('expected a ProtocolError');
}

describe('isAssetCode', () => {
  it.each(['USD', 'X', 'ABCDEFGHIJKL', 'usd1'])('accepts %s', (c) => expect(isAssetCode(c)).toBe(true));
  it.each(['', 'ABCDEFGHIJKLM', 'US D', 'US-D', 'ÜSD'])('rejects %j', (c) =>
    expect(isAssetCode(c)).toBe(false),
  );
});

describe('parseAsset', () => {
  it('treats both empty or absent as native', () => {
    expect(parseAsset()).toEqual({ type: 'native' });
    expect(parseAsset('', '')).toEqual({ type: 'native' });
  });

  it('builds a credit asset', () => {
    expect(parseAsset('USD', ISSUER)).toEqual({ type: 'credit', code: 'USD', issuer: ISSUER });
  });

  it('rejects exactly one of code/issuer with the legacy message', () => {
    for (const e of [errorOf(() => parseAsset('USD', '')), errorOf(() => parseAsset(undefined, ISSUER))]) {
      expect(e.code).toBe('invalid_asset');
      expect(e.message).toBe('Asset code or issuer is missing');
      expect(e.field).toBe('asset');
    }
  });

  it('names the bad half', () => {
    const code = errorOf(() => parseAsset('TOOLONGASSETCODE', ISSUER));
    expect([code.message, code.field]).toEqual(['Invalid asset_code', 'asset_code']);
    const issuer = errorOf(() => parseAsset('USD', 'GBAD'));
    expect([issuer.message, issuer.field]).toEqual(['Invalid asset_issuer', 'asset_issuer']);
  });

  it('converts to stellar-sdk assets and form pairs', () => {
    expect(toSdkAsset({ type: 'native' }).isNative()).toBe(true);
    expect(toSdkAsset(parseAsset('USD', ISSUER)).equals(new SdkAsset('USD', ISSUER))).toBe(true);
    expect(assetToPair({ type: 'native' })).toEqual({ code: '', issuer: '' });
  });
});
