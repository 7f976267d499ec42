// Disclosure approval requests (ask_user) and sanctions screening hits, each
// keyed by a hash of what identifies it, so a retried request finds its row.
import type { Knex } from 'knex';
import { isUniqueViolation, translateDatabaseError } from '@anchor/support';
import { nowIso } from './time.js';

export type ApprovalStatus = 'pending' | 'approved' | 'denied';

export interface ApprovalRequestFields {
  request_key: string;
  customer_id: number;
  sender_address: string;
  sender_name: string;
  sender_info: string;
  amount: string;
  asset_code: string;
  asset_issuer: string;
  note: string;
}

export interface ApprovalRequest extends ApprovalRequestFields {
  id: number;
  status: ApprovalStatus;
  customer_name: string;
  customer_full_name: string;
  created_at: string;
  decided_at: string | null;
}

export type HitStatus = 'pending' | 'cleared' | 'confirmed';

export interface SanctionsHitFields {
  screening_key: string;
  screened_name: string;
  date_of_birth: string;
  sender_info: string;
  entry_id: string;
  entry_name: string;
  kind: 'exact' | 'fuzzy';
  score_permille: number;
}

export interface SanctionsHit extends SanctionsHitFields {
  id: number;
  status: HitStatus;
  created_at: string;
  decided_at: string | null;
}

export interface ApprovalsStore {
  /** The existing request with this key, or a new pending one. */
  findOrCreate(fields: ApprovalRequestFields): Promise<ApprovalRequest>;
  /** Decides a pending request; false when it is not pending (decided already or unknown). */
  decide(id: number, status: 'approved' | 'denied'): Promise<boolean>;
  list(status: ApprovalStatus | 'decided', limit: number): Promise<ApprovalRequest[]>;
  countPending(): Promise<number>;
}

export interface SanctionsHitsStore {
  /** The existing hit with this key, or a new one in `status`. */
  findOrCreate(fields: SanctionsHitFields, status: HitStatus): Promise<SanctionsHit>;
  /** Clears or confirms a hit; false when it is unknown or already in that state. */
  decide(id: number, status: 'cleared' | 'confirmed'): Promise<boolean>;
  list(limit: number): Promise<SanctionsHit[]>;
  countPending(): Promise<number>;
}

export class KnexApprovalsStore implements ApprovalsStore {
  constructor(private readonly db: Knex) {}

  async findOrCreate(fields: ApprovalRequestFields): Promise<ApprovalRequest> {
    try {
      const existing = await this.byKey(fields.request_key);
      if (existing) return existing;
      try {
        await this.db('approval_requests').insert({ ...fields, status: 'pending', created_at: nowIso() });
      } catch (err) {
        if (!isUniqueViolation(err)) throw err; // a concurrent retry created it: read it below
      }
      const created = await this.byKey(fields.request_key);
      if (!created) throw new Error('approval request vanished after insert');
      return created;
    } catch (err) {
      return translateDatabaseError(err);
    }
  }

  async decide(id: number, status: 'approved' | 'denied'): Promise<boolean> {
    try {
      const changed = await this.db('approval_requests')
        .where({ id, status: 'pending' })
        .update({ status, decided_at: nowIso() });
      return changed === 1;
    } catch (err) {
      return translateDatabaseError(err);
    }
  }

  async list(status: ApprovalStatus | 'decided', limit: number): Promise<ApprovalRequest[]> {
    try {
      const query = this.query().limit(limit);
      if (status === 'decided')
        query.whereIn('a.status', ['approved', 'denied']).orderBy('a.decided_at', 'desc');
      else query.where('a.status', status).orderBy('a.id', 'desc');
      return (await query).map(toApproval);
    } catch (err) {
      return translateDatabaseError(err);
    }
  }

  async countPending(): Promise<number> {
    try {
      const row = await this.db('approval_requests').where({ status: 'pending' }).count({ n: '*' }).first();
      return Number(row?.n ?? 0);
    } catch (err) {
      return translateDatabaseError(err);
    }
  }

  private async byKey(key: string): Promise<ApprovalRequest | undefined> {
    const row = await this.query().where('a.request_key', key).first();
    return row ? toApproval(row) : undefined;
  }

  private query() {
    return this.db('approval_requests as a')
      .join('customers as c', 'c.id', 'a.customer_id')
      .select(
        'a.*',
        'c.name as c_name',
        'c.domain as c_domain',
        'c.first_name as c_first_name',
        'c.last_name as c_last_name',
      );
  }
}

function toApproval(row: Record<string, unknown>): ApprovalRequest {
  const { c_name, c_domain, c_first_name, c_last_name, ...rest } = row;
  return {
    ...(rest as unknown as ApprovalRequest),
    id: Number(row.id),
    customer_id: Number(row.customer_id),
    customer_name: `${String(c_name)}*${String(c_domain)}`,
    customer_full_name: `${String(c_first_name)} ${String(c_last_name)}`,
  };
}

export class KnexSanctionsHitsStore implements SanctionsHitsStore {
  constructor(private readonly db: Knex) {}

  async findOrCreate(fields: SanctionsHitFields, status: HitStatus): Promise<SanctionsHit> {
    try {
      const existing = await this.byKey(fields.screening_key);
      if (existing) return existing;
      try {
        await this.db('sanctions_hits').insert({
          ...fields,
          status,
          created_at: nowIso(),
          decided_at: status === 'pending' ? null : nowIso(),
        });
      } catch (err) {
        if (!isUniqueViolation(err)) throw err;
      }
      const created = await this.byKey(fields.screening_key);
      if (!created) throw new Error('sanctions hit vanished after insert');
      return created;
    } catch (err) {
      return translateDatabaseError(err);
    }
  }

  async decide(id: number, status: 'cleared' | 'confirmed'): Promise<boolean> {
    try {
      const changed = await this.db('sanctions_hits')
        .where({ id })
        .whereNot({ status })
        .update({ status, decided_at: nowIso() });
      return changed === 1;
    } catch (err) {
      return translateDatabaseError(err);
    }
  }

  async list(limit: number): Promise<SanctionsHit[]> {
    try {
      // Pending first, then the most recent decisions.
      const rows = await this.db('sanctions_hits')
        .select('*')
        .orderByRaw("CASE WHEN status = 'pending' THEN 0 ELSE 1 END")
        .orderBy('id', 'desc')
        .limit(limit);
      return rows.map(toHit);
    } catch (err) {
      return translateDatabaseError(err);
    }
  }

  async countPending(): Promise<number> {
    try {
      const row = await this.db('sanctions_hits').where({ status: 'pending' }).count({ n: '*' }).first();
      return Number(row?.n ?? 0);
    } catch (err) {
      return translateDatabaseError(err);
    }
  }

  private async byKey(key: string): Promise<SanctionsHit | undefined> {
    const row = await this.db('sanctions_hits').where({ screening_key: key }).first();
    return row ? toHit(row) : undefined;
  }
}

function toHit(row: Record<string, unknown>): SanctionsHit {
  return {
    ...(row as unknown as SanctionsHit),
    id: Number(row.id),
    score_permille: Number(row.score_permille),
  };
}
