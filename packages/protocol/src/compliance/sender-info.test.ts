import { describe, expect, it } from 'vitest';
import { dropEmptyFields, SENDER_INFO_KEYS, senderInfoToMap } from './sender-info.js';

describe('sender info', () => {
  it('omits empty fields (PR-4)', () => {
    expect(senderInfoToMap({ first_name: 'John', middle_name: '', last_name: 'Doe' })).toEqual({
      first_name: 'John',
      last_name: 'Doe',
    });
  });

  it('drops keys that are not standard', () => {
    expect(senderInfoToMap({ first_name: 'A', ...({ shoe_size: '42' } as object) })).toEqual({
      first_name: 'A',
    });
  });

  it('lists the twelve Go SenderInfo keys', () => {
    expect(SENDER_INFO_KEYS).toHaveLength(12);
    expect(SENDER_INFO_KEYS[0]).toBe('first_name');
    expect(SENDER_INFO_KEYS[11]).toBe('company_name');
  });

  it('drops empty values from any map', () => {
    expect(dropEmptyFields({ a: '', b: 'x' })).toEqual({ b: 'x' });
  });
});
