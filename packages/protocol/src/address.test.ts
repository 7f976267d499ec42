import { describe, expect, it } from 'vitest';
import { formatStellarAddress, isStellarAddress, parseStellarAddress } from './address.js';
import { isValidDomain } from './domain.js';
import { isProtocolError } from './errors.js';
import { MESSAGES } from './messages.js';

describe('parseStellarAddress', () => {
  it.each([
    ['bob*stellar.org', 'bob', 'stellar.org'],
    ['maria@gmail.com*stellar.org', 'maria@gmail.com', 'stellar.org'],
    ['+14155550100*stellar.org', '+14155550100', 'stellar.org'],
    ['alice*localhost:8002', 'alice', 'localhost:8002'],
    ['alice*bank-a.test:8443', 'alice', 'bank-a.test:8443'],
    ['jürgen*bank.example', 'jürgen', 'bank.example'],
  ])('accepts %s', (address, name, domain) => {
    expect(parseStellarAddress(address)).toEqual({ name, domain });
    expect(isStellarAddress(address)).toBe(true);
  });

  it.each([
    ['bartekstellar.org', 'no star'],
    ['scott**stellar.org', 'two stars'],
    ['scott', 'no domain'],
    ['*stellar.org', 'empty name'],
    ['bob*', 'empty domain'],
    ['bo b*stellar.org', 'whitespace in name'],
    ['bo\tb*stellar.org', 'tab in name'],
    ['bo>b*stellar.org', '> in name'],
    ['bob*stel lar.org', 'space in domain'],
    ['bob*-bad.org', 'label starting with hyphen'],
    ['bob*127.0.0.1', 'IP literal'],
    ['bob*stellar.org:0', 'port 0'],
    ['bob*stellar.org:99999', 'port out of range'],
    ['bob*stellar.org:', 'empty port'],
    ['bob*stellar..org', 'empty label'],
    ['', 'empty string'],
  ])('rejects %j (%s) with invalid_stellar_address', (address) => {
    expect(isStellarAddress(address)).toBe(false);
    try {
      parseStellarAddress(address);
      expect.unreachable();
    } catch (e) {
      expect(isProtocolError(e, 'invalid_stellar_address')).toBe(true);
      expect((e as Error).message).toContain(MESSAGES.stellarAddress);
    }
  });

  it('formats back to name*domain', () => {
    expect(formatStellarAddress({ name: 'bob', domain: 'stellar.org' })).toBe('bob*stellar.org');
  });
});

describe('isValidDomain', () => {
  it('limits a label to 63 characters and the host to 253', () => {
    expect(isValidDomain(`${'a'.repeat(63)}.org`)).toBe(true);
    expect(isValidDomain(`${'a'.repeat(64)}.org`)).toBe(false);
    expect(isValidDomain(`${'abcdefghi.'.repeat(25)}org`)).toBe(true);
    expect(isValidDomain(`${'abcdefghi.'.repeat(26)}org`)).toBe(false);
  });
  it('rejects a trailing dot and a path', () => {
    expect(isValidDomain('stellar.org.')).toBe(false);
    expect(isValidDomain('stellar.org/x')).toBe(false);
  });
  it('rejects every spelling of an IPv4 address, which a URL parser would connect to', () => {
    for (const literal of [
      '127.0.0.1',
      '0x7f.1',
      '0x7f000001',
      '017700000001',
      '2130706433',
      '10.1',
      '0x7f.0.0.1:8080',
    ]) {
      expect(new URL(`http://${literal}/`).hostname).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
      expect(isValidDomain(literal), literal).toBe(false);
    }
    expect(isValidDomain('0x7f.example')).toBe(true);
    expect(isValidDomain('bank-a.test:8443')).toBe(true);
  });
});
