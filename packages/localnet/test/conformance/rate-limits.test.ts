// Conformance: Horizon's per-client rate limit (`rateLimitPerHour`). Every row names the
// stellar-horizon (v28) or stellar/throttled source it follows. One request per hour keeps the
// limiter from refilling while a test runs, so the counts below are exact.
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_RATE_LIMIT_BURST } from '../../src/rate-limiter.js';
import { startNet, type Ctx } from '../helpers.js';

const SOURCES = {
  middleware:
    'stellar/stellar-horizon internal/httpx/rate_limiter.go (GCRA by remote IP, DeniedHandler → RateLimitExceeded), router.go (streams exempt from the middleware)',
  headers:
    'stellar/throttled http.go setRateLimitHeaders, rate.go GCRARateLimiter.RateLimit (limit = burst + 1)',
  problem: 'stellar/stellar-horizon internal/render/problem/problem.go RateLimitExceeded',
  flags: 'stellar/stellar-horizon internal/flags.go per-hour-rate-limit (MaxBurst 100)',
  stream:
    'stellar/stellar-horizon internal/render/sse/stream_handler.go ServeStream (one token per loop: at open, then per new ledger), stream.go (ErrRateLimited; Err before Init renders the problem), main.go WriteEvent (error data written raw)',
};

let ctx: Ctx | undefined;
afterEach(async () => {
  await ctx?.net.close();
  ctx = undefined;
});

const PROBLEM = 'https://stellar.org/horizon-errors/rate_limit_exceeded';

async function limited(burst: number): Promise<Ctx> {
  ctx = await startNet({ closeIntervalMs: 0, rateLimitPerHour: 1, rateLimitBurst: burst });
  return ctx;
}

describe('rate limit conformance', () => {
  it(`requests past the burst are 429 rate_limit_exceeded with X-RateLimit headers (${SOURCES.middleware}; ${SOURCES.headers}; ${SOURCES.problem})`, async () => {
    const { net } = await limited(2);
    const remaining: string[] = [];
    for (let i = 0; i < 3; i++) {
      const res = await fetch(`${net.url}/ledgers`);
      expect(res.status).toBe(200);
      expect(res.headers.get('x-ratelimit-limit')).toBe('3');
      expect(res.headers.get('retry-after')).toBeNull();
      remaining.push(res.headers.get('x-ratelimit-remaining')!);
    }
    expect(remaining).toEqual(['2', '1', '0']);
    const res = await fetch(`${net.url}/accounts/${net.rootKeypair.publicKey()}`);
    expect(res.status).toBe(429);
    expect(res.headers.get('content-type')).toBe('application/problem+json; charset=utf-8');
    expect(await res.json()).toMatchObject({ type: PROBLEM, title: 'Rate Limit Exceeded', status: 429 });
    expect(res.headers.get('x-ratelimit-limit')).toBe('3');
    expect(res.headers.get('x-ratelimit-remaining')).toBe('0');
    // An hour per request: the next one is allowed in about an hour, the full burst in three.
    const retry = Number(res.headers.get('retry-after'));
    const reset = Number(res.headers.get('x-ratelimit-reset'));
    expect(retry).toBeGreaterThan(3500);
    expect(retry).toBeLessThanOrEqual(3600);
    expect(reset).toBeGreaterThan(10_700);
    expect(reset).toBeLessThanOrEqual(10_800);
    // POST /transactions is behind the same limiter.
    const post = await fetch(`${net.url}/transactions`, { method: 'POST', body: 'tx=AAAA' });
    expect(post.status).toBe(429);
  });

  it(`the default burst is Horizon's 100 (${SOURCES.flags})`, () => {
    expect(DEFAULT_RATE_LIMIT_BURST).toBe(100);
  });

  it(`a stream takes one token when it opens and one per ledger; out of tokens it ends with event: error (${SOURCES.stream})`, async () => {
    const { net } = await limited(2);
    const res = await fetch(`${net.url}/ledgers?cursor=now`, { headers: { Accept: 'text/event-stream' } });
    expect(res.status).toBe(200);
    // No X-RateLimit headers on a stream: it bypasses the middleware.
    expect(res.headers.get('x-ratelimit-limit')).toBeNull();
    const body = res.text();
    for (let i = 0; i < 3; i++) net.closeLedger();
    const frames = (await body).split('\n\n').filter((f) => f !== '');
    expect(frames[0]).toBe('retry: 1000\nevent: open\ndata: "hello"');
    expect(frames.slice(1, 3).every((f) => /^id: \d+\ndata: \{/.test(f))).toBe(true);
    expect(frames.slice(3)).toEqual(['event: error\ndata: Rate limit exceeded']);
    // Out of tokens, a new stream is refused before its preamble, and so is a page.
    const again = await fetch(`${net.url}/ledgers?cursor=now`, { headers: { Accept: 'text/event-stream' } });
    expect(again.status).toBe(429);
    expect(await again.json()).toMatchObject({ type: PROBLEM, status: 429 });
    expect((await fetch(`${net.url}/ledgers`)).status).toBe(429);
  });

  it('without the option nothing is limited and no headers are sent', async () => {
    ctx = await startNet({ closeIntervalMs: 0 });
    for (let i = 0; i < 5; i++) {
      const res = await fetch(`${ctx.net.url}/ledgers`);
      expect(res.status).toBe(200);
      expect(res.headers.get('x-ratelimit-limit')).toBeNull();
    }
  });
});
