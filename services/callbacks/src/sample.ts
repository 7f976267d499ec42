// Sample customers for the demo and for trying the console: `--seed-sample`
// inserts these (skipping any whose name or route is taken), `--seed <file.json>`
// inserts the customers of a JSON array with the same fields.
import { readFileSync } from 'node:fs';
import { parseCustomerInput } from './services/customer-input.js';
import { CustomerRejectedError, type CustomersService } from './services/customers.service.js';

export const SAMPLE_CUSTOMERS: Record<string, string>[] = [
  {
    name: 'alice',
    route: '1001',
    first_name: 'Alice',
    last_name: 'Martin',
    email: 'alice.martin@example.com',
    phone: '+14155550101',
    date_of_birth: '1985-04-12',
    address: '12 Market Street',
    city: 'San Francisco',
    province: 'CA',
    postal_code: '94105',
    country: 'US',
    disclosure: 'public',
  },
  {
    name: 'bob',
    route: '1002',
    first_name: 'Bob',
    middle_name: 'James',
    last_name: 'Okafor',
    email: 'bob.okafor@example.com',
    date_of_birth: '1979-11-03',
    address: '48 Harbour Road',
    city: 'Lagos',
    postal_code: '101241',
    country: 'NG',
    disclosure: 'allowed_only',
    allowed_senders: '',
  },
];

export interface SeedResult {
  created: string[];
  skipped: string[];
}

/** Creates each customer unless its federation name or route is already taken. */
export async function seedCustomers(
  customers: CustomersService,
  records: Record<string, unknown>[],
): Promise<SeedResult> {
  const result: SeedResult = { created: [], skipped: [] };
  for (const [index, record] of records.entries()) {
    const parsed = parseCustomerInput(record);
    if (!parsed.ok) {
      const problems = Object.entries(parsed.errors).map(([field, message]) => `${field} ${message}`);
      throw new Error(`customer #${index + 1}: ${problems.join('; ')}`);
    }
    try {
      const created = await customers.create(parsed.value);
      result.created.push(`${created.name}*${created.domain} (route ${created.route})`);
    } catch (err) {
      if (!(err instanceof CustomerRejectedError)) throw err;
      result.skipped.push(`${parsed.value.name}: ${Object.values(err.fieldErrors).join(', ')}`);
    }
  }
  return result;
}

/** Reads a JSON array of customer records. */
export function readSeedFile(file: string): Record<string, unknown>[] {
  const parsed: unknown = JSON.parse(readFileSync(file, 'utf8'));
  if (!Array.isArray(parsed)) throw new Error(`${file}: expected a JSON array of customers`);
  return parsed as Record<string, unknown>[];
}
