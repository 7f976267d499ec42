// Every stored time is an ISO-8601 UTC string (see migrations/index.ts).
import type { Knex } from 'knex';
export function nowIso(): string {
  return new Date().toISOString();
}

/** Errors that mean "run the transaction again": deadlocks and serialization failures. */
export function isRetryableTransactionError(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return (
    code === 'ER_LOCK_DEADLOCK' || code === 'ER_LOCK_WAIT_TIMEOUT' || code === '40P01' || code === '40001'
  );
}

/** Runs `work` again (up to `attempts` times) when the database aborted it for a deadlock. */
export async function withDeadlockRetry<T>(work: () => Promise<T>, attempts = 5): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (err) {
      if (attempt >= attempts || !isRetryableTransactionError(err)) throw err;
      await new Promise((resolve) => setTimeout(resolve, 5 * attempt));
    }
  }
}

/** Inserts one row and returns its auto-increment id on every dialect (MySQL has no RETURNING). */
export async function insertReturningId(
  db: Knex | Knex.Transaction,
  table: string,
  row: Record<string, unknown>,
): Promise<number> {
  const client = (db.client as { config?: { client?: unknown } }).config?.client;
  if (client === 'mysql2' || client === 'mysql') {
    const [id] = await db(table).insert(row);
    return Number(id);
  }
  const [inserted] = await db(table).insert(row, ['id']);
  return Number((inserted as { id: unknown }).id);
}
