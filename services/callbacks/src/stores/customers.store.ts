// Customers, their allow lists and their balances.
import type { Knex } from 'knex';
import { isUniqueViolation, normalizeAmount, translateDatabaseError } from '@anchor/support';
import { SENDER_INFO_KEYS, type SenderInfoKey } from '@anchor/protocol';
import { insertReturningId, nowIso } from './time.js';

export type Disclosure = 'public' | 'allowed_only';

/** The SEP-3 sender_info keys a customer record has a column for (all but company_name). */
export type CustomerKycKey = Exclude<SenderInfoKey, 'company_name'>;
export const CUSTOMER_KYC_KEYS = SENDER_INFO_KEYS.filter(
  (key): key is CustomerKycKey => key !== 'company_name',
);

export interface CustomerFields {
  name: string;
  domain: string;
  route: string;
  account_id: string;
  first_name: string;
  middle_name: string;
  last_name: string;
  address: string;
  city: string;
  province: string;
  postal_code: string;
  country: string;
  date_of_birth: string;
  email: string;
  phone: string;
  disclosure: Disclosure;
}

export interface Customer extends CustomerFields {
  id: number;
  created_at: string;
}

/** An institution (user_name '') or one of its users allowed to see a customer's details. */
export interface AllowedSender {
  fi_domain: string;
  user_name: string;
}

export interface Balance {
  asset_code: string;
  asset_issuer: string;
  balance: string;
}

export interface CustomerWithDetails extends Customer {
  allowed: AllowedSender[];
  balances: Balance[];
}

/** Which unique key a create collided with. */
export class CustomerConflictError extends Error {
  constructor(readonly field: 'name' | 'route') {
    super(`customer ${field} already taken`);
    this.name = 'CustomerConflictError';
  }
}

export interface CustomersStore {
  /** @throws CustomerConflictError when name@domain or the route is taken. */
  create(fields: CustomerFields, allowed: AllowedSender[]): Promise<Customer>;
  list(): Promise<CustomerWithDetails[]>;
  byRoute(route: string): Promise<Customer | undefined>;
  byAddress(name: string, domain: string): Promise<Customer | undefined>;
  allowedSenders(customerId: number): Promise<AllowedSender[]>;
  balances(customerId: number): Promise<Balance[]>;
}

const COLUMNS = [
  'id',
  'name',
  'domain',
  'route',
  'account_id',
  ...CUSTOMER_KYC_KEYS,
  'disclosure',
  'created_at',
];

function toCustomer(row: Record<string, unknown>): Customer {
  return { ...(row as unknown as Customer), id: Number(row.id) };
}

function toBalance(row: Record<string, unknown>): Balance {
  return {
    asset_code: String(row.asset_code),
    asset_issuer: String(row.asset_issuer),
    balance: normalizeAmount(row.balance as string),
  };
}

export class KnexCustomersStore implements CustomersStore {
  constructor(private readonly db: Knex) {}

  async create(fields: CustomerFields, allowed: AllowedSender[]): Promise<Customer> {
    const created_at = nowIso();
    try {
      return await this.db.transaction(async (trx) => {
        const taken = await trx('customers')
          .where({ name: fields.name, domain: fields.domain })
          .orWhere({ route: fields.route })
          .select('name', 'domain', 'route');
        if (taken.some((r) => r.route === fields.route)) throw new CustomerConflictError('route');
        if (taken.length > 0) throw new CustomerConflictError('name');
        const id = await insertReturningId(trx, 'customers', { ...fields, created_at });
        for (const sender of allowed) {
          await trx('customer_allowed_senders').insert({ customer_id: id, ...sender });
        }
        return { ...fields, id, created_at };
      });
    } catch (err) {
      if (err instanceof CustomerConflictError) throw err;
      if (isUniqueViolation(err)) {
        // Lost a race with a concurrent create: say which key, as the pre-check would have.
        const route = await this.byRoute(fields.route);
        throw new CustomerConflictError(route ? 'route' : 'name');
      }
      return translateDatabaseError(err);
    }
  }

  async list(): Promise<CustomerWithDetails[]> {
    try {
      const rows = await this.db('customers').select(COLUMNS).orderBy('id', 'desc');
      const allowed = await this.db('customer_allowed_senders').select(
        'customer_id',
        'fi_domain',
        'user_name',
      );
      const balances = await this.db('customer_balances')
        .select('customer_id', 'asset_code', 'asset_issuer', 'balance')
        .orderBy(['asset_code', 'asset_issuer']);
      return rows.map((row) => {
        const customer = toCustomer(row);
        return {
          ...customer,
          allowed: allowed
            .filter((a) => Number(a.customer_id) === customer.id)
            .map((a) => ({ fi_domain: a.fi_domain, user_name: a.user_name })),
          balances: balances.filter((b) => Number(b.customer_id) === customer.id).map(toBalance),
        };
      });
    } catch (err) {
      return translateDatabaseError(err);
    }
  }

  async byRoute(route: string): Promise<Customer | undefined> {
    try {
      const row = await this.db('customers').select(COLUMNS).where({ route }).first();
      return row ? toCustomer(row) : undefined;
    } catch (err) {
      return translateDatabaseError(err);
    }
  }

  async byAddress(name: string, domain: string): Promise<Customer | undefined> {
    try {
      const row = await this.db('customers')
        .select(COLUMNS)
        .where({ name: name.toLowerCase(), domain: domain.toLowerCase() })
        .first();
      return row ? toCustomer(row) : undefined;
    } catch (err) {
      return translateDatabaseError(err);
    }
  }

  async allowedSenders(customerId: number): Promise<AllowedSender[]> {
    try {
      const rows = await this.db('customer_allowed_senders')
        .where({ customer_id: customerId })
        .select('fi_domain', 'user_name');
      return rows.map((r) => ({ fi_domain: r.fi_domain, user_name: r.user_name }));
    } catch (err) {
      return translateDatabaseError(err);
    }
  }

  async balances(customerId: number): Promise<Balance[]> {
    try {
      const rows = await this.db('customer_balances')
        .where({ customer_id: customerId })
        .select('asset_code', 'asset_issuer', 'balance')
        .orderBy(['asset_code', 'asset_issuer']);
      return rows.map(toBalance);
    } catch (err) {
      return translateDatabaseError(err);
    }
  }
}
