// Where federation records come from: the bank's own tables, read through the
// SQL the operator configured. Only bound parameters reach the database.
import type { Knex } from 'knex';
import { rawRows } from '@anchor/support';

/** What a name or forward lookup finds: the account and the memo that routes to the customer. */
export interface FederationRecord {
  accountId: string;
  memoType?: string;
  memo?: string;
}

export interface AccountStore {
  findByName(name: string, domain: string): Promise<FederationRecord | undefined>;
  /** undefined when no reverse query is configured (the caller answers 501). */
  readonly supportsReverse: boolean;
  findByAccountId(accountId: string): Promise<{ name: string; domain: string } | undefined>;
  readonly supportsForward: boolean;
  /** Names of the request parameters the forward query binds. */
  readonly forwardParameters: string[];
  findByForward(parameters: Record<string, string>): Promise<FederationRecord | undefined>;
  ping(): Promise<void>;
}

export interface FederationQueries {
  federation: string;
  reverse?: string;
  forward?: string;
}

type Row = Record<string, unknown>;

/** Runs the configured queries with knex.raw (`?` works on every dialect; knex rebinds for pg). */
export class KnexAccountStore implements AccountStore {
  readonly supportsReverse: boolean;
  readonly supportsForward: boolean;
  readonly forwardParameters: string[];

  constructor(
    private readonly db: Knex,
    private readonly queries: FederationQueries,
  ) {
    this.supportsReverse = queries.reverse !== undefined;
    this.supportsForward = queries.forward !== undefined;
    // `::` is a PostgreSQL cast, not a parameter.
    this.forwardParameters = [
      ...new Set(
        [...(queries.forward ?? '').matchAll(/(?<!:):([a-z_][a-z0-9_]*)/gi)].map((m) => m[1] as string),
      ),
    ];
  }

  async findByName(name: string, domain: string): Promise<FederationRecord | undefined> {
    return toRecord(await this.first(this.queries.federation, [name, domain]));
  }

  async findByAccountId(accountId: string): Promise<{ name: string; domain: string } | undefined> {
    if (!this.queries.reverse) return undefined;
    const row = await this.first(this.queries.reverse, [accountId]);
    if (!row || row.name == null || row.domain == null) return undefined;
    return { name: String(row.name), domain: String(row.domain) };
  }

  async findByForward(parameters: Record<string, string>): Promise<FederationRecord | undefined> {
    if (!this.queries.forward) return undefined;
    const bindings = Object.fromEntries(this.forwardParameters.map((p) => [p, parameters[p] ?? '']));
    return toRecord(await this.first(this.queries.forward, bindings));
  }

  async ping(): Promise<void> {
    await this.db.raw('SELECT 1');
  }

  private async first(
    sql: string,
    bindings: readonly unknown[] | Record<string, unknown>,
  ): Promise<Row | undefined> {
    const result: unknown = await this.db.raw(sql, bindings as Knex.RawBinding[]);
    return rawRows<Row>(result)[0];
  }
}

function toRecord(row: Row | undefined): FederationRecord | undefined {
  if (!row || row.id == null || row.id === '') return undefined;
  const memoType = row.memo_type == null || row.memo_type === '' ? undefined : String(row.memo_type);
  return {
    accountId: String(row.id),
    memoType,
    // SEP-2: the memo is always a string, even an id memo read from an integer column.
    memo: memoType === undefined || row.memo == null ? undefined : String(row.memo),
  };
}
