// FederationClient: SEP-2 lookups (name, id, forward, txid) against the
// FEDERATION_SERVER found in a domain's stellar.toml. https only unless allowHttp,
// no redirects, 100 KiB cap, one deadline per request.

import type { AxiosInstance } from 'axios';
import { parseStellarAddress } from '../address.js';
import { isValidDomain } from '../domain.js';
import { ProtocolError } from '../errors.js';
import { limitedGet } from '../http/limited-get.js';
import { isAccountId } from '../keys.js';
import type { StellarTomlResolver } from '../stellar-toml/resolver.js';
import { parseFederationResponse, type FederationRecord } from './response.js';

/**
 * Largest federation response we read, in bytes (as the Go and JS clients).
 * @defaultValue 102400
 * @see https://github.com/stellar/stellar-protocol/blob/master/ecosystem/sep-0002.md
 */
export const FEDERATION_RESPONSE_MAX_SIZE = 100 * 1024;

/**
 * Federation query types (SEP-2 `type=`).
 * @see https://github.com/stellar/stellar-protocol/blob/master/ecosystem/sep-0002.md
 */
export type FederationQueryType = 'name' | 'id' | 'forward' | 'txid';

/**
 * Constructor options of {@link FederationClient}.
 * @see https://github.com/stellar/stellar-protocol/blob/master/ecosystem/sep-0002.md
 */
export interface FederationClientOptions {
  http: AxiosInstance;
  /** Resolves the domain's stellar.toml to find FEDERATION_SERVER. */
  tomlResolver: Pick<StellarTomlResolver, 'resolve'>;
  /** Accept an `http://` FEDERATION_SERVER (dev/test only). */
  allowHttp?: boolean;
  /** Deadline for each federation request, body included. Must be > 0. */
  timeoutMs: number;
}

/**
 * A name lookup result: `account_id` is always present.
 * @see https://github.com/stellar/stellar-protocol/blob/master/ecosystem/sep-0002.md
 */
export type FederationNameRecord = FederationRecord & { account_id: string };
/**
 * An id lookup result: `stellar_address` is always present.
 * @see https://github.com/stellar/stellar-protocol/blob/master/ecosystem/sep-0002.md
 */
export type FederationIdRecord = FederationRecord & { stellar_address: string };

/**
 * SEP-2 federation client.
 *
 * @example
 * const client = new FederationClient({ http, tomlResolver, timeoutMs: 10_000 });
 * const { account_id, memo_type, memo } = await client.resolveAddress('bob*stellar.org');
 * @see https://github.com/stellar/stellar-protocol/blob/master/ecosystem/sep-0002.md
 */
export class FederationClient {
  private readonly http: AxiosInstance;
  private readonly tomlResolver: Pick<StellarTomlResolver, 'resolve'>;
  private readonly allowHttp: boolean;
  private readonly timeoutMs: number;

  constructor(options: FederationClientOptions) {
    if (!(options.timeoutMs > 0)) throw new RangeError('timeoutMs must be > 0');
    this.http = options.http;
    this.tomlResolver = options.tomlResolver;
    this.allowHttp = options.allowHttp ?? false;
    this.timeoutMs = options.timeoutMs;
  }

  /**
   * Resolves `name*domain` (type=name). A `G…` account id is returned as
   * `{account_id}` without any request. `stellar_address` is filled with the query when
   * the server omits it (the Go server never sends it).
   *
   * @throws {ProtocolError} `invalid_stellar_address`, any stellar.toml error,
   *   `federation_server_missing`, `insecure_url_rejected`, `federation_not_found`,
   *   `federation_failed`, `federation_timeout`, `federation_too_large`,
   *   `federation_response_invalid` (also when `account_id` is missing)
   * @see https://github.com/stellar/stellar-protocol/blob/master/ecosystem/sep-0002.md
   */
  async resolveAddress(address: string): Promise<FederationNameRecord> {
    if (isAccountId(address)) return { account_id: address };
    const { domain } = parseStellarAddress(address);
    const record = await this.query(domain, { q: address, type: 'name' });
    return { stellar_address: address, ...requireAccountId(record) };
  }

  /**
   * Reverse lookup of an account id at `domain` (type=id).
   * @throws {ProtocolError} `invalid_account_id`, `federation_response_invalid` when
   *   `stellar_address` is missing, and the errors of {@link FederationClient.resolveAddress}
   * @see https://github.com/stellar/stellar-protocol/blob/master/ecosystem/sep-0002.md
   */
  async resolveAccountId(domain: string, accountId: string): Promise<FederationIdRecord> {
    if (!isAccountId(accountId)) {
      throw new ProtocolError('invalid_account_id', `Invalid account id: ${accountId}`, {
        field: 'account_id',
      });
    }
    const record = await this.query(domain, { q: accountId, type: 'id' });
    if (!record.stellar_address) {
      throw new ProtocolError(
        'federation_response_invalid',
        'Invalid federation response: stellar_address missing',
        {
          field: 'stellar_address',
        },
      );
    }
    return record as FederationIdRecord;
  }

  /**
   * Forward lookup (type=forward): `fields` become extra query parameters, e.g.
   * `{ forward_type: 'bank_account', swift: 'BOPBPHMM', acct: '2382376' }`.
   * @throws {ProtocolError} as {@link FederationClient.resolveAddress}
   * @see https://github.com/stellar/stellar-protocol/blob/master/ecosystem/sep-0002.md
   */
  async resolveForward(
    domain: string,
    fields: Readonly<Record<string, string>>,
  ): Promise<FederationNameRecord> {
    const { q: _q, type: _type, ...rest } = fields;
    return requireAccountId(await this.query(domain, { ...rest, type: 'forward' }));
  }

  /**
   * Transaction lookup (type=txid): who sent the transaction with this hash.
   * @throws {ProtocolError} as {@link FederationClient.resolveAddress}
   * @see https://github.com/stellar/stellar-protocol/blob/master/ecosystem/sep-0002.md
   */
  async resolveTxid(domain: string, txid: string): Promise<FederationRecord> {
    return this.query(domain, { q: txid, type: 'txid' });
  }

  private async serverUrl(domain: string): Promise<URL> {
    if (!isValidDomain(domain)) {
      throw new ProtocolError('invalid_domain', `Invalid domain: ${domain}`, { field: 'domain' });
    }
    const toml = await this.tomlResolver.resolve(domain);
    const server = toml.FEDERATION_SERVER;
    if (!server) {
      throw new ProtocolError(
        'federation_server_missing',
        `stellar.toml of ${domain} has no FEDERATION_SERVER`,
      );
    }
    const url = new URL(server);
    if (url.protocol !== 'https:' && !(this.allowHttp && url.protocol === 'http:')) {
      throw new ProtocolError('insecure_url_rejected', `FEDERATION_SERVER must use https: ${server}`, {
        field: 'FEDERATION_SERVER',
      });
    }
    return url;
  }

  private async query(domain: string, params: Record<string, string>): Promise<FederationRecord> {
    const url = await this.serverUrl(domain);
    for (const [key, value] of Object.entries(params)) url.searchParams.set(key, value);
    const outcome = await limitedGet({
      http: this.http,
      url: url.toString(),
      maxBytes: FEDERATION_RESPONSE_MAX_SIZE,
      timeoutMs: this.timeoutMs,
      accept: 'application/json',
    });
    switch (outcome.kind) {
      case 'timeout':
        throw new ProtocolError(
          'federation_timeout',
          `Federation server of ${domain} did not answer in time`,
          {
            cause: outcome.cause,
          },
        );
      case 'network':
        throw new ProtocolError('federation_failed', `Federation server of ${domain} could not be reached`, {
          cause: outcome.cause,
        });
      case 'too_large':
        throw new ProtocolError(
          'federation_too_large',
          `Federation response exceeds ${FEDERATION_RESPONSE_MAX_SIZE} bytes limit`,
          { upstreamStatus: outcome.status },
        );
      case 'response':
        break;
    }
    if (outcome.status === 404) {
      throw new ProtocolError('federation_not_found', `Federation record not found at ${domain}`, {
        upstreamStatus: 404,
      });
    }
    if (outcome.status < 200 || outcome.status >= 300) {
      throw new ProtocolError(
        'federation_failed',
        `Federation server of ${domain} answered HTTP ${outcome.status}`,
        {
          upstreamStatus: outcome.status,
        },
      );
    }
    return parseFederationResponse(outcome.body.toString('utf8'));
  }
}

function requireAccountId(record: FederationRecord): FederationNameRecord {
  if (!record.account_id) {
    throw new ProtocolError(
      'federation_response_invalid',
      'Invalid federation response: account_id missing',
      {
        field: 'account_id',
      },
    );
  }
  return record as FederationNameRecord;
}
