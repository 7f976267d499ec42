// The compliance CLI as an operator runs it: refuses to start on a database with
// pending migrations, `--migrate-db` applies them, then both ports answer; with
// `[tls]` the external port answers over HTTPS.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Keypair } from '@stellar/stellar-sdk';
import { freePort } from '@anchor/support';
import {
  databaseLegs,
  makeTestCertificates,
  type TestCertificates,
  type TestDatabase,
} from '@anchor/support/testing';

const ROOT = new URL('../../../', import.meta.url).pathname;
const BIN = join(ROOT, 'services/compliance/bin/compliance.js');

function run(args: string[], env: NodeJS.ProcessEnv = {}) {
  return spawnSync(process.execPath, [BIN, ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    encoding: 'utf8',
  });
}

describe('the compliance command', () => {
  it('is installed as `pnpm exec compliance` and prints its version', () => {
    const res = spawnSync('pnpm', ['exec', 'compliance', '--version'], { cwd: ROOT, encoding: 'utf8' });
    expect(res.status).toBe(0);
    expect(res.stdout).toMatch(/^compliance \d+\.\d+\.\d+/);
  });

  it('stops with every config problem listed', () => {
    const dir = mkdtempSync(join(tmpdir(), 'compliance-cli-'));
    const cfg = join(dir, 'bad.cfg');
    writeFileSync(cfg, 'external_port = 1\nbogus = 2\n');
    const res = run(['-c', cfg]);
    expect(res.status).toBe(1);
    expect(res.stderr).toContain('unknown key: bogus');
    expect(res.stderr).toContain('internal_port');
  });
});

describe.each(databaseLegs(['sqlite3', 'mysql']))('the compliance command on $type', (leg) => {
  let database: TestDatabase;
  let cfg: string;
  let ports: [number, number];

  beforeAll(async () => {
    if (leg.unavailable) return;
    database = await leg.create();
    ports = [await freePort(), await freePort()];
    const dir = mkdtempSync(join(tmpdir(), 'compliance-cli-'));
    cfg = join(dir, 'compliance.cfg');
    writeFileSync(
      cfg,
      [
        `external_port = ${ports[0]}`,
        `internal_port = ${ports[1]}`,
        // The internal port on its own address (docker-compose: the private network).
        'internal_host = "127.0.0.2"',
        'network_passphrase = "Test SDF Network ; September 2015"',
        '[database]',
        `type = "${database.type}"`,
        'url = "set by COMPLIANCE_DATABASE_URL"',
        '[keys]',
        '[tx_status_auth]',
        'username = "partner"',
      ].join('\n'),
    );
  });
  afterAll(async () => {
    await database?.drop();
  });

  const env = () => ({
    COMPLIANCE_SIGNING_SEED: Keypair.random().secret(),
    COMPLIANCE_DATABASE_URL: database.url,
    COMPLIANCE_TX_STATUS_PASSWORD: 'from the environment',
  });

  it.skipIf(leg.unavailable)(
    'refuses to start with pending migrations, migrates with --migrate-db, then serves',
    async () => {
      const refused = run(['-c', cfg], env());
      expect(refused.status).toBe(1);
      expect(refused.stderr).toMatch(/pending migration.*--migrate-db/);

      const migrated = run(['-c', cfg, '--migrate-db'], env());
      expect(migrated.status, migrated.stderr).toBe(0);
      expect(migrated.stdout).toContain('applied migrations');
      expect(run(['-c', cfg, '--migrate-db'], env()).stdout).toContain('database is up to date');

      const server = await serve(cfg, env());
      try {
        const external = `http://127.0.0.1:${ports[0]}`;
        const internal = `http://127.0.0.2:${ports[1]}`;
        expect((await fetch(`${external}/health`)).status).toBe(200);
        expect((await fetch(`${internal}/health`)).status).toBe(200);
        // internal_host: nothing listens on the internal port at the external address.
        await expect(fetch(`http://127.0.0.1:${ports[1]}/health`)).rejects.toThrow();
        const auth = await fetch(`${external}/`, { method: 'POST' });
        expect(auth.status).toBe(400);
        expect(await auth.json()).toEqual({
          code: 'invalid_parameter',
          message: 'Invalid parameter.',
          more_info: 'DataJSON: non zero value required;Signature: non zero value required',
        });
        // /send lives on the internal port only, the auth endpoint on the external one only
        expect((await fetch(`${external}/send`, { method: 'POST' })).status).toBe(404);
        expect((await fetch(`${internal}/`, { method: 'POST' })).status).toBe(404);
        const txStatus = await fetch(`${external}/tx_status?id=x`, {
          headers: {
            Authorization: `Basic ${Buffer.from('partner:from the environment').toString('base64')}`,
          },
        });
        expect([txStatus.status, await txStatus.text()]).toEqual([200, '{"status":"unknown"}\n']);
      } finally {
        await server.stop();
      }
    },
  );
});

// [tls] certificate-file/private-key-file: the external port (the one nginx or other
// banks reach) speaks HTTPS with that certificate; the internal port stays plain HTTP
// on loopback, as in the Go server (legacy reference §3.1).
describe.each(databaseLegs(['sqlite3']))('the compliance command with [tls] on $type', (leg) => {
  let database: TestDatabase;
  let cfg: string;
  let ports: [number, number];
  let certs: TestCertificates;

  beforeAll(async () => {
    if (leg.unavailable) return;
    database = await leg.create();
    certs = makeTestCertificates(['localhost', '127.0.0.1']);
    ports = [await freePort(), await freePort()];
    cfg = join(certs.dir, 'compliance.cfg');
    writeFileSync(
      cfg,
      [
        `external_port = ${ports[0]}`,
        `internal_port = ${ports[1]}`,
        'network_passphrase = "Test SDF Network ; September 2015"',
        '[database]',
        `type = "${database.type}"`,
        `url = ${JSON.stringify(database.url)}`,
        '[keys]',
        `signing_seed = "${Keypair.random().secret()}"`,
        '[tls]',
        `certificate-file = ${JSON.stringify(certs.certificateFile)}`,
        `private-key-file = ${JSON.stringify(certs.privateKeyFile)}`,
      ].join('\n'),
    );
    const migrated = run(['-c', cfg, '--migrate-db']);
    expect(migrated.status, migrated.stderr).toBe(0);
  });
  afterAll(async () => {
    await database?.drop();
  });

  it.skipIf(leg.unavailable)(
    'serves the external port over HTTPS with that certificate, the internal port over plain HTTP',
    async () => {
      const server = await serve(cfg);
      try {
        expect(server.output).toContain(`external (auth) server listening on https://127.0.0.1:${ports[0]}`);
        expect(server.output).toContain(`internal server listening on http://127.0.0.1:${ports[1]}`);
        const ca = readFileSync(certs.caFile);
        const external = `https://127.0.0.1:${ports[0]}`;

        const health = await httpsRequest(`${external}/health`, { ca });
        expect(health.status).toBe(200);
        const auth = await httpsRequest(`${external}/`, { ca, method: 'POST' });
        expect(auth.status).toBe(400);
        expect(JSON.parse(auth.body)).toEqual({
          code: 'invalid_parameter',
          message: 'Invalid parameter.',
          more_info: 'DataJSON: non zero value required;Signature: non zero value required',
        });
        // The same name through the other SAN entry.
        expect((await httpsRequest(`https://localhost:${ports[0]}/health`, { ca, family: 4 })).status).toBe(
          200,
        );

        // It is that certificate: a client without the CA refuses it.
        await expect(httpsRequest(`${external}/health`, {})).rejects.toMatchObject({
          code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
        });
        // No plain HTTP on the external port; the internal port is plain HTTP only.
        await expect(fetch(`http://127.0.0.1:${ports[0]}/health`)).rejects.toThrow();
        expect((await fetch(`http://127.0.0.1:${ports[1]}/health`)).status).toBe(200);
        await expect(httpsRequest(`https://127.0.0.1:${ports[1]}/health`, { ca })).rejects.toThrow();
      } finally {
        await server.stop();
      }
    },
  );
});

/** Starts `compliance -c cfg` and resolves once both ports listen. */
async function serve(cfg: string, env: NodeJS.ProcessEnv = {}) {
  const child = spawn(process.execPath, [BIN, '--config', cfg], {
    cwd: ROOT,
    env: { ...process.env, ...env },
  });
  const server = {
    output: '',
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    },
  };
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      server.output += chunk.toString();
      if (server.output.includes('internal server listening')) resolve();
    });
    child.stderr.on('data', (chunk: Buffer) => (server.output += chunk.toString()));
    child.once('exit', (code) => reject(new Error(`exited ${code}: ${server.output}`)));
  });
  return server;
}

/** One HTTPS request trusting only `ca` (none: the system CAs). */
function httpsRequest(
  url: string,
  options: { ca?: Buffer; method?: string; family?: number },
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = https.request(
      url,
      { method: options.method ?? 'GET', ca: options.ca, family: options.family, agent: false },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end();
  });
}
