import { describe, expect, it } from 'vitest';
import { ProtocolError } from '../errors.js';
import { parseFederationResponse } from './response.js';

const G = 'GAMVF7G4GJC4A7JMFJWLUAEIBFQD5RT3DCB5DC5TJDEKQBBACQ4JZVEE';

function errorOf(fn: () => unknown): ProtocolError {
  try {
    fn();
  } catch (e) {
    if (e instanceof ProtocolError) return e;
  }
  throw new Error('expected a ProtocolError');
}

describe('parseFederationResponse', () => {
  it('keeps a text memo and the stellar address', () => {
    expect(
      parseFederationResponse(
        JSON.stringify({ stellar_address: 'bob*stellar.org', account_id: G, memo_type: 'text', memo: 'bob' }),
      ),
    ).toEqual({ stellar_address: 'bob*stellar.org', account_id: G, memo_type: 'text', memo: 'bob' });
  });

  it('turns a numeric memo into its decimal string, without rounding uint64 ids', () => {
    expect(parseFederationResponse(`{"account_id":"${G}","memo_type":"id","memo":1}`).memo).toBe('1');
    expect(
      parseFederationResponse(`{"account_id":"${G}","memo_type":"id","memo":18446744073709551615}`).memo,
    ).toBe('18446744073709551615');
  });

  it("drops the Go server's empty memo and empty memo_type", () => {
    expect(parseFederationResponse(`{"account_id":"${G}","memo":""}`)).toEqual({ account_id: G });
    expect(parseFederationResponse(`{"account_id":"${G}","memo_type":"","memo":""}`)).toEqual({
      account_id: G,
    });
  });

  it.each([
    ['not json', undefined],
    ['[1]', undefined],
    [`{"account_id":"GBAD"}`, 'account_id'],
    [`{"account_id":"${G}","memo_type":"return","memo":"x"}`, 'memo_type'],
    [`{"account_id":"${G}","memo_type":"text","memo":""}`, 'memo'],
    [`{"account_id":"${G}","memo_type":"text"}`, 'memo'],
    [`{"account_id":"${G}","memo_type":"id","memo":"-1"}`, 'memo'],
    [`{"account_id":"${G}","memo_type":"id","memo":"18446744073709551616"}`, 'memo'],
    [`{"account_id":"${G}","memo":{}}`, 'memo'],
  ])('rejects %s', (body, field) => {
    const e = errorOf(() => parseFederationResponse(body));
    expect(e.code).toBe('federation_response_invalid');
    expect(e.field).toBe(field);
  });
});
