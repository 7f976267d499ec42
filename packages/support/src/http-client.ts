// Outbound HTTP for every service: a timeout always, a cap on response size, no
// redirects (a stellar.toml or federation answer must come from where we asked),
// an optional extra CA file so development CAs work next to the system ones
// (NODE_EXTRA_CA_CERTS keeps working too), and an explicit host map so dev
// domains such as bank-b.test reach loopback without editing /etc/hosts. With
// `publicPeersOnly` it refuses every peer outside the public internet (peer-guard.ts).
import dns from 'node:dns';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import tls from 'node:tls';
import axios, { type AxiosInstance } from 'axios';
import { assertPublicPeerUrl, PEER_REFUSED_CODE, publicOnlyLookup } from './peer-guard.js';

/** Default cap on any response body we read from another server. */
export const DEFAULT_MAX_RESPONSE_BYTES = 1024 * 1024;

export interface HttpClientOptions {
  timeoutMs: number;
  maxResponseBytes?: number;
  /** PEM file with extra trusted CAs (e.g. the development CA). */
  extraCaFile?: string;
  /**
   * Dev-domain routing: `{ 'bank-b.test': '127.0.0.1:8443' }` sends requests for
   * bank-b.test to that address (and port, when given) while TLS still checks
   * the certificate against bank-b.test.
   */
  hostMap?: Record<string, string>;
  /**
   * For requests whose target a remote caller chooses: refuse IP literals and names
   * that resolve to loopback, private, link-local, CGNAT, metadata or other non-public
   * addresses, `localhost`, and any port but the default, failing with PeerRefusedError.
   */
  publicPeersOnly?: boolean;
  env?: NodeJS.ProcessEnv;
}

/** Builds the axios instance services and protocol clients use. */
export function createHttpClient(options: HttpClientOptions): AxiosInstance {
  const env = options.env ?? process.env;
  const routes = parseHostMap(options.hostMap ?? {});
  const lookup = options.publicPeersOnly ? publicOnlyLookup(hostMapLookup(routes)) : hostMapLookup(routes);
  const ca = options.extraCaFile ? trustedCas(options.extraCaFile, env) : undefined;
  const instance = axios.create({
    timeout: options.timeoutMs,
    maxContentLength: options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES,
    maxBodyLength: options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES,
    maxRedirects: 0,
    httpAgent: new http.Agent({ keepAlive: true, lookup }),
    httpsAgent: new https.Agent({ keepAlive: true, lookup, ...(ca ? { ca } : {}) }),
    // Callers decide what a status means; transport failures still throw.
    validateStatus: () => true,
    transitional: { clarifyTimeoutError: true },
  });
  if (routes.size > 0) {
    instance.interceptors.request.use((config) => {
      const url = new URL(config.url ?? '', config.baseURL);
      const route = routes.get(url.host) ?? routes.get(url.hostname);
      if (route?.port) {
        url.port = route.port;
        config.url = url.toString();
        config.baseURL = undefined;
      }
      return config;
    });
  }
  if (options.publicPeersOnly) {
    // Registered last so it runs first (axios runs request interceptors in reverse):
    // it judges the URL as the caller gave it, before any host_map port rewrite.
    instance.interceptors.request.use((config) => {
      assertPublicPeerUrl(new URL(config.url ?? '', config.baseURL));
      return config;
    });
  }
  return instance;
}

interface Route {
  address: string;
  port?: string;
}

function parseHostMap(map: Record<string, string>): Map<string, Route> {
  const routes = new Map<string, Route>();
  for (const [name, target] of Object.entries(map)) {
    const match = /^(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(target);
    if (!match) throw new Error(`host_map: ${name} must map to "address" or "address:port"`);
    routes.set(name.toLowerCase(), { address: (match[1] as string).replace(/^\[|\]$/g, ''), port: match[2] });
  }
  return routes;
}

function hostMapLookup(routes: Map<string, Route>): LookupFunction {
  const byHostname = new Map<string, string>();
  for (const [name, route] of routes) byHostname.set(name.replace(/:\d+$/, ''), route.address);
  return (hostname, options, callback) => {
    const address = byHostname.get(hostname.toLowerCase());
    if (!address) {
      dns.lookup(hostname, options, callback as never);
      return;
    }
    const family = address.includes(':') ? 6 : 4;
    if ((options as dns.LookupOptions).all) {
      (callback as unknown as (e: null, a: dns.LookupAddress[]) => void)(null, [{ address, family }]);
    } else {
      callback(null, address, family);
    }
  };
}

function trustedCas(extraCaFile: string, env: NodeJS.ProcessEnv): string[] {
  // Passing `ca` replaces Node's default list, so rebuild it: system roots,
  // whatever NODE_EXTRA_CA_CERTS names, and the configured extra file.
  const cas = [...tls.rootCertificates, readFileSync(extraCaFile, 'utf8')];
  if (env.NODE_EXTRA_CA_CERTS) {
    try {
      cas.push(readFileSync(env.NODE_EXTRA_CA_CERTS, 'utf8'));
    } catch {
      // Node itself only warns about an unreadable NODE_EXTRA_CA_CERTS; so do we (by ignoring it).
    }
  }
  return cas;
}

/** A short, safe description of why an outbound request failed (for logs and `more_info`). */
export function describeHttpFailure(err: unknown): string {
  const e = err as { code?: string; message?: string; response?: { status?: number } };
  if (e.response?.status) return `HTTP ${e.response.status}`;
  if (e.code === PEER_REFUSED_CODE) return `refused: ${e.message ?? ''}`;
  if (e.code === 'ETIMEDOUT' || e.code === 'ECONNABORTED') return 'timed out';
  if (e.code === 'ERR_BAD_RESPONSE' && /maxContentLength/.test(e.message ?? '')) return 'response too large';
  if (e.code && /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS/.test(e.code))
    return `TLS certificate rejected (${e.code})`;
  if (e.code) return e.code;
  return 'request failed';
}
