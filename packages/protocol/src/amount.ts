// Amounts stay decimal strings end to end (never JS numbers): Stellar amounts are
// int64 counts of stroops (1 XLM = 10^7 stroops), so we convert via bigint.

import { ProtocolError } from './errors.js';

/**
 * Stroops per unit: amounts have at most 7 decimal places.
 * @see https://developers.stellar.org/docs/learn/fundamentals/stellar-data-structures/assets#amount-precision
 */
export const STROOPS_PER_UNIT = 10_000_000n;
/**
 * Largest amount in stroops: max int64.
 * @see https://developers.stellar.org/docs/learn/fundamentals/stellar-data-structures/assets#amount-precision
 */
export const MAX_AMOUNT_STROOPS = 9_223_372_036_854_775_807n;
/**
 * Largest amount as a string (`922337203685.4775807`).
 * @see https://developers.stellar.org/docs/learn/fundamentals/stellar-data-structures/assets#amount-precision
 */
export const MAX_AMOUNT = '922337203685.4775807';

const AMOUNT = /^([0-9]+)(?:\.([0-9]{1,7}))?$/;

/**
 * Parses a decimal amount (`"10"`, `"0.5"`, `"922337203685.4775807"`) to stroops.
 * Zero is accepted here; {@link isAmount} additionally requires a positive value.
 *
 * @throws {ProtocolError} `invalid_amount` for signs, exponents, > 7 decimals or > int64
 * @see https://developers.stellar.org/docs/learn/fundamentals/stellar-data-structures/assets#amount-precision
 */
export function amountToStroops(amount: string): bigint {
  const m = typeof amount === 'string' ? AMOUNT.exec(amount) : null;
  if (!m) throw new ProtocolError('invalid_amount', `Invalid amount: ${String(amount)}`, { field: 'amount' });
  const whole = BigInt(m[1] as string);
  const frac = BigInt((m[2] ?? '').padEnd(7, '0'));
  const stroops = whole * STROOPS_PER_UNIT + frac;
  if (stroops > MAX_AMOUNT_STROOPS) {
    throw new ProtocolError('invalid_amount', `Amount exceeds ${MAX_AMOUNT}`, { field: 'amount' });
  }
  return stroops;
}

/**
 * Formats stroops the way Horizon does: always 7 decimals (`10n * 10^7n` → `"10.0000000"`).
 * @see https://developers.stellar.org/docs/learn/fundamentals/stellar-data-structures/assets#amount-precision
 */
export function stroopsToAmount(stroops: bigint): string {
  const negative = stroops < 0n;
  const abs = negative ? -stroops : stroops;
  const whole = abs / STROOPS_PER_UNIT;
  const frac = (abs % STROOPS_PER_UNIT).toString().padStart(7, '0');
  return `${negative ? '-' : ''}${whole.toString()}.${frac}`;
}

/**
 * True for a positive decimal with ≤ 7 decimal places and ≤ max int64 stroops
 * (the legacy `stellar_amount` rule).
 * @see https://developers.stellar.org/docs/learn/fundamentals/stellar-data-structures/assets#amount-precision
 */
export function isAmount(amount: string): boolean {
  try {
    return amountToStroops(amount) > 0n;
  } catch {
    return false;
  }
}

/**
 * Compares two amount strings numerically: -1, 0 or 1.
 * @throws {ProtocolError} `invalid_amount` when either is not an amount
 * @see https://developers.stellar.org/docs/learn/fundamentals/stellar-data-structures/assets#amount-precision
 */
export function compareAmounts(a: string, b: string): -1 | 0 | 1 {
  const x = amountToStroops(a);
  const y = amountToStroops(b);
  return x < y ? -1 : x > y ? 1 : 0;
}
