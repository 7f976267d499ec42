// The public-peers-only http client: every spelling of a non-public address is
// refused, through a real loopback server that must never see the request.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHttpClient, nonPublicAddressReason, PEER_REFUSED_CODE } from '../src/index.js';

describe('nonPublicAddressReason', () => {
  it.each([
    ['127.0.0.1', 'loopback'],
    ['127.255.0.9', 'loopback'],
    ['10.1.2.3', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.1.1', 'private'],
    ['100.64.0.1', 'carrier-grade NAT'],
    ['100.100.100.200', 'carrier-grade NAT'],
    ['169.254.169.254', 'link-local'],
    ['192.0.0.192', 'reserved'],
    ['0.0.0.0', 'unspecified'],
    ['224.0.0.1', 'multicast'],
    ['255.255.255.255', 'reserved'],
    ['::', 'unspecified'],
    ['::1', 'loopback'],
    ['0:0:0:0:0:0:0:1', 'loopback'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:7f00:1', 'loopback'],
    ['::ffff:a9fe:a9fe', 'link-local'],
    ['::127.0.0.1', 'reserved'],
    ['64:ff9b::10.0.0.1', 'private'],
    ['2002:7f00:1::', 'loopback'],
    ['fe80::1%eth0', 'link-local'],
    ['fd00:ec2::254', 'unique-local'],
    ['fc00::1', 'unique-local'],
    ['2001:db8::1', 'documentation'],
    ['ff02::1', 'multicast'],
    ['not-an-ip', 'not an IP address'],
  ])('%s is %s', (ip, reason) => {
    expect(nonPublicAddressReason(ip)).toBe(reason);
  });

  it.each(['8.8.8.8', '172.32.0.1', '100.128.0.1', '2606:4700::1111', '::ffff:8.8.8.8', '64:ff9b::808:808'])(
    '%s is public',
    (ip) => {
      expect(nonPublicAddressReason(ip)).toBeUndefined();
    },
  );
});

describe('createHttpClient({ publicPeersOnly })', () => {
  let server: http.Server;
  let port: number;
  let hits = 0;

  beforeAll(async () => {
    server = http.createServer((_req, res) => {
      hits++;
      res.end('secret');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => server.close());

  async function failure(client: ReturnType<typeof createHttpClient>, url: string) {
    try {
      await client.get(url);
    } catch (e) {
      return e as { code?: string; message: string };
    }
    throw new Error(`${url} was fetched`);
  }

  it('refuses loopback in every spelling, localhost, non-default ports and names that resolve to loopback', async () => {
    const guarded = createHttpClient({
      timeoutMs: 2_000,
      publicPeersOnly: true,
      hostMap: { 'evil.test': `127.0.0.1:${port}`, 'evil6.test': '[::1]' },
    });
    const urls = [
      `http://localhost:${port}/`,
      `http://sub.localhost/`,
      `http://127.0.0.1:${port}/`,
      `http://0x7f.1:${port}/`,
      `http://0x7f000001:${port}/`,
      `http://017700000001:${port}/`,
      `http://2130706433:${port}/`,
      `http://127.1/`,
      `http://[::1]/`,
      `http://[::ffff:127.0.0.1]/`,
      `http://[::ffff:7f00:1]:${port}/`,
      `http://169.254.169.254/latest/meta-data/`,
      'http://evil.test/', // resolves (here through the host map) to 127.0.0.1
      'http://evil6.test/',
      'https://public.example:8443/',
    ];
    for (const url of urls) {
      const e = await failure(guarded, url);
      expect(e.code, url).toBe(PEER_REFUSED_CODE);
    }
    expect((await failure(guarded, 'http://evil.test/')).message).toBe(
      'evil.test resolves to loopback address 127.0.0.1',
    );
    expect(hits).toBe(0);
  });

  it('without the guard the same loopback server answers (the development setting)', async () => {
    const open = createHttpClient({ timeoutMs: 2_000, hostMap: { 'evil.test': `127.0.0.1:${port}` } });
    expect((await open.get('http://evil.test/')).data).toBe('secret');
  });
});
