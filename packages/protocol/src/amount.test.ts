import { describe, expect, it } from 'vitest';
import { amountToStroops, compareAmounts, isAmount, MAX_AMOUNT, stroopsToAmount } from './amount.js';
import { isProtocolError } from './errors.js';

describe('amounts', () => {
  it.each(['1', '20', '0.0000001', '10.5', '100.1234567', MAX_AMOUNT, '007'])('accepts %s', (a) =>
    expect(isAmount(a)).toBe(true),
  );

  it.each([
    ['0', 'zero'],
    ['0.0000000', 'zero with decimals'],
    ['-1', 'negative'],
    ['+1', 'explicit sign'],
    ['1.12345678', '8 decimals'],
    ['922337203685.4775808', 'over int64'],
    ['1e3', 'exponent'],
    ['.5', 'no integer part'],
    ['1.', 'empty fraction'],
    ['1,5', 'comma'],
    ['', 'empty'],
    [' 1', 'whitespace'],
  ])('rejects %j (%s)', (a) => expect(isAmount(a)).toBe(false));

  it('converts to and from stroops exactly', () => {
    expect(amountToStroops('10')).toBe(100_000_000n);
    expect(amountToStroops('0.0000001')).toBe(1n);
    expect(amountToStroops(MAX_AMOUNT)).toBe(9_223_372_036_854_775_807n);
    expect(stroopsToAmount(100_000_000n)).toBe('10.0000000');
    expect(stroopsToAmount(1n)).toBe('0.0000001');
    expect(stroopsToAmount(0n)).toBe('0.0000000');
    expect(stroopsToAmount(-15n)).toBe('-0.0000015');
    expect(stroopsToAmount(amountToStroops(MAX_AMOUNT))).toBe(MAX_AMOUNT);
  });

  it('throws invalid_amount for malformed input', () => {
    expect(() => amountToStroops('abc')).toThrow(expect.objectContaining({ code: 'invalid_amount' }));
    try {
      amountToStroops('922337203685.4775808');
    } catch (e) {
      expect(isProtocolError(e, 'invalid_amount')).toBe(true);
    }
  });

  it('compares numerically, not lexically', () => {
    expect(compareAmounts('9', '10')).toBe(-1);
    expect(compareAmounts('10.0', '10')).toBe(0);
    expect(compareAmounts('10.0000001', '10')).toBe(1);
  });
});
