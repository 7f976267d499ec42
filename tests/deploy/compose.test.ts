// docker-compose.yml and docker/ checked with no Docker engine: Debian's
// docker-compose v1 validates the file, npm linters check the compose file and
// the Dockerfiles, and the rest is consistency between the compose file, the
// configs it mounts, the Dockerfiles, the nginx configs and the services' own
// config loaders. Under CI=true a missing tool fails; elsewhere it is skipped.
import { Keypair } from '@stellar/stellar-sdk';
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { isSeed, parseStellarToml } from '@anchor/protocol';
import {
  COMPOSE_BANKS,
  COMPOSE_NGINX_PATHS,
  COMPOSE_UPSTREAM_PORTS,
  composeNginxConfig,
  generateStellarToml,
  readTomlFile,
  type ComposeNetwork,
} from '@anchor/tools';

import { loadBridgeConfig } from '../../services/bridge/src/config.js';
import { loadCallbacksConfig } from '../../services/callbacks/src/config.js';
import { loadComplianceConfig } from '../../services/compliance/src/config.js';
import { loadFederationConfig } from '../../services/federation/src/config.js';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../../', import.meta.url)).replace(/\/$/, '');
const ci = process.env.CI === 'true';

function which(bin: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${bin}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

function missing(what: string, install: string): boolean {
  if (ci) throw new Error(`CI=true and ${what} is not available (${install})`);
  process.stderr.write(`[tests/deploy] ${what} not available: skipping (${install})\n`);
  return true;
}

const HAVE_COMPOSE =
  which('docker-compose') ||
  !missing('docker-compose', 'apt-get install --no-install-recommends docker-compose');
const HAVE_PYYAML = (() => {
  try {
    execFileSync('python3', ['-c', 'import yaml'], { stdio: 'ignore' });
    return true;
  } catch {
    return !missing('python3 with PyYAML (to read YAML)', 'it comes with docker-compose');
  }
})();

/** Every variable the default (single-bank) stack requires. */
const REQUIRED_ENV = {
  MYSQL_ROOT_PASSWORD: 'root-password',
  MYSQL_PASSWORD: 'anchor-password',
  COMPLIANCE_SIGNING_SEED: 'SBG6SXLAELIPDSPT4RRBC75ZS54UOYWOGW3JYVFIJJB4XQ2KU6GLXKXI',
  COMPLIANCE_TX_STATUS_PASSWORD: 'tx-status-password',
  BRIDGE_BASE_SEED: 'SBG6SXLAELIPDSPT4RRBC75ZS54UOYWOGW3JYVFIJJB4XQ2KU6GLXKXI',
  BRIDGE_MAC_KEY: 'SBG6SXLAELIPDSPT4RRBC75ZS54UOYWOGW3JYVFIJJB4XQ2KU6GLXKXI',
  BRIDGE_API_KEY: 'an-api-key-of-15-chars',
  CALLBACKS_OPERATOR_PASSWORD: 'operator-password',
};

/** A clean environment: nothing of the caller's shell leaks into interpolation. */
function composeEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH, HOME: process.env.HOME, ...extra };
}

async function compose(args: string[], env: NodeJS.ProcessEnv) {
  try {
    const { stdout, stderr } = await run(
      'docker-compose',
      ['-f', join(ROOT, 'docker-compose.yml'), ...args],
      {
        cwd: ROOT,
        env,
      },
    );
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? 1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

function parseYaml(text: string): unknown {
  const json = execFileSync(
    'python3',
    ['-c', 'import sys,json,yaml; json.dump(yaml.safe_load(sys.stdin), sys.stdout)'],
    {
      input: text,
    },
  );
  return JSON.parse(json.toString());
}

interface ComposeService {
  image?: string;
  build?: { context: string; dockerfile: string };
  command?: string[] | string;
  environment?: Record<string, string | null>;
  env_file?: string[];
  volumes?: (string | { type: string; source: string; target: string; read_only?: boolean })[];
  ports?: unknown[];
  depends_on?: Record<string, { condition: string }>;
  profiles?: string[];
  restart?: string;
  healthcheck?: unknown;
  networks?: Record<string, { aliases?: string[] } | null>;
}
interface ComposeFile {
  services: Record<string, ComposeService>;
  volumes: Record<string, unknown>;
  networks?: Record<string, { internal?: boolean } | null>;
}

/** The normalised file as docker-compose v1 sees it (interpolated, paths absolute). */
async function normalised(network: ComposeNetwork): Promise<ComposeFile> {
  const args =
    network === 'local'
      ? ['--env-file', join(ROOT, 'docker/local.env'), '--profile', 'local', 'config']
      : ['config'];
  const result = await compose(args, composeEnv(network === 'local' ? {} : REQUIRED_ENV));
  expect(result.code, result.stderr).toBe(0);
  return parseYaml(result.stdout) as ComposeFile;
}

function volumeSource(service: ComposeService, target: string): string | undefined {
  for (const v of service.volumes ?? []) {
    if (typeof v === 'string') {
      const [source, dest] = v.split(':');
      if (dest === target) return source;
    } else if (v.target === target) return v.source;
  }
  return undefined;
}

function commandOf(service: ComposeService): string[] {
  return typeof service.command === 'string' ? service.command.split(/\s+/) : (service.command ?? []);
}

/** Config file a service is started with: `/config/x.cfg` on the host. */
function configFile(service: ComposeService): string {
  const cmd = commandOf(service);
  const at = cmd.findIndex((a) => a === '-c' || a === '--conf');
  expect(at, `config flag in ${cmd.join(' ')}`).toBeGreaterThanOrEqual(0);
  const path = cmd[at + 1]!;
  expect(path.startsWith('/config/')).toBe(true);
  const dir = volumeSource(service, '/config');
  expect(dir, 'a /config mount').toBeDefined();
  return join(dir!, path.slice('/config/'.length));
}

function portOf(url: string): number {
  const u = new URL(url);
  return Number(u.port || (u.protocol === 'https:' ? 443 : 80));
}

describe.skipIf(!HAVE_COMPOSE)('docker-compose config (Debian docker-compose v1, no engine)', () => {
  it('validates the single-bank stack with the required variables set', async () => {
    const result = await compose(['config', '-q'], composeEnv(REQUIRED_ENV));
    expect(result.code, result.stderr).toBe(0);
  });

  it('validates the local profile with docker/local.env', async () => {
    const args = ['--env-file', join(ROOT, 'docker/local.env'), '--profile', 'local', 'config', '-q'];
    const result = await compose(args, composeEnv());
    expect(result.code, result.stderr).toBe(0);
  });

  it('refuses to start without a required secret, naming it', async () => {
    const { COMPLIANCE_SIGNING_SEED: _omitted, ...rest } = REQUIRED_ENV;
    const result = await compose(['config', '-q'], composeEnv(rest));
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('COMPLIANCE_SIGNING_SEED is required');
  });
});

describe('linters from npm (npx)', () => {
  async function npx(args: string[]) {
    try {
      const { stdout } = await run('npx', ['-y', ...args], { cwd: ROOT, timeout: 180_000 });
      return { code: 0, out: stdout };
    } catch (err) {
      const e = err as { code?: number | string; stdout?: string; stderr?: string };
      return { code: e.code ?? 1, out: `${e.stdout ?? ''}${e.stderr ?? ''}` };
    }
  }

  /** Runs a linter; a tool npx cannot fetch is skipped (failed under CI), findings fail. */
  async function lint(tool: string, args: string[], ok: (out: string) => boolean) {
    const probe = await npx([tool, '--version']);
    if (probe.code !== 0 && !/Usage|usage/.test(probe.out)) {
      if (missing(`${tool} (npx)`, 'needs the npm registry')) return;
    }
    const result = await npx([tool, ...args]);
    expect(result.code, result.out).toBe(0);
    expect(ok(result.out), result.out).toBe(true);
  }

  const dockerfiles = readdirSync(join(ROOT, 'docker'))
    .filter((f) => f.endsWith('.Dockerfile'))
    .map((f) => `docker/${f}`);

  it('dclint finds nothing in docker-compose.yml', { timeout: 240_000 }, async () => {
    await lint('dclint@3.1.0', ['docker-compose.yml', '--max-warnings', '0'], () => true);
  });

  it('dockerfilelint finds nothing in the Dockerfiles', { timeout: 240_000 }, async () => {
    await lint(
      'dockerfilelint@1.8.0',
      dockerfiles,
      (out) => (out.match(/Issues: None found/g) ?? []).length === dockerfiles.length,
    );
  });

  it('dockerfile-utils lint finds nothing in the Dockerfiles', { timeout: 240_000 }, async () => {
    for (const file of dockerfiles)
      await lint('dockerfile-utils@0.16.3', ['lint', file], (out) => out.trim() === '');
  });
});

describe('Dockerfiles', () => {
  const packages: Record<string, { dir: string; deps: string[] }> = {};
  for (const parent of ['packages', 'services']) {
    for (const name of readdirSync(join(ROOT, parent))) {
      const manifest = join(ROOT, parent, name, 'package.json');
      if (!existsSync(manifest)) continue;
      const pkg = JSON.parse(readFileSync(manifest, 'utf8')) as {
        name: string;
        dependencies?: Record<string, string>;
      };
      packages[pkg.name] = {
        dir: `${parent}/${name}`,
        deps: Object.entries(pkg.dependencies ?? {})
          .filter(([, v]) => v.startsWith('workspace:'))
          .map(([k]) => k),
      };
    }
  }
  const closure = (name: string, seen = new Set<string>()): Set<string> => {
    if (seen.has(name)) return seen;
    seen.add(name);
    for (const dep of packages[name]?.deps ?? []) closure(dep, seen);
    return seen;
  };

  it.each([
    ['federation', '@anchor/federation', 'services/federation/bin/federation.js'],
    ['compliance', '@anchor/compliance', 'services/compliance/bin/compliance.js'],
    ['bridge', '@anchor/bridge', 'services/bridge/bin/bridge.js'],
    ['callbacks', '@anchor/callbacks', 'services/callbacks/bin/callbacks.js'],
    ['localnet', '@anchor/localnet', 'packages/localnet/bin/localnet.js'],
    ['tools', '@anchor/tools', 'packages/tools/bin/anchor-toml.js'],
  ])('%s: multi-stage, non-root, its workspace closure only, a real entry point', (image, pkg, bin) => {
    const text = readFileSync(join(ROOT, 'docker', `${image}.Dockerfile`), 'utf8');
    expect(text.match(/^FROM /gm)).toHaveLength(2);
    expect(text).toMatch(/^FROM node:20-bookworm-slim AS builder$/m);
    expect(text).toContain(`pnpm install --frozen-lockfile --prod --filter "${pkg}..."`);
    expect(text).toMatch(/^USER node$/m);
    expect(text).toContain(`ENTRYPOINT ["node", "${bin}"]`);
    expect(existsSync(join(ROOT, bin))).toBe(true);
    const dirs = [...closure(pkg)].map((name) => packages[name]!.dir).sort();
    const copiedManifests = [...text.matchAll(/^COPY (\S+)\/package\.json /gm)].map((m) => m[1]).sort();
    const copiedSources = [...text.matchAll(/^COPY (\S+)\/ \1\/$/gm)].map((m) => m[1]).sort();
    expect(copiedManifests).toEqual(dirs);
    expect(copiedSources).toEqual(dirs);
    if (image !== 'tools') {
      expect(text).toMatch(
        /^HEALTHCHECK .*\\\n\s+CMD \["node", "-e", "fetch\(process\.env\.HEALTHCHECK_URL\)/m,
      );
      expect(text).toMatch(/^ENV HEALTHCHECK_URL=http:\/\/127\.0\.0\.1:\d+\/health$/m);
    }
  });
});

describe.skipIf(!HAVE_COMPOSE || !HAVE_PYYAML)('consistency of docker-compose.yml with its configs', () => {
  const raw = readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8');

  it('takes every secret from the environment, required, and keeps none in the mounted configs', () => {
    const secretLines = raw.split('\n').filter((l) => /(SEED|PASSWORD|MAC_KEY|API_KEY):/.test(l));
    expect(secretLines.length).toBeGreaterThan(5);
    for (const line of secretLines) expect(line, line).toMatch(/: \$\{[A-Z_]+:\?[^}]+\}$/);
    for (const bank of ['bank-a', 'bank-b']) {
      for (const file of readdirSync(join(ROOT, 'docker/config', bank))) {
        const text = readFileSync(join(ROOT, 'docker/config', bank, file), 'utf8');
        const seeds = (text.match(/\bS[A-Z2-7]{55}\b/g) ?? []).filter(isSeed);
        expect(seeds, `${bank}/${file}`).toEqual([]);
        expect(text, `${bank}/${file}`).not.toMatch(
          /^\s*(signing_seed|mac_key|api_key|base_seed|operator_password|password)\s*=/m,
        );
      }
    }
  });

  for (const network of ['testnet', 'local'] as const) {
    describe(`ANCHOR_NETWORK=${network}`, () => {
      let file: ComposeFile;
      const banks = COMPOSE_BANKS[network];

      it('starts the expected services; only nginx publishes ports', async () => {
        file = await normalised(network);
        // `config` lists every service; a profile's services start only with that profile.
        const active = ([name, s]: [string, ComposeService]) =>
          !s.profiles || (network === 'local' && s.profiles.includes('local')) ? [name] : [];
        const names = Object.entries(file.services).flatMap(active).sort();
        const expected = ['mysql', 'nginx'];
        for (const { suffix } of banks) {
          for (const svc of ['callbacks', 'federation', 'compliance', 'bridge'])
            expected.push(`${svc}${suffix}`);
          for (const svc of ['callbacks', 'compliance', 'bridge']) expected.push(`${svc}-migrate${suffix}`);
          expected.push(`stellar-toml${suffix}`);
        }
        if (network === 'local') expected.push('localnet', 'local-setup');
        expect(names).toEqual(expected.sort());
        for (const [name, service] of Object.entries(file.services)) {
          if (name === 'nginx') expect(service.ports).toHaveLength(2);
          else expect(service.ports, name).toBeUndefined();
        }
        // nginx is on the front network only; the back network has no way out.
        expect(Object.keys(file.services.nginx!.networks ?? {})).toEqual(['front']);
        expect(file.networks?.back?.internal).toBe(true);
      });

      it('runs each migrate job once before its service, and the service waits for it', () => {
        for (const [name, service] of Object.entries(file.services)) {
          const m = /^(callbacks|compliance|bridge)-migrate(-b)?$/.exec(name);
          if (!m) continue;
          expect(commandOf(service)).toContain('--migrate-db');
          expect(service.restart).toBe('no');
          expect(service.depends_on?.mysql?.condition).toBe('service_healthy');
          const target = file.services[`${m[1]}${m[2] ?? ''}`]!;
          expect(target.depends_on?.[name]?.condition, name).toBe('service_completed_successfully');
          expect(configFile(service)).toBe(configFile(target));
        }
        expect(file.services.mysql!.healthcheck).toBeDefined();
      });

      it('matches every config: ports, hosts, health checks, upstream URLs, databases', () => {
        const dbInit = readFileSync(join(ROOT, 'docker/mysql/init/01-databases.sh'), 'utf8');
        for (const { domain, suffix } of banks) {
          const svc = (name: string) => {
            const s = file.services[`${name}${suffix}`];
            expect(s, `${name}${suffix}`).toBeDefined();
            return s!;
          };
          const cfg = (name: string) => readTomlFile(configFile(svc(name)));
          const federation = cfg('federation');
          const compliance = cfg('compliance');
          const bridge = cfg('bridge');
          const callbacks = cfg('callbacks');
          // The public sides listen on every interface (nginx reaches them on the front network).
          for (const c of [federation, compliance]) expect(c.host).toBe('0.0.0.0');
          // Internal ports listen on the back network's alias only (issue 15, finding 1).
          const backAlias = (name: string) => {
            const aliases = svc(name).networks?.back?.aliases ?? [];
            expect(aliases, name).toEqual([`${name}${suffix}-internal`]);
            return aliases[0];
          };
          expect(compliance.internal_host).toBe(backAlias('compliance'));
          expect(bridge.host).toBe(backAlias('bridge'));
          // Callbacks too (issue 13 #10): it is reached only by compliance and the bridge.
          expect(callbacks.host).toBe(backAlias('callbacks'));
          expect(Object.keys(svc('callbacks').networks ?? {})).toEqual(['back']);
          expect(new URL(svc('compliance').environment!.HEALTHCHECK_URL!).hostname).toBe(
            compliance.internal_host,
          );
          expect(new URL(svc('bridge').environment!.HEALTHCHECK_URL!).hostname).toBe(bridge.host);
          expect(new URL(svc('callbacks').environment!.HEALTHCHECK_URL!).hostname).toBe(callbacks.host);

          // Health checks hit the port the service listens on.
          const health = (name: string) => portOf(svc(name).environment!.HEALTHCHECK_URL!);
          expect(health('federation')).toBe(federation.port);
          expect(health('compliance')).toBe(compliance.internal_port);
          expect(health('bridge')).toBe(bridge.port);
          expect(health('callbacks')).toBe(callbacks.port);

          // nginx proxies the public endpoints to these ports.
          expect(federation.port).toBe(COMPOSE_UPSTREAM_PORTS.federation);
          expect(compliance.external_port).toBe(COMPOSE_UPSTREAM_PORTS.complianceExternal);
          expect(compliance.internal_port).not.toBe(compliance.external_port);

          // Service-to-service URLs name compose services and the right ports.
          expect(bridge.compliance).toBe(`http://${compliance.internal_host}:${compliance.internal_port}`);
          expect(callbacks.compliance_internal_url).toBe(bridge.compliance);
          const cb = bridge.callbacks as Record<string, string>;
          expect(cb.receive).toBe(`http://callbacks${suffix}:${callbacks.port}/receive`);
          expect(cb.error).toBe(`http://callbacks${suffix}:${callbacks.port}/error`);
          for (const [key, url] of Object.entries(compliance.callbacks as Record<string, string>)) {
            expect(url).toBe(`http://callbacks${suffix}:${callbacks.port}/${key}`);
          }
          if (network === 'local') {
            const localnet = file.services.localnet!;
            const port = commandOf(localnet)[commandOf(localnet).indexOf('--port') + 1];
            expect(bridge.horizon).toBe(`http://localnet:${port}`);
            expect(portOf(localnet.environment!.HEALTHCHECK_URL!)).toBe(Number(port));
          } else {
            expect(bridge.horizon).toBe('https://horizon-testnet.stellar.org');
          }
          expect(compliance.network_passphrase).toBe(bridge.network_passphrase);
          expect(callbacks.domain).toBe(domain);
          expect(callbacks.receiving_account_id).toBe(
            (bridge.accounts as Record<string, string>).receiving_account_id,
          );

          // A dev CA file named in a config is mounted there.
          for (const name of ['compliance', 'bridge']) {
            const ca = (
              (name === 'compliance' ? compliance : bridge).http as Record<string, string> | undefined
            )?.extra_ca_file;
            if (ca) expect(volumeSource(svc(name), '/certs'), name).toBe(join(ROOT, 'docker/certs'));
          }

          // Databases: the env URL (with the password) points at the compose MySQL and the config's database.
          const dbOf = (url: string) => new URL(url).pathname.slice(1);
          const checkDb = (name: string, variable: string, cfgUrl: string) => {
            const url = new URL(svc(name).environment![variable]!);
            expect(`${url.hostname}:${url.port}`).toBe('mysql:3306');
            expect(url.username).toBe('anchor');
            expect(dbOf(url.href)).toBe(dbOf(cfgUrl));
            expect(dbInit).toContain('${bank}_${service}');
            const [bank, service] = [
              dbOf(cfgUrl).replace(/_[a-z]+$/, ''),
              dbOf(cfgUrl).replace(/^bank_[ab]_/, ''),
            ];
            expect(dbInit).toMatch(new RegExp(`for bank in .*\\b${bank}\\b`));
            expect(dbInit).toMatch(new RegExp(`for service in .*\\b${service}\\b`));
          };
          checkDb(
            'compliance',
            'COMPLIANCE_DATABASE_URL',
            (compliance.database as Record<string, string>).url!,
          );
          checkDb('bridge', 'BRIDGE_DATABASE_URL', (bridge.database as Record<string, string>).url!);
          checkDb('callbacks', 'CALLBACKS_DATABASE_URL', (callbacks.database as Record<string, string>).url!);
          // Federation reads the customers that callbacks keeps.
          checkDb(
            'federation',
            'FEDERATION_DATABASE_DSN',
            (callbacks.database as Record<string, string>).url!,
          );
          expect((federation.queries as Record<string, string>).federation).toMatch(
            /FROM customers WHERE name = LOWER\(\?\) AND domain = \?/,
          );

          // stellar-toml job: same configs, writes <domain>.toml into the volume nginx serves.
          const job = svc('stellar-toml');
          const cmd = commandOf(job);
          const arg = (flag: string) => cmd[cmd.indexOf(flag) + 1]!;
          expect(arg('--domain')).toBe(domain);
          expect(join(volumeSource(job, '/config')!, arg('--compliance').replace('/config/', ''))).toBe(
            configFile(svc('compliance')),
          );
          expect(join(volumeSource(job, '/config')!, arg('--bridge').replace('/config/', ''))).toBe(
            configFile(svc('bridge')),
          );
          expect(arg('--out')).toBe(`/out/${domain}.toml`);
          expect(volumeSource(job, '/out')).toBe('stellar-toml');
          expect(file.services.nginx!.networks?.front?.aliases).toContain(domain);
        }
      });

      it('mounts the nginx config rendered for this network, and it is current', () => {
        const nginx = file.services.nginx!;
        const confFile = volumeSource(nginx, COMPOSE_NGINX_PATHS.config)!;
        expect(confFile).toBe(join(ROOT, `docker/nginx/${network}.conf`));
        expect(readFileSync(confFile, 'utf8'), 'run: pnpm exec tsx nginx/render-compose.ts').toBe(
          composeNginxConfig(network),
        );
        expect(commandOf(nginx)).toEqual(['nginx', '-c', COMPOSE_NGINX_PATHS.config]);
        expect(volumeSource(nginx, COMPOSE_NGINX_PATHS.stellarToml)).toBe('stellar-toml');
        expect(volumeSource(nginx, COMPOSE_NGINX_PATHS.certs)).toBe(join(ROOT, 'docker/certs'));
        expect(nginx.depends_on?.['stellar-toml']?.condition).toBe('service_completed_successfully');
      });
    });
  }

  it.each([
    ['testnet', 'bank-a'],
    ['local', 'bank-a'],
    ['local', 'bank-b'],
  ] as const)(
    '%s %s: every mounted config loads with its own service loader and the compose secrets',
    async (network, bank) => {
      const file = await normalised(network);
      const suffix = bank === 'bank-b' ? '-b' : '';
      const envOf = (name: string) => {
        const service = file.services[`${name}${suffix}`]!;
        return { ...(service.environment ?? {}) } as NodeJS.ProcessEnv;
      };
      const path = (name: string) => configFile(file.services[`${name}${suffix}`]!);
      expect(() => loadFederationConfig(path('federation'), envOf('federation'))).not.toThrow();
      expect(() => loadComplianceConfig(path('compliance'), envOf('compliance'))).not.toThrow();
      expect(() => loadBridgeConfig(path('bridge'), envOf('bridge'))).not.toThrow();
      expect(() => loadCallbacksConfig(path('callbacks'), envOf('callbacks'))).not.toThrow();
    },
  );

  const env = (file: string): Record<string, string> =>
    Object.fromEntries(
      readFileSync(join(ROOT, file), 'utf8')
        .split('\n')
        .filter((l) => /^[A-Z_]+=/.test(l))
        .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
    );

  it('sets up on localnet exactly the accounts the local configs and secrets use', () => {
    const setup = env('docker/local-setup.env');
    const publicKey = (seed: string | undefined) => Keypair.fromSecret(seed as string).publicKey();
    const issuer = publicKey(setup.LOCAL_USD_ISSUER_SEED);
    for (const [bank, envFile, prefix] of [
      ['bank-a', 'docker/local.env', 'BANK_A'],
      ['bank-b', 'docker/bank-b.local.env', 'BANK_B'],
    ] as const) {
      const bridge = readTomlFile(join(ROOT, 'docker/config', bank, 'bridge.local.cfg')) as {
        assets: { code: string; issuer?: string }[];
        accounts: { receiving_account_id: string };
      };
      const callbacks = readTomlFile(join(ROOT, 'docker/config', bank, 'callbacks.cfg'));
      expect(setup[`${prefix}_BASE_SEED`], bank).toBe(env(envFile).BRIDGE_BASE_SEED);
      const receiving = publicKey(setup[`${prefix}_RECEIVING_SEED`]);
      expect(bridge.accounts.receiving_account_id, bank).toBe(receiving);
      expect(callbacks.receiving_account_id, bank).toBe(receiving);
      // Both banks accept the one USD the setup issues, so they can pay each other.
      expect(bridge.assets.find((a) => a.code === 'USD')?.issuer, bank).toBe(issuer);
    }
    expect(setup.HORIZON_URL).toBe('http://localnet:8000');
  });

  it("generates a valid development stellar.toml from each bank's local configs and secrets", () => {
    for (const [bank, envFile] of [
      ['bank-a', 'docker/local.env'],
      ['bank-b', 'docker/bank-b.local.env'],
    ] as const) {
      const dir = join(ROOT, 'docker/config', bank);
      const text = generateStellarToml({
        domain: `${bank}.test`,
        dev: true,
        federation: readTomlFile(join(dir, 'federation.cfg')),
        compliance: readTomlFile(join(dir, 'compliance.local.cfg')),
        bridge: readTomlFile(join(dir, 'bridge.local.cfg')),
        info: readTomlFile(join(dir, 'stellar-info.toml')),
        env: env(envFile),
      });
      const toml = parseStellarToml(text);
      expect(toml.FEDERATION_SERVER).toBe(`https://${bank}.test/federation`);
      expect(toml.CURRENCIES?.[0]).toMatchObject({ code: 'USD', display_decimals: 2 });
    }
  });
});
