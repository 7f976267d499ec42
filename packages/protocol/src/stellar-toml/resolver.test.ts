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
    now += 1;
    await r.resolve(server.domain);
    expect(server.requests).toHaveLength(2);
  });

  it('does not cache failures', async () => {
    const r = resolver();
    server.routes.set(TOML_PATH, text('', 500));
    expect((await rejection(r.resolve(server.domain))).upstreamStatus).toBe(500);
    server.routes.set(TOML_PATH, text(GOOD));
    await expect(r.resolve(server.domain)).resolves.toMatchObject({ SIGNING_KEY: expect.any(String) });
    expect(server.requests).toHaveLength(2);
  });

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
