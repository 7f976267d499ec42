// received_payment (one row per streamed operation and receiving account, unique by
// (account, operation id, transaction hash): a payment between two of our receiving
// accounts is recorded by both listeners, and operation ids repeat after a network
// reset while transaction hashes do not),
// listener_cursor (per receiving account) and delivery_outbox (callbacks not
// yet acknowledged). Recording an operation, queueing its deliveries and
// advancing the cursor happen in one database transaction, so a crash leaves
// either all of them or none.
import type { Knex } from 'knex';
import { isUniqueViolation } from '@anchor/support';

export const STATUS = {
  processing: 'Processing...',
  reprocessing: 'Reprocessing...',
  success: 'Success',
  notPayment: 'Not a payment operation',
  notPermitted: 'Operation type not permitted',
  assetNotAllowed: 'Asset not allowed',
  queued: 'Waiting for delivery',
  belowMinimum: 'Below minimum amount',
} as const;

export interface ReceivedPayment {
  id: number;
  operation_id: string;
  processed_at: string;
  paging_token: string;
  status: string;
  transaction_id: string;
  account_id: string | null;
}

export type DeliveryKind = 'receive' | 'error';

/**
 * pending: to be attempted (again); delivered: acknowledged with 200; dead: refused for good by
 * the bank (a permanent 4xx), not retried until an operator asks; below_minimum: the payment is
 * under its asset's `min_amount`, recorded and never sent unless an operator asks.
 */
export type DeliveryStatus = 'pending' | 'delivered' | 'dead' | 'below_minimum';
export const DELIVERY_STATUSES: readonly DeliveryStatus[] = ['pending', 'delivered', 'dead', 'below_minimum'];

/**
 * The two queues of pending deliveries: first attempts and retries, each soonest due first (a
 * first attempt is due when it is recorded, so that is arrival order). The delivery loop gives
 * each its own share of the slots, so a new payment never waits behind deliveries that keep
 * failing. Stored in `delivery_outbox.lane`: 'retry' from a row's first attempt on (every update
 * that counts an attempt sets it), so it always equals `attempts > 0`.
 */
export type DeliveryLane = 'fresh' | 'retry';

/** The identity of a received operation. */
export interface OperationKey {
  accountId: string;
  operationId: string;
  transactionId: string;
}

export interface OutboxRow {
  id: number;
  operation_id: string;
  transaction_id: string | null;
  kind: DeliveryKind;
  account_id: string;
  payload: string;
  status: DeliveryStatus;
  attempts: number;
  next_attempt_ms: number;
  last_error: string | null;
  created_at: string;
  delivered_at: string | null;
}

export interface RecordOperation {
  accountId: string;
  operationId: string;
  pagingToken: string;
  transactionId: string;
  status: string;
  deliveries: { kind: DeliveryKind; payload: string; status?: 'pending' | 'below_minimum' }[];
  /** Leave the listener's cursor alone (a claimed claimable balance is not read from the stream). */
  keepCursor?: boolean;
}

export interface ReceivedPaymentStore {
  getCursor(accountId: string): Promise<string | undefined>;
  setCursor(accountId: string, cursor: string): Promise<void>;
  /** Records the operation, queues its deliveries and moves the cursor; false when already recorded. */
  record(op: RecordOperation): Promise<boolean>;
  /**
   * Records consecutive operations of one account as `record` does each, in one database
   * transaction when none was recorded before (the cursor ends at the last one); whether each
   * was new. One page at a time.
   */
  recordMany(ops: RecordOperation[]): Promise<boolean[]>;
  findById(id: number): Promise<ReceivedPayment | undefined>;
  find(key: OperationKey): Promise<ReceivedPayment | undefined>;
  list(page: number, pageSize: number): Promise<ReceivedPayment[]>;
  /** Recorded operations whose status starts with `prefix` (no LIKE wildcards), newest first. */
  listByStatus(prefix: string, page: number, pageSize: number): Promise<ReceivedPayment[]>;
  setStatus(key: OperationKey, status: string): Promise<void>;
  /** Pending deliveries of these accounts in `lane` that are due, in the lane's order. */
  dueDeliveries(
    accountIds: string[],
    lane: DeliveryLane,
    nowMs: number,
    limit: number,
    excludeIds: number[],
  ): Promise<OutboxRow[]>;
  /** When the next pending delivery of `lanes` is due. */
  nextDueMs(accountIds: string[], lanes: DeliveryLane[]): Promise<number | undefined>;
  /** Marks deliveries acknowledged by the bank, in one database transaction. */
  markDelivered(rows: OutboxRow[]): Promise<void>;
  markAttemptFailed(row: OutboxRow, nextAttemptMs: number, error: string): Promise<void>;
  /** A permanent refusal: the delivery stops being attempted (dead letter). */
  markDead(row: OutboxRow, error: string): Promise<void>;
  deliveriesFor(operationIds: string[]): Promise<OutboxRow[]>;
  /**
   * Puts a delivery back in the queue (reprocess), due at `nextAttemptMs`; creates it when
   * missing.
   */
  requeue(
    op: OperationKey & { kind: DeliveryKind; payload: string },
    nextAttemptMs: number,
  ): Promise<OutboxRow>;
  findDelivery(id: number): Promise<OutboxRow | undefined>;
  /** Deliveries in `status`, oldest first (admin). */
  listDeliveries(status: DeliveryStatus, page: number, pageSize: number): Promise<OutboxRow[]>;
  /**
   * Makes deliveries that are not delivered due now (operator retry of a dead letter, a payment
   * below the minimum, or a pending retry); returns how many. Delivered ones are left alone.
   */
  retryDeliveries(which: { id: number } | { status: Exclude<DeliveryStatus, 'delivered'> }): Promise<number>;
  countDelivered(kind: DeliveryKind): Promise<number>;
}

/** A database timestamp (Date, SQLite's epoch ms, or text) as ISO 8601. */
export function iso(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  const d = value instanceof Date ? value : new Date(typeof value === 'number' ? value : String(value));
  return Number.isNaN(d.getTime()) ? String(value) : d.toISOString();
}

function toReceived(row: Record<string, unknown>): ReceivedPayment {
  return {
    id: Number(row.id),
    operation_id: String(row.operation_id),
    processed_at: iso(row.processed_at) as string,
    paging_token: String(row.paging_token),
    status: String(row.status),
    transaction_id: String(row.transaction_id ?? 'N/A'),
    account_id: (row.account_id as string | null) ?? null,
  };
}

function toOutbox(row: Record<string, unknown>): OutboxRow {
  return {
    id: Number(row.id),
    operation_id: String(row.operation_id),
    transaction_id: (row.transaction_id as string | null) ?? null,
    kind: row.kind as DeliveryKind,
    account_id: String(row.account_id),
    payload: String(row.payload),
    status: row.status as DeliveryStatus,
    attempts: Number(row.attempts),
    next_attempt_ms: Number(row.next_attempt_ms),
    last_error: (row.last_error as string | null) ?? null,
    created_at: iso(row.created_at) as string,
    delivered_at: iso(row.delivered_at),
  };
}

async function upsertCursor(db: Knex | Knex.Transaction, accountId: string, cursor: string): Promise<void> {
  const updated = await db('listener_cursor')
    .where({ account_id: accountId })
    .update({ cursor, updated_at: new Date() });
  if (updated === 0) {
    try {
      await db('listener_cursor').insert({ account_id: accountId, cursor, updated_at: new Date() });
    } catch (err) {
      if (!isUniqueViolation(err)) throw err;
      await db('listener_cursor').where({ account_id: accountId }).update({ cursor, updated_at: new Date() });
    }
  }
}

/** Pending rows of these accounts in these lanes (a row with no attempt yet is fresh). */
/**
 * Pending rows of one account in one lane: the equality prefix of `delivery_outbox_lane_due`, so
 * a query seeks the lane's soonest due row and reads on in due order. One account at a time,
 * because an IN list there would make the databases sort every row of the lanes.
 */
function inLane(q: Knex.QueryBuilder, accountId: string, lane: DeliveryLane): Knex.QueryBuilder {
  return q.where({ status: 'pending', account_id: accountId, lane });
}

/**
 * Inserts rows a hundred at a time: on SQLite one multi-row INSERT is one compound SELECT, which
 * may have at most 500 terms. The listener's pages (200) stay under that; recordMany's callers
 * need not know it.
 */
async function insertInChunks(trx: Knex.Transaction, table: string, rows: Record<string, unknown>[]) {
  for (let i = 0; i < rows.length; i += 100) await trx(table).insert(rows.slice(i, i + 100));
}

function receivedWhere(key: OperationKey): Record<string, string> {
  return { account_id: key.accountId, operation_id: key.operationId, transaction_id: key.transactionId };
}

function outboxKey(row: Pick<OutboxRow, 'account_id' | 'operation_id' | 'transaction_id'>): OperationKey {
  return {
    accountId: row.account_id,
    operationId: row.operation_id,
    transactionId: row.transaction_id ?? 'N/A',
  };
}

export class KnexReceivedPaymentStore implements ReceivedPaymentStore {
  constructor(private readonly db: Knex) {}

  async getCursor(accountId: string): Promise<string | undefined> {
    const row = await this.db('listener_cursor').where({ account_id: accountId }).first();
    return row ? String(row.cursor) : undefined;
  }

  async setCursor(accountId: string, cursor: string): Promise<void> {
    await upsertCursor(this.db, accountId, cursor);
  }

  async record(op: RecordOperation): Promise<boolean> {
    return (await this.recordMany([op]))[0] as boolean;
  }

  async recordMany(ops: RecordOperation[]): Promise<boolean[]> {
    const last = ops[ops.length - 1];
    if (!last) return [];
    try {
      await this.db.transaction(async (trx) => {
        const now = new Date();
        await insertInChunks(
          trx,
          'received_payment',
          ops.map((op) => ({
            operation_id: op.operationId,
            processed_at: now,
            paging_token: op.pagingToken,
            status: op.status,
            transaction_id: op.transactionId,
            account_id: op.accountId,
          })),
        );
        const deliveries = ops.flatMap((op) =>
          op.deliveries.map((d) => ({
            operation_id: op.operationId,
            transaction_id: op.transactionId,
            kind: d.kind,
            account_id: op.accountId,
            payload: d.payload,
            status: d.status ?? 'pending',
            attempts: 0,
            next_attempt_ms: Date.now(),
            created_at: now,
          })),
        );
        await insertInChunks(trx, 'delivery_outbox', deliveries);
        const cursorOp = ops.filter((op) => !op.keepCursor).pop();
        if (cursorOp) await upsertCursor(trx, cursorOp.accountId, cursorOp.pagingToken);
      });
      return ops.map(() => true);
    } catch (err) {
      if (!isUniqueViolation(err)) throw err;
      // Some were recorded before (a replay after a crash or a lost lock): one by one, so the
      // new ones are still recorded and the known ones only move the cursor.
      if (ops.length > 1) {
        const recorded: boolean[] = [];
        for (const op of ops) recorded.push(...(await this.recordMany([op])));
        return recorded;
      }
      if (!last.keepCursor) await this.setCursor(last.accountId, last.pagingToken);
      return [false];
    }
  }

  async findById(id: number): Promise<ReceivedPayment | undefined> {
    const row = await this.db('received_payment').where({ id }).first();
    return row ? toReceived(row) : undefined;
  }

  async find(key: OperationKey): Promise<ReceivedPayment | undefined> {
    const row = await this.db('received_payment').where(receivedWhere(key)).first();
    return row ? toReceived(row) : undefined;
  }

  async list(page: number, pageSize: number): Promise<ReceivedPayment[]> {
    const rows = await this.db('received_payment')
      .orderBy('id', 'desc')
      .limit(pageSize)
      .offset((page - 1) * pageSize);
    return rows.map(toReceived);
  }

  async listByStatus(prefix: string, page: number, pageSize: number): Promise<ReceivedPayment[]> {
    const rows = await this.db('received_payment')
      .where('status', 'like', `${prefix}%`)
      .orderBy('id', 'desc')
      .limit(pageSize)
      .offset((page - 1) * pageSize);
    return rows.map(toReceived);
  }

  async setStatus(key: OperationKey, status: string): Promise<void> {
    await this.db('received_payment')
      .where(receivedWhere(key))
      .update({ status: status.slice(0, 255), processed_at: new Date() });
  }

  async dueDeliveries(
    accountIds: string[],
    lane: DeliveryLane,
    nowMs: number,
    limit: number,
    excludeIds: number[],
  ): Promise<OutboxRow[]> {
    const perAccount = await Promise.all(
      accountIds.map((accountId) => {
        const q = inLane(this.db('delivery_outbox'), accountId, lane)
          .where('next_attempt_ms', '<=', nowMs)
          .orderBy([{ column: 'next_attempt_ms' }, { column: 'id' }])
          .limit(limit);
        if (excludeIds.length > 0) q.whereNotIn('id', excludeIds);
        return q;
      }),
    );
    return perAccount
      .flat()
      .map(toOutbox)
      .sort((a, b) => a.next_attempt_ms - b.next_attempt_ms || a.id - b.id)
      .slice(0, limit);
  }

  async nextDueMs(accountIds: string[], lanes: DeliveryLane[]): Promise<number | undefined> {
    const soonest = await Promise.all(
      accountIds.flatMap((accountId) =>
        lanes.map(async (lane) => {
          // ORDER BY … LIMIT 1 rather than MIN(): PostgreSQL without statistics yet (a table
          // just filled) plans MIN() as a read of every row in the lane.
          const row = (await inLane(this.db('delivery_outbox'), accountId, lane)
            .select('next_attempt_ms')
            .orderBy('next_attempt_ms')
            .first()) as { next_attempt_ms: unknown } | undefined;
          return row === undefined ? undefined : Number(row.next_attempt_ms);
        }),
      ),
    );
    const known = soonest.filter((ms): ms is number => ms !== undefined);
    return known.length > 0 ? Math.min(...known) : undefined;
  }

  async markDelivered(rows: OutboxRow[]): Promise<void> {
    if (rows.length === 0) return;
    await this.db.transaction(async (trx) => {
      const now = new Date();
      await trx('delivery_outbox')
        .whereIn(
          'id',
          rows.map((r) => r.id),
        )
        .update({
          status: 'delivered',
          attempts: trx.raw('attempts + 1'),
          lane: 'retry',
          delivered_at: now,
          last_error: null,
        });
      const received = rows
        .filter((r) => r.kind === 'receive')
        .map(outboxKey)
        .map((k) => [k.accountId, k.operationId, k.transactionId]);
      if (received.length > 0)
        await trx('received_payment')
          .whereIn(['account_id', 'operation_id', 'transaction_id'], received)
          .update({ status: 'Success', processed_at: now });
    });
  }

  async markAttemptFailed(row: OutboxRow, nextAttemptMs: number, error: string): Promise<void> {
    await this.db.transaction(async (trx) => {
      await trx('delivery_outbox')
        .where({ id: row.id })
        .update({
          attempts: row.attempts + 1,
          lane: 'retry',
          next_attempt_ms: nextAttemptMs,
          last_error: error.slice(0, 1024),
        });
      if (row.kind === 'receive') {
        await trx('received_payment')
          .where(receivedWhere(outboxKey(row)))
          .update({ status: error.slice(0, 255), processed_at: new Date() });
      }
    });
  }

  async markDead(row: OutboxRow, error: string): Promise<void> {
    await this.db.transaction(async (trx) => {
      await trx('delivery_outbox')
        .where({ id: row.id })
        .update({
          status: 'dead',
          attempts: row.attempts + 1,
          lane: 'retry',
          last_error: error.slice(0, 1024),
        });
      if (row.kind === 'receive') {
        await trx('received_payment')
          .where(receivedWhere(outboxKey(row)))
          .update({ status: error.slice(0, 255), processed_at: new Date() });
      }
    });
  }

  async findDelivery(id: number): Promise<OutboxRow | undefined> {
    const row = await this.db('delivery_outbox').where({ id }).first();
    return row ? toOutbox(row) : undefined;
  }

  async listDeliveries(status: DeliveryStatus, page: number, pageSize: number): Promise<OutboxRow[]> {
    const rows = await this.db('delivery_outbox')
      .where({ status })
      .orderBy('id', 'asc')
      .limit(pageSize)
      .offset((page - 1) * pageSize);
    return rows.map(toOutbox);
  }

  async retryDeliveries(
    which: { id: number } | { status: Exclude<DeliveryStatus, 'delivered'> },
  ): Promise<number> {
    return this.db.transaction(async (trx) => {
      const q = trx('delivery_outbox').whereNot({ status: 'delivered' });
      if ('id' in which) q.where({ id: which.id });
      else q.where({ status: which.status });
      const rows = (await q.clone().select('account_id', 'operation_id', 'transaction_id', 'kind')) as Pick<
        OutboxRow,
        'account_id' | 'operation_id' | 'transaction_id' | 'kind'
      >[];
      if (rows.length === 0) return 0;
      await q.update({ status: 'pending', next_attempt_ms: Date.now() });
      for (const r of rows.filter((x) => x.kind === 'receive')) {
        await trx('received_payment')
          .where(receivedWhere(outboxKey(r)))
          .update({ status: STATUS.queued, processed_at: new Date() });
      }
      return rows.length;
    });
  }

  async deliveriesFor(operationIds: string[]): Promise<OutboxRow[]> {
    if (operationIds.length === 0) return [];
    return (await this.db('delivery_outbox').whereIn('operation_id', operationIds)).map(toOutbox);
  }

  async requeue(
    op: OperationKey & { kind: DeliveryKind; payload: string },
    nextAttemptMs: number,
  ): Promise<OutboxRow> {
    const where = {
      operation_id: op.operationId,
      account_id: op.accountId,
      transaction_id: op.transactionId,
      kind: op.kind,
    };
    const existing = await this.db('delivery_outbox').where(where).first();
    if (existing) {
      await this.db('delivery_outbox')
        .where({ id: existing.id })
        .update({ status: 'pending', payload: op.payload, next_attempt_ms: nextAttemptMs });
    } else {
      await this.db('delivery_outbox').insert({
        ...where,
        payload: op.payload,
        status: 'pending',
        attempts: 0,
        next_attempt_ms: nextAttemptMs,
        created_at: new Date(),
      });
    }
    return toOutbox(await this.db('delivery_outbox').where(where).first());
  }

  async countDelivered(kind: DeliveryKind): Promise<number> {
    const row = await this.db('delivery_outbox')
      .where({ status: 'delivered', kind })
      .count({ n: '*' })
      .first();
    return Number((row as { n?: unknown } | undefined)?.n ?? 0);
  }
}
