// The command line as operators use it: `callbacks -c file --migrate-db --seed-sample`,
// then `callbacks -c file` serving; a bad config exits 1 listing every problem.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { MAC_KEY, RECEIVING_ACCOUNT } from './helpers.js';

const BIN = fileURLToPath(new URL('../bin/callbacks.js', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'callbacks-cli-'));
const SAMPLE_LIST = fileURLToPath(new URL('../data/sanctions-sample.csv', import.meta.url));
const env = {
  ...process.env,
  CALLBACKS_MAC_KEY: MAC_KEY,
  CALLBACKS_OPERATOR_PASSWORD: 'operator-password-cli',
};

function writeConfig(name: string, text: string): string {
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
}

const good = writeConfig(
  'callbacks.cfg',
  `port = 0
domain = "bank-b.test"
receiving_account_id = "${RECEIVING_ACCOUNT}"
pending_seconds = 5
[database]
type = "sqlite3"
url = "${join(dir, 'callbacks.sqlite')}"
[sanctions]
list_file = "${SAMPLE_LIST}"
`,
);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('callbacks command line', () => {
  it('refuses to serve before migrations, migrates and seeds, then serves', async () => {
    const early = spawnSync(process.execPath, [BIN, '-c', good], { env, encoding: 'utf8' });
    expect(early.status).toBe(1);
    expect(early.stderr).toContain(`pending migration(s)`);
    expect(early.stderr).toContain(`run: callbacks -c ${good} --migrate-db`);

    const setup = spawnSync(process.execPath, [BIN, '-c', good, '--migrate-db', '--seed-sample'], {
      env,
      encoding: 'utf8',
    });
    expect(setup.status, setup.stderr).toBe(0);
    expect(setup.stdout).toContain('alice*bank-b.test (route 1001)');

    const child = spawn(process.execPath, [BIN, '-c', good], { env });
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let out = '';
        child.stdout.on('data', (chunk: Buffer) => {
          out += chunk.toString();
          const match = /"url":"(http:\/\/[^"]+)"/.exec(out);
          if (match?.[1]) resolve(match[1]);
        });
        child.on('exit', (code) => reject(new Error(`exited ${code}: ${out}`)));
      });
      const health = await fetch(`${url}/health`);
      expect(await health.json()).toMatchObject({ status: 'ok', checks: { database: 'ok' } });
      const info = await fetch(`${url}/fetch_info`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'address=bob*bank-b.test',
      });
      expect(await info.json()).toMatchObject({ first_name: 'Bob', last_name: 'Okafor' });
      const screened = await fetch(`${url}/sanctions`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: `sender=${encodeURIComponent('{"first_name":"Petra","last_name":"Novak"}')}`,
      });
      expect(screened.status).toBe(403);
    } finally {
      child.kill('SIGTERM');
    }
  });

  it('exits 1 listing every problem of a bad config, secrets missing included', () => {
    const bad = writeConfig(
      'bad.cfg',
      `port = 99999
domain = "not a domain"
receiving_account_id = "GNOPE"
colour = "blue"
[database]
type = "oracle"
url = "x"
`,
    );
    const run = spawnSync(process.execPath, [BIN, '-c', bad], {
      env: { ...process.env, CALLBACKS_MAC_KEY: '', CALLBACKS_OPERATOR_PASSWORD: 'short' },
      encoding: 'utf8',
    });
    expect(run.status).toBe(1);
    for (const problem of [
      'port: must be between 0 and 65535',
      'domain: must be a domain name',
      'receiving_account_id: must be an account id',
      'unknown key: colour',
      'database.type: must be one of mysql, postgres, sqlite3',
      'mac_key',
      'operator_password: must be at least 12 characters',
    ]) {
      expect(run.stderr).toContain(problem);
    }
  });
});

describe('example config', () => {
  it('is valid with the secrets from the environment and points at the shipped sample list', async () => {
    const { loadCallbacksConfig } = await import('../src/config.js');
    const example = fileURLToPath(new URL('../config/callbacks.example.cfg', import.meta.url));
    const config = loadCallbacksConfig(example, env);
    expect(config.mac_key).toBe(MAC_KEY);
    expect(config.sanctions.list_file).toBe(SAMPLE_LIST);
    expect(config.host).toBe('127.0.0.1');
    expect(() => loadCallbacksConfig(example, { ...env, CALLBACKS_MAC_KEY: '' })).toThrow(/mac_key/);
  });
});
