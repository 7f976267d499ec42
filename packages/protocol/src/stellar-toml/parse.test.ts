import { describe, expect, it } from 'vitest';
import { ProtocolError } from '../errors.js';
import { parseStellarToml, STELLAR_TOML_MAX_SIZE } from './parse.js';

const SIGNING_KEY = 'GBYJZW5XFAI6XV73H5SAIUYK6XZI4CGGVBUBO3ANA2SV7KKDAXTV6AEB';
const ISSUER = 'GAMVF7G4GJC4A7JMFJWLUAEIBFQD5RT3DCB5DC5TJDEKQBBACQ4JZVEE';

const SAMPLE_TOML = `
VERSION = "2.7.0"
NETWORK_PASSPHRASE = "Test SDF Network ; September 2015"
FEDERATION_SERVER = "https://bank-a.test/federation"
AUTH_SERVER = "https://bank-a.test/compliance"
SIGNING_KEY = "${SIGNING_KEY}"
ACCOUNTS = ["${ISSUER}"]
WALLET_FEATURE_WE_DO_NOT_KNOW = true

[DOCUMENTATION]
ORG_NAME = "Bank A"
ORG_URL = "https://bank-a.test"

[[CURRENCIES]]
code = "USD"
issuer = "${ISSUER}"
display_decimals = 2
`;

function errorOf(fn: () => unknown): ProtocolError {
  try {
    fn();
  } catch (e) {
    if (e instanceof ProtocolError) return e;
  }
  throw new Error('expected a ProtocolError');
}

describe('parseStellarToml', () => {
  it('returns the typed document and keeps unknown keys', () => {
    const toml = parseStellarToml(SAMPLE_TOML);
    expect(toml.FEDERATION_SERVER).toBe('https://bank-a.test/federation');
    expect(toml.SIGNING_KEY).toBe(SIGNING_KEY);
    expect(toml.ACCOUNTS).toEqual([ISSUER]);
    expect(toml.CURRENCIES?.[0]).toMatchObject({ code: 'USD', issuer: ISSUER, display_decimals: 2 });
    expect(toml.DOCUMENTATION?.ORG_NAME).toBe('Bank A');
    expect(toml.WALLET_FEATURE_WE_DO_NOT_KNOW).toBe(true);
  });

  it('accepts an empty document', () => {
    expect(parseStellarToml('')).toEqual({});
  });

  it('rejects TOML syntax errors as toml_invalid', () => {
    expect(errorOf(() => parseStellarToml('FEDERATION_SERVER = "unterminated')).code).toBe('toml_invalid');
  });

  it.each([
    [`SIGNING_KEY = "GBAD"`, 'SIGNING_KEY'],
    [`SIGNING_KEY = 12`, 'SIGNING_KEY'],
    [`FEDERATION_SERVER = "not a url"`, 'FEDERATION_SERVER'],
    [`AUTH_SERVER = "ftp://bank-a.test/auth"`, 'AUTH_SERVER'],
    [`ACCOUNTS = ["${ISSUER}", "GBAD"]`, 'ACCOUNTS.1'],
    [`CURRENCIES = "USD"`, 'CURRENCIES'],
    [`[[CURRENCIES]]\ncode = "USD"\nissuer = "nope"`, 'CURRENCIES.0.issuer'],
    [`NETWORK_PASSPHRASE = 1`, 'NETWORK_PASSPHRASE'],
    [`DOCUMENTATION = "x"`, 'DOCUMENTATION'],
  ])('rejects %j with field %s', (text, field) => {
    const e = errorOf(() => parseStellarToml(text));
    expect(e.code).toBe('toml_invalid');
    expect(e.field).toBe(field);
  });

  it('rejects text over 100 KB as toml_too_large', () => {
    const big = `# ${'x'.repeat(STELLAR_TOML_MAX_SIZE)}\n`;
    expect(errorOf(() => parseStellarToml(big)).code).toBe('toml_too_large');
  });
});
