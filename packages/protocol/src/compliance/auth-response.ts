// SEP-3 auth server answers: Go-compact serialization and validated parsing, plus
// the HTTP status the receiving side answers with for a given pair of statuses.

import { z } from 'zod';
import { ProtocolError } from '../errors.js';
import { goJsonString } from './go-json.js';
import { AUTH_STATUSES, type AuthResponse } from './types.js';

/**
 * Serializes like Go's `json.Marshal(AuthResponse)`: `info_status`, `tx_status`, then
 * `dest_info`, `pending`, `error` only when non-empty/non-zero.
 * @example serializeAuthResponse({ info_status: 'ok', tx_status: 'pending', pending: 600 })
 *   // '{"info_status":"ok","tx_status":"pending","pending":600}'
 * @see https://github.com/stellar/stellar-protocol/blob/master/ecosystem/sep-0003.md
 */
export function serializeAuthResponse(response: AuthResponse): string {
  let out = `{"info_status":${goJsonString(response.info_status)},"tx_status":${goJsonString(response.tx_status)}`;
  if (response.dest_info) out += `,"dest_info":${goJsonString(response.dest_info)}`;
  if (response.pending) out += `,"pending":${Math.trunc(response.pending)}`;
  if (response.error) out += `,"error":${goJsonString(response.error)}`;
  return out + '}';
}

const schema = z.object({
  info_status: z.enum(AUTH_STATUSES),
  tx_status: z.enum(AUTH_STATUSES),
  dest_info: z.string().optional(),
  pending: z.number().int().optional(),
  error: z.string().optional(),
});

/**
 * Parses an auth server's JSON answer.
 * @throws {ProtocolError} `invalid_auth_response`
 * @see https://github.com/stellar/stellar-protocol/blob/master/ecosystem/sep-0003.md
 */
export function parseAuthResponse(body: string): AuthResponse {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch (e) {
    throw new ProtocolError('invalid_auth_response', 'Auth response is not JSON', { cause: e });
  }
  const result = schema.safeParse(json);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new ProtocolError(
      'invalid_auth_response',
      `Auth response ${issue?.path.map(String).join('.') || 'body'}: ${issue?.message ?? 'invalid'}`,
      { cause: result.error, field: issue?.path.map(String).join('.') || undefined },
    );
  }
  const { dest_info, pending, error, ...statuses } = result.data;
  return {
    ...statuses,
    ...(dest_info ? { dest_info } : {}),
    ...(pending ? { pending } : {}),
    ...(error ? { error } : {}),
  };
}

/**
 * HTTP status for an auth answer (SEP-3): 200 when both ok; else 403 if any denied,
 * 400 if any error, 202 if any pending.
 * @see https://github.com/stellar/stellar-protocol/blob/master/ecosystem/sep-0003.md
 */
export function authResponseHttpStatus(response: Pick<AuthResponse, 'info_status' | 'tx_status'>): number {
  const s = [response.info_status, response.tx_status];
  if (s.every((x) => x === 'ok')) return 200;
  if (s.includes('denied')) return 403;
  if (s.includes('error')) return 400;
  return 202;
}
