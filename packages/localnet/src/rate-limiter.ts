// Horizon's request rate limit (--per-hour-rate-limit, stellar-horizon internal/httpx/
// rate_limiter.go): a GCRA limiter per client IP as stellar/throttled implements it (rate.go,
// http.go), with the X-RateLimit-* and Retry-After headers it writes. Off unless configured.

/** What one request learnt from the limiter, as throttled's RateLimitResult. */
export interface RateLimitResult {
  limited: boolean;
  /** Requests allowed in a burst: MaxBurst + 1. */
  limit: number;
  remaining: number;
  /** Until the client's allowance is full again. */
  resetAfterMs: number;
  /** Until the next request would be allowed; -1 when this one was. */
  retryAfterMs: number;
}

/** Horizon's MaxBurst (internal/flags.go per-hour-rate-limit). */
export const DEFAULT_RATE_LIMIT_BURST = 100;
/** throttled's LRU size in Horizon (lruCacheSize); past it, finished clients are forgotten. */
const MAX_KEYS = 50_000;

export class RateLimiter {
  private readonly emissionMs: number;
  private readonly toleranceMs: number;
  private readonly limit: number;
  /** Client → theoretical arrival time (ms). */
  private readonly tat = new Map<string, number>();

  constructor(
    perHour: number,
    burst = DEFAULT_RATE_LIMIT_BURST,
    private readonly now: () => number = Date.now,
  ) {
    if (!Number.isInteger(perHour) || perHour < 1) throw new Error('rate limit per hour must be >= 1');
    if (!Number.isInteger(burst) || burst < 0) throw new Error('rate limit burst must be >= 0');
    this.emissionMs = 3_600_000 / perHour;
    this.toleranceMs = this.emissionMs * (burst + 1);
    this.limit = burst + 1;
  }

  /** Takes one token for `key` unless it is limited (GCRARateLimiter.RateLimit, quantity 1). */
  take(key: string): RateLimitResult {
    const now = this.now();
    const tat = Math.max(this.tat.get(key) ?? now, now);
    const newTat = tat + this.emissionMs;
    const diff = now - (newTat - this.toleranceMs);
    const limited = diff < 0;
    const ttl = (limited ? tat : newTat) - now;
    if (!limited) {
      if (this.tat.size >= MAX_KEYS) this.forgetIdle(now);
      this.tat.set(key, newTat);
    }
    const next = this.toleranceMs - ttl;
    return {
      limited,
      limit: this.limit,
      remaining: next > -this.emissionMs ? Math.trunc(next / this.emissionMs) : 0,
      resetAfterMs: ttl,
      retryAfterMs: limited ? -diff : -1,
    };
  }

  private forgetIdle(now: number): void {
    for (const [k, t] of this.tat) if (t <= now) this.tat.delete(k);
  }
}

/** The headers throttled's setRateLimitHeaders writes (seconds rounded up). */
export function rateLimitHeaders(r: RateLimitResult): Record<string, string> {
  return {
    'X-RateLimit-Limit': String(r.limit),
    'X-RateLimit-Remaining': String(r.remaining),
    'X-RateLimit-Reset': String(Math.ceil(r.resetAfterMs / 1000)),
    ...(r.retryAfterMs >= 0 ? { 'Retry-After': String(Math.ceil(r.retryAfterMs / 1000)) } : {}),
  };
}
