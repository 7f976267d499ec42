// Opening customer records and answering fetch_info with their KYC fields.
import { randomInt } from 'node:crypto';
import { senderInfoToMap } from '@anchor/protocol';
import { AppError, NotFoundError } from '@anchor/support';
import {
  CustomerConflictError,
  type Customer,
  type CustomersStore,
  type CustomerWithDetails,
} from '../stores/customers.store.js';
import {
  parseAllowedSenders,
  toCustomerFields,
  type CustomerInput,
  type FieldErrors,
} from './customer-input.js';
import { toStellarAddress } from './validation.js';

export interface CustomerDefaults {
  domain: string;
  receivingAccountId: string;
}

/** The customer could not be created; errors are keyed by form field. */
export class CustomerRejectedError extends AppError {
  constructor(readonly fieldErrors: FieldErrors) {
    super(409, 'customer_conflict', 'The customer conflicts with an existing one.', {
      data: { fields: fieldErrors },
    });
  }
}

export class CustomersService {
  constructor(
    private readonly customers: CustomersStore,
    private readonly defaults: CustomerDefaults,
  ) {}

  /**
   * Opens a customer. A blank route gets a fresh random 9-digit one.
   * @throws CustomerRejectedError when the federation name or route is taken.
   */
  async create(input: CustomerInput): Promise<Customer> {
    const allowed = parseAllowedSenders(input.allowed_senders) ?? [];
    for (let attempt = 0; ; attempt++) {
      const route = input.route || String(randomInt(100_000_000, 1_000_000_000));
      const fields = toCustomerFields(input, {
        domain: this.defaults.domain,
        account_id: this.defaults.receivingAccountId,
        route,
      });
      try {
        return await this.customers.create(fields, allowed);
      } catch (err) {
        if (!(err instanceof CustomerConflictError)) throw err;
        if (err.field === 'route' && !input.route && attempt < 5) continue;
        throw new CustomerRejectedError(
          err.field === 'route'
            ? { route: 'is already used by another customer' }
            : { name: `${fields.name}*${fields.domain} is already taken` },
        );
      }
    }
  }

  list(): Promise<CustomerWithDetails[]> {
    return this.customers.list();
  }

  /**
   * fetch_info: `address` is our customer's stellar address (we are sending) or
   * the route from an attachment (we are receiving).
   * @throws NotFoundError when no customer has it.
   */
  async fetchInfo(address: string): Promise<Record<string, string>> {
    const parsed = toStellarAddress(address);
    const customer = parsed
      ? await this.customers.byAddress(parsed.name, parsed.domain)
      : await this.customers.byRoute(address);
    if (!customer) throw new NotFoundError('customer_not_found', 'No customer has this address or route.');
    // The SEP-3 sender_info keys the customer has, empty values left out.
    return senderInfoToMap(customer);
  }
}
