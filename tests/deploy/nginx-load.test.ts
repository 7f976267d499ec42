// Issue 13 #5, bounded: the real nginx (rendered config, TLS) in front of the
// real federation server, loaded by autocannon at 1,000 connections, a fixed
// number of requests each. The old settings (one worker, 512 connections) dropped most of such a
// load as socket errors and answered 500s itself; now every request is answered
// 2xx. Counts only, never timings. One load generator is one client address, so
// the run uses a config with the per-client limits lifted; a second run with the
// production limits shows that over them a client gets 429s, not errors.
import { execFileSync, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDevCerts, findNginx } from '@anchor/tools';
import { startSampleFederation } from './support/federation-process.js';
import { runLoad, type LoadResult } from './support/load-run.js';
import { FRONT_DOMAIN, LIFTED_CLIENT_LIMITS, startFront, type Front } from './support/nginx-front.js';

const NGINX = findNginx();
const CONNECTIONS = 1_000;
const REQUESTS = 3 * CONNECTIONS;
// A limit for a stuck request, not a latency bound: 2,000 clients share two cores here.
const REQUEST_TIMEOUT_S = 30;
const FEDERATION_PATH = `/federation?type=name&q=${encodeURIComponent(`alice*${FRONT_DOMAIN}`)}`;
const TOML_PATH = '/.well-known/stellar.toml';

/** What a failure message should show: every count, not only the one that failed. */
const counts = (r: LoadResult) => ({
  socketErrors: r.socketErrors,
  timeouts: r.timeouts,
  serverErrors: r.serverErrors,
  rateLimited: r.rateLimited,
  otherNon2xx: r.otherNon2xx,
});

describe.skipIf(!NGINX)('nginx under load (issue 13 #5)', () => {
  let federation: ChildProcess;
  let lifted: Front;
  let production: Front;

  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'anchor-nginx-load-'));
    chmodSync(dir, 0o755); // nginx's workers run as nobody
    const certs = await createDevCerts(join(dir, 'tls'), [FRONT_DOMAIN]);
    const fed = await startSampleFederation(dir, FRONT_DOMAIN);
    federation = fed.child;
    lifted = await startFront({
      dir: join(dir, 'lifted'),
      certs,
      federationPort: fed.port,
      extra: { clientLimits: LIFTED_CLIENT_LIMITS },
    });
    production = await startFront({ dir: join(dir, 'production'), certs, federationPort: fed.port });
  });

  afterAll(async () => {
    await Promise.all([lifted?.nginx.stop(), production?.nginx.stop()]);
    federation?.kill('SIGTERM');
  });

  it(`answers every request at ${CONNECTIONS} connections: no socket error, no timeout, no 5xx`, async () => {
    // The load generator holds a descriptor per connection: a low `ulimit -n` would show up as
    // socket errors that are not nginx's.
    const openFiles = Number(execFileSync('sh', ['-c', 'ulimit -n'], { encoding: 'utf8' }).trim());
    if (Number.isFinite(openFiles))
      expect(openFiles, 'ulimit -n of the test process').toBeGreaterThan(CONNECTIONS + 256);
    for (const [label, path] of [
      ['stellar.toml', TOML_PATH],
      ['federation', FEDERATION_PATH],
    ] as const) {
      const result = await runLoad(
        { label, url: lifted.url(path), host: FRONT_DOMAIN },
        { connections: CONNECTIONS, amount: REQUESTS, requestTimeoutSeconds: REQUEST_TIMEOUT_S },
      );
      expect(counts(result), label).toEqual({
        socketErrors: 0,
        timeouts: 0,
        serverErrors: 0,
        rateLimited: 0,
        otherNon2xx: 0,
      });
      expect(result.ok, label).toBe(REQUESTS);
    }
    expect(lifted.nginx.errorLog()).not.toMatch(/worker_connections are not enough|Too many open files/);
  });

  it('with the production limits, one client over them gets 429s, never socket errors or 5xx', async () => {
    const result = await runLoad(
      { label: 'federation', url: production.url(FEDERATION_PATH), host: FRONT_DOMAIN },
      { connections: 200, amount: 1_000, requestTimeoutSeconds: REQUEST_TIMEOUT_S },
    );
    expect(result.rateLimited).toBeGreaterThan(0);
    expect(result.ok).toBeGreaterThan(0);
    expect(result.ok + result.rateLimited).toBe(1_000);
    expect({ ...counts(result), rateLimited: 0 }).toEqual({
      socketErrors: 0,
      timeouts: 0,
      serverErrors: 0,
      rateLimited: 0,
      otherNon2xx: 0,
    });
  });
});
