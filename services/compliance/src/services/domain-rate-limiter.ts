// A token bucket per sender domain for the public auth endpoint: each validly
// signed request takes a token, tokens come back at `perMinute` a minute, and a full
// bucket allows a burst of `perMinute`. Counted after the signature is verified, so
// nobody can spend an honest bank's allowance by naming it. The map is bounded: past
// `maxDomains` the least recently seen domain is forgotten (its bucket refills anyway).

/** Most domains tracked at once. */
export const RATE_LIMITER_MAX_DOMAINS = 10_000;

interface Bucket {
  tokens: number;
  at: number;
}

export class DomainRateLimiter {
  private readonly buckets = new Map<string, Bucket>();

  constructor(
    private readonly perMinute: number,
    private readonly now: () => number = Date.now,
    private readonly maxDomains = RATE_LIMITER_MAX_DOMAINS,
  ) {}

  /**
   * Takes one token for `domain`.
   * @returns 0 when allowed, else the seconds until a token is back
   */
  take(domain: string): number {
    if (this.perMinute <= 0) return 0;
    const key = domain.toLowerCase();
    const now = this.now();
    const previous = this.buckets.get(key);
    const refilled = previous
      ? Math.min(this.perMinute, previous.tokens + ((now - previous.at) * this.perMinute) / 60_000)
      : this.perMinute;
    // Re-inserted so the map's order is least recently seen first.
    this.buckets.delete(key);
    if (refilled < 1) {
      this.buckets.set(key, { tokens: refilled, at: now });
      return Math.ceil(((1 - refilled) * 60) / this.perMinute);
    }
    this.buckets.set(key, { tokens: refilled - 1, at: now });
    if (this.buckets.size > this.maxDomains) this.buckets.delete(this.buckets.keys().next().value as string);
    return 0;
  }

  /** Domains tracked now (for tests). */
  get size(): number {
    return this.buckets.size;
  }
}
