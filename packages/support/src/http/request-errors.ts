// What a malformed request turns into before any handler runs: body-parser and
// router failures (an oversized or unparseable body, a charset or Content-Encoding
// we do not read, a body that claims gzip/br and is not, a path parameter with
// broken percent-encoding) become 4xx AppErrors with stable codes. They are the
// client's fault, so they are logged at warn with the reason, never with a stack.
import { AppError } from '../errors.js';

interface HttpishError {
  type?: unknown;
  status?: unknown;
  expose?: unknown;
}

/** The AppError a request-reading failure stands for, or undefined for a real server fault. */
export function requestError(err: unknown): AppError | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const { type, status, expose } = err as HttpishError;
  if (type === 'entity.too.large')
    return new AppError(413, 'request_too_large', 'Request body is too large.');
  if (type === 'parameters.too.many') return new AppError(413, 'request_too_large', 'Too many parameters.');
  if (type === 'entity.parse.failed')
    return new AppError(400, 'invalid_body', 'Request body is not valid JSON.');
  if (type === 'charset.unsupported')
    return new AppError(415, 'unsupported_charset', 'Unsupported request charset; send utf-8.');
  if (typeof type === 'string' && type.startsWith('encoding'))
    return new AppError(415, 'unsupported_encoding', 'Unsupported request encoding.');
  // router: decodeURIComponent of a `:param` failed (status 400 on a URIError).
  if (err instanceof URIError && status === 400)
    return new AppError(400, 'invalid_path', 'Malformed percent-encoding in the request path.');
  // Any other client error body-parser raises while reading (an inflate failure on a
  // body that claims gzip or br, an aborted or short body) is the body's fault.
  if (expose === true && typeof status === 'number' && status >= 400 && status < 500)
    return new AppError(400, 'invalid_body', 'Request body could not be read.');
  return undefined;
}

/** The reason to log for a request error: the parser's message, one line, bounded. */
export function requestErrorReason(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  return message.replace(/\s+/g, ' ').slice(0, 200);
}
