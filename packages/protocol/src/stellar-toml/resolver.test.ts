import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import http from 'node:http';
import type { LookupFunction } from 'node:net';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import axios from 'axios';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ProtocolError } from '../errors.js';
import { startLocalServer, text, type LocalServer } from '../testing/local-server.js';
import { STELLAR_TOML_MAX_SIZE, STELLAR_TOML_WELL_KNOWN_PATH } from './parse.js';
import { StellarTomlResolver, type StellarTomlResolverOptions } from './resolver.js';

const TOML_PATH = STELLAR_TOML_WELL_KNOWN_PATH;
const GOOD = `FEDERATION_SERVER = "https://bank-a.test/federation"\nSIGNING_KEY = "GBYJZW5XFAI6XV73H5SAIUYK6XZI4CGGVBUBO3ANA2SV7KKDAXTV6AEB"\n`;

let server: LocalServer;
beforeAll(async () => {
  server = await startLocalServer();
});
afterAll(() => server.close());
beforeEach(() => {
  server.routes.clear();
  server.requests.length = 0;
});

function resolver(options: Partial<StellarTomlResolverOptions> = {}): StellarTomlResolver {
  return new StellarTomlResolver({ http: axios.create(), allowHttp: true, timeoutMs: 2000, ...options });
}

/** An axios instance that sends every host name to 127.0.0.1 (the test's host map). */
function loopbackHttp() {
  const lookup: LookupFunction = (hostname, options, callback) => {
    if (!hostname.endsWith('.test') && !hostname.endsWith('.localhost')) {
      dnsLookup(hostname, options, callback as never);
      return;
    }
    if ((options as { all?: boolean }).all) {
      (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, [
        { address: '127.0.0.1', family: 4 },
      ]);
    } else callback(null, '127.0.0.1', 4);
  };
  return axios.create({ httpAgent: new http.Agent({ lookup }) });
}

/** node's gc(), so heap figures are measured after collection rather than at V8's whim. */
function exposeGc(): () => void {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}

async function rejection(p: Promise<unknown>): Promise<ProtocolError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof ProtocolError) return e;
    throw e;
  }
  throw new Error('expected a rejection');
}

describe('StellarTomlResolver', () => {
  it('fetches /.well-known/stellar.toml and returns the typed document', async () => {
    server.routes.set(TOML_PATH, text(GOOD));
    const toml = await resolver().resolve(server.domain);
    expect(toml.FEDERATION_SERVER).toBe('https://bank-a.test/federation');
    expect(server.requests).toEqual([TOML_PATH]);
  });

  it('maps 404 to toml_fetch_failed with the upstream status', async () => {
    const e = await rejection(resolver().resolve(server.domain));
    expect([e.code, e.upstreamStatus]).toEqual(['toml_fetch_failed', 404]);
  });

  it('does not follow redirects', async () => {
    server.routes.set(TOML_PATH, text('', 302, { Location: '/elsewhere.toml' }));
    server.routes.set('/elsewhere.toml', text(GOOD));
    const e = await rejection(resolver().resolve(server.domain));
    expect([e.code, e.upstreamStatus]).toEqual(['toml_redirect_rejected', 302]);
    expect(server.requests).toEqual([TOML_PATH]);
  });

  it('rejects a body whose Content-Length is over the limit', async () => {
    server.routes.set(TOML_PATH, text(`# ${'x'.repeat(STELLAR_TOML_MAX_SIZE)}\n`));
    expect((await rejection(resolver().resolve(server.domain))).code).toBe('toml_too_large');
  });

  it('rejects an oversize chunked body that declares no length, and one that lies about it', async () => {
    const chunk = `# ${'y'.repeat(8 * 1024)}\n`;
    server.routes.set(TOML_PATH, (_req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/plain' });
      for (let i = 0; i < 20; i++) res.write(chunk);
      res.end();
    });
    expect((await rejection(resolver().resolve(server.domain))).code).toBe('toml_too_large');

    server.routes.set(TOML_PATH, (req) => {
      // No length at all, body delimited by connection close: only counting the bytes
      // actually received can stop it.
      req.socket.write('HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\n');
      for (let i = 0; i < 20; i++) req.socket.write(chunk);
      req.socket.end();
    });
    expect((await rejection(resolver().resolve(server.domain))).code).toBe('toml_too_large');
  }, 10_000);

  it('times out on a server that never answers', async () => {
    server.routes.set(TOML_PATH, () => undefined);
    const started = Date.now();
    const e = await rejection(resolver({ timeoutMs: 200 }).resolve(server.domain));
    expect(e.code).toBe('toml_timeout');
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('times out on a server that sends headers and then trickles the body', async () => {
    server.routes.set(TOML_PATH, (_req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/plain' });
      res.write('# slow\n');
    });
    const e = await rejection(resolver({ timeoutMs: 300 }).resolve(server.domain));
    expect(e.code).toBe('toml_timeout');
  });

  it('maps malformed TOML to toml_invalid', async () => {
    server.routes.set(TOML_PATH, text('FEDERATION_SERVER = "oops'));
    expect((await rejection(resolver().resolve(server.domain))).code).toBe('toml_invalid');
  });

  it('maps a bad SIGNING_KEY to toml_invalid naming the field', async () => {
    server.routes.set(TOML_PATH, text('SIGNING_KEY = "GBAD"'));
    const e = await rejection(resolver().resolve(server.domain));
    expect([e.code, e.field]).toEqual(['toml_invalid', 'SIGNING_KEY']);
  });

  it('caches a success for the TTL and refetches after it', async () => {
    server.routes.set(TOML_PATH, text(GOOD));
    let now = 1_000_000;
    const r = resolver({ cacheTtlMs: 60_000, now: () => now });
    await r.resolve(server.domain);
    now += 59_999;
    await r.resolve(server.domain.toUpperCase());
    expect(server.requests).toHaveLength(1);
    now += 2;
    await r.resolve(server.domain);
    expect(server.requests).toHaveLength(2);
  });

  it('remembers a failure for failureTtlMs, then fetches again', async () => {
    let now = 1_000_000;
    const r = resolver({ failureTtlMs: 10_000, now: () => now });
    server.routes.set(TOML_PATH, text('', 500));
    expect((await rejection(r.resolve(server.domain))).upstreamStatus).toBe(500);
    server.routes.set(TOML_PATH, text(GOOD));
    now += 9_999;
    expect((await rejection(r.resolve(server.domain))).upstreamStatus).toBe(500);
    expect(server.requests).toHaveLength(1);
    now += 2;
    await expect(r.resolve(server.domain)).resolves.toMatchObject({ SIGNING_KEY: expect.any(String) });
    expect(server.requests).toHaveLength(2);
  });

  it('keeps only the keys it resolves, not the whole document', async () => {
    server.routes.set(
      TOML_PATH,
      text(`${GOOD}AUTH_SERVER = "https://bank-a.test/auth"\n[DOCUMENTATION]\nORG_NAME = "A"\n`),
    );
    expect(await resolver().resolve(server.domain)).toEqual({
      FEDERATION_SERVER: 'https://bank-a.test/federation',
      AUTH_SERVER: 'https://bank-a.test/auth',
      SIGNING_KEY: 'GBYJZW5XFAI6XV73H5SAIUYK6XZI4CGGVBUBO3ANA2SV7KKDAXTV6AEB',
    });
  });

  it('drops expired entries and evicts the least recently used beyond its bounds', async () => {
    server.routes.set(TOML_PATH, text(GOOD));
    let now = 1_000_000;
    const r = resolver({ cacheTtlMs: 1_000, maxCacheEntries: 3, now: () => now });
    const names = ['a', 'b', 'c', 'd'].map((n) => `${n}.localhost:${server.domain.split(':')[1]}`);
    const viaLoopback = resolver({
      http: loopbackHttp(),
      cacheTtlMs: 1_000,
      maxCacheEntries: 3,
      now: () => now,
    });
    for (const name of names) await viaLoopback.resolve(name);
    expect(viaLoopback.cacheStats().entries).toBe(3);
    await r.resolve(server.domain);
    expect(r.cacheStats().entries).toBe(1);
    now += 60_000;
    // The next insert sweeps everything that expired meanwhile.
    await viaLoopback.resolve(names[0] as string);
    expect(viaLoopback.cacheStats().entries).toBe(1);
  });

  it('keeps memory flat while thousands of distinct domains serve a near-100 KB stellar.toml', async () => {
    // The attack of issue 13: each auth request names another domain whose stellar.toml
    // is as large as allowed. Every name resolves to this loopback server.
    const big = `${GOOD}[DOCUMENTATION]\nORG_DESCRIPTION = "${'x'.repeat(STELLAR_TOML_MAX_SIZE - 400)}"\n`;
    server.routes.set(TOML_PATH, text(big));
    const port = server.domain.split(':')[1] as string;
    const maxCacheEntries = 500;
    const maxCacheBytes = 256 * 1024;
    const r = resolver({ http: loopbackHttp(), timeoutMs: 20_000, maxCacheEntries, maxCacheBytes });
    const gc = exposeGc();
    gc();
    const baseline = process.memoryUsage().heapUsed;
    const DOMAINS = 2_000;
    const BATCH = 20;
    for (let i = 0; i < DOMAINS; i += BATCH) {
      const batch = Array.from({ length: BATCH }, (_, j) => r.resolve(`d${i + j}.test:${port}`));
      for (const toml of await Promise.all(batch)) expect(toml.SIGNING_KEY).toBeDefined();
      if ((i + BATCH) % 200 === 0) {
        gc();
        // Generous: the old cache kept ~100 KB or more per domain, 20 MB per 200 domains.
        expect(process.memoryUsage().heapUsed - baseline).toBeLessThan(48 * 1024 * 1024);
      }
      const stats = r.cacheStats();
      expect(stats.entries).toBeLessThanOrEqual(maxCacheEntries);
      expect(stats.bytes).toBeLessThanOrEqual(maxCacheBytes);
    }
    expect(server.requests).toHaveLength(DOMAINS);
  }, 120_000);

  it('shares one fetch between concurrent resolves of a domain', async () => {
    server.routes.set(TOML_PATH, (_req, res) => setTimeout(() => text(GOOD)(_req, res), 100));
    const r = resolver();
    const results = await Promise.all([
      r.resolve(server.domain),
      r.resolve(server.domain),
      r.resolve(server.domain),
    ]);
    expect(results[0]).toBe(results[2]);
    expect(server.requests).toHaveLength(1);
  });

  it('uses https unless allowHttp', async () => {
    server.routes.set(TOML_PATH, text(GOOD));
    const e = await rejection(resolver({ allowHttp: false }).resolve(server.domain));
    expect(e.code).toBe('toml_fetch_failed');
    expect(server.requests).toHaveLength(0);
  });

  it('rejects an invalid domain without a request', async () => {
    expect((await rejection(resolver().resolve('bad domain'))).code).toBe('invalid_domain');
    expect((await rejection(resolver().resolve('127.0.0.1'))).code).toBe('invalid_domain');
  });

  it('requires a positive timeout', () => {
    expect(() => resolver({ timeoutMs: 0 })).toThrow(RangeError);
  });
});
