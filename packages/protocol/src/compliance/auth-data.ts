// SEP-3 AuthData (the JSON inside the `data` form field): Go-identical serialization
// and Go-typed parsing.

import { z } from 'zod';
import { ProtocolError } from '../errors.js';
import { goJsonString } from './go-json.js';
import type { AuthData } from './types.js';

/**
 * Serializes like Go's `json.Marshal(compliance.AuthData)`:
 * `{"sender":…,"need_info":…,"tx":…,"attachment":…}` (attachment as a JSON string).
 * @see https://github.com/stellar/stellar-protocol/blob/master/ecosystem/sep-0003.md
 */
export function serializeAuthData(data: AuthData): string {
  return (
    `{"sender":${goJsonString(data.sender)},"need_info":${data.need_info ? 'true' : 'false'},` +
    `"tx":${goJsonString(data.tx)},"attachment":${goJsonString(data.attachment)}}`
  );
}

const goString = z
  .string()
  .nullish()
  .transform((v) => v ?? '');
const authDataSchema = z.object({
  sender: goString,
  need_info: z
    .boolean()
    .nullish()
    .transform((v) => v ?? false),
  tx: goString,
  attachment: goString,
});

/**
 * Parses the `data` JSON text with Go's typing (null → zero value, unknown keys ignored).
 * Field contents are not validated here; see `parseAuthRequest`.
 * @throws {ProtocolError} `invalid_auth_request` (field `data`) when not a JSON object of those types
 * @see https://github.com/stellar/stellar-protocol/blob/master/ecosystem/sep-0003.md
 */
export function parseAuthData(text: string): AuthData {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new ProtocolError('invalid_auth_request', 'data is not valid JSON', { field: 'data', cause: e });
  }
  const result = authDataSchema.safeParse(json);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new ProtocolError(
      'invalid_auth_request',
      `data ${issue?.path.map(String).join('.') || 'document'}: ${issue?.message ?? 'invalid'}`,
      { field: 'data', cause: result.error },
    );
  }
  return result.data;
}
