import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHttpClient, describeHttpFailure } from '../src/index.js';

// A throw-away CA and a certificate for bank-b.test, made with openssl like the dev CA script does.
function makeCertificates() {
  const dir = mkdtempSync(join(tmpdir(), 'tls-'));
  const run = (args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
  run([
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    'ca.key',
    '-out',
    'ca.crt',
    '-days',
    '2',
    '-subj',
    '/CN=Test CA',
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
  ]);
  run([
    'req',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    'b.key',
    '-out',
    'b.csr',
    '-subj',
    '/CN=bank-b.test',
  ]);
  writeFileSync(
    join(dir, 'b.ext'),
    'subjectAltName=DNS:bank-b.test\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n',
  );
  run([
    'x509',
    '-req',
    '-in',
    'b.csr',
    '-CA',
    'ca.crt',
    '-CAkey',
    'ca.key',
    '-CAcreateserial',
    '-out',
    'b.crt',
    '-days',
    '2',
    '-extfile',
    'b.ext',
  ]);
  return dir;
}

describe('createHttpClient', () => {
  let tlsDir: string;
  let httpsServer: https.Server;
  let httpServer: http.Server;
  let httpsPort: number;
  let httpPort: number;

  beforeAll(async () => {
    tlsDir = makeCertificates();
    const { readFileSync } = await import('node:fs');
    httpsServer = https.createServer(
      { cert: readFileSync(join(tlsDir, 'b.crt')), key: readFileSync(join(tlsDir, 'b.key')) },
      (req, res) => res.end(JSON.stringify({ host: req.headers.host })),
    );
    httpServer = http.createServer((req, res) => {
      if (req.url === '/redirect') {
        res.writeHead(302, { location: '/elsewhere' }).end();
      } else if (req.url === '/big') {
        res.end('x'.repeat(5000));
      } else if (req.url === '/slow') {
        setTimeout(() => res.end('late'), 2000);
      } else {
        res.end('ok');
      }
    });
    await new Promise<void>((r) => httpsServer.listen(0, '127.0.0.1', r));
    await new Promise<void>((r) => httpServer.listen(0, '127.0.0.1', r));
    httpsPort = (httpsServer.address() as AddressInfo).port;
    httpPort = (httpServer.address() as AddressInfo).port;
  });

  afterAll(() => {
    httpsServer.close();
    httpServer.close();
    httpsServer.closeAllConnections();
    httpServer.closeAllConnections();
  });

  it('reaches a dev domain through the host map with TLS verified against the extra CA', async () => {
    const client = createHttpClient({
      timeoutMs: 2000,
      extraCaFile: join(tlsDir, 'ca.crt'),
      hostMap: { 'bank-b.test': `127.0.0.1:${httpsPort}` },
    });
    const res = await client.get('https://bank-b.test/.well-known/stellar.toml');
    expect(res.status).toBe(200);
    expect(res.data).toEqual({ host: `bank-b.test:${httpsPort}` });
  });

  it('rejects the dev certificate without the extra CA, with a readable reason', async () => {
    const client = createHttpClient({
      timeoutMs: 2000,
      hostMap: { 'bank-b.test': `127.0.0.1:${httpsPort}` },
    });
    const err = await client.get('https://bank-b.test/').catch((e: unknown) => e);
    expect(describeHttpFailure(err)).toMatch(/^TLS certificate rejected/);
  });

  it('does not follow redirects, caps response size and times out', async () => {
    const client = createHttpClient({ timeoutMs: 300, maxResponseBytes: 1000 });
    const base = `http://127.0.0.1:${httpPort}`;
    expect((await client.get(`${base}/redirect`)).status).toBe(302);
    expect(describeHttpFailure(await client.get(`${base}/big`).catch((e: unknown) => e))).toBe(
      'response too large',
    );
    expect(describeHttpFailure(await client.get(`${base}/slow`).catch((e: unknown) => e))).toBe('timed out');
  });
});
