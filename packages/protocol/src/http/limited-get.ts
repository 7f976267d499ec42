// One bounded outbound GET for stellar.toml and federation: no redirects, a byte cap
// enforced on the bytes actually received (a server may lie in Content-Length or send
// none), and one deadline covering connect, headers *and* body (axios' own `timeout`
// stops at the headers when streaming). Returns an outcome instead of throwing so
// each caller maps it to its own error codes.

import type { AxiosInstance, AxiosResponse } from 'axios';
import { isAxiosError } from 'axios';

/**
 * What a bounded GET ended with.
 * @see https://github.com/stellar/stellar-protocol/blob/master/ecosystem/sep-0001.md
 */
export type LimitedGetOutcome =
  | { kind: 'response'; status: number; headers: Record<string, unknown>; body: Buffer }
  | { kind: 'too_large'; status: number }
  | { kind: 'timeout'; cause?: unknown }
  | { kind: 'network'; cause: unknown };

/**
 * Inputs of {@link limitedGet}.
 * @see https://github.com/stellar/stellar-protocol/blob/master/ecosystem/sep-0001.md
 */
export interface LimitedGetOptions {
  http: AxiosInstance;
  url: string;
  maxBytes: number;
  timeoutMs: number;
  accept?: string;
}

interface BodyStream extends AsyncIterable<Uint8Array | string> {
  destroy?: (error?: Error) => void;
  cancel?: () => unknown;
}

class DeadlineError extends Error {}

function closeStream(stream: BodyStream | undefined): void {
  try {
    if (stream?.destroy) stream.destroy();
    else void stream?.cancel?.();
  } catch {
    // closing is best effort: the response is being abandoned anyway
  }
}

/**
 * GETs `url` with `maxRedirects: 0`, any status accepted (the caller judges it),
 * at most `maxBytes` of body and a `timeoutMs` deadline for the whole exchange.
 * @see https://github.com/stellar/stellar-protocol/blob/master/ecosystem/sep-0001.md
 */
export async function limitedGet(options: LimitedGetOptions): Promise<LimitedGetOutcome> {
  const { http, url, maxBytes, timeoutMs } = options;
  const controller = new AbortController();
  let stream: BodyStream | undefined;
  let timedOut = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
      closeStream(stream);
      reject(new DeadlineError(`no complete response within ${timeoutMs} ms`));
    }, timeoutMs);
  });
  deadline.catch(() => undefined);

  const exchange = async (): Promise<LimitedGetOutcome> => {
    const res: AxiosResponse<BodyStream> = await http.get(url, {
      responseType: 'stream',
      maxRedirects: 0,
      maxContentLength: maxBytes,
      timeout: timeoutMs,
      signal: controller.signal,
      validateStatus: () => true,
      headers: options.accept ? { Accept: options.accept } : undefined,
    });
    stream = res.data;
    const declared = Number(res.headers['content-length']);
    if (Number.isFinite(declared) && declared > maxBytes) {
      closeStream(stream);
      return { kind: 'too_large', status: res.status };
    }
    const chunks: Buffer[] = [];
    let received = 0;
    try {
      for await (const chunk of stream) {
        const buf = typeof chunk === 'string' ? Buffer.from(chunk) : Buffer.from(chunk);
        received += buf.length;
        if (received > maxBytes) {
          closeStream(stream);
          return { kind: 'too_large', status: res.status };
        }
        chunks.push(buf);
      }
    } catch (e) {
      // axios enforces maxContentLength on streams itself and fails the iteration with
      // ERR_BAD_RESPONSE; socket failures surface as plain errors.
      if (isAxiosError(e) && e.code === 'ERR_BAD_RESPONSE' && !timedOut) {
        return { kind: 'too_large', status: res.status };
      }
      throw e;
    }
    return { kind: 'response', status: res.status, headers: { ...res.headers }, body: Buffer.concat(chunks) };
  };

  try {
    return await Promise.race([exchange(), deadline]);
  } catch (e) {
    if (timedOut || e instanceof DeadlineError) return { kind: 'timeout', cause: e };
    if (isAxiosError(e) && (e.code === 'ECONNABORTED' || e.code === 'ETIMEDOUT')) {
      return { kind: 'timeout', cause: e };
    }
    return { kind: 'network', cause: e };
  } finally {
    clearTimeout(timer);
  }
}
