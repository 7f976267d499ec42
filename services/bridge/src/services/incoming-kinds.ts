// What a payment record means for one receiving account: money that reached it (and from whom,
// how much, of what, to which muxed id), our own outgoing operation, something that is no payment,
// or a kind the bridge does not understand (recorded as such and listed in the admin API, never
// skipped silently). The kinds are those Horizon lists in /payments (stellar-horizon
// internal/ingest/processors/operations_processor.go IsPayment): payment, both path payments,
// account_merge, create_account, and invoke_host_function with Stellar Asset Contract balance
// changes (`asset_balance_changes`, createSACBalanceChangeEntry: `to` and, for a muxed destination,
// `destination_muxed_id`). Horizon's muxed pairs (`to_muxed`/`to_muxed_id`, `into_muxed`/
// `into_muxed_id`) carry the M… address a payment was sent to.
import { amountToStroops, stroopsToAmount } from '@anchor/protocol';
import type { PaymentRecord } from './listener.service.js';
import { muxedAddress } from './muxed.js';

export interface Credit {
  from: string;
  /** Undefined for an account_merge: the merged balance is read from its effects. */
  amount?: string;
  native: boolean;
  asset_code: string;
  asset_issuer: string;
  /** The M… address the payment was sent to, and its id (decimal), when it was muxed. */
  to_muxed?: string;
  to_muxed_id?: string;
}

export type Incoming =
  | { kind: 'credit'; credit: Credit }
  | { kind: 'outgoing' }
  | { kind: 'not_payment' }
  | { kind: 'unsupported'; reason: string };

/** The status text of a record whose kind the bridge does not understand (admin lists it). */
export const UNSUPPORTED_PREFIX = 'Unsupported operation';

interface BalanceChange {
  type?: string;
  from?: string;
  to?: string;
  amount?: string;
  asset_type?: string;
  asset_code?: string;
  asset_issuer?: string;
  destination_muxed_id?: string;
}

function balanceChanges(record: PaymentRecord): BalanceChange[] {
  return (Array.isArray(record.asset_balance_changes) ? record.asset_balance_changes : []) as BalanceChange[];
}

function muxedOf(record: PaymentRecord, name: string): Pick<Credit, 'to_muxed' | 'to_muxed_id'> {
  const muxed = record[`${name}_muxed`];
  if (typeof muxed !== 'string' || !muxed) return {};
  // Horizon omits the id when it is 0 (`omitempty`).
  const id = record[`${name}_muxed_id`];
  return { to_muxed: muxed, to_muxed_id: id === undefined || id === null ? '0' : String(id) };
}

/** The accounts an operation may have credited (the receiving side of its record). */
export function recipients(record: PaymentRecord): string[] {
  if (record.type === 'account_merge') return [String(record.into)];
  if (record.type === 'invoke_host_function') {
    return [...new Set(balanceChanges(record).flatMap((c) => (c.to ? [c.to] : [])))];
  }
  return record.to === undefined ? [] : [String(record.to)];
}

export function readIncoming(record: PaymentRecord, account: string): Incoming {
  switch (record.type) {
    case 'payment':
    case 'path_payment':
    case 'path_payment_strict_receive':
    case 'path_payment_strict_send':
      if (record.to !== account) return { kind: 'outgoing' };
      return {
        kind: 'credit',
        credit: {
          from: String(record.from),
          amount: String(record.amount ?? ''),
          native: record.asset_type === 'native',
          asset_code: String(record.asset_code ?? ''),
          asset_issuer: String(record.asset_issuer ?? ''),
          ...muxedOf(record, 'to'),
        },
      };
    case 'account_merge':
      if (record.into !== account) return { kind: 'outgoing' };
      return {
        kind: 'credit',
        credit: {
          from: String(record.account),
          native: true,
          asset_code: 'XLM',
          asset_issuer: '',
          ...muxedOf(record, 'into'),
        },
      };
    case 'create_account':
      // Only the receiving account's own creation (or one it funded): not a deposit.
      return { kind: 'not_payment' };
    case 'invoke_host_function':
      return sacCredit(record, account);
    default:
      return { kind: 'unsupported', reason: `${UNSUPPORTED_PREFIX} type: ${record.type}` };
  }
}

/** The SAC balance changes crediting `account` (transfer or mint to it), as one credit. */
function sacCredit(record: PaymentRecord, account: string): Incoming {
  const changes = balanceChanges(record);
  const ours = changes.filter((c) => c.to === account && (c.type === 'transfer' || c.type === 'mint'));
  if (ours.length === 0) {
    return changes.some((c) => c.from === account) ? { kind: 'outgoing' } : { kind: 'not_payment' };
  }
  const first = ours[0] as BalanceChange;
  const same = (c: BalanceChange) =>
    c.asset_type === first.asset_type &&
    c.asset_code === first.asset_code &&
    c.asset_issuer === first.asset_issuer &&
    c.destination_muxed_id === first.destination_muxed_id;
  // One record, one callback: several assets or muxed ids in one call need an operator.
  if (!ours.every(same))
    return {
      kind: 'unsupported',
      reason: `${UNSUPPORTED_PREFIX}: invoke_host_function credits several assets or muxed ids`,
    };
  const stroops = ours.reduce((sum, c) => sum + amountToStroops(String(c.amount)), 0n);
  const native = first.asset_type === 'native';
  return {
    kind: 'credit',
    credit: {
      // A mint has no `from`: the issuer created the money.
      from: String(first.from ?? first.asset_issuer ?? ''),
      amount: stroopsToAmount(stroops),
      native,
      asset_code: native ? '' : String(first.asset_code ?? ''),
      asset_issuer: native ? '' : String(first.asset_issuer ?? ''),
      ...(first.destination_muxed_id !== undefined
        ? {
            to_muxed: muxedAddress(account, first.destination_muxed_id),
            to_muxed_id: first.destination_muxed_id,
          }
        : {}),
    },
  };
}
