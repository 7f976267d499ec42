// TOID: Horizon's total order ID (SEP-35), used as operation IDs and paging tokens.
// 32 bits ledger sequence | 20 bits transaction application order | 12 bits operation index.

/** TOID of (ledger, 1-based tx order, 1-based op index; 0 for the tx itself). */
export function toid(ledger: number, txOrder: number, opIndex: number): bigint {
  return (BigInt(ledger) << 32n) | (BigInt(txOrder) << 12n) | BigInt(opIndex);
}

/** The ledger sequence a TOID belongs to. */
export function toidLedger(id: bigint): number {
  return Number(id >> 32n);
}

/** Max transactions per ledger and operations per transaction that a TOID can address. */
export const TOID_MAX_TX_ORDER = 1_048_575;
export const TOID_MAX_OP_INDEX = 4095;
