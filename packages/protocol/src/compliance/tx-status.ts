// SEP-4 tx_status answers (GET AUTH_SERVER/tx_status?id=…).

import { z } from 'zod';
import { ProtocolError } from '../errors.js';
import { goJsonString } from './go-json.js';
import { TRANSACTION_STATUSES, type TransactionStatusResponse } from './types.js';

/**
 * Serializes like Go's `json.Encoder`: compact, omitempty fields, trailing `\n`.
 * @example serializeTransactionStatusResponse({ status: 'unknown' }) // '{"status":"unknown"}\n'
 * @see https://github.com/stellar/stellar-protocol/blob/master/ecosystem/sep-0004.md
 */
export function serializeTransactionStatusResponse(response: TransactionStatusResponse): string {
  let out = `{"status":${goJsonString(response.status)}`;
  if (response.recv_code) out += `,"recv_code":${goJsonString(response.recv_code)}`;
  if (response.refund_tx) out += `,"refund_tx":${goJsonString(response.refund_tx)}`;
  if (response.msg) out += `,"msg":${goJsonString(response.msg)}`;
  return out + '}\n';
}

const schema = z.object({
  status: z.union([z.enum(TRANSACTION_STATUSES), z.literal('')]).optional(),
  recv_code: z.string().optional(),
  refund_tx: z.string().optional(),
  msg: z.string().optional(),
});

/**
 * Parses a tx_status callback answer; a missing or empty `status` becomes `unknown`
 * (as the Go server does).
 * @throws {ProtocolError} `invalid_tx_status` for non-JSON or an unknown status
 * @see https://github.com/stellar/stellar-protocol/blob/master/ecosystem/sep-0004.md
 */
export function parseTransactionStatusResponse(body: string): TransactionStatusResponse {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch (e) {
    throw new ProtocolError('invalid_tx_status', 'tx_status response is not JSON', { cause: e });
  }
  const result = schema.safeParse(json);
  if (!result.success) {
    throw new ProtocolError('invalid_tx_status', 'tx_status response is invalid', { cause: result.error });
  }
  const { status, recv_code, refund_tx, msg } = result.data;
  return {
    status: status || 'unknown',
    ...(recv_code ? { recv_code } : {}),
    ...(refund_tx ? { refund_tx } : {}),
    ...(msg ? { msg } : {}),
  };
}
