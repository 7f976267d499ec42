// Stellar amounts: int64 stroops (1 XLM = 10^7 stroops) held as BigInt, rendered the way
// Horizon renders them ("12.5000000"). No floating point anywhere near money.

export const STROOPS_PER_UNIT = 10_000_000n;
export const INT64_MAX = 9_223_372_036_854_775_807n;

/** Renders stroops as Horizon's fixed 7-decimal string. */
export function formatAmount(stroops: bigint): string {
  const negative = stroops < 0n;
  const abs = negative ? -stroops : stroops;
  const whole = abs / STROOPS_PER_UNIT;
  const frac = (abs % STROOPS_PER_UNIT).toString().padStart(7, '0');
  return `${negative ? '-' : ''}${whole}.${frac}`;
}

/** Parses a decimal amount ("10", "0.5", "12.3456789") into stroops; throws on anything else. */
export function parseAmount(text: string): bigint {
  const match = /^(\d{1,12})(?:\.(\d{1,7}))?$/.exec(text.trim());
  if (!match) throw new Error(`invalid amount: ${text}`);
  return BigInt(match[1]!) * STROOPS_PER_UNIT + BigInt((match[2] ?? '').padEnd(7, '0'));
}
