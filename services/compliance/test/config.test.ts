// compliance.cfg (§7.7 C-CFG): legacy keys, the three database types, env
// overrides for secrets, and the shipped example.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Keypair } from '@stellar/stellar-sdk';
import { ConfigError } from '@anchor/support';
import { loadComplianceConfig } from '../src/config.js';

const SEED = Keypair.random().secret();
const dir = mkdtempSync(join(tmpdir(), 'compliance-config-'));
let n = 0;
function file(text: string): string {
  const path = join(dir, `c${++n}.cfg`);
  writeFileSync(path, text);
  return path;
}
const base = (database = 'type = "sqlite3"\nurl = "./c.sqlite"', extra = '') => `
external_port = 8003
internal_port = 8004
network_passphrase = "Test SDF Network ; September 2015"
${extra}
[database]
${database}
[keys]
signing_seed = "${SEED}"
`;
function problems(path: string, env: NodeJS.ProcessEnv = {}): string[] {
  try {
    loadComplianceConfig(path, env);
    return [];
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
}

describe('compliance config', () => {
  it('C-CFG-1: mysql, postgres and sqlite3 are accepted; anything else is not', () => {
    for (const type of ['mysql', 'postgres', 'sqlite3']) {
      expect(problems(file(base(`type = "${type}"\nurl = "x://y"`)))).toEqual([]);
    }
    expect(problems(file(base('type = "bogus"\nurl = "x"')))).toEqual([
      'database.type: must be one of mysql, postgres, sqlite3',
    ]);
    expect(problems(file(base('type = ""\nurl = "x"')))).toEqual([
      'database.type: must be one of mysql, postgres, sqlite3',
    ]);
    expect(problems(file(base('type = "mysql"\nurl = ""')))).toEqual(['database.url: is required']);
  });

  it('defaults, legacy empty callbacks, and every problem listed at once', () => {
    const config = loadComplianceConfig(
      file(
        base(
          undefined,
          'needs_auth = true\n[callbacks]\nsanctions = ""\nfetch_info = "http://127.0.0.1:1/f"',
        ),
      ),
      {},
    );
    expect(config).toMatchObject({
      host: '127.0.0.1',
      needs_auth: true,
      log_format: 'text',
      callbacks: { fetch_info: 'http://127.0.0.1:1/f' },
      stellar_toml_cache_ttl_ms: 300_000,
      stellar_toml_failure_ttl_ms: 10_000,
      auth_limits: { requests_per_minute: 60, max_attachment_bytes: 16_384, max_note_bytes: 1024 },
      http: { timeout_ms: 10_000, allow_http: false, host_map: {}, allow_local_peers: false },
    });
    expect(config.callbacks.sanctions).toBeUndefined();

    const bad = file(
      `external_port = "x"\nencryption_key = "k"\n[keys]\nsigning_seed = "SBAD"\n[callbacks]\nask_user = "not a url"\n[tls]\ncertificate_file = "a"`,
    );
    expect(problems(bad)).toEqual(
      expect.arrayContaining([
        'external_port: must be an integer',
        'internal_port: must be an integer',
        'unknown key: encryption_key',
        'keys.signing_seed: must be a secret seed starting with S',
        'callbacks.ask_user: must be an absolute http(s) URL',
        'unknown key: tls.certificate_file',
      ]),
    );
  });

  it('secrets come from the environment', () => {
    const seed = Keypair.random().secret();
    const path = file(`${base()}\n[tx_status_auth]\nusername = "partner"\npassword = "in-file"`);
    const config = loadComplianceConfig(path, {
      COMPLIANCE_SIGNING_SEED: seed,
      COMPLIANCE_DATABASE_URL: '/tmp/from-env.sqlite',
      COMPLIANCE_TX_STATUS_PASSWORD: 'from-env',
    });
    expect(config.keys.signing_seed).toBe(seed);
    expect(config.database.url).toBe('/tmp/from-env.sqlite');
    expect(config.tx_status_auth).toEqual({ username: 'partner', password: 'from-env' });
    // without the seed anywhere the file is refused
    const noSeed = file(base().replace(/\[keys\][\s\S]*$/, '[keys]\n'));
    expect(problems(noSeed)).toEqual([expect.stringMatching(/^keys\.signing_seed/)]);
    expect(problems(noSeed, { COMPLIANCE_SIGNING_SEED: seed })).toEqual([]);
  });

  it('the shipped example loads once the seed is given', () => {
    const example = new URL('../config/compliance.example.cfg', import.meta.url).pathname;
    const config = loadComplianceConfig(example, { COMPLIANCE_SIGNING_SEED: SEED });
    expect(config).toMatchObject({ external_port: 8003, internal_port: 8004, database: { type: 'mysql' } });
  });
});
