// Database failures are recognised by driver error codes here and nowhere
// else, never by message text scattered through the services.
import { AppError } from '../errors.js';

const UNIQUE_CODES = new Set([
  'ER_DUP_ENTRY',
  '23505',
  'SQLITE_CONSTRAINT_UNIQUE',
  'SQLITE_CONSTRAINT_PRIMARYKEY',
]);
const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENOTFOUND',
  'PROTOCOL_CONNECTION_LOST',
  'ER_CON_COUNT_ERROR',
  'ER_ACCESS_DENIED_ERROR',
  'ER_BAD_DB_ERROR',
  '57P01',
  '57P03',
  '3D000',
  '28P01',
  'SQLITE_BUSY',
  'SQLITE_CANTOPEN',
]);

function codeOf(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** True when `err` is a unique or primary-key violation on any dialect. */
export function isUniqueViolation(err: unknown): boolean {
  const code = codeOf(err);
  return code !== undefined && UNIQUE_CODES.has(code);
}

/** True when the database could not be reached or refused us (not a query bug). */
export function isDatabaseUnavailable(err: unknown): boolean {
  const code = codeOf(err);
  if (code !== undefined && CONNECTION_CODES.has(code)) return true;
  const name = (err as { name?: unknown } | null)?.name;
  return name === 'KnexTimeoutError' || name === 'AggregateError';
}

/** 503 answer for an unreachable database; the SQL and driver text stay in the log. */
export class DatabaseUnavailableError extends AppError {
  constructor(cause: unknown) {
    super(503, 'database_unavailable', 'The database is unavailable, please try again.', { cause });
  }
}

/** Rethrows database outages as DatabaseUnavailableError, anything else unchanged. */
export function translateDatabaseError(err: unknown): never {
  if (isDatabaseUnavailable(err)) throw new DatabaseUnavailableError(err);
  throw err;
}
