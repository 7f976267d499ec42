// Reading legacy forms: url-encoded body fields (first value wins), empty
// string == absent (Go FromRequest), and Go strconv.ParseBool for booleans.
import type { Request } from 'express';
import { InvalidParameterError } from '@anchor/support';

export type Form = Record<string, string>;

/** Non-empty form fields of the request body. */
export function formOf(req: Request): Form {
  const body = (req.body ?? {}) as Record<string, unknown>;
  const out: Form = {};
  for (const [key, value] of Object.entries(body)) {
    const v = Array.isArray(value) ? value[0] : value;
    if (typeof v === 'string' && v !== '') out[key] = v;
    else if (typeof v === 'number' || typeof v === 'boolean') out[key] = String(v);
  }
  return out;
}

const TRUE = new Set(['1', 't', 'T', 'TRUE', 'true', 'True']);
const FALSE = new Set(['0', 'f', 'F', 'FALSE', 'false', 'False']);

/** Go strconv.ParseBool; absent → false. */
export function parseBool(form: Form, name: string): boolean {
  const v = form[name];
  if (v === undefined) return false;
  if (TRUE.has(v)) return true;
  if (FALSE.has(v)) return false;
  throw new InvalidParameterError(name, 'Must be a boolean (true or false).');
}

/** `?page=N`, 1-based, default 1. */
export function pageOf(req: Request): number {
  const raw = typeof req.query.page === 'string' ? req.query.page : '1';
  const page = Number.parseInt(raw, 10);
  if (!Number.isFinite(page) || page < 1 || String(page) !== raw.trim()) {
    throw new InvalidParameterError('page', 'Page must be a positive integer.');
  }
  return page;
}
