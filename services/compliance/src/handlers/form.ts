// Reading legacy form posts: body only (never the query string, as Go's
// PostFormValue), first value of a repeated key, and an empty value counts as absent.
import type { Request } from 'express';

export type Form = Record<string, string | undefined>;

/** The request's url-encoded body as a flat map; `{}` when there is none. */
export function formOf(req: Request): Form {
  const body: unknown = req.body;
  const out: Form = {};
  if (typeof body !== 'object' || body === null) return out;
  for (const [key, value] of Object.entries(body as Record<string, unknown>)) {
    const first = Array.isArray(value) ? value[0] : value;
    if (typeof first === 'string' && first !== '') out[key] = first;
  }
  return out;
}
