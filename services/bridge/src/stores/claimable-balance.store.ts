// Claimable balances whose claimant is one of our receiving accounts: what the bridge saw on the
// network and, when it claims them, how far the claim got. One row per (account, balance id).
import type { Knex } from 'knex';
import { iso } from './received-payment.store.js';

export type ClaimableStatus =
  /** Seen; `[listener] claimable_balances = "report"`, or not claimable by the bridge (reason in last_error). */
  | 'reported'
  /** A claim transaction may be in flight (set before it is submitted). */
  | 'claiming'
  /** Claimed; the claim's delivery was recorded (received_payment operation_id + claim_hash). */
  | 'claimed'
  /** Gone from the network while `claiming`, without a claim of ours known to have landed. */
  | 'vanished';

export const CLAIMABLE_STATUSES: readonly ClaimableStatus[] = ['reported', 'claiming', 'claimed', 'vanished'];

export interface ClaimableBalanceRow {
  id: number;
  account_id: string;
  balance_id: string;
  asset_code: string;
  asset_issuer: string;
  amount: string;
  sponsor: string;
  status: ClaimableStatus;
  claim_hash: string | null;
  operation_id: string | null;
  last_error: string | null;
  seen_at: string;
  updated_at: string;
}

export type NewClaimableBalance = Pick<
  ClaimableBalanceRow,
  'account_id' | 'balance_id' | 'asset_code' | 'asset_issuer' | 'amount' | 'sponsor'
>;

export interface ClaimableBalanceStore {
  /** The row, inserted as `reported` when new. */
  remember(balance: NewClaimableBalance): Promise<ClaimableBalanceRow>;
  /** Applies `patch`, only while the row is in one of `from` when given; false when it was not. */
  update(
    id: number,
    patch: Partial<Pick<ClaimableBalanceRow, 'status' | 'claim_hash' | 'operation_id' | 'last_error'>>,
    from?: ClaimableStatus[],
  ): Promise<boolean>;
  /** Every receiving account's row of this balance. */
  byBalanceId(balanceId: string): Promise<ClaimableBalanceRow[]>;
  /** Rows of `accountId` in `status` (the ones a scan must look at again). */
  inStatus(accountId: string, status: ClaimableStatus): Promise<ClaimableBalanceRow[]>;
  /** Newest first; every status when `status` is undefined. */
  list(status: ClaimableStatus | undefined, page: number, pageSize: number): Promise<ClaimableBalanceRow[]>;
}

function toRow(row: Record<string, unknown>): ClaimableBalanceRow {
  return {
    id: Number(row.id),
    account_id: String(row.account_id),
    balance_id: String(row.balance_id),
    asset_code: String(row.asset_code),
    asset_issuer: String(row.asset_issuer),
    amount: String(row.amount),
    sponsor: String(row.sponsor),
    status: row.status as ClaimableStatus,
    claim_hash: (row.claim_hash as string | null) ?? null,
    operation_id: (row.operation_id as string | null) ?? null,
    last_error: (row.last_error as string | null) ?? null,
    seen_at: iso(row.seen_at) as string,
    updated_at: iso(row.updated_at) as string,
  };
}

export class KnexClaimableBalanceStore implements ClaimableBalanceStore {
  constructor(private readonly db: Knex) {}

  async remember(balance: NewClaimableBalance): Promise<ClaimableBalanceRow> {
    const key = { account_id: balance.account_id, balance_id: balance.balance_id };
    const now = new Date();
    // Insert-if-absent on every dialect: a concurrent insert of the same key is simply ignored.
    await this.db('claimable_balance')
      .insert({ ...balance, status: 'reported', seen_at: now, updated_at: now })
      .onConflict(['account_id', 'balance_id'])
      .ignore();
    return toRow(await this.db('claimable_balance').where(key).first());
  }

  async byBalanceId(balanceId: string): Promise<ClaimableBalanceRow[]> {
    return (await this.db('claimable_balance').where({ balance_id: balanceId }).orderBy('id')).map(toRow);
  }

  async update(
    id: number,
    patch: Partial<Pick<ClaimableBalanceRow, 'status' | 'claim_hash' | 'operation_id' | 'last_error'>>,
    from?: ClaimableStatus[],
  ): Promise<boolean> {
    const last_error =
      patch.last_error === undefined ? {} : { last_error: patch.last_error?.slice(0, 255) ?? null };
    const q = this.db('claimable_balance').where({ id });
    if (from) q.whereIn('status', from);
    return (await q.update({ ...patch, ...last_error, updated_at: new Date() })) > 0;
  }

  async inStatus(accountId: string, status: ClaimableStatus): Promise<ClaimableBalanceRow[]> {
    return (await this.db('claimable_balance').where({ account_id: accountId, status }).orderBy('id')).map(
      toRow,
    );
  }

  async list(
    status: ClaimableStatus | undefined,
    page: number,
    pageSize: number,
  ): Promise<ClaimableBalanceRow[]> {
    const q = this.db('claimable_balance')
      .orderBy('id', 'desc')
      .limit(pageSize)
      .offset((page - 1) * pageSize);
    if (status) q.where({ status });
    return (await q).map(toRow);
  }
}
