// sent_transaction (every transaction the bridge submits, legacy shape) and
// sent_payment (which transaction carries a client payment `id`, also for
// batched transactions). A payment id is reserved before anything is built,
// so a repeated id can never produce a second transaction.
import type { Knex } from 'knex';
import { isUniqueViolation } from '@anchor/support';

export type SentStatus = 'sending' | 'success' | 'failure';

export interface SentTransaction {
  id: number;
  transaction_id: string;
  status: SentStatus;
  source: string;
  submitted_at: string;
  succeeded_at: string | null;
  ledger: number | null;
  envelope_xdr: string;
  result_xdr: string | null;
  payment_id: string | null;
  operation_count: number;
}

export interface NewSentTransaction {
  transactionId: string;
  source: string;
  envelopeXdr: string;
  /** Client payment ids carried by this transaction with their operation index. */
  payments: { paymentId: string; operationIndex: number }[];
  operationCount: number;
}

/** The state of a payment id already seen. */
export interface ReservedPayment {
  paymentId: string;
  transaction?: SentTransaction;
  operationIndex: number | null;
}

export interface SentTransactionStore {
  /** Reserves `paymentId`; returns undefined when new, or what is known about it. */
  reservePayment(paymentId: string): Promise<ReservedPayment | undefined>;
  /** Forgets a reservation that never got a transaction (validation failed after reserving). */
  releasePayment(paymentId: string): Promise<void>;
  findPayment(paymentId: string): Promise<ReservedPayment | undefined>;
  /** Records a transaction before it is submitted; returns its row id. */
  insert(tx: NewSentTransaction): Promise<number>;
  markSuccess(id: number, ledger: number, resultXdr: string | undefined): Promise<void>;
  markFailure(id: number, resultXdr: string | undefined): Promise<void>;
  list(page: number, pageSize: number): Promise<SentTransaction[]>;
}

function isDeadlock(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return (
    code === 'ER_LOCK_DEADLOCK' ||
    code === 'ER_LOCK_WAIT_TIMEOUT' ||
    code === '40P01' ||
    code === 'SQLITE_BUSY'
  );
}

function iso(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  const d = value instanceof Date ? value : new Date(typeof value === 'number' ? value : String(value));
  return Number.isNaN(d.getTime()) ? String(value) : d.toISOString();
}

function toSent(row: Record<string, unknown>): SentTransaction {
  return {
    id: Number(row.id),
    transaction_id: String(row.transaction_id),
    status: row.status as SentStatus,
    source: String(row.source),
    submitted_at: iso(row.submitted_at) as string,
    succeeded_at: iso(row.succeeded_at),
    ledger: row.ledger === null || row.ledger === undefined ? null : Number(row.ledger),
    envelope_xdr: String(row.envelope_xdr),
    result_xdr: (row.result_xdr as string | null) ?? null,
    payment_id: (row.payment_id as string | null) ?? null,
    operation_count: Number(row.operation_count ?? 1),
  };
}

export class KnexSentTransactionStore implements SentTransactionStore {
  constructor(private readonly db: Knex) {}

  async reservePayment(paymentId: string): Promise<ReservedPayment | undefined> {
    try {
      await this.db('sent_payment').insert({ payment_id: paymentId, created_at: new Date() });
      return undefined;
    } catch (err) {
      if (!isUniqueViolation(err)) throw err;
    }
    return (await this.findPayment(paymentId)) ?? { paymentId, operationIndex: null };
  }

  async releasePayment(paymentId: string): Promise<void> {
    await this.db('sent_payment').where({ payment_id: paymentId }).whereNull('sent_transaction_id').delete();
  }

  async findPayment(paymentId: string): Promise<ReservedPayment | undefined> {
    const row = await this.db('sent_payment').where({ payment_id: paymentId }).first();
    if (!row) return undefined;
    let transaction: SentTransaction | undefined;
    if (row.sent_transaction_id !== null && row.sent_transaction_id !== undefined) {
      const tx = await this.db('sent_transaction').where({ id: row.sent_transaction_id }).first();
      if (tx) transaction = toSent(tx);
    }
    return {
      paymentId,
      transaction,
      operationIndex: row.operation_index === null ? null : Number(row.operation_index),
    };
  }

  async insert(tx: NewSentTransaction): Promise<number> {
    // Concurrent reservations and inserts on the unique payment_id indexes can deadlock
    // on MySQL/PostgreSQL; the transaction is then simply retried.
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.insertOnce(tx);
      } catch (err) {
        if (attempt >= 5 || !isDeadlock(err)) throw err;
        await new Promise((r) => setTimeout(r, 10 * 2 ** attempt));
      }
    }
  }

  private async insertOnce(tx: NewSentTransaction): Promise<number> {
    return this.db.transaction(async (trx) => {
      const single =
        tx.payments.length === 1 && tx.operationCount === 1 ? tx.payments[0]?.paymentId : undefined;
      if (single) {
        // A rebuilt transaction (after tx_bad_seq) takes the legacy payment_id over.
        await trx('sent_transaction').where({ payment_id: single }).update({ payment_id: null });
      }
      const row = {
        transaction_id: tx.transactionId,
        status: 'sending',
        source: tx.source,
        submitted_at: new Date(),
        envelope_xdr: tx.envelopeXdr,
        payment_id: single ?? null,
        operation_count: tx.operationCount,
      };
      const client = (this.db.client as { config?: { client?: unknown } }).config?.client;
      const inserted =
        client === 'pg'
          ? await trx('sent_transaction').insert(row, ['id'])
          : await trx('sent_transaction').insert(row);
      const first = inserted[0] as number | { id: number };
      const id = Number(typeof first === 'object' ? first.id : first);
      for (const p of tx.payments) {
        await trx('sent_payment')
          .where({ payment_id: p.paymentId })
          .update({ sent_transaction_id: id, operation_index: p.operationIndex });
      }
      return id;
    });
  }

  async markSuccess(id: number, ledger: number, resultXdr: string | undefined): Promise<void> {
    await this.db('sent_transaction')
      .where({ id })
      .update({ status: 'success', ledger, succeeded_at: new Date(), result_xdr: resultXdr ?? null });
  }

  async markFailure(id: number, resultXdr: string | undefined): Promise<void> {
    await this.db('sent_transaction')
      .where({ id })
      .update({ status: 'failure', result_xdr: resultXdr ?? null });
  }

  async list(page: number, pageSize: number): Promise<SentTransaction[]> {
    const rows = await this.db('sent_transaction')
      .orderBy('id', 'desc')
      .limit(pageSize)
      .offset((page - 1) * pageSize);
    return rows.map(toSent);
  }
}

/** Without a database: nothing is recorded and ids are not deduplicated (legacy "single endpoint" mode). */
export class NullSentTransactionStore implements SentTransactionStore {
  private next = 1;
  async reservePayment(): Promise<ReservedPayment | undefined> {
    return undefined;
  }
  async releasePayment(): Promise<void> {}
  async findPayment(): Promise<ReservedPayment | undefined> {
    return undefined;
  }
  async insert(): Promise<number> {
    return this.next++;
  }
  async markSuccess(): Promise<void> {}
  async markFailure(): Promise<void> {}
  async list(): Promise<SentTransaction[]> {
    return [];
  }
}
