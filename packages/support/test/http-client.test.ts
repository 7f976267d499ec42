import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHttpClient, describeHttpFailure } from '../src/index.js';
import { makeTestCertificates, type TestCertificates } from '../src/testing/index.js';

describe('createHttpClient', () => {
  let certs: TestCertificates;
  let httpsServer: https.Server;
  let httpServer: http.Server;
  let httpsPort: number;
  let httpPort: number;

  beforeAll(async () => {
    certs = makeTestCertificates(['bank-b.test']);
    httpsServer = https.createServer(
      { cert: readFileSync(certs.certificateFile), key: readFileSync(certs.privateKeyFile) },
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
      extraCaFile: certs.caFile,
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
