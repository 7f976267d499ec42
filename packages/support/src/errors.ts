// Application errors that map one-to-one to HTTP answers. The error middleware
// knows only AppError: anything else becomes a generic 500 that leaks nothing.

/** An error with a stable snake_case code that is safe to show to a client. */
export class AppError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: { moreInfo?: string; data?: Record<string, unknown>; cause?: unknown } = {},
  ) {
    super(message, { cause: details.cause });
    this.name = new.target.name;
  }
}

/** 400 `invalid_parameter`: the named parameter is present but unusable. */
export class InvalidParameterError extends AppError {
  constructor(name: string, moreInfo?: string) {
    super(400, 'invalid_parameter', 'Invalid parameter.', { moreInfo, data: { name } });
  }
}

/** 400 `missing_parameter`: a required parameter is absent or empty. */
export class MissingParameterError extends AppError {
  constructor(name: string) {
    super(400, 'missing_parameter', 'Required parameter is missing.', { data: { name } });
  }
}

export class NotFoundError extends AppError {
  constructor(code = 'not_found', message = 'Not found.') {
    super(404, code, message);
  }
}

export class ConflictError extends AppError {
  constructor(code = 'conflict', message = 'The request conflicts with the current state.') {
    super(409, code, message);
  }
}

/** A dependency we call (database, callback, Horizon, another bank) failed. */
export class UpstreamError extends AppError {
  constructor(code: string, message: string, cause?: unknown, status = 502) {
    super(status, code, message, { cause });
  }
}

/** The generic body every unexpected failure gets, as the legacy servers answered. */
export const INTERNAL_ERROR_BODY = {
  code: 'internal_server_error',
  message: 'Internal Server Error, please try again.',
} as const;
