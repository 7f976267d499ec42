// Starts a whole two-bank anchor on one machine: localnet, then for each bank
// its callbacks, federation, compliance (both ports) and bridge as separate OS
// processes, behind real nginx with TLS when nginx is installed (otherwise a
// plain-HTTP stand-in), with accounts funded, a USD asset and trustlines, and
// the customers registered. The demo and the end-to-end tests both use it.
import { spawn } from 'node:child_process';
import { chmodSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Keypair } from '@stellar/stellar-sdk';
import knex from 'knex';
import { start as startLocalnet, type Localnet } from '@anchor/localnet';
import { createDevCerts, findNginx, freePort, startNginx, writeNginxPrefix } from '../nginx/prefix.js';
import { writeBankFiles, type BankFiles, type BankPlan, type DemoNetwork } from './bank-configs.js';
import { startDevFront, type FrontRoutes } from './dev-front.js';
import { setUpNetwork, type NetworkSetup } from './network-setup.js';
import { ProcessGroup } from './process-group.js';

const REPO = fileURLToPath(new URL('../../../../', import.meta.url));
const bin = (service: string) => join(REPO, 'services', service, 'bin', `${service}.js`);

export interface StackOptions {
  /** Configs, databases and logs go here; whatever a previous run left is removed first. */
  runDir: string;
  /** Ledger close interval; the demo uses 1 s to keep the walk-through short. */
  closeIntervalMs?: number;
  /** 'auto' uses nginx when installed. */
  nginx?: 'auto' | 'require' | 'off';
  /** Fixed ports (the demo, so URLs are stable); tests pass false to pick free ones. */
  fixedPorts?: boolean;
  /** A MySQL server URL (e.g. mysql://root@127.0.0.1:3306); SQLite when absent. */
  mysqlServerUrl?: string;
  /** MySQL database name prefix (default `demo`); tests use a unique one. */
  databasePrefix?: string;
  /** nginx's TLS port; default 8443 with fixedPorts, else a free port. 443 lets unmodified clients in. */
  httpsPort?: number;
  /** The bridges' network: Horizon (default) or localnet's Stellar RPC with no Horizon at all. */
  network?: 'horizon' | 'rpc';
  /** Customers to register per bank (callbacks --seed format). */
  customers: { a: Record<string, string>[]; b: Record<string, string>[] };
  log?: (line: string) => void;
}

export interface RunningBank {
  plan: BankPlan;
  files: BankFiles;
  /** http://127.0.0.1:port of each service (the bank's own backend reaches them directly). */
  urls: {
    federation: string;
    complianceExternal: string;
    complianceInternal: string;
    bridge: string;
    callbacks: string;
  };
}

export interface RunningStack {
  localnet: Localnet;
  setup: NetworkSetup;
  network: DemoNetwork;
  /** How bank domains are reached from this process: `https://bank-b.test` goes to `frontAddress`. */
  front: {
    mode: 'nginx' | 'plain-http';
    scheme: 'https' | 'http';
    hostMap: Record<string, string>;
    caFile?: string;
  };
  banks: { a: RunningBank; b: RunningBank };
  processes: ProcessGroup;
  stop(): Promise<void>;
}

const DOMAINS = { a: 'bank-a.test', b: 'bank-b.test' } as const;

async function ports(fixed: boolean, base: number) {
  const pick = async (offset: number) => (fixed ? base + offset : freePort());
  return {
    federation: await pick(1),
    complianceExternal: await pick(2),
    complianceInternal: await pick(3),
    bridge: await pick(4),
    callbacks: await pick(5),
  };
}

function runOnce(args: string[], env: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('exit', (code) =>
      code === 0 ? resolve(out) : reject(new Error(`${args.join(' ')} failed:\n${out}`)),
    );
  });
}

/** Drops the bank's MySQL databases (if any) and, unless `recreate` is false, creates them empty. */
export async function resetMysqlDatabases(files: BankFiles, recreate = true): Promise<void> {
  for (const { type, url } of Object.values(files.databases)) {
    if (type !== 'mysql') continue;
    const target = new URL(url);
    const name = target.pathname.slice(1);
    target.pathname = '/';
    const admin = knex({ client: 'mysql2', connection: target.toString() });
    try {
      await admin.raw(`DROP DATABASE IF EXISTS ${name}`);
      if (recreate) await admin.raw(`CREATE DATABASE ${name}`);
    } finally {
      await admin.destroy();
    }
  }
}

export async function startTwoBankStack(options: StackOptions): Promise<RunningStack> {
  const log = options.log ?? (() => {});
  const fixed = options.fixedPorts ?? false;
  // A fresh network needs fresh databases: old customers would point at accounts that no longer exist.
  rmSync(options.runDir, { recursive: true, force: true });
  mkdirSync(options.runDir, { recursive: true });
  // nginx's workers (user nobody when started as root) read the stellar.toml files under it.
  chmodSync(options.runDir, 0o755);
  const processes = new ProcessGroup(options.runDir);
  const cleanups: (() => Promise<void>)[] = [() => processes.stopAll()];
  const stop = async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {});
  };

  try {
    const localnet = await startLocalnet({
      port: fixed ? 8000 : 0,
      closeIntervalMs: options.closeIntervalMs ?? 1000,
      logLevel: 'warn',
    });
    cleanups.push(() => localnet.close());
    log(
      `localnet (a Horizon-compatible ledger) on ${localnet.url}, ledgers every ${(options.closeIntervalMs ?? 1000) / 1000} s`,
    );
    const setup = await setUpNetwork(localnet.url, localnet.networkPassphrase);
    log(`accounts funded; USD issued by ${setup.usdIssuer.publicKey().slice(0, 8)}…; trustlines open`);

    const nginxBin = options.nginx === 'off' ? undefined : findNginx();
    if (options.nginx === 'require' && !nginxBin) throw new Error('nginx is required but not installed');
    // Without nginx the stand-in fronts listen now, so the configs written next name ports they hold.
    const devRoutes: Partial<Record<'a' | 'b', FrontRoutes>> = {};
    const devFronts = nginxBin
      ? undefined
      : {
          a: await startDevFront(fixed ? 8110 : 0, () => devRoutes.a),
          b: await startDevFront(fixed ? 8210 : 0, () => devRoutes.b),
        };
    if (devFronts)
      cleanups.push(
        () => devFronts.a.close(),
        () => devFronts.b.close(),
      );
    const frontPorts = {
      https: options.httpsPort ?? (fixed ? 8443 : await freePort()),
      http: fixed ? 8080 : await freePort(),
    };
    const front: RunningStack['front'] = devFronts
      ? {
          mode: 'plain-http',
          scheme: 'http',
          hostMap: {
            [DOMAINS.a]: `127.0.0.1:${devFronts.a.port}`,
            [DOMAINS.b]: `127.0.0.1:${devFronts.b.port}`,
          },
        }
      : {
          mode: 'nginx',
          scheme: 'https',
          hostMap: {
            [DOMAINS.a]: `127.0.0.1:${frontPorts.https}`,
            [DOMAINS.b]: `127.0.0.1:${frontPorts.https}`,
          },
        };
    const certs = nginxBin
      ? await createDevCerts(join(options.runDir, 'tls'), [DOMAINS.a, DOMAINS.b])
      : undefined;
    front.caFile = certs?.caFile;

    const network: DemoNetwork = {
      horizonUrl: localnet.url,
      rpcUrl: options.network === 'rpc' ? localnet.rpcUrl : undefined,
      networkPassphrase: localnet.networkPassphrase,
      usd: setup.usd,
      scheme: front.scheme,
      hostMap: front.hostMap,
      caFile: front.caFile,
      mysqlServerUrl: options.mysqlServerUrl,
      databasePrefix: options.databasePrefix,
    };

    const banks = {} as RunningStack['banks'];
    for (const id of ['a', 'b'] as const) {
      const accounts = id === 'a' ? setup.bankA : setup.bankB;
      const plan: BankPlan = {
        id,
        domain: DOMAINS[id],
        ports: await ports(fixed, id === 'a' ? 8100 : 8200),
        signing: Keypair.random(),
        base: accounts.base,
        receiving: accounts.receiving,
        macKey: Keypair.random(),
        apiKey: `demo-api-key-${id}-${Keypair.random().publicKey().slice(1, 17).toLowerCase()}`,
        operatorPassword: `operator-${id}-password`,
        txStatusPassword: `tx-status-${id}-${Keypair.random().publicKey().slice(1, 13).toLowerCase()}`,
      };
      const files = writeBankFiles(options.runDir, plan, network);
      const local = (port: number) => `http://127.0.0.1:${port}`;
      banks[id] = {
        plan,
        files,
        urls: {
          federation: local(plan.ports.federation),
          complianceExternal: local(plan.ports.complianceExternal),
          complianceInternal: local(plan.ports.complianceInternal),
          bridge: local(plan.ports.bridge),
          callbacks: local(plan.ports.callbacks),
        },
      };
    }

    for (const id of ['a', 'b'] as const) {
      const { plan, files, urls } = banks[id];
      await resetMysqlDatabases(files);
      const customersFile = join(files.dir, 'customers.json');
      writeFileSync(customersFile, JSON.stringify(options.customers[id], null, 2));
      await runOnce([bin('callbacks'), '-c', files.configs.callbacks, '--migrate-db'], files.env);
      await runOnce([bin('callbacks'), '-c', files.configs.callbacks, '--seed', customersFile], files.env);
      await runOnce([bin('compliance'), '-c', files.configs.compliance, '--migrate-db'], files.env);
      await runOnce([bin('bridge'), '-c', files.configs.bridge, '--migrate-db'], files.env);
      // Callbacks first: federation reads its customers table; compliance and the bridge call it.
      const services = [
        ['callbacks', '-c', files.configs.callbacks, urls.callbacks],
        ['federation', '--conf', files.configs.federation, urls.federation],
        ['compliance', '-c', files.configs.compliance, urls.complianceInternal],
        ['bridge', '-c', files.configs.bridge, urls.bridge],
      ] as const;
      for (const [service, flag, config, url] of services) {
        await processes.start(`bank-${id}-${service}`, {
          args: [bin(service), flag, config],
          env: files.env,
          readyUrl: `${url}/health`,
        });
      }
      log(`${plan.domain}: callbacks, federation, compliance and bridge running (logs in ${files.dir})`);
    }

    if (nginxBin && certs) {
      const prefix = writeNginxPrefix({
        dir: join(options.runDir, 'nginx'),
        banks: (['a', 'b'] as const).map((id) => ({
          domain: DOMAINS[id],
          stellarToml: banks[id].files.stellarToml,
          federationUpstream: `127.0.0.1:${banks[id].plan.ports.federation}`,
          complianceUpstream: `127.0.0.1:${banks[id].plan.ports.complianceExternal}`,
        })),
        certificates: certs.certificates,
        httpsPort: frontPorts.https,
        httpPort: frontPorts.http,
      });
      const nginx = await startNginx(prefix, { bin: nginxBin });
      cleanups.push(() => nginx.stop());
      log(`nginx with TLS in front of both banks on 127.0.0.1:${frontPorts.https} (dev CA ${certs.caFile})`);
    } else {
      for (const id of ['a', 'b'] as const) {
        devRoutes[id] = {
          stellarToml: banks[id].files.stellarToml,
          federationUpstream: banks[id].urls.federation,
          complianceUpstream: banks[id].urls.complianceExternal,
        };
      }
      log(
        'nginx is not installed: the banks are served over PLAIN HTTP by a development stand-in (apt-get install nginx for TLS)',
      );
    }

    return { localnet, setup, network, front, banks, processes, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
