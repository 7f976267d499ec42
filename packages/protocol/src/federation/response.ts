// SEP-2 federation response parsing. The wire allows `memo` as a JSON number (some
// servers send ids that way); we always hand out a decimal string, keeping every
// digit of uint64 ids that a JS number would round.

import { z } from 'zod';
import { ProtocolError } from '../errors.js';
import { isAccountId, isMuxedAccountId } from '../keys.js';

/**
 * Memo types a federation server may return.
 * @see https://github.com/stellar/stellar-protocol/blob/master/ecosystem/sep-0002.md
 */
export const FEDERATION_MEMO_TYPES = ['text', 'id', 'hash'] as const;
/**
 * A federation memo type.
 * @see https://github.com/stellar/stellar-protocol/blob/master/ecosystem/sep-0002.md
 */
export type FederationMemoType = (typeof FEDERATION_MEMO_TYPES)[number];

/**
 * A validated federation record. `memo`, when present, is always a string
 * (ids in decimal, hashes base64 as sent).
 * @see https://github.com/stellar/stellar-protocol/blob/master/ecosystem/sep-0002.md
 */
export interface FederationRecord {
  stellar_address?: string;
  account_id?: string;
  memo_type?: FederationMemoType;
  memo?: string;
}

const MAX_UINT64 = 18_446_744_073_709_551_615n;

const schema = z.looseObject({
  stellar_address: z.string().optional(),
  // SEP-2's account_id may name a muxed account (M…) as well as a G… one.
  account_id: z
    .string()
    .refine((v) => isAccountId(v) || isMuxedAccountId(v), {
      message: 'must be a G… account id or an M… muxed account',
    })
    .optional(),
  memo_type: z.union([z.enum(FEDERATION_MEMO_TYPES), z.literal('')]).optional(),
  memo: z.union([z.string(), z.number()]).nullable().optional(),
});

/** Finds the raw digits of a numeric `"memo"` value, so large ids survive exactly. */
function rawNumericMemo(body: string): string | undefined {
  const m = /"memo"\s*:\s*(-?[0-9]+(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?)/.exec(body);
  return m?.[1];
}

/**
 * Parses a federation response body.
 *
 * @throws {ProtocolError} `federation_response_invalid` (field = offending key) when the
 *   body is not a JSON object, `account_id` is not a G… key or an M… muxed account, `memo_type` is unknown,
 *   `memo_type` is set but `memo` is empty (as the Go client rejects), or an `id` memo
 *   is not a uint64
 * @see https://github.com/stellar/stellar-protocol/blob/master/ecosystem/sep-0002.md
 */
export function parseFederationResponse(body: string): FederationRecord {
  const invalid = (message: string, field?: string, cause?: unknown): never => {
    throw new ProtocolError('federation_response_invalid', `Invalid federation response: ${message}`, {
      field,
      cause,
    });
  };
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch (e) {
    return invalid('not JSON', undefined, e);
  }
  const result = schema.safeParse(json);
  if (!result.success) {
    const issue = result.error.issues[0];
    const field = issue?.path.map(String).join('.') || undefined;
    return invalid(`${field ?? 'body'} ${issue?.message ?? 'is invalid'}`, field, result.error);
  }
  const data = result.data;
  const record: FederationRecord = {};
  if (data.stellar_address !== undefined && data.stellar_address !== '')
    record.stellar_address = data.stellar_address;
  if (data.account_id !== undefined) record.account_id = data.account_id;

  let memo: string | undefined;
  if (typeof data.memo === 'number') {
    memo = Number.isSafeInteger(data.memo) ? String(data.memo) : (rawNumericMemo(body) ?? String(data.memo));
  } else if (typeof data.memo === 'string') {
    memo = data.memo;
  }
  if (data.memo_type) {
    if (memo === undefined || memo === '') return invalid('memo_type is set but memo is empty', 'memo');
    if (data.memo_type === 'id' && !(/^[0-9]+$/.test(memo) && BigInt(memo) <= MAX_UINT64)) {
      return invalid('id memo must be a uint64', 'memo');
    }
    record.memo_type = data.memo_type;
    record.memo = memo;
  } else if (memo !== undefined && memo !== '') {
    record.memo = memo;
  }
  return record;
}
