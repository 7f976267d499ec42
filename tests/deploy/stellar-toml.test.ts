// anchor-toml: stellar.toml from the bank's configs, linted before it is written,
// refused (and nothing written) when it would not be publishable.
import { mkdtempSync, readFileSync, existsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Keypair } from '@stellar/stellar-sdk';
import { describe, expect, it } from 'vitest';
import { parseStellarToml } from '@anchor/protocol';
import {
  buildStellarTomlSpec,
  generateStellarToml,
  renderCheckedStellarToml,
  renderStellarToml,
  runAnchorToml,
  StellarTomlError,
  type StellarTomlSources,
} from '@anchor/tools';

const PASSPHRASE = 'Test SDF Network ; September 2015';
const signing = Keypair.random();
const issuer = Keypair.random().publicKey();
const receiving = Keypair.random().publicKey();
const base = Keypair.random();

function sources(overrides: Partial<StellarTomlSources> = {}): StellarTomlSources {
  return {
    domain: 'bank.example.com',
    federation: { port: 8002 },
    compliance: { network_passphrase: PASSPHRASE, keys: {} },
    bridge: {
      network_passphrase: PASSPHRASE,
      assets: [{ code: 'XLM' }, { code: 'USD', issuer }],
      accounts: { issuing_account_id: issuer, receiving_account_id: receiving },
    },
    env: { COMPLIANCE_SIGNING_SEED: signing.secret(), BRIDGE_BASE_SEED: base.secret() },
    ...overrides,
  };
}

function problemsOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (err) {
    if (err instanceof StellarTomlError) return err.problems;
    throw err;
  }
  throw new Error('expected a StellarTomlError');
}

describe('buildStellarTomlSpec + renderStellarToml', () => {
  it('derives every key from the configs', () => {
    const text = generateStellarToml(
      sources({
        info: {
          DOCUMENTATION: { ORG_NAME: 'Example Bank', ORG_URL: 'https://bank.example.com' },
          CURRENCIES: [{ code: 'USD', display_decimals: 2, name: 'US dollar', status: 'live' }],
        },
        documentation: { ORG_OFFICIAL_EMAIL: 'ops@bank.example.com' },
      }),
    );
    expect(text.startsWith('# stellar.toml for bank.example.com')).toBe(true);
    const doc = parseStellarToml(text);
    expect(doc).toEqual({
      VERSION: '2.7.0',
      NETWORK_PASSPHRASE: PASSPHRASE,
      FEDERATION_SERVER: 'https://bank.example.com/federation',
      AUTH_SERVER: 'https://bank.example.com/compliance',
      SIGNING_KEY: signing.publicKey(),
      ACCOUNTS: [issuer, receiving, base.publicKey()],
      DOCUMENTATION: {
        ORG_NAME: 'Example Bank',
        ORG_URL: 'https://bank.example.com',
        ORG_OFFICIAL_EMAIL: 'ops@bank.example.com',
      },
      CURRENCIES: [{ code: 'USD', issuer, display_decimals: 2, name: 'US dollar', status: 'live' }],
    });
  });

  it('never puts a secret in the output', () => {
    const text = generateStellarToml(sources());
    expect(text).not.toContain(signing.secret());
    expect(text).not.toContain(base.secret());
    expect(text).not.toMatch(/\bS[A-Z2-7]{55}\b/);
  });

  it('reads the signing seed from the config when the environment has none, env first otherwise', () => {
    const fileSeed = Keypair.random();
    const fromFile = buildStellarTomlSpec(
      sources({
        env: {},
        compliance: { network_passphrase: PASSPHRASE, keys: { signing_seed: fileSeed.secret() } },
      }),
    );
    expect(fromFile.signingKey).toBe(fileSeed.publicKey());
    const fromEnv = buildStellarTomlSpec(
      sources({ compliance: { network_passphrase: PASSPHRASE, keys: { signing_seed: fileSeed.secret() } } }),
    );
    expect(fromEnv.signingKey).toBe(signing.publicKey());
  });

  it('uses the public URL (dev port) and per-endpoint overrides', () => {
    const spec = buildStellarTomlSpec(
      sources({ domain: 'bank-a.test', publicUrl: 'https://bank-a.test:8443/', dev: true }),
    );
    expect(spec.federationServer).toBe('https://bank-a.test:8443/federation');
    expect(spec.authServer).toBe('https://bank-a.test:8443/compliance');
    const direct = buildStellarTomlSpec(
      sources({
        domain: 'bank-a.test',
        dev: true,
        federationUrl: 'http://bank-a.test:8002/federation',
        authUrl: 'http://bank-a.test:8003',
      }),
    );
    expect(direct.federationServer).toBe('http://bank-a.test:8002/federation');
    expect(direct.authServer).toBe('http://bank-a.test:8003');
  });

  it('lists every input problem at once, naming where a bad seed came from but not its value', () => {
    const problems = problemsOf(() =>
      buildStellarTomlSpec(
        sources({
          domain: 'bank-a.test',
          bridge: {
            network_passphrase: 'Public Global Stellar Network ; September 2015',
            accounts: { receiving_account_id: 'GNOTANACCOUNT' },
          },
          env: { COMPLIANCE_SIGNING_SEED: 'SBADSEEDVALUE' },
          info: { CURRENCIES: [{ code: 'EUR' }], HORIZON: 'x' },
        }),
      ),
    );
    expect(problems).toEqual([
      'bank-a.test is a development domain; pass --dev to generate a development stellar.toml',
      expect.stringContaining('network passphrases disagree'),
      'COMPLIANCE_SIGNING_SEED is not a valid secret seed (S…)',
      'bridge accounts.receiving_account_id is not a valid account id (G…)',
      'info file: unknown key HORIZON (use DOCUMENTATION, CURRENCIES, ACCOUNTS)',
      'info file: CURRENCIES[0] (EUR) matches no [[assets]] entry of the bridge config',
    ]);
    expect(problems.join('\n')).not.toContain('SBADSEEDVALUE');
  });

  it('requires a signing seed when a compliance config is given', () => {
    expect(problemsOf(() => buildStellarTomlSpec(sources({ env: {} })))).toEqual([
      'no compliance signing seed: set COMPLIANCE_SIGNING_SEED or [keys] signing_seed',
    ]);
  });
});

describe('refusal of invalid output', () => {
  const valid = () => buildStellarTomlSpec(sources());

  it('refuses http URLs outside dev mode, and http on a non-dev host even in dev mode', () => {
    expect(problemsOf(() => generateStellarToml(sources({ publicUrl: 'http://bank.example.com' })))).toEqual([
      'FEDERATION_SERVER: must use https (http only for no host)',
      'AUTH_SERVER: must use https (http only for no host)',
    ]);
    expect(
      problemsOf(() =>
        generateStellarToml(sources({ dev: true, federationUrl: 'http://bank.example.com/fed' })),
      ),
    ).toEqual([expect.stringMatching(/^FEDERATION_SERVER: must use https/)]);
    const dev = generateStellarToml(
      sources({ domain: 'bank-a.test', dev: true, federationUrl: 'http://bank-a.test:8002/federation' }),
    );
    expect(dev).toContain('FEDERATION_SERVER = "http://bank-a.test:8002/federation"');
  });

  it('refuses endpoint URLs with a trailing slash', () => {
    expect(
      problemsOf(() => generateStellarToml(sources({ authUrl: 'https://bank.example.com/auth/' }))),
    ).toEqual(['AUTH_SERVER: must not end with a slash']);
  });

  it('refuses CURRENCIES without a valid issuer and bad documentation URLs', () => {
    const spec = { ...valid(), currencies: [{ code: 'USD' }, { code: 'TOOLONGCODE123', issuer: 'GBAD' }] };
    expect(problemsOf(() => renderCheckedStellarToml(spec))).toEqual([
      'CURRENCIES[0].issuer: is required',
      'CURRENCIES[1].code: must be 1-12 alphanumeric characters',
      'CURRENCIES[1].issuer: must be a valid G… account id',
    ]);
    const docs = { ...valid(), documentation: { ORG_URL: 'ftp://bank.example.com' } };
    expect(problemsOf(() => renderCheckedStellarToml(docs))).toEqual([
      'DOCUMENTATION.ORG_URL: must use https',
    ]);
  });

  it('refuses a file over 100 KB', () => {
    const big = { ...valid(), documentation: { ORG_DESCRIPTION: 'x'.repeat(100 * 1024) } };
    expect(problemsOf(() => renderCheckedStellarToml(big))).toEqual([
      expect.stringMatching(/^document is \d+ bytes; the limit is 102400$/),
    ]);
  });

  it('renders a spec it would refuse only through the unchecked renderer', () => {
    const spec = { ...valid(), federationServer: 'http://bank.example.com/federation' };
    expect(renderStellarToml(spec)).toContain('http://bank.example.com/federation');
    expect(() => renderCheckedStellarToml(spec)).toThrow(StellarTomlError);
  });
});

describe('anchor-toml command', () => {
  function io(env: Record<string, string | undefined> = {}) {
    const out: string[] = [];
    const err: string[] = [];
    return { env, stdout: (s: string) => out.push(s), stderr: (s: string) => err.push(s), out, err };
  }

  function writeConfigs(dir: string) {
    const compliance = join(dir, 'compliance.cfg');
    const bridge = join(dir, 'bridge.cfg');
    const federation = join(dir, 'federation.cfg');
    writeFileSync(
      compliance,
      `network_passphrase = "${PASSPHRASE}"\nexternal_port = 8003\n[keys]\nsigning_seed = "${signing.secret()}"\n`,
    );
    writeFileSync(
      bridge,
      `network_passphrase = "${PASSPHRASE}"\n[[assets]]\ncode = "USD"\nissuer = "${issuer}"\n`,
    );
    writeFileSync(federation, 'port = 8002\n');
    return { compliance, bridge, federation };
  }

  it('writes a valid file, prints no secret, and --check accepts it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'anchor-toml-'));
    const files = writeConfigs(dir);
    const out = join(dir, 'stellar.toml');
    const run = io();
    expect(runAnchorToml({ domain: 'bank-a.test', dev: true, ...files, out }, run)).toBe(0);
    expect(run.out.join('')).toMatch(/^wrote .*stellar\.toml for bank-a\.test/);
    expect(run.out.join('') + run.err.join('')).not.toContain(signing.secret());
    expect(parseStellarToml(readFileSync(out, 'utf8')).SIGNING_KEY).toBe(signing.publicKey());

    const check = io();
    expect(runAnchorToml({ check: out, dev: true }, check)).toBe(0);
    expect(runAnchorToml({ check: out }, io())).toBe(0);
  });

  it('refuses, writes nothing and exits 1 on an invalid result', () => {
    const dir = mkdtempSync(join(tmpdir(), 'anchor-toml-'));
    const files = writeConfigs(dir);
    const out = join(dir, 'stellar.toml');
    const run = io();
    const code = runAnchorToml(
      { domain: 'bank.example.com', ...files, 'public-url': 'http://bank.example.com', out },
      run,
    );
    expect(code).toBe(1);
    expect(existsSync(out)).toBe(false);
    expect(run.err.join('')).toContain('refused, nothing written');
    expect(run.err.join('')).toContain('FEDERATION_SERVER: must use https');
  });

  it('reports unreadable and malformed config files without echoing their content', () => {
    const dir = mkdtempSync(join(tmpdir(), 'anchor-toml-'));
    const bad = join(dir, 'compliance.cfg');
    writeFileSync(bad, `[keys]\nsigning_seed = "${signing.secret()}\n`);
    const run = io();
    expect(
      runAnchorToml({ domain: 'bank-a.test', compliance: bad, bridge: join(dir, 'missing.cfg') }, run),
    ).toBe(1);
    const err = run.err.join('');
    expect(err).toContain('compliance.cfg: not valid TOML');
    expect(err).toContain('missing.cfg: cannot read (ENOENT)');
    expect(err).not.toContain(signing.secret());
  });

  it('exits 2 on bad usage', () => {
    expect(runAnchorToml({}, io())).toBe(2);
    expect(runAnchorToml({ domain: 'bank-a.test' }, io())).toBe(2);
  });
});
