// Writes one demo bank's four config files (legacy TOML formats), its
// stellar.toml and the environment that carries its secrets. Both banks run
// on SQLite by default (MySQL when a URL is given); federation reads the
// callbacks service's customers table, as the callbacks README recommends.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import TOML from '@iarna/toml';
import type { Asset, Keypair } from '@stellar/stellar-sdk';
import { generateStellarToml } from '../stellar-toml/generate.js';

/** Ports of one bank's services; all bound to 127.0.0.1. */
export interface BankPorts {
  federation: number;
  complianceExternal: number;
  complianceInternal: number;
  bridge: number;
  callbacks: number;
}

export interface BankPlan {
  /** `a` or `b` */
  id: string;
  domain: string;
  ports: BankPorts;
  signing: Keypair;
  base: Keypair;
  receiving: Keypair;
  macKey: Keypair;
  apiKey: string;
  operatorPassword: string;
  /** HTTP Basic password other banks use for SEP-4 GET <AUTH_SERVER>/tx_status (user `partner`). */
  txStatusPassword: string;
}

export interface DemoNetwork {
  horizonUrl: string;
  /** When set, the bridges use Stellar RPC here (`[network] backend = "rpc"`) and no Horizon. */
  rpcUrl?: string;
  networkPassphrase: string;
  usd: Asset;
  /** Public base URL of every bank domain, e.g. https://bank-b.test or http://bank-b.test */
  scheme: 'https' | 'http';
  /** Dev-domain routing for the services' outbound HTTP. */
  hostMap: Record<string, string>;
  /** The dev CA the services trust (https mode). */
  caFile?: string;
  /** `mysql://root@127.0.0.1:3306` style server URL; SQLite files when absent. */
  mysqlServerUrl?: string;
  /** Prefix of the MySQL database names, e.g. `demo` → demo_bank_a_bridge. */
  databasePrefix?: string;
}

export interface BankFiles {
  dir: string;
  configs: Record<'federation' | 'compliance' | 'bridge' | 'callbacks', string>;
  stellarToml: string;
  env: NodeJS.ProcessEnv;
  /** Database URL per service (MySQL databases must exist before migration). */
  databases: Record<'compliance' | 'bridge' | 'callbacks', { type: 'sqlite3' | 'mysql'; url: string }>;
}

const SANCTIONS_DIR = fileURLToPath(new URL('../../../../services/callbacks/data/', import.meta.url));

const toml = (value: unknown) => JSON.stringify(value);

function database(plan: BankPlan, network: DemoNetwork, dir: string, service: string) {
  if (!network.mysqlServerUrl) return { type: 'sqlite3' as const, url: join(dir, `${service}.sqlite`) };
  const url = new URL(network.mysqlServerUrl);
  url.pathname = `/${network.databasePrefix ?? 'demo'}_bank_${plan.id}_${service}`;
  return { type: 'mysql' as const, url: url.toString() };
}

/** `[http]` of a service; compliance also gets the development allowance for loopback peers. */
function httpSection(network: DemoNetwork, service: 'compliance' | 'bridge'): string {
  const hosts = Object.entries(network.hostMap)
    .map(([name, target]) => `${toml(name)} = ${toml(target)}`)
    .join(', ');
  return [
    '[http]',
    'timeout_ms = 10000',
    `host_map = { ${hosts} }`,
    network.caFile ? `extra_ca_file = ${toml(network.caFile)}` : 'allow_http = true',
    // The demo's bank domains are mapped to loopback: development only.
    ...(service === 'compliance' ? ['allow_local_peers = true'] : []),
  ].join('\n');
}

/** Writes bank `plan`'s files under `runDir/bank-<id>` and returns where they are. */
export function writeBankFiles(runDir: string, plan: BankPlan, network: DemoNetwork): BankFiles {
  const dir = join(runDir, `bank-${plan.id}`);
  mkdirSync(dir, { recursive: true });
  const local = (port: number) => `http://127.0.0.1:${port}`;
  const databases = {
    callbacks: database(plan, network, dir, 'callbacks'),
    compliance: database(plan, network, dir, 'compliance'),
    bridge: database(plan, network, dir, 'bridge'),
  };
  const files = {
    callbacks: [
      `port = ${plan.ports.callbacks}`,
      `domain = ${toml(plan.domain)}`,
      `receiving_account_id = ${toml(plan.receiving.publicKey())}`,
      // Short, so the demo's retry after an approval is quick.
      'pending_seconds = 5',
      '[database]',
      `type = ${toml(databases.callbacks.type)}`,
      `url = ${toml(databases.callbacks.url)}`,
      '[sanctions]',
      `list_file = ${toml(join(SANCTIONS_DIR, 'sanctions-sample.csv'))}`,
      `alt_file = ${toml(join(SANCTIONS_DIR, 'sanctions-sample-alt.csv'))}`,
    ],
    federation: [
      `port = ${plan.ports.federation}`,
      '[database]',
      `type = ${toml(databases.callbacks.type)}`,
      `dsn = ${toml(databases.callbacks.url)}`,
      '[queries]',
      `federation = ${toml("SELECT account_id AS id, 'id' AS memo_type, route AS memo FROM customers WHERE name = LOWER(?) AND domain = ?")}`,
    ],
    compliance: [
      `external_port = ${plan.ports.complianceExternal}`,
      `internal_port = ${plan.ports.complianceInternal}`,
      // We want the receiving bank to disclose its customer's details.
      'needs_auth = true',
      `network_passphrase = ${toml(network.networkPassphrase)}`,
      '[database]',
      `type = ${toml(databases.compliance.type)}`,
      `url = ${toml(databases.compliance.url)}`,
      '[callbacks]',
      `sanctions = ${toml(`${local(plan.ports.callbacks)}/sanctions`)}`,
      `ask_user = ${toml(`${local(plan.ports.callbacks)}/ask_user`)}`,
      `fetch_info = ${toml(`${local(plan.ports.callbacks)}/fetch_info`)}`,
      `tx_status = ${toml(`${local(plan.ports.callbacks)}/tx_status`)}`,
      '[tx_status_auth]',
      'username = "partner"',
      httpSection(network, 'compliance'),
    ],
    bridge: [
      `port = ${plan.ports.bridge}`,
      ...(network.rpcUrl ? [] : [`horizon = ${toml(network.horizonUrl)}`]),
      `network_passphrase = ${toml(network.networkPassphrase)}`,
      `compliance = ${toml(local(plan.ports.complianceInternal))}`,
      '[[assets]]',
      'code = "USD"',
      `issuer = ${toml(network.usd.getIssuer())}`,
      '[[assets]]',
      'code = "XLM"',
      '[database]',
      `type = ${toml(databases.bridge.type)}`,
      `url = ${toml(databases.bridge.url)}`,
      '[accounts]',
      `issuing_account_id = ${toml(network.usd.getIssuer())}`,
      `receiving_account_id = ${toml(plan.receiving.publicKey())}`,
      '[callbacks]',
      `receive = ${toml(`${local(plan.ports.callbacks)}/receive`)}`,
      `error = ${toml(`${local(plan.ports.callbacks)}/error`)}`,
      httpSection(network, 'bridge'),
      '[listener]',
      // A fresh demo network: start from the first ledger, nothing is missed.
      'retry_min_ms = 500',
      'retry_max_ms = 5000',
      ...(network.rpcUrl ? ['[network]', 'backend = "rpc"', `rpc_url = ${toml(network.rpcUrl)}`] : []),
    ],
  };
  const configs = {} as BankFiles['configs'];
  for (const [service, lines] of Object.entries(files)) {
    const file = join(dir, `${service}.cfg`);
    writeFileSync(file, `${lines.join('\n')}\n`);
    configs[service as keyof BankFiles['configs']] = file;
  }
  const env = {
    COMPLIANCE_SIGNING_SEED: plan.signing.secret(),
    COMPLIANCE_TX_STATUS_PASSWORD: plan.txStatusPassword,
    BRIDGE_BASE_SEED: plan.base.secret(),
    BRIDGE_MAC_KEY: plan.macKey.secret(),
    BRIDGE_API_KEY: plan.apiKey,
    CALLBACKS_MAC_KEY: plan.macKey.secret(),
    CALLBACKS_OPERATOR_PASSWORD: plan.operatorPassword,
  };
  const parsed = (file: string) => TOML.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  // The same generator a bank runs (anchor-toml), so the demo serves what it would publish.
  const stellarToml = generateStellarToml({
    domain: plan.domain,
    publicUrl: `${network.scheme}://${plan.domain}`,
    federation: parsed(configs.federation),
    compliance: parsed(configs.compliance),
    bridge: parsed(configs.bridge),
    dev: true,
    env,
  });
  writeFileSync(join(dir, 'stellar.toml'), stellarToml);
  return {
    dir,
    configs,
    stellarToml,
    databases,
    env,
  };
}
