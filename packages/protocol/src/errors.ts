// ProtocolError: the one error type this package throws. Callers branch on the
// stable snake_case `code` (never on the message), `field` names the input that
// failed, and `upstreamStatus` carries the HTTP status a remote server answered.

/**
 * Every code a {@link ProtocolError} can carry. The list is part of the public API:
 * services map these codes to their own HTTP errors, so codes are only ever added.
 *
 * - `invalid_stellar_address`  `name*domain` malformed (SEP-2)
 * - `invalid_domain`           a domain (optionally `:port`) is not a DNS name
 * - `invalid_account_id`       not a `G…` strkey
 * - `invalid_seed`             not an `S…` strkey
 * - `invalid_asset`            asset code/issuer pair rejected
 * - `invalid_amount`           not a decimal with ≤ 7 places within int64 stroops
 * - `invalid_form`             bracketed form keys (`path[n]`, `forward_destination`) malformed
 * - `insecure_url_rejected`    an `http://` URL where https is required
 * - `toml_fetch_failed`        network error or non-2xx for stellar.toml
 * - `toml_timeout`             stellar.toml not received within the deadline
 * - `toml_redirect_rejected`   stellar.toml answered 3xx (redirects are never followed)
 * - `toml_too_large`           stellar.toml larger than `STELLAR_TOML_MAX_SIZE`
 * - `toml_invalid`             not TOML, or a known key has the wrong shape
 * - `federation_server_missing` stellar.toml has no `FEDERATION_SERVER`
 * - `federation_not_found`     federation server answered 404
 * - `federation_failed`        network error or other non-2xx (see `upstreamStatus`)
 * - `federation_timeout`       federation response not received within the deadline
 * - `federation_too_large`     federation response larger than `FEDERATION_RESPONSE_MAX_SIZE`
 * - `federation_response_invalid` the response JSON breaks SEP-2 rules
 * - `invalid_auth_request`     SEP-3 `data`/`sig` form is malformed (see `field`)
 * - `invalid_transaction`      a base64 XDR `Transaction` does not decode
 * - `invalid_signature`        a signature is not valid base64 of 64 bytes, or does not verify
 * - `memo_hash_mismatch`       the tx memo is not MEMO_HASH = sha256(attachment)
 * - `invalid_auth_response`    a SEP-3 auth server answer does not parse
 * - `invalid_tx_status`        a SEP-4 tx_status answer does not parse
 * @see https://github.com/stellar/stellar-protocol/blob/master/ecosystem/sep-0001.md
 */
export type ProtocolErrorCode =
  | 'invalid_stellar_address'
  | 'invalid_domain'
  | 'invalid_account_id'
  | 'invalid_seed'
  | 'invalid_asset'
  | 'invalid_amount'
  | 'invalid_form'
  | 'insecure_url_rejected'
  | 'toml_fetch_failed'
  | 'toml_timeout'
  | 'toml_redirect_rejected'
  | 'toml_too_large'
  | 'toml_invalid'
  | 'federation_server_missing'
  | 'federation_not_found'
  | 'federation_failed'
  | 'federation_timeout'
  | 'federation_too_large'
  | 'federation_response_invalid'
  | 'invalid_auth_request'
  | 'invalid_transaction'
  | 'invalid_signature'
  | 'memo_hash_mismatch'
  | 'invalid_auth_response'
  | 'invalid_tx_status';

/**
 * Options of the {@link ProtocolError} constructor.
 * @see https://github.com/stellar/stellar-protocol/blob/master/ecosystem/sep-0001.md
 */
export interface ProtocolErrorOptions {
  /** Name of the failing input, e.g. `data.sender`, `SIGNING_KEY`, `asset_code`. */
  field?: string;
  /** HTTP status answered by the remote server, when there was one. */
  upstreamStatus?: number;
  /** The underlying error (transport, parser), kept for logs. */
  cause?: unknown;
}

/**
 * Typed failure of a protocol operation.
 *
 * @example
 * try { parseStellarAddress('bob'); } catch (e) { if (isProtocolError(e, 'invalid_stellar_address')) … }
 * @see https://github.com/stellar/stellar-protocol/blob/master/ecosystem/sep-0002.md
 */
export class ProtocolError extends Error {
  override readonly name = 'ProtocolError';
  readonly code: ProtocolErrorCode;
  readonly field?: string;
  readonly upstreamStatus?: number;

  constructor(code: ProtocolErrorCode, message: string, options: ProtocolErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    if (options.field !== undefined) this.field = options.field;
    if (options.upstreamStatus !== undefined) this.upstreamStatus = options.upstreamStatus;
  }
}

/**
 * Narrows `e` to a {@link ProtocolError}, optionally with the given code.
 * @see https://github.com/stellar/stellar-protocol/blob/master/ecosystem/sep-0001.md
 */
export function isProtocolError(e: unknown, code?: ProtocolErrorCode): e is ProtocolError {
  return e instanceof ProtocolError && (code === undefined || e.code === code);
}
