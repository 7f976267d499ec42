// StellarTomlResolver: fetches `https://DOMAIN/.well-known/stellar.toml` with every
// limit explicit (no redirects, 100 KB, deadline), validates it, caches successes
// per domain and shares one in-flight fetch between concurrent callers.

import type { AxiosInstance } from 'axios';
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
  /** Clock in ms, injectable for tests. @defaultValue Date.now */
  now?: () => number;
}

interface CacheEntry {
  toml: StellarToml;
  expiresAt: number;
}

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
  private readonly now: () => number;
  private readonly cache = new Map<string, CacheEntry>();
  private readonly inFlight = new Map<string, Promise<StellarToml>>();

  constructor(options: StellarTomlResolverOptions) {
    if (!(options.timeoutMs > 0)) throw new RangeError('timeoutMs must be > 0');
    this.http = options.http;
    this.allowHttp = options.allowHttp ?? false;
    this.timeoutMs = options.timeoutMs;
    this.cacheTtlMs = options.cacheTtlMs ?? STELLAR_TOML_CACHE_TTL_MS;
    this.now = options.now ?? Date.now;
  }

  /**
   * Fetches (or returns the cached) stellar.toml of `domain`.
   *
   * @param domain a DNS name, optionally with `:port` (e.g. `localhost:8002`)
   * @returns the validated document; unknown keys are kept
   * @throws {ProtocolError} `invalid_domain`, `toml_redirect_rejected` (3xx),
   *   `toml_fetch_failed` (network error or other non-2xx, `upstreamStatus` set when
   *   there was a response), `toml_timeout`, `toml_too_large`, `toml_invalid`
   * @see https://github.com/stellar/stellar-protocol/blob/master/ecosystem/sep-0001.md
   */
  resolve(domain: string): Promise<StellarToml> {
    if (!isValidDomain(domain)) {
      return Promise.reject(
        new ProtocolError('invalid_domain', `Invalid domain: ${domain}`, { field: 'domain' }),
      );
    }
    const key = domain.toLowerCase();
    const cached = this.cache.get(key);
    if (cached && cached.expiresAt > this.now()) return Promise.resolve(cached.toml);
    const pending = this.inFlight.get(key);
    if (pending) return pending;

    const fetching = this.fetch(key)
      .then((toml) => {
        if (this.cacheTtlMs > 0) this.cache.set(key, { toml, expiresAt: this.now() + this.cacheTtlMs });
        return toml;
      })
      .finally(() => this.inFlight.delete(key));
    this.inFlight.set(key, fetching);
    return fetching;
  }

  /**
   * Drops cached documents (one domain, or all).
   * @see https://github.com/stellar/stellar-protocol/blob/master/ecosystem/sep-0001.md
   */
  clearCache(domain?: string): void {
    if (domain === undefined) this.cache.clear();
    else this.cache.delete(domain.toLowerCase());
  }

  private async fetch(domain: string): Promise<StellarToml> {
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
    return parseStellarToml(outcome.body.toString('utf8'));
  }
}
