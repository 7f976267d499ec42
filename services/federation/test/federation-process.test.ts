// The federation binary as a user runs it: a broken config stops it with a
// clear message, and a running server is resolvable by the real stellar-sdk
// (StellarToml.Resolver + Federation.Server) on a localhost dev domain.
import { spawn, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import { mkdtempSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Federation, StellarToml } from '@stellar/stellar-sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sampleAccountId } from '../src/sample/sample-data.js';
import { writeSampleSetup } from '../src/sample/sample-setup.js';

const BIN = fileURLToPath(new URL('../bin/federation.js', import.meta.url));

function run(args: string[]): ChildProcess {
  return spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
}

function collect(child: ChildProcess): Promise<{ code: number | null; out: string }> {
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  return new Promise((resolve) => child.on('exit', (code) => resolve({ code, out })));
}

function writeConfig(dir: string, body: string): string {
  const file = join(dir, 'federation.cfg');
  writeFileSync(file, body);
  return file;
}

describe('federation binary', () => {
  it('refuses a broken config with every problem listed and exit code 1', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fed-'));
    const file = writeConfig(dir, 'port = "x"\ncolour = 1\n[database]\ntype = "oracle"\ndsn = "x"\n');
    const { code, out } = await collect(run(['--conf', file]));
    expect(code).toBe(1);
    expect(out).toContain('port: must be an integer');
    expect(out).toContain('unknown key: colour');
    expect(out).toContain('database.type: Invalid db type: oracle');
    expect(out).toContain('queries');
    expect(out).not.toMatch(/at .*\.ts:\d+/);
  });

  describe('with the stellar-sdk as a client', () => {
    let tomlServer: http.Server;
    let federation: ChildProcess;
    let domain: string;

    beforeAll(async () => {
      tomlServer = http.createServer();
      await new Promise<void>((r) => tomlServer.listen(0, '127.0.0.1', r));
      domain = `localhost:${(tomlServer.address() as AddressInfo).port}`;

      const dir = mkdtempSync(join(tmpdir(), 'fed-'));
      const { configFile: file } = await writeSampleSetup(dir, domain);
      federation = run(['--conf', file]);
      const federationUrl = await new Promise<string>((resolve, reject) => {
        let out = '';
        federation.stdout!.on('data', (d) => {
          out += d;
          const match = /listening on (http:\/\/\S+\/federation)/.exec(out);
          if (match) resolve(match[1]!.replace('127.0.0.1', 'localhost'));
        });
        federation.on('exit', () => reject(new Error(`federation exited: ${out}`)));
      });
      tomlServer.on('request', (req, res) => {
        if (req.url !== '/.well-known/stellar.toml') return res.writeHead(404).end();
        res.writeHead(200, { 'content-type': 'text/plain', 'access-control-allow-origin': '*' });
        res.end(`FEDERATION_SERVER = "${federationUrl}"\n`);
      });
    });

    afterAll(() => {
      federation?.kill('SIGTERM');
      tomlServer?.close();
    });

    it('resolves a stellar address through stellar.toml and our server', async () => {
      const toml = await StellarToml.Resolver.resolve(domain, { allowHttp: true });
      expect(toml.FEDERATION_SERVER).toMatch(/\/federation$/);
      const record = await Federation.Server.resolve(`alice*${domain}`, { allowHttp: true });
      expect(record).toEqual({
        stellar_address: `alice*${domain}`,
        account_id: sampleAccountId(`${domain}:receiving`),
        memo_type: 'id',
        memo: '1001',
      });
    });

    it('resolves an account id back to its address and rejects unknown names', async () => {
      const server = await Federation.Server.createForDomain(domain, { allowHttp: true });
      const carol = sampleAccountId(`${domain}:carol`);
      expect(await server.resolveAccountId(carol)).toMatchObject({ stellar_address: `carol*${domain}` });
      await expect(server.resolveAddress('nobody')).rejects.toThrow();
    });
  });
});
