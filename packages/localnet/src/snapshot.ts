// Snapshot file: the ledger head, every account entry, every offer (with the header's offer id
// pool) and every claimable balance as JSON (BigInts as strings, claim predicates as base64 XDR), written
// atomically (temp file + rename). History (transactions, operations, effects) is not kept: a
// restarted localnet has the same accounts, balances and sequence numbers and continues the
// ledger sequence, but its history starts at the restored ledger.
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { xdr } from '@stellar/stellar-sdk';
import type { ClaimableBalanceEntry } from './claimable-balances.js';
import type { AccountEntry, LedgerState, OfferEntry } from './ledger-state.js';
import type { LedgerHead } from './ledger-closer.js';

const VERSION = 1;

interface SnapshotFile {
  version: number;
  networkPassphrase: string;
  head: { sequence: number; closeTime: number; hash: string; feePool: string; totalCoins: string };
  accounts: Record<string, unknown>[];
  /** Absent in snapshots written before claimable balances existed. */
  claimableBalances?: Record<string, unknown>[];
  /** Absent in snapshots written before offers were kept (their liabilities were not kept either). */
  offers?: Record<string, unknown>[];
  idPool?: string;
}

function offerToJson(o: OfferEntry): Record<string, unknown> {
  return { ...o, id: o.id.toString(), amount: o.amount.toString() };
}

function offerFromJson(j: Record<string, unknown>): OfferEntry {
  const o = j as unknown as OfferEntry & { id: string; amount: string };
  return { ...o, id: BigInt(o.id), amount: BigInt(o.amount) };
}

const bigints = (o: Record<string, unknown>, keys: string[]) => {
  const out = { ...o };
  for (const k of keys) if (out[k] !== undefined) out[k] = String(out[k] as bigint);
  return out;
};

function balanceToJson(b: ClaimableBalanceEntry): Record<string, unknown> {
  return {
    ...b,
    amount: b.amount.toString(),
    claimants: b.claimants.map((c) => ({
      destination: c.destination,
      predicate: c.predicate.toXDR('base64'),
    })),
  };
}

function balanceFromJson(j: Record<string, unknown>): ClaimableBalanceEntry {
  const b = j as unknown as Omit<ClaimableBalanceEntry, 'amount' | 'claimants'> & {
    amount: string;
    claimants: { destination: string; predicate: string }[];
  };
  return {
    ...b,
    amount: BigInt(b.amount),
    claimants: b.claimants.map((c) => ({
      destination: c.destination,
      predicate: xdr.ClaimPredicate.fromXDR(c.predicate, 'base64'),
    })),
  };
}

function accountToJson(a: AccountEntry): Record<string, unknown> {
  return {
    ...bigints({ ...a }, ['buyingLiabilities', 'sellingLiabilities']),
    balance: a.balance.toString(),
    seqNum: a.seqNum.toString(),
    data: Object.fromEntries(
      [...a.data].map(([k, v]) => [
        k,
        { value: v.value.toString('base64'), lastModifiedLedger: v.lastModifiedLedger },
      ]),
    ),
    trustlines: [...a.trustlines.values()].map((t) => ({
      ...bigints({ ...t }, ['buyingLiabilities', 'sellingLiabilities']),
      balance: t.balance.toString(),
      limit: t.limit.toString(),
    })),
  };
}

function accountFromJson(j: Record<string, unknown>): AccountEntry {
  const a = j as unknown as AccountEntry & {
    balance: string;
    seqNum: string;
    data: Record<string, { value: string; lastModifiedLedger: number }>;
    trustlines: (Omit<
      AccountEntry['trustlines'] extends Map<string, infer T> ? T : never,
      'balance' | 'limit'
    > & {
      balance: string;
      limit: string;
    })[];
  };
  const trustlines = new Map(
    a.trustlines.map((t) => [
      `${t.code}:${t.issuer}`,
      { ...t, balance: BigInt(t.balance), limit: BigInt(t.limit), ...liabilitiesFromJson(t) },
    ]),
  );
  const data = new Map(
    Object.entries(a.data).map(([k, v]) => [
      k,
      { value: Buffer.from(v.value, 'base64'), lastModifiedLedger: v.lastModifiedLedger },
    ]),
  );
  return {
    ...a,
    balance: BigInt(a.balance),
    seqNum: BigInt(a.seqNum),
    data,
    trustlines,
    ...liabilitiesFromJson(a),
  };
}

function liabilitiesFromJson(j: object): { buyingLiabilities?: bigint; sellingLiabilities?: bigint } {
  const l = j as { buyingLiabilities?: string; sellingLiabilities?: string };
  return {
    ...(l.buyingLiabilities !== undefined ? { buyingLiabilities: BigInt(l.buyingLiabilities) } : {}),
    ...(l.sellingLiabilities !== undefined ? { sellingLiabilities: BigInt(l.sellingLiabilities) } : {}),
  };
}

export function writeSnapshot(file: string, passphrase: string, head: LedgerHead, state: LedgerState): void {
  const body: SnapshotFile = {
    version: VERSION,
    networkPassphrase: passphrase,
    head: { ...head, feePool: head.feePool.toString(), totalCoins: head.totalCoins.toString() },
    accounts: [...state.accounts.values()].map(accountToJson),
    claimableBalances: [...state.claimableBalances.values()].map(balanceToJson),
    offers: [...state.offers.values()].map(offerToJson),
    idPool: state.idPool.toString(),
  };
  mkdirSync(dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(body));
  renameSync(tmp, file);
}

/** Reads a snapshot; returns null when the file does not exist. Throws on a corrupt file. */
export function readSnapshot(
  file: string,
  passphrase: string,
): {
  head: LedgerHead;
  accounts: AccountEntry[];
  claimableBalances: ClaimableBalanceEntry[];
  offers: OfferEntry[];
  idPool: bigint;
} | null {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
  const s = JSON.parse(text) as SnapshotFile;
  if (s.version !== VERSION) throw new Error(`snapshot ${file}: unsupported version ${s.version}`);
  if (s.networkPassphrase !== passphrase) {
    throw new Error(`snapshot ${file} belongs to network "${s.networkPassphrase}", not "${passphrase}"`);
  }
  return {
    head: { ...s.head, feePool: BigInt(s.head.feePool), totalCoins: BigInt(s.head.totalCoins) },
    accounts: s.accounts.map(accountFromJson),
    claimableBalances: (s.claimableBalances ?? []).map(balanceFromJson),
    offers: (s.offers ?? []).map(offerFromJson),
    idPool: BigInt(s.idPool ?? '0'),
  };
}
