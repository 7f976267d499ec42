import { describe, expect, it } from 'vitest';
import { isProtocolError } from '../errors.js';
import { parseAuthData, serializeAuthData } from './auth-data.js';
import { SEP3_ATTACHMENT } from '../testing/compliance-fixtures.js';

describe('serializeAuthData', () => {
  it('reproduces the SEP-3 example layout: key order, attachment as an escaped string', () => {
    expect(
      serializeAuthData({
        sender: 'aldi*bankA.com',
        need_info: true,
        tx: 'AAAA',
        attachment: SEP3_ATTACHMENT,
      }),
    ).toBe(
      '{"sender":"aldi*bankA.com","need_info":true,"tx":"AAAA","attachment":"{\\"nonce\\":\\"1488805458327055805\\",' +
        '\\"transaction\\":{\\"sender_info\\":{\\"address\\":\\"678 Mission St\\",\\"city\\":\\"San Francisco\\",' +
        '\\"country\\":\\"US\\",\\"first_name\\":\\"Aldi\\",\\"last_name\\":\\"Dobbs\\"},\\"route\\":\\"1\\",' +
        '\\"note\\":\\"\\",\\"extra\\":\\"\\"},\\"operations\\":null}"}',
    );
  });

  it('escapes already-escaped HTML characters of the attachment again, like Go', () => {
    expect(
      serializeAuthData({ sender: 's*x.org', need_info: false, tx: 't', attachment: '{"a":"\\u003c<"}' }),
    ).toBe('{"sender":"s*x.org","need_info":false,"tx":"t","attachment":"{\\"a\\":\\"\\\\u003c\\u003c\\"}"}');
  });
});

describe('parseAuthData', () => {
  it('reads the Go TestData vector', () => {
    expect(
      parseAuthData('{"sender": "sender", "need_info": true, "tx": "tx", "attachment": "attachment"}'),
    ).toEqual({
      sender: 'sender',
      need_info: true,
      tx: 'tx',
      attachment: 'attachment',
    });
  });

  it('treats null and missing as zero values', () => {
    expect(parseAuthData('{"need_info":null}')).toEqual({
      sender: '',
      need_info: false,
      tx: '',
      attachment: '',
    });
  });

  it.each(['hello world', '{"need_info":"yes"}', '{"attachment":{}}', '"str"'])(
    'rejects %s with field data',
    (t) => {
      try {
        parseAuthData(t);
        expect.unreachable();
      } catch (e) {
        expect(isProtocolError(e, 'invalid_auth_request')).toBe(true);
        expect((e as { field?: string }).field).toBe('data');
      }
    },
  );
});
