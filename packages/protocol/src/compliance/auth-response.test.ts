import { describe, expect, it } from 'vitest';
import { isProtocolError } from '../errors.js';
import { authResponseHttpStatus, parseAuthResponse, serializeAuthResponse } from './auth-response.js';

describe('serializeAuthResponse', () => {
  it.each([
    [{ info_status: 'ok', tx_status: 'ok' }, '{"info_status":"ok","tx_status":"ok"}'],
    [
      { info_status: 'ok', tx_status: 'pending', pending: 600 },
      '{"info_status":"ok","tx_status":"pending","pending":600}',
    ],
    [
      { info_status: 'ok', tx_status: 'error', error: 'Invalid name' },
      '{"info_status":"ok","tx_status":"error","error":"Invalid name"}',
    ],
    [
      { info_status: 'ok', tx_status: 'ok', dest_info: '{"name":"<b>"}' },
      '{"info_status":"ok","tx_status":"ok","dest_info":"{\\"name\\":\\"\\u003cb\\u003e\\"}"}',
    ],
    [
      { info_status: 'denied', tx_status: 'ok', pending: 0, error: '' },
      '{"info_status":"denied","tx_status":"ok"}',
    ],
  ] as const)('serializes %j compactly in Go field order', (response, expected) => {
    expect(serializeAuthResponse(response)).toBe(expected);
  });
});

describe('parseAuthResponse', () => {
  it('parses and drops zero values', () => {
    expect(parseAuthResponse('{"info_status":"ok","tx_status":"pending","pending":3600,"error":""}')).toEqual(
      {
        info_status: 'ok',
        tx_status: 'pending',
        pending: 3600,
      },
    );
  });

  it.each([
    'nope',
    '{"info_status":"ok"}',
    '{"info_status":"maybe","tx_status":"ok"}',
    '{"info_status":"ok","tx_status":"ok","pending":"1"}',
  ])('rejects %s', (body) => {
    try {
      parseAuthResponse(body);
      expect.unreachable();
    } catch (e) {
      expect(isProtocolError(e, 'invalid_auth_response')).toBe(true);
    }
  });
});

describe('authResponseHttpStatus', () => {
  it.each([
    ['ok', 'ok', 200],
    ['ok', 'denied', 403],
    ['denied', 'pending', 403],
    ['error', 'ok', 400],
    ['error', 'denied', 403],
    ['pending', 'ok', 202],
    ['pending', 'error', 400],
  ] as const)('%s/%s → %i', (info_status, tx_status, status) => {
    expect(authResponseHttpStatus({ info_status, tx_status })).toBe(status);
  });
});
