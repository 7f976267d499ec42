// StellarTomlResolver: fetches `https://DOMAIN/.well-known/stellar.toml` with every
// limit explicit (no redirects, 100 KB, deadline), validates it, and shares one
// in-flight fetch between concurrent callers. Any stranger can make a compliance
// server resolve a domain of their choosing, so the cache is bounded (LRU by entries
// and bytes, expired entries swept), keeps only the few keys this stack reads rather
// than the parsed document, and remembers failures briefly so a failing domain is
// not fetched again on every request.

import type { AxiosInstance } from 'axios';
import { LRUCache } from 'lru-cache';
import { isValidDomain } from '../domain.js';
import { ProtocolError } from '../errors.js';
import { limitedGet } from '../http/limited-get.js';
import { parseStellarToml, STELLAR_TOML_MAX_SIZE, STELLAR_TOML_WELL_KNOWN_PATH } from './parse.js';
import type { StellarToml } from './schema.js';

/**
 * How long a fetched stellar.toml is reused, in ms.
 * @defaultValue 300000 (5 minutes)
 * @see https://github.com/stellar/stellar-protocol/blob/master/ecosystem/sep-0001.md
 */
export const STELLAR_TOML_CACHE_TTL_MS = 5 * 60 * 1000;

/**
 * How long a failed stellar.toml fetch is remembered, in ms.
 * @defaultValue 10000
 */
export const STELLAR_TOML_FAILURE_TTL_MS = 10 * 1000;

/**
 * Most domains the cache holds (successes and failures together).
 * @defaultValue 10000
 */
export const STELLAR_TOML_CACHE_MAX_ENTRIES = 10_000;

/**
 * Most bytes (estimated from string lengths) the cache holds.
 * @defaultValue 8 MiB
 */
export const STELLAR_TOML_CACHE_MAX_BYTES = 8 * 1024 * 1024;

/**
 * The keys of a stellar.toml this stack reads; the resolver keeps and returns only these.
 * @see https://github.com/stellar/stellar-protocol/blob/master/ecosystem/sep-0001.md
 */
export const RESOLVED_STELLAR_TOML_KEYS = ['FEDERATION_SERVER', 'AUTH_SERVER', 'SIGNING_KEY'] as const;

/**
 * What {@link StellarTomlResolver.resolve} returns: the validated keys of
 * {@link RESOLVED_STELLAR_TOML_KEYS}, when present.
 * @see https://github.com/stellar/stellar-protocol/blob/master/ecosystem/sep-0001.md
 */
export type ResolvedStellarToml = Pick<StellarToml, (typeof RESOLVED_STELLAR_TOML_KEYS)[number]>;

/**
 * Constructor options of {@link StellarTomlResolver}.
 * @see https://github.com/stellar/stellar-protocol/blob/master/ecosystem/sep-0001.md
 */
export interface StellarTomlResolverOptions {
  /** The axios instance used for the request (no global client). */
  http: AxiosInstance;
  /** Use `http://` instead of `https://` (dev/test only). */
  allowHttp?: boolean;
  /** Deadline for the whole request, body included. Must be > 0. */
  timeoutMs: number;
  /** Cache lifetime of a success; 0 disables caching. @defaultValue {@link STELLAR_TOML_CACHE_TTL_MS} */
  cacheTtlMs?: number;
  /** Cache lifetime of a failure; 0 disables it. @defaultValue {@link STELLAR_TOML_FAILURE_TTL_MS} */
  failureTtlMs?: number;
  /** @defaultValue {@link STELLAR_TOML_CACHE_MAX_ENTRIES} */
  maxCacheEntries?: number;
  /** @defaultValue {@link STELLAR_TOML_CACHE_MAX_BYTES} */
  maxCacheBytes?: number;
  /** Clock in ms, injectable for tests. @defaultValue Date.now */
  now?: () => number;
}

type CacheEntry = { ok: true; toml: ResolvedStellarToml } | { ok: false; error: ProtocolError };

/**
 * Size of the cache after the last operation, for tests and metrics.
 * @see https://github.com/stellar/stellar-protocol/blob/master/ecosystem/sep-0001.md
 */
export interface StellarTomlCacheStats {
  entries: number;
  bytes: number;
  inFlight: number;
}

// A rough per-entry overhead (map slot, entry object, error object) on top of the strings.
const ENTRY_OVERHEAD_BYTES = 256;

/**
 * Resolves a domain's stellar.toml.
 *
 * @example
 * const resolver = new StellarTomlResolver({ http: axios.create(), timeoutMs: 10_000 });
 * const { FEDERATION_SERVER } = await resolver.resolve('stellar.org');
 * @see https://github.com/stellar/stellar-protocol/blob/master/ecosystem/sep-0001.md
 */
export class StellarTomlResolver {
  private readonly http: AxiosInstance;
  private readonly allowHttp: boolean;
  private readonly timeoutMs: number;
  private readonly cacheTtlMs: number;
  private readonly failureTtlMs: number;
  private readonly now: () => number;
  private readonly cache: LRUCache<string, CacheEntry>;
  private readonly inFlight = new Map<string, Promise<ResolvedStellarToml>>();
  private lastSweep: number;

  constructor(options: StellarTomlResolverOptions) {
    if (!(options.timeoutMs > 0)) throw new RangeError('timeoutMs must be > 0');
    this.http = options.http;
    this.allowHttp = options.allowHttp ?? false;
    this.timeoutMs = options.timeoutMs;
    this.cacheTtlMs = options.cacheTtlMs ?? STELLAR_TOML_CACHE_TTL_MS;
    this.failureTtlMs = options.failureTtlMs ?? STELLAR_TOML_FAILURE_TTL_MS;
    const now = options.now ?? Date.now;
    this.now = now;
    this.lastSweep = now();
    this.cache = new LRUCache<string, CacheEntry>({
      max: options.maxCacheEntries ?? STELLAR_TOML_CACHE_MAX_ENTRIES,
      maxSize: options.maxCacheBytes ?? STELLAR_TOML_CACHE_MAX_BYTES,
      sizeCalculation: entrySize,
      // The injected clock drives expiry; no timers.
      perf: { now },
      ttlResolution: 0,
    });
  }

  /**
   * Fetches (or returns the cached) stellar.toml of `domain`.
   *
   * @param domain a DNS name, optionally with `:port` (e.g. `localhost:8002`)
   * @returns the validated keys of {@link RESOLVED_STELLAR_TOML_KEYS}
   * @throws {ProtocolError} `invalid_domain`, `toml_redirect_rejected` (3xx),
   *   `toml_fetch_failed` (network error or other non-2xx, `upstreamStatus` set when
   *   there was a response), `toml_timeout`, `toml_too_large`, `toml_invalid`; a failure
   *   is remembered for `failureTtlMs` and the same error returned meanwhile
   * @see https://github.com/stellar/stellar-protocol/blob/master/ecosystem/sep-0001.md
   */
  resolve(domain: string): Promise<ResolvedStellarToml> {
    if (!isValidDomain(domain)) {
      return Promise.reject(
        new ProtocolError('invalid_domain', `Invalid domain: ${domain}`, { field: 'domain' }),
      );
    }
    const key = domain.toLowerCase();
    const cached = this.cache.get(key);
    if (cached) return cached.ok ? Promise.resolve(cached.toml) : Promise.reject(cached.error);
    const pending = this.inFlight.get(key);
    if (pending) return pending;

    const fetching = this.fetch(key)
      .then(
        (toml) => {
          this.remember(key, { ok: true, toml }, this.cacheTtlMs);
          return toml;
        },
        (err: unknown) => {
          if (err instanceof ProtocolError)
            this.remember(key, { ok: false, error: slim(err) }, this.failureTtlMs);
          throw err;
        },
      )
      .finally(() => this.inFlight.delete(key));
    this.inFlight.set(key, fetching);
    return fetching;
  }

  /**
   * Current size of the cache.
   * @see https://github.com/stellar/stellar-protocol/blob/master/ecosystem/sep-0001.md
   */
  cacheStats(): StellarTomlCacheStats {
    return { entries: this.cache.size, bytes: this.cache.calculatedSize, inFlight: this.inFlight.size };
  }

  /**
   * Drops cached documents (one domain, or all).
   * @see https://github.com/stellar/stellar-protocol/blob/master/ecosystem/sep-0001.md
   */
  clearCache(domain?: string): void {
    if (domain === undefined) this.cache.clear();
    else this.cache.delete(domain.toLowerCase());
  }

  private remember(key: string, entry: CacheEntry, ttl: number): void {
    if (ttl <= 0) return;
    // Expired entries are also dropped when read or pushed out by LRU; the sweep makes
    // sure a burst of one-off domains does not sit in memory until then.
    const now = this.now();
    if (now - this.lastSweep >= Math.min(this.cacheTtlMs || Infinity, 60_000)) {
      this.cache.purgeStale();
      this.lastSweep = now;
    }
    this.cache.set(key, entry, { ttl });
  }

  private async fetch(domain: string): Promise<ResolvedStellarToml> {
    const url = `${this.allowHttp ? 'http' : 'https'}://${domain}${STELLAR_TOML_WELL_KNOWN_PATH}`;
    const outcome = await limitedGet({
      http: this.http,
      url,
      maxBytes: STELLAR_TOML_MAX_SIZE,
      timeoutMs: this.timeoutMs,
      accept: 'text/plain, application/toml, */*',
    });
    switch (outcome.kind) {
      case 'timeout':
        throw new ProtocolError(
          'toml_timeout',
          `stellar.toml of ${domain}: no response within ${this.timeoutMs} ms`,
          {
            cause: outcome.cause,
          },
        );
      case 'network':
        throw new ProtocolError('toml_fetch_failed', `stellar.toml of ${domain} could not be fetched`, {
          cause: outcome.cause,
        });
      case 'too_large':
        throw new ProtocolError(
          'toml_too_large',
          `stellar.toml response exceeds ${STELLAR_TOML_MAX_SIZE} bytes limit`,
          {
            upstreamStatus: outcome.status,
          },
        );
      case 'response':
        break;
    }
    const { status } = outcome;
    if (status >= 300 && status < 400) {
      throw new ProtocolError(
        'toml_redirect_rejected',
        `stellar.toml of ${domain} redirects (HTTP ${status})`,
        {
          upstreamStatus: status,
        },
      );
    }
    if (status < 200 || status >= 300) {
      throw new ProtocolError('toml_fetch_failed', `stellar.toml of ${domain}: HTTP ${status}`, {
        upstreamStatus: status,
      });
    }
    return pickResolvedKeys(parseStellarToml(outcome.body.toString('utf8')));
  }
}

function pickResolvedKeys(toml: StellarToml): ResolvedStellarToml {
  const kept: ResolvedStellarToml = {};
  for (const key of RESOLVED_STELLAR_TOML_KEYS) {
    const value = toml[key];
    if (value !== undefined) kept[key] = value;
  }
  return kept;
}

/** The same error without its cause chain (an axios error holds the whole request), keeping the cause's code. */
function slim(err: ProtocolError): ProtocolError {
  const cause = err.cause as { code?: unknown; message?: unknown } | undefined;
  const slimCause =
    cause === undefined
      ? undefined
      : {
          code: typeof cause.code === 'string' ? cause.code : undefined,
          message: String(cause.message ?? ''),
        };
  return new ProtocolError(err.code, err.message, {
    field: err.field,
    upstreamStatus: err.upstreamStatus,
    cause: slimCause,
  });
}

function entrySize(entry: CacheEntry, key: string): number {
  const strings = entry.ok
    ? Object.values(entry.toml).join('')
    : `${entry.error.message}${String((entry.error.cause as { message?: unknown } | undefined)?.message ?? '')}`;
  return ENTRY_OVERHEAD_BYTES + 2 * (key.length + strings.length);
}
