import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Keypair } from '@stellar/stellar-sdk';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ConfigError, loadConfig, portSchema, databaseSchema, seedSchema } from '../src/index.js';

const schema = z.strictObject({
  port: portSchema,
  database: databaseSchema,
  keys: z.strictObject({ signing_seed: seedSchema }).optional(),
});

function writeConfig(text: string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'cfg-')), 'service.cfg');
  writeFileSync(file, text);
  return file;
}

describe('loadConfig', () => {
  it('reads a valid file into a frozen typed object', () => {
    const file = writeConfig('port = 8000\n[database]\ntype = "sqlite3"\nurl = "x.db"\n');
    const config = loadConfig(file, schema);
    expect(config).toEqual({ port: 8000, database: { type: 'sqlite3', url: 'x.db' } });
    expect(Object.isFrozen(config.database)).toBe(true);
  });

  it('lists every bad field at once, including unknown keys', () => {
    const file = writeConfig('port = "eighty"\nprot = 1\n[database]\ntype = "oracle"\nurl = "x"\n');
    try {
      loadConfig(file, schema);
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      const problems = (err as ConfigError).problems;
      expect(problems).toContain('port: must be an integer');
      expect(problems).toContain('unknown key: prot');
      expect(problems).toContain('database.type: must be one of mysql, postgres, sqlite3');
    }
  });

  it('takes secrets from the environment over the file', () => {
    const seed = Keypair.random().secret();
    const file = writeConfig('port = 1\n[database]\ntype = "sqlite3"\nurl = "x.db"\n');
    const config = loadConfig(file, schema, {
      env: { SIGNING_SEED: seed },
      envOverrides: { SIGNING_SEED: 'keys.signing_seed' },
    });
    expect(config.keys?.signing_seed).toBe(seed);
  });

  it('reports a missing file and a TOML syntax error as ConfigError', () => {
    expect(() => loadConfig('/nonexistent/x.cfg', schema)).toThrow(/cannot read file: ENOENT/);
    expect(() => loadConfig(writeConfig('port = = 1'), schema)).toThrow(/not valid TOML/);
  });

  it('never echoes a bad secret value back in the message', () => {
    const file = writeConfig(
      'port = 1\n[database]\ntype = "sqlite3"\nurl = "x"\n[keys]\nsigning_seed = "SNOTAREALSEEDBUTSECRET"\n',
    );
    expect(() => loadConfig(file, schema)).toThrow(ConfigError);
    try {
      loadConfig(file, schema);
    } catch (err) {
      expect((err as Error).message).not.toContain('SNOTAREALSEEDBUTSECRET');
      expect((err as Error).message).toContain('keys.signing_seed: must be a secret seed starting with S');
    }
  });
});
