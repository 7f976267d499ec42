// What it takes to open a customer record: the console form and the sample
// seed both go through this schema, so the rules live in one place.
import { z } from 'zod';
import { isAccountId, isValidDomain } from '@anchor/protocol';
import { isFederationName, toStellarAddress } from './validation.js';
import type { AllowedSender, CustomerFields } from '../stores/customers.store.js';

// Control characters (other than line breaks and tabs) have no place in a customer record.
// eslint-disable-next-line no-control-regex -- rejecting control characters is the point
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;
const noControl = { error: 'must not contain control characters' };

const text = (max: number, label = 'is required') =>
  z
    .string({ error: label })
    .trim()
    .min(1, { error: label })
    .max(max, { error: `must be at most ${max} characters` })
    .refine((v) => !CONTROL.test(v), noControl);
const optionalText = (max: number) =>
  z
    .string()
    .trim()
    .max(max, { error: `must be at most ${max} characters` })
    .refine((v) => !CONTROL.test(v), noControl)
    .default('');

function isPastDate(value: string): boolean {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (!match) return false;
  const date = new Date(`${value}T00:00:00Z`);
  return (
    !Number.isNaN(date.getTime()) &&
    date.toISOString().slice(0, 10) === value &&
    date.getTime() < Date.now() &&
    date.getUTCFullYear() >= 1900
  );
}

/** `bank-a.test` (the whole institution) or `alice*bank-a.test` (one of its users), one a line. */
export function parseAllowedSenders(textValue: string): AllowedSender[] | undefined {
  const senders: AllowedSender[] = [];
  for (const line of textValue.split(/[\r\n,]+/)) {
    const entry = line.trim();
    if (!entry) continue;
    const sender = entry.includes('*')
      ? toStellarAddress(entry)
      : isValidDomain(entry)
        ? { name: '', domain: entry.toLowerCase() }
        : undefined;
    if (!sender) return undefined;
    if (!senders.some((s) => s.fi_domain === sender.domain && s.user_name === sender.name))
      senders.push({ fi_domain: sender.domain, user_name: sender.name });
  }
  return senders;
}

export const customerInputSchema = z.object({
  first_name: text(100),
  middle_name: optionalText(100),
  last_name: text(100),
  email: text(254).pipe(z.email({ error: 'must be an email address' })),
  phone: optionalText(32).refine((v) => v === '' || /^\+?[0-9 ()-]{4,31}$/.test(v), {
    error: 'must be a phone number such as +14155550100',
  }),
  date_of_birth: text(10).refine(isPastDate, { error: 'must be a past date as YYYY-MM-DD' }),
  address: text(255),
  city: text(100),
  province: optionalText(100),
  postal_code: optionalText(20),
  country: text(2)
    .transform((v) => v.toUpperCase())
    .refine((v) => /^[A-Z]{2}$/.test(v), { error: 'must be a two-letter country code such as US' }),
  name: text(64)
    .transform((v) => v.toLowerCase())
    .refine(isFederationName, { error: 'must have no spaces, * or >' }),
  domain: optionalText(255)
    .transform((v) => v.toLowerCase())
    .refine((v) => v === '' || isValidDomain(v), { error: 'must be a domain name such as bank-b.test' }),
  route: optionalText(20).refine((v) => v === '' || /^[1-9][0-9]{0,18}$/.test(v), {
    error: 'must be a number (it is the id memo of payments to this customer)',
  }),
  account_id: optionalText(56).refine((v) => v === '' || isAccountId(v), {
    error: 'must be an account id starting with G',
  }),
  disclosure: z
    .enum(['public', 'allowed_only'], { error: 'choose public or allowed_only' })
    .default('public'),
  allowed_senders: optionalText(4000).refine((v) => parseAllowedSenders(v) !== undefined, {
    error: 'one bank-a.test or alice*bank-a.test per line',
  }),
});

export type CustomerInput = z.output<typeof customerInputSchema>;

export type FieldErrors = Partial<Record<keyof CustomerInput, string>>;

/** Validates raw form values; field errors are keyed by form field name. */
export function parseCustomerInput(
  raw: Record<string, unknown>,
): { ok: true; value: CustomerInput } | { ok: false; errors: FieldErrors } {
  const result = customerInputSchema.safeParse(raw);
  if (result.success) return { ok: true, value: result.data };
  const errors: FieldErrors = {};
  for (const issue of result.error.issues) {
    const field = String(issue.path[0] ?? '') as keyof CustomerInput;
    if (field && !errors[field]) errors[field] = issue.message;
  }
  return { ok: false, errors };
}

/** The stored fields for `input`, with the defaults filled in. */
export function toCustomerFields(
  input: CustomerInput,
  defaults: { domain: string; account_id: string; route: string },
): CustomerFields {
  return {
    name: input.name,
    domain: input.domain || defaults.domain.toLowerCase(),
    route: input.route || defaults.route,
    account_id: input.account_id || defaults.account_id,
    first_name: input.first_name,
    middle_name: input.middle_name,
    last_name: input.last_name,
    address: input.address,
    city: input.city,
    province: input.province,
    postal_code: input.postal_code,
    country: input.country,
    date_of_birth: input.date_of_birth,
    email: input.email,
    phone: input.phone,
    disclosure: input.disclosure,
  };
}
