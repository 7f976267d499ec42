import { describe, expect, it } from 'vitest';
import { validateStellarTomlForPublishing } from './publishing.js';
import { STELLAR_TOML_MAX_SIZE } from './parse.js';

const KEY = 'GBYJZW5XFAI6XV73H5SAIUYK6XZI4CGGVBUBO3ANA2SV7KKDAXTV6AEB';
const ISSUER = 'GAMVF7G4GJC4A7JMFJWLUAEIBFQD5RT3DCB5DC5TJDEKQBBACQ4JZVEE';

const GOOD = `
FEDERATION_SERVER = "https://bank-a.example/federation"
AUTH_SERVER = "https://bank-a.example/auth"
SIGNING_KEY = "${KEY}"
ACCOUNTS = ["${ISSUER}"]
[DOCUMENTATION]
ORG_URL = "https://bank-a.example"
[[CURRENCIES]]
code = "USD"
issuer = "${ISSUER}"
`;

describe('validateStellarTomlForPublishing', () => {
  it('finds nothing wrong in a good document', () => {
    expect(validateStellarTomlForPublishing(GOOD)).toEqual([]);
  });

  it('reports every problem with its field', () => {
    const text = `
FEDERATION_SERVER = "http://bank-a.example/federation"
AUTH_SERVER = "https://bank-a.example/auth/"
SIGNING_KEY = "SDWTLFPALQSP225BSMX7HPZ7ZEAYSUYNDLJ5QI3YGVBNRUIIELWH3XUV"
ACCOUNTS = ["GBAD"]
[[CURRENCIES]]
issuer = "${ISSUER}"
[[CURRENCIES]]
code = "THIRTEENCHARS"
issuer = "nope"
`;
    expect(validateStellarTomlForPublishing(text).map((p) => p.field)).toEqual([
      'FEDERATION_SERVER',
      'AUTH_SERVER',
      'SIGNING_KEY',
      'ACCOUNTS[0]',
      'CURRENCIES[0].code',
      'CURRENCIES[1].code',
      'CURRENCIES[1].issuer',
    ]);
  });

  it('allows http only for dev domains by default', () => {
    for (const url of [
      'http://localhost:8002/federation',
      'http://bank-a.test/federation',
      'http://x.localhost/f',
    ]) {
      expect(validateStellarTomlForPublishing(`FEDERATION_SERVER = "${url}"`)).toEqual([]);
    }
    expect(validateStellarTomlForPublishing(`FEDERATION_SERVER = "http://test/federation"`)).toHaveLength(1);
    expect(
      validateStellarTomlForPublishing(`FEDERATION_SERVER = "http://localhost/federation"`, {
        allowHttpDomains: [],
      }),
    ).toHaveLength(1);
  });

  it('requires code and issuer on each currency', () => {
    expect(validateStellarTomlForPublishing(`[[CURRENCIES]]\nname = "x"`).map((p) => p.field)).toEqual([
      'CURRENCIES[0].code',
      'CURRENCIES[0].issuer',
    ]);
  });

  it('reports invalid TOML and oversize text', () => {
    expect(validateStellarTomlForPublishing('A = "')).toHaveLength(1);
    const problems = validateStellarTomlForPublishing(`# ${'x'.repeat(STELLAR_TOML_MAX_SIZE)}`);
    expect(problems).toEqual([{ field: '', message: expect.stringContaining('limit') }]);
  });
});
