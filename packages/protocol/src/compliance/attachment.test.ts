import { describe, expect, it } from 'vitest';
import { ProtocolError } from '../errors.js';
import { parseAttachment, serializeAttachment } from './attachment.js';
import { attachmentMemoHash, attachmentMemoHashBase64 } from './hashes.js';
import { SEP3_ATTACHMENT } from '../testing/compliance-fixtures.js';

describe('serializeAttachment', () => {
  it('writes Go zero values: empty strings, null map, null operations (PR-3)', () => {
    expect(serializeAttachment({ transaction: { route: '15' } })).toBe(
      '{"nonce":"","transaction":{"sender_info":null,"route":"15","note":"","extra":""},"operations":null}',
    );
    expect(serializeAttachment({})).toBe(
      '{"nonce":"","transaction":{"sender_info":null,"route":"","note":"","extra":""},"operations":null}',
    );
  });

  it('reproduces the SEP-3 example byte for byte, sender_info keys sorted', () => {
    const text = serializeAttachment({
      nonce: '1488805458327055805',
      transaction: {
        sender_info: {
          last_name: 'Dobbs',
          first_name: 'Aldi',
          country: 'US',
          city: 'San Francisco',
          address: '678 Mission St',
        },
        route: '1',
      },
    });
    expect(text).toBe(SEP3_ATTACHMENT);
    // Pinned sha256, computed independently (Python hashlib) over the same bytes.
    expect(attachmentMemoHash(text).toString('hex')).toBe(
      'd4835ff00eb303a339fcc9f88203c2cb0b4c05d74ab99f9968d06885417a4fb0',
    );
    expect(attachmentMemoHashBase64(text)).toBe('1INf8A6zA6M5/Mn4ggPCywtMBddKuZ+ZaNBohUF6T7A=');
  });

  it('escapes <, > and & everywhere (hand-checked)', () => {
    expect(
      serializeAttachment({
        nonce: '1',
        transaction: { sender_info: { name: 'A&B <Ltd>' }, route: 'r', note: 'x<y', extra: 'a&b' },
        operations: [{ route: 'op>1' }],
      }),
    ).toBe(
      '{"nonce":"1","transaction":{"sender_info":{"name":"A\\u0026B \\u003cLtd\\u003e"},"route":"r",' +
        '"note":"x\\u003cy","extra":"a\\u0026b"},"operations":[{"sender_info":null,"route":"op\\u003e1","note":""}]}',
    );
  });

  it('writes an empty operations slice as []', () => {
    expect(serializeAttachment({ operations: [] })).toContain('"operations":[]');
  });
});

describe('parseAttachment', () => {
  it('accepts route as a number or a string (PR-3)', () => {
    expect(
      parseAttachment('{"transaction":{"route": 15, "note": "note", "extra": "extra"}}').transaction.route,
    ).toBe('15');
    expect(parseAttachment('{"transaction":{"route": "15"}}').transaction.route).toBe('15');
  });

  it('fills Go zero values for missing and null keys and ignores unknown ones', () => {
    expect(parseAttachment('{"nonce":null,"unknown":1}')).toEqual({
      nonce: '',
      transaction: { sender_info: null, route: '', note: '', extra: '' },
      operations: null,
    });
  });

  it('round-trips the SEP-3 example to the same bytes', () => {
    expect(serializeAttachment(parseAttachment(SEP3_ATTACHMENT))).toBe(SEP3_ATTACHMENT);
  });

  it.each([
    ['{"transaction":{"route": test}}', 'invalid JSON'],
    ['{"nonce":1}', 'numeric nonce'],
    ['{"transaction":{"sender_info":{"age":3}}}', 'non-string sender_info value'],
    ['{"operations":{}}', 'operations not an array'],
    ['[]', 'not an object'],
  ])('rejects %s (%s) with field data.attachment', (text) => {
    try {
      parseAttachment(text);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(ProtocolError);
      expect((e as ProtocolError).code).toBe('invalid_auth_request');
      expect((e as ProtocolError).field).toBe('data.attachment');
    }
  });
});
