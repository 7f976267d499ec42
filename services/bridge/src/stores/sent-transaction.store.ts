// sent_transaction (every transaction the bridge submits, legacy shape) and
// sent_payment (which transaction carries a client payment `id`, also for
// batched transactions). A payment id is claimed in the database before
// anything is built: the row carries the claimant's token and the time it last
// renewed the claim. Another replica (or a restart) takes the id over only
// when the claim is stale and no transaction was recorded for it, with a
// compare-and-set on the old token; recording the transaction is itself
// conditional on the token, so a claimant that lost its claim can never
// record (and so never submit) a transaction. A repeated id can therefore
// never produce a second transaction, across processes and crashes.
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
  /** Client payment ids carried by this transaction with their operation index and claim token. */
  payments: { paymentId: string; operationIndex: number; claimToken: string }[];
  operationCount: number;
}

/** The state of a payment id already seen. */
export interface ReservedPayment {
  paymentId: string;
  transaction?: SentTransaction;
  operationIndex: number | null;
}

/** The outcome of claiming a payment id. */
export type PaymentClaim =
  /** Ours: build and submit (and renew the claim while doing it). */
  | { state: 'claimed' }
  /**
   * A transaction is recorded for the id and its claim is now ours (its holder finished or went
   * stale): replay its envelope, renewing the claim meanwhile, as for 'claimed'.
   */
  | { state: 'sent'; transaction: SentTransaction; operationIndex: number }
  /** Another live claimant is building or sending it: wait and ask again. */
  | { state: 'busy' }
  /** The id is recorded (or being built) for a request with another fingerprint. */
  | { state: 'conflict' };

/** Recording a transaction found a payment id whose claim is no longer ours. */
export class ClaimLostError extends Error {
  constructor(readonly paymentIds: string[]) {
    super(`payment id claim lost: ${paymentIds.join(', ')}`);
    this.name = 'ClaimLostError';
  }
}

/** Another writer already recorded this very envelope (same source, sequence and content). */
export class DuplicateEnvelopeError extends Error {
  constructor(readonly transactionId: string) {
    super(`transaction ${transactionId} is already recorded`);
    this.name = 'DuplicateEnvelopeError';
  }
}

export interface SentTransactionStore {
  /** False without a database: payment ids cannot be made idempotent. */
  readonly durable: boolean;
  /**
   * Claims `paymentId` for `token`: a new id, or one whose claim was released or not renewed
   * for `staleMs`, becomes ours (atomically: one claimant wins). While a live claimant holds a
   * sent id it is 'busy', not 'sent': only the holder submits, because a holder that was refused
   * (tx_bad_seq) rebuilds, and the refused envelope sent again by someone else could still land.
   * An id held or sent for a request with another `fingerprint` is a conflict; rows recorded
   * before fingerprints existed (null) match any request.
   */
  claimPayment(
    paymentId: string,
    token: string,
    nowMs: number,
    staleMs: number,
    fingerprint: string,
  ): Promise<PaymentClaim>;
  /** Renews our claim; false when it is no longer ours. */
  renewClaim(paymentId: string, token: string, nowMs: number): Promise<boolean>;
  /**
   * Lets go of our claim: an id that never got a transaction is forgotten (validation failed
   * after claiming); a sent one stays sent, free for the next request to replay at once.
   */
  releasePayment(paymentId: string, token: string): Promise<void>;
  findPayment(paymentId: string): Promise<ReservedPayment | undefined>;
  /**
   * Records a transaction before it is submitted; returns its row id.
   * @throws ClaimLostError when a payment id's claim is not held by its token (nothing recorded).
   */
  insert(tx: NewSentTransaction): Promise<number>;
  markSuccess(id: number, ledger: number, resultXdr: string | undefined): Promise<void>;
  markFailure(id: number, resultXdr: string | undefined): Promise<void>;
  list(page: number, pageSize: number): Promise<SentTransaction[]>;
  /**
   * Transactions whose source is one of `sources`, recorded at or after `since`, oldest first:
   * what a crash may have left submitted but unaccounted for (claimable-balance recovery).
   */
  submittedSince(sources: string[], since: Date): Promise<SentTransaction[]>;
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

  readonly durable = true;

  async claimPayment(
    paymentId: string,
    token: string,
    nowMs: number,
    staleMs: number,
    fingerprint: string,
  ): Promise<PaymentClaim> {
    try {
      await this.db('sent_payment').insert({
        payment_id: paymentId,
        created_at: new Date(),
        claim_token: token,
        claimed_at_ms: nowMs,
        request_fingerprint: fingerprint,
      });
      return { state: 'claimed' };
    } catch (err) {
      if (!isUniqueViolation(err)) throw err;
    }
    const row = await this.db('sent_payment').where({ payment_id: paymentId }).first();
    if (!row) return { state: 'busy' }; // released meanwhile: ask again
    const sent = row.sent_transaction_id !== null && row.sent_transaction_id !== undefined;
    const claimedAt =
      row.claimed_at_ms === null || row.claimed_at_ms === undefined ? 0 : Number(row.claimed_at_ms);
    const live = nowMs - claimedAt < staleMs;
    const stored = (row.request_fingerprint as string | null | undefined) ?? null;
    if ((sent || live) && stored !== null && stored !== fingerprint) return { state: 'conflict' };
    if (live) return { state: 'busy' };
    // The transaction of the row as read: the take-over below holds only if it is still that one.
    const transaction = sent ? await this.transactionById(row.sent_transaction_id) : undefined;
    if (sent && !transaction) return { state: 'busy' };
    // Released, or stale: a claimant that went away recorded nothing (the id is free again, for
    // this request's parameters) or left a transaction to replay. Take it over only if nobody
    // changed it since we read it; the old holder, should it still be alive, can then record
    // no rebuilt transaction (insert checks the token).
    const q = this.db('sent_payment').where({ payment_id: paymentId });
    if (sent) q.where({ sent_transaction_id: row.sent_transaction_id });
    else q.whereNull('sent_transaction_id');
    if (row.claim_token === null || row.claim_token === undefined) q.whereNull('claim_token');
    else q.where({ claim_token: row.claim_token });
    if (row.claimed_at_ms === null || row.claimed_at_ms === undefined) q.whereNull('claimed_at_ms');
    else q.where({ claimed_at_ms: row.claimed_at_ms });
    const taken = await q.update({
      claim_token: token,
      claimed_at_ms: nowMs,
      ...(sent ? {} : { request_fingerprint: fingerprint }),
    });
    if (taken !== 1) return { state: 'busy' };
    return transaction
      ? { state: 'sent', transaction, operationIndex: Number(row.operation_index ?? 0) }
      : { state: 'claimed' };
  }

  async renewClaim(paymentId: string, token: string, nowMs: number): Promise<boolean> {
    const n = await this.db('sent_payment')
      .where({ payment_id: paymentId, claim_token: token })
      .update({ claimed_at_ms: nowMs });
    return n === 1;
  }

  async releasePayment(paymentId: string, token: string): Promise<void> {
    const ours = () => this.db('sent_payment').where({ payment_id: paymentId, claim_token: token });
    // Most ids end with a transaction: one statement for them, a second only for the rest.
    const kept = await ours()
      .whereNotNull('sent_transaction_id')
      .update({ claim_token: null, claimed_at_ms: null });
    if (kept === 0) await ours().whereNull('sent_transaction_id').delete();
  }

  async findPayment(paymentId: string): Promise<ReservedPayment | undefined> {
    const row = await this.db('sent_payment').where({ payment_id: paymentId }).first();
    if (!row) return undefined;
    const transaction =
      row.sent_transaction_id !== null && row.sent_transaction_id !== undefined
        ? await this.transactionById(row.sent_transaction_id)
        : undefined;
    return {
      paymentId,
      transaction,
      operationIndex: row.operation_index === null ? null : Number(row.operation_index),
    };
  }

  private async transactionById(id: number): Promise<SentTransaction | undefined> {
    const tx = await this.db('sent_transaction').where({ id }).first();
    return tx ? toSent(tx) : undefined;
  }

  async insert(tx: NewSentTransaction): Promise<number> {
    // Concurrent reservations and inserts on the unique payment_id indexes can deadlock
    // on MySQL/PostgreSQL; the transaction is then simply retried.
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.insertOnce(tx);
      } catch (err) {
        if (isUniqueViolation(err)) throw new DuplicateEnvelopeError(tx.transactionId);
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
      const lost: string[] = [];
      for (const p of tx.payments) {
        // Only the holder of the claim may attach a transaction to the id.
        const n = await trx('sent_payment')
          .where({ payment_id: p.paymentId, claim_token: p.claimToken })
          .update({ sent_transaction_id: id, operation_index: p.operationIndex });
        if (n !== 1) lost.push(p.paymentId);
      }
      if (lost.length > 0) throw new ClaimLostError(lost);
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

  async submittedSince(sources: string[], since: Date): Promise<SentTransaction[]> {
    if (sources.length === 0) return [];
    const rows = await this.db('sent_transaction')
      .whereIn('source', sources)
      .where('submitted_at', '>=', since)
      .orderBy('id');
    return rows.map(toSent);
  }
}

/**
 * Without a database: nothing is recorded, so payment ids cannot be deduplicated and a request
 * with an `id` is refused (legacy "single endpoint" mode).
 */
export class NullSentTransactionStore implements SentTransactionStore {
  readonly durable = false;
  private next = 1;
  async claimPayment(): Promise<PaymentClaim> {
    return { state: 'claimed' };
  }
  async renewClaim(): Promise<boolean> {
    return true;
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
  async submittedSince(): Promise<SentTransaction[]> {
    return [];
  }
}
