// Slows down password guessing at the console without locking the right password
// out for long. Failures are counted per account and per (account, client
// address); past a few free failures each further one doubles a wait (from 1 s up
// to 15 min) during which that key is answered 429 without checking. The
// per-account count catches guessing spread over many addresses (or forged
// X-Forwarded-For, see trusted_proxies); the per-pair count stops one address
// quickly without blocking other accounts from it. A success clears the pair.
// The map is bounded: at capacity the least recently failing key is dropped.

export interface SignInLimits {
  /** Failures of one (account, address) pair before waits begin. Default 5. */
  pairFreeFailures: number;
  /** Failures of one account, over all addresses, before waits begin. Default 20. */
  accountFreeFailures: number;
  /** First wait; doubles per further failure. Default 1 s. */
  baseDelayMs: number;
  /** Longest wait. Default 15 min. */
  maxDelayMs: number;
  /** A key with no failure for this long is forgotten. Default 15 min. */
  forgetAfterMs: number;
  /** Keys remembered at most. Default 10,000. */
  maxEntries: number;
}

export const DEFAULT_SIGN_IN_LIMITS: SignInLimits = {
  pairFreeFailures: 5,
  accountFreeFailures: 20,
  baseDelayMs: 1_000,
  maxDelayMs: 15 * 60 * 1000,
  forgetAfterMs: 15 * 60 * 1000,
  maxEntries: 10_000,
};

interface Entry {
  failures: number;
  lastFailure: number;
  blockedUntil: number;
}

export class SignInLimiter {
  private readonly limits: SignInLimits;
  private readonly entries = new Map<string, Entry>();

  constructor(
    limits: Partial<SignInLimits> = {},
    private readonly now: () => number = Date.now,
  ) {
    this.limits = { ...DEFAULT_SIGN_IN_LIMITS, ...limits };
  }

  /** Milliseconds before `account` may be tried from `client` again; 0 when it may now. */
  retryAfterMs(account: string, client: string): number {
    const now = this.now();
    const wait = Math.max(
      this.blockedFor(accountKey(account), now),
      this.blockedFor(pairKey(account, client), now),
    );
    return Math.max(0, wait);
  }

  recordFailure(account: string, client: string): void {
    const now = this.now();
    this.fail(accountKey(account), this.limits.accountFreeFailures, now);
    this.fail(pairKey(account, client), this.limits.pairFreeFailures, now);
  }

  /** The right password: that pair starts afresh (the account count decays by itself). */
  recordSuccess(account: string, client: string): void {
    this.entries.delete(pairKey(account, client));
  }

  /** Keys held now (for the bound's test and metrics). */
  get size(): number {
    return this.entries.size;
  }

  private blockedFor(key: string, now: number): number {
    const entry = this.entries.get(key);
    if (!entry) return 0;
    if (now - entry.lastFailure > this.limits.forgetAfterMs && now >= entry.blockedUntil) {
      this.entries.delete(key);
      return 0;
    }
    return entry.blockedUntil - now;
  }

  private fail(key: string, free: number, now: number): void {
    const previous = this.entries.get(key);
    const stale = previous && now - previous.lastFailure > this.limits.forgetAfterMs;
    const failures = previous && !stale ? previous.failures + 1 : 1;
    const over = failures - free;
    const delay = over > 0 ? Math.min(this.limits.maxDelayMs, this.limits.baseDelayMs * 2 ** (over - 1)) : 0;
    // Re-inserted so that Map order is least recently failing first.
    this.entries.delete(key);
    this.entries.set(key, { failures, lastFailure: now, blockedUntil: now + delay });
    while (this.entries.size > this.limits.maxEntries) {
      const oldest = this.entries.keys().next().value as string;
      this.entries.delete(oldest);
    }
  }
}

function accountKey(account: string): string {
  return `a\u0000${account}`;
}

function pairKey(account: string, client: string): string {
  return `p\u0000${account}\u0000${client}`;
}
