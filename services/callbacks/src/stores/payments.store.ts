// Incoming payments (credited exactly once per bridge payment id and transaction)
// and the payments the bridge rejected. The bridge's `id` is the operation id,
// and operation ids repeat after a network reset: (payment_id, transaction_id)
// is the identity. Crediting is one database transaction: insert the payment
// row, whose (payment_id, transaction_id) is UNIQUE, then add to the balance row
// locked FOR UPDATE. A concurrent redelivery of the same id blocks on the
// unique key, fails with a unique violation once the first commits, and is
// then answered as a duplicate. Nothing is ever added twice.
import type { Knex } from 'knex';
import { isSqlite, isUniqueViolation, normalizeAmount, translateDatabaseError } from '@anchor/support';
import { amountToStroops, stroopsToAmount } from '@anchor/protocol';
import type { AssetKey } from '../services/validation.js';
import { nowIso, withDeadlockRetry } from './time.js';

export interface IncomingPaymentFields {
  payment_id: string;
  from_account: string;
  route: string;
  /** Normalized 7-decimal amount. */
  amount: string;
  asset_code: string;
  asset_issuer: string;
  memo_type: string;
  memo: string;
  transaction_id: string;
  data: string;
}

export type IncomingStatus = 'credited' | 'unrouted';

export interface IncomingPayment extends IncomingPaymentFields {
  id: number;
  status: IncomingStatus;
  customer_id: number | null;
  customer_name: string | null;
  deliveries: number;
  received_at: string;
  credited_at: string | null;
}

export interface RejectedPaymentFields {
  payment_id: string;
  from_account: string;
  route: string;
  amount: string;
  asset_code: string;
  asset_issuer: string;
  transaction_id: string;
  reason: string;
  /** Every form field as received, JSON. */
  fields: string;
}

export interface RejectedPayment extends RejectedPaymentFields {
  id: number;
  deliveries: number;
  received_at: string;
}

export type CreditOutcome = 'credited' | 'already_credited';

export interface PaymentsStore {
  /** Credits `customerId` with the payment unless its (payment_id, transaction_id) was credited before. */
  credit(payment: IncomingPaymentFields, customerId: number): Promise<CreditOutcome>;
  /** Records a payment whose route matches no customer (once; later deliveries count up). */
  recordUnrouted(payment: IncomingPaymentFields): Promise<void>;
  /** Records a payment the bridge rejected; true when it is the first delivery. */
  recordRejected(payment: RejectedPaymentFields): Promise<boolean>;
  listIncoming(limit: number): Promise<IncomingPayment[]>;
  listRejected(limit: number): Promise<RejectedPayment[]>;
  byTransaction(transactionId: string): Promise<{ incoming: IncomingPayment[]; rejected: RejectedPayment[] }>;
}

/** A payment's identity: the bridge's id (operation id) within its transaction. */
function identity(payment: { payment_id: string; transaction_id: string }) {
  return { payment_id: payment.payment_id, transaction_id: payment.transaction_id };
}

export class KnexPaymentsStore implements PaymentsStore {
  constructor(private readonly db: Knex) {}

  async credit(payment: IncomingPaymentFields, customerId: number): Promise<CreditOutcome> {
    const asset = { code: payment.asset_code, issuer: payment.asset_issuer };
    try {
      // Outside the crediting transaction, so that its shared lock (MySQL) is gone
      // before two transactions ask for the row FOR UPDATE.
      await this.ensureBalanceRow(this.db, customerId, asset);
      return await withDeadlockRetry(() => this.creditOnce(payment, customerId));
    } catch (err) {
      return translateDatabaseError(err);
    }
  }

  private async creditOnce(payment: IncomingPaymentFields, customerId: number): Promise<CreditOutcome> {
    const now = nowIso();
    try {
      await this.db.transaction(async (trx) => {
        await trx('incoming_payments').insert({
          ...payment,
          customer_id: customerId,
          status: 'credited',
          deliveries: 1,
          received_at: now,
          credited_at: now,
        });
        await this.addToBalance(
          trx,
          customerId,
          { code: payment.asset_code, issuer: payment.asset_issuer },
          payment.amount,
        );
      });
      return 'credited';
    } catch (err) {
      if (!isUniqueViolation(err)) throw err;
    }
    // The payment id is known: a redelivery, or an earlier delivery that found no customer.
    return this.db.transaction(async (trx) => {
      const row = await this.lock(trx('incoming_payments').where(identity(payment)).first());
      if (row && row.status === 'unrouted') {
        const asset = { code: String(row.asset_code), issuer: String(row.asset_issuer) };
        await this.ensureBalanceRow(trx, customerId, asset);
        await trx('incoming_payments')
          .where({ ...identity(payment), status: 'unrouted' })
          .update({
            status: 'credited',
            customer_id: customerId,
            route: payment.route,
            credited_at: now,
            deliveries: trx.raw('deliveries + 1'),
          });
        await this.addToBalance(trx, customerId, asset, normalizeAmount(row.amount as string));
        return 'credited';
      }
      await trx('incoming_payments').where(identity(payment)).increment('deliveries', 1);
      return 'already_credited';
    });
  }

  async recordUnrouted(payment: IncomingPaymentFields): Promise<void> {
    try {
      await this.db('incoming_payments').insert({
        ...payment,
        customer_id: null,
        status: 'unrouted',
        deliveries: 1,
        received_at: nowIso(),
        credited_at: null,
      });
    } catch (err) {
      if (!isUniqueViolation(err)) return translateDatabaseError(err);
      await this.db('incoming_payments')
        .where(identity(payment))
        .increment('deliveries', 1)
        .catch(translateDatabaseError);
    }
  }

  async recordRejected(payment: RejectedPaymentFields): Promise<boolean> {
    try {
      await this.db('rejected_payments').insert({ ...payment, deliveries: 1, received_at: nowIso() });
      return true;
    } catch (err) {
      if (!isUniqueViolation(err)) return translateDatabaseError(err);
      await this.db('rejected_payments')
        .where(identity(payment))
        .update({ reason: payment.reason, fields: payment.fields, deliveries: this.db.raw('deliveries + 1') })
        .catch(translateDatabaseError);
      return false;
    }
  }

  async listIncoming(limit: number): Promise<IncomingPayment[]> {
    try {
      const rows = await this.incomingQuery().orderBy('p.id', 'desc').limit(limit);
      return rows.map(toIncoming);
    } catch (err) {
      return translateDatabaseError(err);
    }
  }

  async listRejected(limit: number): Promise<RejectedPayment[]> {
    try {
      const rows = await this.db('rejected_payments').select('*').orderBy('id', 'desc').limit(limit);
      return rows.map(toRejected);
    } catch (err) {
      return translateDatabaseError(err);
    }
  }

  async byTransaction(transactionId: string) {
    try {
      const incoming = await this.incomingQuery().where('p.transaction_id', transactionId).orderBy('p.id');
      const rejected = await this.db('rejected_payments')
        .where({ transaction_id: transactionId })
        .orderBy('id');
      return { incoming: incoming.map(toIncoming), rejected: rejected.map(toRejected) };
    } catch (err) {
      return translateDatabaseError(err);
    }
  }

  private incomingQuery() {
    return this.db('incoming_payments as p')
      .leftJoin('customers as c', 'c.id', 'p.customer_id')
      .select('p.*', this.db.raw(`${this.concatName()} as customer_name`));
  }

  private concatName(): string {
    const client = (this.db.client as { config?: { client?: unknown } }).config?.client;
    return client === 'mysql2' ? "CONCAT(c.name, '*', c.domain)" : "(c.name || '*' || c.domain)";
  }

  private lock<T extends Knex.QueryBuilder>(query: T): T {
    return (isSqlite(this.db) ? query : query.forUpdate()) as T;
  }

  private async ensureBalanceRow(db: Knex | Knex.Transaction, customerId: number, asset: AssetKey) {
    await db('customer_balances')
      .insert({
        customer_id: customerId,
        asset_code: asset.code,
        asset_issuer: asset.issuer,
        balance: '0',
        updated_at: nowIso(),
      })
      .onConflict(['customer_id', 'asset_code', 'asset_issuer'])
      .ignore();
  }

  private async addToBalance(trx: Knex.Transaction, customerId: number, asset: AssetKey, amount: string) {
    const where = { customer_id: customerId, asset_code: asset.code, asset_issuer: asset.issuer };
    const row = await this.lock(trx('customer_balances').where(where).select('balance').first());
    if (!row) throw new Error('balance row missing');
    const next = amountToStroops(normalizeAmount(row.balance as string)) + amountToStroops(amount);
    await trx('customer_balances')
      .where(where)
      .update({ balance: stroopsToAmount(next), updated_at: nowIso() });
  }
}

function toIncoming(row: Record<string, unknown>): IncomingPayment {
  return {
    ...(row as unknown as IncomingPayment),
    id: Number(row.id),
    customer_id: row.customer_id === null ? null : Number(row.customer_id),
    customer_name: (row.customer_name as string | null) ?? null,
    amount: normalizeAmount(row.amount as string),
    deliveries: Number(row.deliveries),
    data: (row.data as string | null) ?? '',
  };
}

function toRejected(row: Record<string, unknown>): RejectedPayment {
  return { ...(row as unknown as RejectedPayment), id: Number(row.id), deliveries: Number(row.deliveries) };
}
