// The real nginx against a hostile client (issue 13 #5 and #10): TLS 1.2 offers
// only the Mozilla "intermediate" suites (forward secret, AEAD), checked with
// `openssl s_client`; and one client bursting over the per-client limits gets
// 429s while the upstream never sees more than the limits let through. Counts
// only, never timings: the upstream holds every request until the test has an
// answer for all the others.
import { execFile } from 'node:child_process';
import { chmodSync, mkdtempSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AxiosInstance } from 'axios';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHttpClient } from '@anchor/support';
import {
  createDevCerts,
  findNginx,
  freePort,
  renderNginxConfig,
  startNginx,
  writeNginxPrefix,
  type RunningNginx,
} from '@anchor/tools';

const NGINX = findNginx();
const LIMITS = { rate: '1r/m', burst: 5, connections: 3 };

/** A federation stand-in that counts what reaches it and answers only when released. */
function startHoldingUpstream() {
  const held: http.ServerResponse[] = [];
  const stats = { seen: 0, inFlight: 0, peak: 0 };
  let holding = true;
  const answer = (res: http.ServerResponse) => {
    stats.inFlight -= 1;
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"account_id":"G"}');
  };
  const server = http.createServer((_req, res) => {
    stats.seen += 1;
    stats.inFlight += 1;
    stats.peak = Math.max(stats.peak, stats.inFlight);
    if (holding) held.push(res);
    else answer(res);
  });
  const release = () => {
    holding = false;
    held.splice(0).forEach(answer);
  };
  return new Promise<{
    server: http.Server;
    port: number;
    stats: typeof stats;
    held: typeof held;
    release: () => void;
  }>((done) =>
    server.listen(0, '127.0.0.1', () =>
      done({ server, port: (server.address() as AddressInfo).port, stats, held, release }),
    ),
  );
}

async function waitFor(condition: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 600; i += 1) {
    if (condition()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** `openssl s_client` offering only `cipher` over TLS 1.2: the negotiated suite, or undefined if refused. */
function negotiate(port: number, cipher: string): Promise<string | undefined> {
  return new Promise((resolve) => {
    const child = execFile(
      'openssl',
      [
        's_client',
        '-connect',
        `127.0.0.1:${port}`,
        '-servername',
        'bank-a.test',
        '-tls1_2',
        '-cipher',
        cipher,
      ],
      { timeout: 20_000 },
      (err, stdout) => {
        const match = /Cipher is (\S+)/.exec(stdout);
        resolve(err || !match || match[1] === '(NONE)' ? undefined : match[1]);
      },
    );
    child.stdin?.end();
  });
}

describe.skipIf(!NGINX)('nginx against a hostile client', () => {
  let nginx: RunningNginx;
  let upstream: Awaited<ReturnType<typeof startHoldingUpstream>>;
  let https: AxiosInstance;
  let httpsPort: number;

  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'anchor-nginx-hard-'));
    chmodSync(dir, 0o755); // nginx's workers run as nobody
    const certs = await createDevCerts(join(dir, 'tls'), ['bank-a.test']);
    upstream = await startHoldingUpstream();
    httpsPort = await freePort();
    const prefix = writeNginxPrefix({
      dir: join(dir, 'nginx'),
      certificates: certs.certificates,
      httpsPort,
      httpPort: await freePort(),
      banks: [
        {
          domain: 'bank-a.test',
          stellarToml: 'FEDERATION_SERVER = "https://bank-a.test/federation"\n',
          federationUpstream: `127.0.0.1:${upstream.port}`,
        },
      ],
      extra: { clientLimits: LIMITS },
    });
    nginx = await startNginx(prefix);
    https = createHttpClient({
      timeoutMs: 30_000,
      extraCaFile: certs.caFile,
      hostMap: { 'bank-a.test': `127.0.0.1:${httpsPort}` },
    });
  });

  afterAll(async () => {
    upstream?.release();
    await nginx?.stop();
    upstream?.server.close();
  });

  it('refuses TLS 1.2 suites without forward secrecy or with CBC and SHA-1, accepts ECDHE-GCM', async () => {
    expect(await negotiate(httpsPort, 'AES128-SHA')).toBeUndefined();
    expect(await negotiate(httpsPort, 'ECDHE-RSA-AES128-SHA')).toBeUndefined();
    expect(await negotiate(httpsPort, 'AES128-GCM-SHA256')).toBeUndefined();
    expect(await negotiate(httpsPort, 'ECDHE-RSA-AES128-GCM-SHA256')).toBe('ECDHE-RSA-AES128-GCM-SHA256');
    expect(await negotiate(httpsPort, 'ECDHE-RSA-CHACHA20-POLY1305')).toBe('ECDHE-RSA-CHACHA20-POLY1305');
  });

  it('answers a burst from one client over the limits with 429s; the upstream sees no more than the limits', async () => {
    const get = () =>
      https
        .get('https://bank-a.test/federation', { params: { q: 'a*bank-a.test', type: 'name' } })
        .then((res) => res.status);
    const statuses: number[] = [];
    // 20 at once: at most `connections` are let through, and held there.
    const wave = Array.from({ length: 20 }, () => get().then((s) => (statuses.push(s), s)));
    await waitFor(() => statuses.length + upstream.held.length === 20, 'every request answered or held');
    expect(upstream.stats.peak).toBeLessThanOrEqual(LIMITS.connections);
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThanOrEqual(20 - LIMITS.connections);
    upstream.release();
    await Promise.all(wave);

    // 20 more one after another: the rate (1/min + burst) is spent, so they are refused.
    for (let i = 0; i < 20; i += 1) statuses.push(await get());
    const passed = statuses.filter((s) => s === 200).length;
    expect(passed).toBe(upstream.stats.seen);
    // One per minute plus the burst; the +1 covers a minute boundary during the test.
    expect(upstream.stats.seen).toBeLessThanOrEqual(LIMITS.burst + 2);
    expect(statuses.filter((s) => s === 429).length).toBe(40 - passed);

    // The zone is per client, shared by every public location: stellar.toml is limited too.
    const toml = await https.get('https://bank-a.test/.well-known/stellar.toml', { responseType: 'text' });
    expect(toml.status).toBe(429);
  });
});

describe('renderNginxConfig load settings', () => {
  const bank = {
    domain: 'bank-a.test',
    certificateFile: '/c/a.crt',
    privateKeyFile: '/c/a.key',
    stellarTomlFile: '/t/a.toml',
    federationUpstream: 'federation:8002',
    complianceUpstream: 'compliance:8003',
  };
  const base = { banks: [bank], httpsListen: ['443'], pidFile: '/p', errorLog: '/e', accessLog: 'off' };

  it('raises connections and file limits and keeps upstream connections alive', () => {
    const conf = renderNginxConfig(base);
    expect(conf).toContain('worker_processes auto;');
    expect(conf).toContain('worker_rlimit_nofile 8192;');
    expect(conf).toContain('events { worker_connections 4096; }');
    expect(conf).toMatch(/upstream federation_bank_a_test \{\s+server federation:8002;\s+keepalive \d+;/);
    expect(conf).toMatch(/upstream compliance_bank_a_test \{\s+server compliance:8003;\s+keepalive \d+;/);
    // Idle upstream connections are closed by nginx before the service's 5 s keepAliveTimeout.
    expect(conf.match(/keepalive_timeout 4s;/g)).toHaveLength(2);
    expect(conf).toContain('proxy_pass http://federation_bank_a_test;');
    expect(conf).toContain('proxy_http_version 1.1;');
    expect(conf).toContain('proxy_set_header Connection "";');
    expect(conf).toContain('limit_req_status 429;');
    expect(conf).toContain('limit_conn_status 429;');
    // stellar.toml, federation, compliance auth and tx_status: every public location is limited.
    expect(conf.match(/limit_req zone=public_req/g)).toHaveLength(4);
    expect(conf.match(/limit_conn public_conn/g)).toHaveLength(4);
  });

  it('refuses limits that would break the config', () => {
    expect(() => renderNginxConfig({ ...base, clientLimits: { rate: '10/s' } })).toThrow(/bad rate/);
    expect(() => renderNginxConfig({ ...base, clientLimits: { burst: -1 } })).toThrow(/bad burst/);
    expect(() => renderNginxConfig({ ...base, clientLimits: { connections: 65536 } })).toThrow(
      /bad connections/,
    );
  });
});
