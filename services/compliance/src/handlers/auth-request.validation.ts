// The first stage of the auth endpoint, answered exactly as the legacy Go server's
// validator answered it (`AuthRequest.Validate` in protocols/compliance at
// stellar/go@698593a4, govalidator 7d2e70ef): `400 invalid_parameter` whose
// `more_info` is the validator's text and with no `data` member, because Go passed
// an empty field name. A bank migrating from the Go server, and the banks sending
// to it, keep seeing the same answers. Everything after this stage (stellar.toml,
// signature, attachment shape, nonce) is the auth service's and names `data.name`.
import { AppError } from '@anchor/support';
import {
  attachmentMemoHash,
  isBase64,
  isStellarAddress,
  parseAuthTransaction,
  transactionMemoHash,
} from '@anchor/protocol';
import type { xdr } from '@stellar/stellar-sdk';

/** Go's `NewInvalidParameterError("", text)`: no `data` member. */
export class GoValidationError extends AppError {
  constructor(moreInfo: string) {
    super(400, 'invalid_parameter', 'Invalid parameter.', { moreInfo });
  }
}

/**
 * Checks `data` and `sig` as the Go validator did, in its order: both form fields
 * (all failures joined by `;`), then `data` decoded into AuthData, then its fields
 * (again all failures joined), then the tx and its memo hash.
 * @throws GoValidationError with the Go text
 */
export function validateAuthRequestAsGo(form: { data?: string; sig?: string }): void {
  const data = form.data ?? '';
  failIfAny(
    '',
    fieldError('DataJSON', data, 'json', isJson),
    fieldError('Signature', form.sig ?? '', 'base64', isBase64),
  );
  const json: unknown = JSON.parse(data);
  const typeError = authDataTypeError(json);
  if (typeError) throw new GoValidationError(`Data is not valid JSON: ${typeError}`);

  // A JSON null decodes to the zero AuthData, as in Go.
  const fields = (json ?? {}) as Record<string, unknown>;
  const text = (key: string) => (typeof fields[key] === 'string' ? fields[key] : '');
  const tx = text('tx');
  const attachment = text('attachment');
  failIfAny(
    'Invalid Data: ',
    fieldError('sender', text('sender'), 'stellar_address', isStellarAddress),
    fieldError('tx', tx, 'base64', isBase64),
    fieldError('attachment', attachment, 'json', isJson),
  );
  let decoded: xdr.Transaction;
  try {
    decoded = parseAuthTransaction(tx);
  } catch {
    // Go appends its XDR decoder's own text (`xdr:DecodeUint: …`); ours is fixed.
    throw new GoValidationError('Invalid Data: Tx is invalid: the XDR does not decode as a Transaction');
  }
  const memo = transactionMemoHash(decoded);
  if (!memo) throw new GoValidationError('Invalid Data: Memo.Hash is nil');
  if (!memo.equals(attachmentMemoHash(attachment))) {
    throw new GoValidationError('Invalid Data: Attachment preimage hash does not equal Memo.Hash in Tx');
  }
}

function failIfAny(prefix: string, ...errors: (string | undefined)[]): void {
  const found = errors.filter((e) => e !== undefined);
  if (found.length > 0) throw new GoValidationError(prefix + found.join(';'));
}

/** One govalidator `required,<rule>` field; the failing value is echoed, as Go did. */
function fieldError(
  name: string,
  value: string,
  rule: string,
  check: (value: string) => boolean,
): string | undefined {
  if (value === '') return `${name}: non zero value required`;
  return check(value) ? undefined : `${name}: ${value} does not validate as ${rule}`;
}

function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

/** The Go type of each AuthData key (a Map: `__proto__` must not look like a field). */
const AUTH_DATA_TYPES = new Map([
  ['sender', 'string'],
  ['need_info', 'bool'],
  ['tx', 'string'],
  ['attachment', 'string'],
]);

/** Go's name for the kind of a JSON value in an UnmarshalTypeError. */
function goKind(value: unknown): string {
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'boolean') return 'bool';
  return typeof value; // 'string' | 'number' | 'object'
}

/**
 * The first `json.UnmarshalTypeError` of Go's `json.Unmarshal(data, &AuthData{})`,
 * in document order; null is the zero value and unknown keys are ignored.
 * Keys match exactly (Go also matched them case-insensitively; see the README).
 */
function authDataTypeError(json: unknown): string | undefined {
  if (json === null) return undefined;
  if (typeof json !== 'object' || Array.isArray(json)) {
    return `json: cannot unmarshal ${goKind(json)} into Go value of type compliance.AuthData`;
  }
  for (const [key, value] of Object.entries(json)) {
    const type = AUTH_DATA_TYPES.get(key);
    if (type === undefined || value === null || goKind(value) === type) continue;
    return `json: cannot unmarshal ${goKind(value)} into Go struct field AuthData.${key} of type ${type}`;
  }
  return undefined;
}
