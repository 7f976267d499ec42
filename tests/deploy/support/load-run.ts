// Bounded load runs with autocannon's programmatic API, for the nginx load test
// and `pnpm bench:nginx`: a hard duration (or a fixed number of requests), a
// per-request timeout, and an overall deadline after which the run is stopped
// (and then abandoned) so it can never hang. The result separates what the finding of issue 13 #5 counts: socket
// errors, timeouts, 429s (a per-client limit) and 5xx (nginx or the upstream).
import autocannon from 'autocannon';

export interface LoadTarget {
  label: string;
  /** e.g. `https://127.0.0.1:8443/.well-known/stellar.toml` */
  url: string;
  /** Host header and TLS SNI name (`bank-a.test`); the URL's host when omitted. */
  host?: string;
}

export interface LoadOptions {
  connections: number;
  /** Run this long (the benchmark)… */
  durationSeconds?: number;
  /** …or until this many requests are answered or failed (the test: counts that do not depend on speed). */
  amount?: number;
  /** Overall deadline when running by `amount`. Default 120 s. */
  amountDeadlineSeconds?: number;
  /** A request unanswered this long counts as a timeout. Default 10. */
  requestTimeoutSeconds?: number;
}

export interface LoadResult {
  label: string;
  connections: number;
  requests: number;
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  /** Answers by status code. */
  statuses: Record<string, number>;
  ok: number;
  rateLimited: number;
  serverErrors: number;
  /** Other non-2xx answers (neither 429 nor 5xx). */
  otherNon2xx: number;
  /** Connection errors other than timeouts (refused, reset, closed mid-request). */
  socketErrors: number;
  timeouts: number;
}

/** Grace after duration + request timeout before the run is stopped, then given up. */
const DEADLINE_GRACE_MS = 20_000;

export async function runLoad(target: LoadTarget, options: LoadOptions): Promise<LoadResult> {
  const requestTimeout = options.requestTimeoutSeconds ?? 10;
  // Without a callback autocannon returns its tracker, which is also the result's promise.
  const instance = autocannon({
    url: target.url,
    connections: options.connections,
    ...(options.amount !== undefined ? { amount: options.amount } : { duration: options.durationSeconds }),
    timeout: requestTimeout,
    ...(target.host ? { headers: { host: target.host }, servername: target.host } : {}),
  }) as unknown as autocannon.Instance & PromiseLike<autocannon.Result>;
  if ((options.amount === undefined) === (options.durationSeconds === undefined))
    throw new Error('runLoad needs exactly one of durationSeconds and amount');
  const deadlineMs =
    options.amount !== undefined
      ? (options.amountDeadlineSeconds ?? 120) * 1000
      : ((options.durationSeconds ?? 0) + requestTimeout) * 1000 + DEADLINE_GRACE_MS;
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => {
      instance.stop();
      timer = setTimeout(
        () => reject(new Error(`load run ${target.label} did not finish within ${deadlineMs} ms`)),
        DEADLINE_GRACE_MS,
      );
    }, deadlineMs);
  });
  let result: autocannon.Result;
  try {
    result = await Promise.race([instance, deadline]);
  } finally {
    clearTimeout(timer);
  }
  const statuses: Record<string, number> = {};
  for (const [code, stat] of Object.entries(result.statusCodeStats ?? {})) statuses[code] = stat.count ?? 0;
  const count = (match: (code: number) => boolean) =>
    Object.entries(statuses)
      .filter(([code]) => match(Number(code)))
      .reduce((sum, [, n]) => sum + n, 0);
  return {
    label: target.label,
    connections: options.connections,
    requests: result.requests.total,
    requestsPerSecond: result.requests.average,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    statuses,
    ok: count((c) => c >= 200 && c < 300),
    rateLimited: count((c) => c === 429),
    serverErrors: count((c) => c >= 500),
    otherNon2xx: count((c) => (c < 200 || c >= 300) && c !== 429 && c < 500),
    socketErrors: result.errors - result.timeouts,
    timeouts: result.timeouts,
  };
}
