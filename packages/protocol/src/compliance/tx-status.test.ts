import { describe, expect, it } from 'vitest';
import { parseTransactionStatusResponse, serializeTransactionStatusResponse } from './tx-status.js';

describe('SEP-4 tx_status', () => {
  it('serializes like Go json.Encoder, with a trailing newline', () => {
    expect(serializeTransactionStatusResponse({ status: 'unknown' })).toBe('{"status":"unknown"}\n');
    expect(serializeTransactionStatusResponse({ status: 'delivered', msg: 'cash paid' })).toBe(
      '{"status":"delivered","msg":"cash paid"}\n',
    );
  });

  it('maps a missing or empty status to unknown (TS-1)', () => {
    expect(parseTransactionStatusResponse('{}')).toEqual({ status: 'unknown' });
    expect(parseTransactionStatusResponse('{"status":""}')).toEqual({ status: 'unknown' });
  });

  it('keeps a callback answer as is', () => {
    const body = '{"status":"delivered","msg":"cash paid"}';
    expect(serializeTransactionStatusResponse(parseTransactionStatusResponse(body))).toBe(`${body}\n`);
  });

  it('rejects non-JSON and unknown statuses', () => {
    expect(() => parseTransactionStatusResponse('nope')).toThrow(
      expect.objectContaining({ code: 'invalid_tx_status' }),
    );
    expect(() => parseTransactionStatusResponse('{"status":"lost"}')).toThrow(
      expect.objectContaining({ code: 'invalid_tx_status' }),
    );
  });
});
