import { Keypair } from '@stellar/stellar-sdk';
import { describe, expect, it } from 'vitest';
import { isAccountId, isSeed, isStellarDestination } from './keys.js';

const G = 'GAW77Z6GPWXSODJOMF5L5BMX6VMYGEJRKUNBC2CZ725JTQZORK74HQQD';
const S = 'SDWTLFPALQSP225BSMX7HPZ7ZEAYSUYNDLJ5QI3YGVBNRUIIELWH3XUV';

describe('keys', () => {
  it('accepts a G… account id and rejects seeds, short ids and bad checksums', () => {
    expect(isAccountId(G)).toBe(true);
    expect(isAccountId(S)).toBe(false);
    expect(isAccountId('GD3YBOYIUVLU')).toBe(false);
    expect(isAccountId(G.slice(0, -1) + (G.endsWith('D') ? 'E' : 'D'))).toBe(false);
    expect(isAccountId(G.toLowerCase())).toBe(false);
    expect(isAccountId('')).toBe(false);
  });

  it('accepts an S… seed and rejects account ids', () => {
    expect(isSeed(S)).toBe(true);
    expect(Keypair.fromSecret(S).publicKey()).toBe(
      'GBYJZW5XFAI6XV73H5SAIUYK6XZI4CGGVBUBO3ANA2SV7KKDAXTV6AEB',
    );
    expect(isSeed(G)).toBe(false);
    expect(isSeed('broken')).toBe(false);
  });

  it('accepts an account id or a stellar address as destination', () => {
    expect(isStellarDestination(G)).toBe(true);
    expect(isStellarDestination('bob*stellar.org')).toBe(true);
    expect(isStellarDestination('bob')).toBe(false);
    expect(isStellarDestination(S)).toBe(false);
  });
});
