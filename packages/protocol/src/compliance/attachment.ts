// SEP-3 attachment: Go-identical serialization (the memo hash is sha256 of these
// bytes) and tolerant parsing with Go `json.Unmarshal` semantics (null → zero value,
// unknown keys ignored, `route` as number or string).

import { z } from 'zod';
import { ProtocolError } from '../errors.js';
import { goJsonString, goJsonStringMap } from './go-json.js';
import type { Attachment, AttachmentInput } from './types.js';

/**
 * Serializes an attachment exactly like Go's `json.Marshal(compliance.Attachment)`:
 * `{"nonce":…,"transaction":{"sender_info":…,"route":…,"note":…,"extra":…},"operations":…}`,
 * compact, sender_info keys sorted, absent map/slice → `null`, HTML characters and
 * U+2028/U+2029 escaped (see {@link goJsonString}).
 *
 * @example serializeAttachment({ transaction: { route: '15' } })
 *   // '{"nonce":"","transaction":{"sender_info":null,"route":"15","note":"","extra":""},"operations":null}'
 * @see https://github.com/stellar/stellar-protocol/blob/master/ecosystem/sep-0003.md
 */
export function serializeAttachment(attachment: AttachmentInput): string {
  const t = attachment.transaction ?? {};
  const transaction =
    `{"sender_info":${goJsonStringMap(t.sender_info)},"route":${goJsonString(t.route ?? '')},` +
    `"note":${goJsonString(t.note ?? '')},"extra":${goJsonString(t.extra ?? '')}}`;
  const operations =
    attachment.operations === null || attachment.operations === undefined
      ? 'null'
      : `[${attachment.operations
          .map(
            (op) =>
              `{"sender_info":${goJsonStringMap(op.sender_info)},"route":${goJsonString(op.route ?? '')},` +
              `"note":${goJsonString(op.note ?? '')}}`,
          )
          .join(',')}]`;
  return `{"nonce":${goJsonString(attachment.nonce ?? '')},"transaction":${transaction},"operations":${operations}}`;
}

const goString = z
  .string()
  .nullish()
  .transform((v) => v ?? '');
// Go's Route type takes a JSON number or string and always keeps a string.
const route = z
  .union([z.string(), z.number()])
  .nullish()
  .transform((v) => (v === null || v === undefined ? '' : String(v)));
const senderInfo = z
  .record(z.string(), z.string())
  .nullish()
  .transform((v) => v ?? null);

const transactionSchema = z.object({ sender_info: senderInfo, route, note: goString, extra: goString });
const operationSchema = z.object({ sender_info: senderInfo, route, note: goString });
const attachmentSchema = z.object({
  nonce: goString,
  transaction: transactionSchema
    .nullish()
    .transform((v) => v ?? { sender_info: null, route: '', note: '', extra: '' }),
  operations: z
    .array(operationSchema)
    .nullish()
    .transform((v) => v ?? null),
});

/**
 * Parses an attachment JSON text into a fully populated {@link Attachment}.
 * @throws {ProtocolError} `invalid_auth_request` (field `data.attachment`) when the text
 *   is not JSON or a key has the wrong type
 * @see https://github.com/stellar/stellar-protocol/blob/master/ecosystem/sep-0003.md
 */
export function parseAttachment(text: string): Attachment {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new ProtocolError('invalid_auth_request', 'Attachment is not valid JSON', {
      field: 'data.attachment',
      cause: e,
    });
  }
  const result = attachmentSchema.safeParse(json);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new ProtocolError(
      'invalid_auth_request',
      `Attachment ${issue?.path.map(String).join('.') || 'document'}: ${issue?.message ?? 'invalid'}`,
      { field: 'data.attachment', cause: result.error },
    );
  }
  return result.data;
}
