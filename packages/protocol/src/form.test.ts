import { describe, expect, it } from 'vitest';
import {
  encodeForwardDestination,
  encodeFormGoStyle,
  encodePathForm,
  goQueryEscape,
  parseForwardDestination,
  parsePathForm,
} from './form.js';
import { isProtocolError } from './errors.js';

describe('path form', () => {
  it('reads until the first absent asset_code and keeps present-but-empty native entries', () => {
    const form = {
      'path[0][asset_code]': '',
      'path[0][asset_issuer]': '',
      'path[1][asset_code]': 'EUR',
      'path[1][asset_issuer]': 'GAF3PBFQLH57KPECN4GRGHU5NUZ3XXKYYWLOTBIRJMBYHPUBWANIUCZU',
      'path[3][asset_code]': 'SKIPPED',
    };
    const path = parsePathForm(form);
    expect(path).toEqual([
      { asset_code: '', asset_issuer: '' },
      { asset_code: 'EUR', asset_issuer: 'GAF3PBFQLH57KPECN4GRGHU5NUZ3XXKYYWLOTBIRJMBYHPUBWANIUCZU' },
    ]);
    expect(encodePathForm(path)).toEqual({
      'path[0][asset_code]': '',
      'path[0][asset_issuer]': '',
      'path[1][asset_code]': 'EUR',
      'path[1][asset_issuer]': 'GAF3PBFQLH57KPECN4GRGHU5NUZ3XXKYYWLOTBIRJMBYHPUBWANIUCZU',
    });
  });

  it('returns an empty path when path[0] is absent', () => {
    expect(parsePathForm({ amount: '1' })).toEqual([]);
  });

  it('rejects more than five elements', () => {
    const form = Object.fromEntries([0, 1, 2, 3, 4, 5].map((n) => [`path[${n}][asset_code]`, '']));
    expect(() => parsePathForm(form)).toThrow(
      expect.objectContaining({ code: 'invalid_form', field: 'path' }),
    );
  });
});

describe('forward destination', () => {
  const form = {
    'forward_destination[domain]': 'stellar.org',
    'forward_destination[fields][federation_type]': 'bank_account',
    'forward_destination[fields][swift]': 'BOPBPHMM',
    'forward_destination[fields][acct]': '2382376',
    'forward_destination[fields][Bad Name]': 'ignored',
  };

  it('collects [a-z_-]+ fields and round-trips', () => {
    const dest = parseForwardDestination(form);
    expect(dest).toEqual({
      domain: 'stellar.org',
      fields: { federation_type: 'bank_account', swift: 'BOPBPHMM', acct: '2382376' },
    });
    expect(parseForwardDestination(encodeForwardDestination(dest!))).toEqual(dest);
  });

  it('is absent without a domain or without fields', () => {
    expect(parseForwardDestination({ ...form, 'forward_destination[domain]': '' })).toBeUndefined();
    expect(parseForwardDestination({ 'forward_destination[domain]': 'stellar.org' })).toBeUndefined();
  });
});

describe('encodeFormGoStyle', () => {
  it('reproduces the Go AuthRequest.ToURLValues().Encode() vector (PR-1)', () => {
    expect(encodeFormGoStyle({ sig: 'si/g=', data: '{"hello": "world"}' })).toBe(
      'data=%7B%22hello%22%3A+%22world%22%7D&sig=si%2Fg%3D',
    );
  });

  it('sorts keys bytewise, escapes brackets, keeps repeated values in order and skips undefined', () => {
    expect(
      encodeFormGoStyle({
        route: 'bob*stellar.org',
        'path[0][asset_code]': '',
        amount: '20',
        id: ['b', 'a'],
        Z: 'upper first',
        skip: undefined,
      }),
    ).toBe('Z=upper+first&amount=20&id=b&id=a&path%5B0%5D%5Basset_code%5D=&route=bob%2Astellar.org');
  });

  it("escapes what encodeURIComponent leaves alone, like Go's QueryEscape", () => {
    expect(goQueryEscape("!'()*~-_.")).toBe('%21%27%28%29%2A~-_.');
    expect(goQueryEscape('a b+c&d=é')).toBe('a+b%2Bc%26d%3D%C3%A9');
    expect(goQueryEscape('\uD800x')).toBe('%EF%BF%BDx');
  });

  it('is usable for error checks', () => {
    expect(isProtocolError(new Error('x'))).toBe(false);
  });
});
