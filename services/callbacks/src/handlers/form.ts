// Reading form fields the way the legacy Go servers did (`PostFormValue`): the
// first value of a key, from the body only; an absent key reads as ''.
import type { Request, Response, NextFunction, RequestHandler } from 'express';
import { AppError, InvalidParameterError, MissingParameterError, errorBody } from '@anchor/support';
import type { ComplianceAnswer, SenderInfo } from '../services/compliance-answer.js';

export type Form = (name: string) => string;

// NUL cannot be stored by PostgreSQL and no legitimate field carries it.
// eslint-disable-next-line no-control-regex -- rejecting NUL is the point
const NUL = /\u0000/;

function checked(name: string, value: string): string {
  if (NUL.test(value)) throw new InvalidParameterError(name, 'Must not contain NUL characters.');
  return value;
}

/** A reader over an already parsed urlencoded body (express.urlencoded, extended: false). */
export function bodyForm(req: Request): Form {
  const body = (req.body ?? {}) as Record<string, unknown>;
  return (name) => {
    if (!Object.hasOwn(body, name)) return '';
    const value = body[name];
    const first = Array.isArray(value) ? value[0] : value;
    return typeof first === 'string' ? checked(name, first) : '';
  };
}

/** A reader over raw `application/x-www-form-urlencoded` bytes. */
export function rawForm(raw: Buffer): Form {
  const params = new URLSearchParams(raw.toString('utf8'));
  return (name) => checked(name, params.get(name) ?? '');
}

export function required(form: Form, name: string, maxLength = 255): string {
  const value = form(name);
  if (value === '') throw new MissingParameterError(name);
  if (value.length > maxLength)
    throw new InvalidParameterError(name, `Must be at most ${maxLength} characters.`);
  return value;
}

export function optional(form: Form, name: string, maxLength = 255): string {
  const value = form(name);
  if (value.length > maxLength)
    throw new InvalidParameterError(name, `Must be at most ${maxLength} characters.`);
  return value;
}

/** `sender`: sender_info as a JSON object whose values are all strings. */
export function senderInfoField(form: Form, name = 'sender'): { json: string; info: SenderInfo } {
  const json = required(form, name, 20_000);
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    throw new InvalidParameterError(name, 'Must be a JSON object (sender_info).');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    throw new InvalidParameterError(name, 'Must be a JSON object (sender_info).');
  for (const value of Object.values(parsed)) {
    if (typeof value !== 'string')
      throw new InvalidParameterError(name, 'Every sender_info value must be a string.');
    if (NUL.test(value)) throw new InvalidParameterError(name, 'Must not contain NUL characters.');
  }
  return { json, info: parsed as SenderInfo };
}

/** Writes a compliance callback answer: 200, 202 {"pending": s}, or 403. */
export function sendAnswer(res: Response, answer: ComplianceAnswer): void {
  if (answer.status === 'pending') res.status(202).json({ pending: answer.pending });
  else if (answer.status === 'denied') res.status(403).json({ status: 'denied' });
  else res.status(200).json({ status: 'ok' });
}

/**
 * Wraps a compliance callback handler: its 400 answers also carry `error`, the
 * field the compliance server reads from a 400 (reference §3.10), next to the
 * usual `{code, message, more_info, data}`.
 */
export function complianceCallback(handler: (req: Request, res: Response) => Promise<void>): RequestHandler {
  return async (req: Request, res: Response, next: NextFunction) => {
    try {
      await handler(req, res);
    } catch (err) {
      if (err instanceof AppError && err.status === 400) {
        const name = err.details.data?.name;
        const text = err.details.moreInfo ?? err.message;
        res.status(400).json({ ...errorBody(err), error: name ? `${String(name)}: ${text}` : text });
        return;
      }
      next(err);
    }
  };
}
