// The real nginx with TLS from a private prefix, development certificates from
// nginx/dev-certs.sh, and a real federation server process behind it, queried
// over HTTPS with the dev CA and an explicit host map (SNI and hostname checks
// are real; nobody edits /etc/hosts). Checks what the public can and cannot reach.
import type { ChildProcess } from 'node:child_process';
import http from 'node:http';
import { chmodSync, mkdtempSync, readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Keypair } from '@stellar/stellar-sdk';
import type { AxiosInstance } from 'axios';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseStellarToml } from '@anchor/protocol';
import { createHttpClient } from '@anchor/support';
import {
  createDevCerts,
  findNginx,
  freePort,
  generateStellarToml,
  renderNginxConfig,
  SECURITY_HEADERS,
  startNginx,
  writeNginxPrefix,
  type RunningNginx,
} from '@anchor/tools';
import { sampleAccountId } from '../../services/federation/src/sample/sample-data.js';
import { startSampleFederation } from './support/federation-process.js';

const NGINX = findNginx();
const ci = process.env.CI === 'true';
if (!NGINX) {
  if (ci) throw new Error('CI=true and nginx is not installed (apt-get install nginx)');
  process.stderr.write(
    '[tests/deploy] nginx not found: skipping the nginx TLS tests (apt-get install nginx)\n',
  );
}

const PASSPHRASE = 'Test SDF Network ; September 2015';

/** A stand-in for compliance's EXTERNAL port, and proof of what nginx forwards: it answers 200 to anything. */
function startEcho(): Promise<{ server: http.Server; port: number; seen: string[] }> {
  const seen: string[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      seen.push(`${req.method} ${req.url}`);
      res.writeHead(200, {
        'content-type': 'application/json',
        'x-powered-by': 'Express',
        'x-frame-options': 'SAMEORIGIN',
      });
      res.end(
        JSON.stringify({
          method: req.method,
          url: req.url,
          host: req.headers.host,
          proto: req.headers['x-forwarded-proto'],
          bytes: body.length,
        }),
      );
    });
  });
  return new Promise((done) =>
    server.listen(0, '127.0.0.1', () => done({ server, port: (server.address() as AddressInfo).port, seen })),
  );
}

// Both ways the renderer writes proxy_pass: fixed upstreams (resolved at start) and the
// variable form with a resolver that docker-compose uses (resolved per request).
describe.skipIf(!NGINX).each([
  ['fixed upstreams', undefined],
  ['upstreams resolved per request', '127.0.0.1'],
])('nginx in front of the banks (TLS, SNI, public endpoints only), %s', (_mode, resolver) => {
  let nginx: RunningNginx;
  let federation: ChildProcess;
  let echo: Awaited<ReturnType<typeof startEcho>>;
  let https: AxiosInstance;
  let plain: AxiosInstance;
  let unknownName: AxiosInstance;
  let httpsPort: number;
  const signing = Keypair.random();
  const issuer = Keypair.random().publicKey();

  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'anchor-nginx-'));
    chmodSync(dir, 0o755); // nginx's workers run as nobody
    const certs = await createDevCerts(join(dir, 'tls'), ['bank-a.test', 'bank-b.test']);
    const fed = await startSampleFederation(dir, 'bank-a.test');
    federation = fed.child;
    echo = await startEcho();
    httpsPort = await freePort();
    const httpPort = await freePort();
    const publicUrl = `https://bank-a.test:${httpsPort}`;
    const tomlA = generateStellarToml({
      domain: 'bank-a.test',
      publicUrl,
      dev: true,
      federation: {},
      compliance: { network_passphrase: PASSPHRASE },
      bridge: { network_passphrase: PASSPHRASE, assets: [{ code: 'USD', issuer }] },
      env: { COMPLIANCE_SIGNING_SEED: signing.secret() },
    });
    const tomlB = generateStellarToml({
      domain: 'bank-b.test',
      publicUrl: `https://bank-b.test:${httpsPort}`,
      dev: true,
      compliance: { network_passphrase: PASSPHRASE },
      env: { COMPLIANCE_SIGNING_SEED: Keypair.random().secret() },
    });
    const prefix = writeNginxPrefix({
      dir: join(dir, 'nginx'),
      certificates: certs.certificates,
      httpsPort,
      httpPort,
      banks: [
        {
          domain: 'bank-a.test',
          stellarToml: tomlA,
          federationUpstream: `127.0.0.1:${fed.port}`,
          complianceUpstream: `127.0.0.1:${echo.port}`,
        },
        { domain: 'bank-b.test', stellarToml: tomlB, complianceUpstream: `127.0.0.1:${echo.port}` },
      ],
      extra: { resolver },
    });
    expect(readFileSync(prefix.confFile, 'utf8').includes('proxy_pass http://$')).toBe(
      resolver !== undefined,
    );
    nginx = await startNginx(prefix);
    const hostMap = { 'bank-a.test': `127.0.0.1:${httpsPort}`, 'bank-b.test': `127.0.0.1:${httpsPort}` };
    https = createHttpClient({ timeoutMs: 10_000, extraCaFile: certs.caFile, hostMap });
    plain = createHttpClient({ timeoutMs: 10_000, hostMap: { 'bank-a.test': `127.0.0.1:${httpPort}` } });
    unknownName = createHttpClient({
      timeoutMs: 10_000,
      extraCaFile: certs.caFile,
      hostMap: { 'bank-c.test': `127.0.0.1:${httpsPort}` },
    });
  });

  afterAll(async () => {
    await nginx?.stop();
    federation?.kill('SIGTERM');
    echo?.server.close();
  });

  function expectSecurityHeaders(headers: Record<string, unknown>) {
    for (const [name, value] of SECURITY_HEADERS) expect(headers[name.toLowerCase()], name).toBe(value);
    expect(headers['x-frame-options']).toBe('DENY');
    expect(headers['x-powered-by']).toBeUndefined();
    expect(String(headers.server)).toBe('nginx');
  }

  it('serves each bank its own stellar.toml as text/plain with CORS *', async () => {
    const a = await https.get('https://bank-a.test/.well-known/stellar.toml', { responseType: 'text' });
    expect(a.status).toBe(200);
    expect(a.headers['content-type']).toMatch(/^text\/plain/);
    expect(a.headers['access-control-allow-origin']).toBe('*');
    expectSecurityHeaders(a.headers);
    const tomlA = parseStellarToml(a.data as string);
    expect(tomlA.FEDERATION_SERVER).toBe(`https://bank-a.test:${httpsPort}/federation`);
    expect(tomlA.SIGNING_KEY).toBe(signing.publicKey());

    const b = await https.get('https://bank-b.test/.well-known/stellar.toml', { responseType: 'text' });
    expect(b.status).toBe(200);
    expect(parseStellarToml(b.data as string).AUTH_SERVER).toBe(
      `https://bank-b.test:${httpsPort}/compliance`,
    );
    expect(b.data).not.toContain('FEDERATION_SERVER');

    // The file on disk is what is served: rewriting it changes the answer without a reload.
    expect(readFileSync(nginx.prefix.stellarTomlFiles['bank-a.test']!, 'utf8')).toBe(a.data);
  });

  it('proxies /federation to the federation server (GET only)', async () => {
    const res = await https.get('https://bank-a.test/federation', {
      params: { q: 'alice*bank-a.test', type: 'name' },
    });
    expect(res.status).toBe(200);
    expect(res.data).toEqual({
      stellar_address: 'alice*bank-a.test',
      account_id: sampleAccountId('bank-a.test:receiving'),
      memo_type: 'id',
      memo: '1001',
    });
    expect(res.headers['access-control-allow-origin']).toBe('*');
    expectSecurityHeaders(res.headers);
    const missing = await https.get('https://bank-a.test/federation', {
      params: { q: 'nobody*bank-a.test', type: 'name' },
    });
    expect(missing.status).toBe(404);
    expect((await https.post('https://bank-a.test/federation', 'q=x')).status).toBe(405);
  });

  it('proxies /compliance to the auth endpoint and /compliance/tx_status to tx_status', async () => {
    echo.seen.length = 0;
    const auth = await https.post('https://bank-a.test/compliance', 'data=%7B%7D&sig=x', {
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(auth.status).toBe(200);
    expect(auth.data).toMatchObject({
      method: 'POST',
      url: '/',
      host: 'bank-a.test',
      proto: 'https',
      bytes: 17,
    });
    expectSecurityHeaders(auth.headers);
    const status = await https.get('https://bank-a.test/compliance/tx_status', { params: { id: 'abc' } });
    expect(status.data).toMatchObject({ method: 'GET', url: '/tx_status?id=abc' });
    expect((await https.get('https://bank-a.test/compliance')).status).toBe(405);
    expect(echo.seen).toEqual(['POST /', 'GET /tx_status?id=abc']);
  });

  it('refuses request bodies over the limit', async () => {
    const res = await https.post('https://bank-a.test/compliance', 'x'.repeat(200 * 1024));
    expect(res.status).toBe(413);
  });

  it.each([
    ['GET', '/send'],
    ['POST', '/send'],
    ['POST', '/receive'],
    ['POST', '/allow_access'],
    ['POST', '/remove_access'],
    ['POST', '/payment'],
    ['POST', '/builder'],
    ['POST', '/create-keypair'],
    ['POST', '/authorize'],
    ['POST', '/reprocess'],
    ['GET', '/console'],
    ['GET', '/console/login'],
    ['GET', '/admin/received-payments'],
    ['GET', '/health'],
    ['GET', '/metrics'],
    ['GET', '/'],
    ['GET', '/federation/extra'],
    ['POST', '/compliance/send'],
    ['POST', '/compliance/receive'],
    ['GET', '/compliance/../send'],
    ['GET', '/.well-known/other.toml'],
  ])('refuses %s %s with 404 and never forwards it', async (method, path) => {
    echo.seen.length = 0;
    for (const domain of ['bank-a.test', 'bank-b.test']) {
      const res = await https.request({
        method,
        url: `https://${domain}${path}`,
        data: method === 'POST' ? 'a=1' : undefined,
      });
      expect(res.status, `${domain}${path}`).toBe(404);
      expectSecurityHeaders(res.headers);
    }
    expect(echo.seen).toEqual([]);
  });

  it('does not proxy federation for a bank that has none', async () => {
    expect((await https.get('https://bank-b.test/federation?q=a*bank-b.test&type=name')).status).toBe(404);
  });

  it('redirects http to https for the bank names only', async () => {
    const res = await plain.get('http://bank-a.test/.well-known/stellar.toml?x=1');
    expect(res.status).toBe(301);
    expect(res.headers.location).toBe(`https://bank-a.test:${httpsPort}/.well-known/stellar.toml?x=1`);
    const other = await plain.get('http://bank-a.test/', { headers: { host: 'evil.example' } });
    expect(other.status).toBe(404);
  });

  it('refuses the TLS handshake for a name that is not a bank', async () => {
    await expect(unknownName.get('https://bank-c.test/.well-known/stellar.toml')).rejects.toThrow();
  });
});

describe('renderNginxConfig options', () => {
  const bank = {
    domain: 'bank-a.test',
    certificateFile: '/c/a.crt',
    privateKeyFile: '/c/a.key',
    stellarTomlFile: '/w/a.toml',
    federationUpstream: 'federation:8002',
  };
  const base = { httpsListen: ['443'], pidFile: '/tmp/p', errorLog: '/dev/stderr', accessLog: 'off' };

  it('refuses options that would produce a broken or injectable config', () => {
    expect(() => renderNginxConfig({ ...base, banks: [] })).toThrow(/at least one bank/);
    expect(() => renderNginxConfig({ ...base, banks: [{ ...bank, domain: 'bank-a.test; evil' }] })).toThrow(
      /bad domain/,
    );
    expect(() => renderNginxConfig({ ...base, banks: [bank, bank] })).toThrow(/duplicate domain/);
    expect(() =>
      renderNginxConfig({ ...base, banks: [{ ...bank, federationUpstream: 'http://x:1' }] }),
    ).toThrow(/host:port/);
    expect(() =>
      renderNginxConfig({ ...base, banks: [{ ...bank, stellarTomlFile: '/w/a.toml; }' }] }),
    ).toThrow(/unsafe path/);
    expect(() => renderNginxConfig({ ...base, httpsListen: ['443 ssl'], banks: [bank] })).toThrow(
      /bad listen/,
    );
  });

  it('proxies only what a bank has, and never the internal services', () => {
    const text = renderNginxConfig({ ...base, banks: [bank] });
    expect(text).toContain('location = /federation {');
    expect(text).not.toContain('location = /compliance');
    expect(text.match(/proxy_pass /g)).toHaveLength(1);
    expect(text).not.toMatch(/80(04|05|06)/);
  });
});
