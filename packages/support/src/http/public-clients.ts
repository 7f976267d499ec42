// The outbound clients every service that talks to other anchors builds from its
// `[http]` config section: one axios instance (timeouts, dev CA, host map), the
// stellar.toml resolver and the federation client on top of it.
import type { AxiosInstance } from 'axios';
import { FederationClient, StellarTomlResolver } from '@anchor/protocol';
import type { HttpClientConfig } from '../config/schema-helpers.js';
import { createHttpClient } from '../http-client.js';

export interface PublicClients {
  http: AxiosInstance;
  tomlResolver: StellarTomlResolver;
  federation: FederationClient;
}

export interface PublicClientsOptions {
  /** stellar.toml cache lifetime; the resolver's default when omitted. */
  cacheTtlMs?: number;
  /** How long a failed stellar.toml fetch is remembered; the resolver's default when omitted. */
  failureTtlMs?: number;
  /** Refuse non-public peers (see HttpClientOptions.publicPeersOnly). */
  publicPeersOnly?: boolean;
}

/** Builds the HTTP client, stellar.toml resolver and federation client of an `[http]` section. */
export function createPublicClients(
  httpConfig: HttpClientConfig,
  options: PublicClientsOptions = {},
): PublicClients {
  const http = createHttpClient({
    timeoutMs: httpConfig.timeout_ms,
    extraCaFile: httpConfig.extra_ca_file,
    hostMap: httpConfig.host_map,
    publicPeersOnly: options.publicPeersOnly,
  });
  const tomlResolver = new StellarTomlResolver({
    http,
    allowHttp: httpConfig.allow_http,
    timeoutMs: httpConfig.timeout_ms,
    cacheTtlMs: options.cacheTtlMs,
    failureTtlMs: options.failureTtlMs,
  });
  const federation = new FederationClient({
    http,
    tomlResolver,
    allowHttp: httpConfig.allow_http,
    timeoutMs: httpConfig.timeout_ms,
  });
  return { http, tomlResolver, federation };
}
