// JSON-RPC 2.0 error codes and the params decoding Stellar RPC's handlers do (Go's json into a
// request struct): absent fields are zero values, wrong types are "invalid parameters".
export const PARSE_ERROR = -32700;
export const INVALID_REQUEST = -32600;
export const METHOD_NOT_FOUND = -32601;
export const INVALID_PARAMS = -32602;
export const INTERNAL_ERROR = -32603;

export class RpcError extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

export type Params = Record<string, unknown>;

export function invalidParams(message: string): RpcError {
  return new RpcError(INVALID_PARAMS, message);
}

function typeError(field: string, want: string): RpcError {
  return invalidParams(`invalid parameters: field "${field}" must be ${want}`);
}

/** The request's params as an object (RPC refuses positional arrays). */
export function paramsObject(raw: unknown): Params {
  if (raw === undefined || raw === null) return {};
  if (typeof raw !== 'object' || Array.isArray(raw))
    throw invalidParams('invalid parameters: params must be an object');
  return raw as Params;
}

export function uint32(p: Params, field: string): number {
  const v = p[field];
  if (v === undefined || v === null) return 0;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > 0xffffffff)
    throw typeError(field, 'an unsigned 32-bit integer');
  return v;
}

export function string(p: Params, field: string): string {
  const v = p[field];
  if (v === undefined || v === null) return '';
  if (typeof v !== 'string') throw typeError(field, 'a string');
  return v;
}

export function object(p: Params, field: string): Params | undefined {
  const v = p[field];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'object' || Array.isArray(v)) throw typeError(field, 'an object');
  return v as Params;
}

export function array(p: Params, field: string): unknown[] {
  const v = p[field];
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw typeError(field, 'an array');
  return v;
}

/** `xdrFormat`: RPC knows base64 and json; localnet renders base64 only. */
export function checkFormat(p: Params): void {
  const e = formatError(p);
  if (e) throw invalidParams(e);
}

function formatError(p: Params): string | null {
  const f = string(p, 'xdrFormat');
  if (f === '' || f === 'base64') return null;
  if (f === 'json') return "xdrFormat 'json' is not supported by localnet (use base64)";
  return `got '${f}': expected base64, json for optional 'xdrFormat'`;
}

/** RPC's {startLedger, pagination: {cursor, limit}} rules shared by getLedgers and getTransactions. */
export interface LedgerPage {
  startLedger: number;
  cursor: string;
  limit: number;
}

export function ledgerPage(
  p: Params,
  store: { oldest: { sequence: number }; latest: { sequence: number } },
  limits: { max: number; default: number },
): LedgerPage {
  const range = { first: store.oldest.sequence, last: store.latest.sequence };
  const maxLimit = limits.max;
  const startLedger = uint32(p, 'startLedger');
  const pagination = object(p, 'pagination');
  const cursor = pagination ? string(pagination, 'cursor') : '';
  const limit = pagination ? uint32(pagination, 'limit') : 0;
  const inRange = startLedger >= range.first && startLedger <= range.last;
  const errors: string[] = [];
  if (cursor !== '') {
    if (startLedger !== 0)
      errors.push(`startLedger (${startLedger}) and cursor (${cursor}) cannot both be set`);
  } else if (!inRange) {
    errors.push(
      `start ledger (${startLedger}) must be between the oldest ledger: ${range.first} and the latest ledger: ${range.last} for this rpc instance`,
    );
  }
  if (errors.length === 0 && limit > maxLimit) errors.push(`limit must not exceed ${maxLimit}`);
  const format = formatError(p);
  if (format) errors.push(format);
  if (errors.length) throw new RpcError(INVALID_REQUEST, errors.join('\n'));
  return { startLedger, cursor, limit: limit || limits.default };
}
