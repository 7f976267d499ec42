// The compliance server's own error answers, on top of the shared AppError set.
import { AppError, describeHttpFailure } from '@anchor/support';
import type { ProtocolError } from '@anchor/protocol';

/**
 * A ProtocolError's message for `more_info`; when a stellar.toml or federation request
 * failed in transport, also why (`TLS certificate rejected (…)`, `ECONNREFUSED`, …):
 * the protocol package keeps that only in `cause`, and "could not be fetched" alone
 * does not tell an operator that the other bank's certificate is the problem.
 */
export function protocolFailureReason(err: ProtocolError): string {
  const transport = err.code === 'toml_fetch_failed' || err.code === 'federation_failed';
  const cause: unknown = err.cause;
  const code = (cause as { code?: unknown } | undefined)?.code;
  if (!transport || err.upstreamStatus !== undefined || typeof code !== 'string') return err.message;
  return `${err.message}: ${describeHttpFailure(cause)}`;
}

/** 400: the destination's federation record or stellar.toml could not be obtained (legacy code). */
export class CannotResolveDestinationError extends AppError {
  constructor(moreInfo?: string, cause?: unknown) {
    super(400, 'cannot_resolve_destination', 'Cannot resolve destination.', { moreInfo, cause });
  }
}

/** 400: the destination's stellar.toml has no AUTH_SERVER (legacy code and message). */
export class AuthServerNotDefinedError extends AppError {
  constructor() {
    super(400, 'auth_server_not_defined', 'No AUTH_SERVER defined in stellar.toml file.');
  }
}

/** 404 of /receive (legacy code and message). */
export class TransactionNotFoundError extends AppError {
  constructor() {
    super(404, 'transaction_not_found', 'Transaction not found.');
  }
}

/** 400: a sender reused a nonce it already used for a different request (replay protection). */
export class NonceReusedError extends AppError {
  constructor(nonce: string) {
    super(400, 'nonce_reused', 'The attachment nonce was already used by this sender for different data.', {
      moreInfo: `nonce ${JSON.stringify(nonce)} was already accepted from this sender domain with other data`,
      data: { name: 'data.attachment' },
    });
  }
}

/**
 * 500: one of the bank's callbacks failed or answered something unusable. `moreInfo`
 * says why (for our own backend on the internal port); the external port drops it.
 */
export class CallbackFailedError extends AppError {
  constructor(
    readonly callback: string,
    moreInfo?: string,
    cause?: unknown,
  ) {
    super(500, 'callback_failed', `The ${callback} callback failed.`, { moreInfo, cause });
  }
}

/** 500 on /send: the other institution's auth server failed or answered something unusable. */
export class AuthServerError extends AppError {
  constructor(moreInfo: string, cause?: unknown) {
    super(500, 'auth_server_error', 'The auth server of the destination failed.', { moreInfo, cause });
  }
}

/** 429 on the auth endpoint: this sender domain sent more signed requests than `[auth_limits]` allows. */
export class RateLimitedError extends AppError {
  constructor(readonly retryAfterSeconds: number) {
    super(429, 'rate_limited', 'Too many auth requests from this sender domain.', {
      moreInfo: `retry in ${retryAfterSeconds} s`,
    });
  }
}

/** 401 on GET /tx_status without valid HTTP Basic credentials. */
export class UnauthorizedError extends AppError {
  constructor() {
    super(401, 'unauthorized', 'Valid HTTP Basic credentials are required.');
  }
}

/** 409 on /allow_access when an entry for that institution (or user) exists. */
export class AlreadyAllowedError extends AppError {
  constructor() {
    super(
      409,
      'already_allowed',
      'Access is already granted for this institution (or user); remove it first to change it.',
    );
  }
}
