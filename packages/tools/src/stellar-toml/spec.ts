// Builds the content of a bank's stellar.toml from its service configs (plain
// parsed TOML objects: we do not import the services' code) and renders it.
// Pure: no files, no process.env; the caller passes the environment in.
import TOML from '@iarna/toml';
import { Keypair } from '@stellar/stellar-sdk';
import {
  DEV_HTTP_DOMAINS,
  hostMatches,
  isAccountId,
  isSeed,
  isValidDomain,
  domainHost,
} from '@anchor/protocol';

/** Public paths nginx maps to the services (see nginx/README.md). */
export const PUBLIC_PATHS = {
  federation: '/federation',
  /** The SEP-3 auth endpoint (compliance external `POST /`); tx_status hangs off it. */
  auth: '/compliance',
} as const;

/** SEP-1 version the generated files follow. */
export const STELLAR_TOML_VERSION = '2.7.0';

/** Everything a stellar.toml says, in the order it is written. */
export interface StellarTomlSpec {
  version: string;
  networkPassphrase?: string;
  federationServer?: string;
  authServer?: string;
  signingKey?: string;
  accounts: string[];
  documentation?: Record<string, unknown>;
  currencies: Record<string, unknown>[];
}

/** The inputs of {@link buildStellarTomlSpec}: parsed TOML files and flags. */
export interface StellarTomlSources {
  /** Bank domain as it appears in stellar addresses, e.g. `bank-a.test`. */
  domain: string;
  /** Base URL of nginx for this bank; default `https://<domain>`. */
  publicUrl?: string;
  /** Overrides `<publicUrl>/federation` (e.g. a direct dev URL without nginx). */
  federationUrl?: string;
  /** Overrides `<publicUrl>/compliance`. */
  authUrl?: string;
  /** Used when neither config has `network_passphrase`, and must agree when they do. */
  networkPassphrase?: string;
  federation?: Record<string, unknown>;
  compliance?: Record<string, unknown>;
  bridge?: Record<string, unknown>;
  /** Optional bank info file: `[DOCUMENTATION]`, `[[CURRENCIES]]` details by code, extra `ACCOUNTS`. */
  info?: Record<string, unknown>;
  /** `[DOCUMENTATION]` keys from flags; they win over the info file. */
  documentation?: Record<string, string>;
  /** Allow http URLs and development domains (`*.test`, `localhost`). */
  dev?: boolean;
  /** Where secrets come from first (COMPLIANCE_SIGNING_SEED, BRIDGE_BASE_SEED, BRIDGE_AUTHORIZING_SEED). */
  env?: Record<string, string | undefined>;
}

/** stellar.toml inputs that cannot produce a publishable file; `problems` lists them all. */
export class StellarTomlError extends Error {
  constructor(readonly problems: string[]) {
    super(`cannot generate stellar.toml:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'StellarTomlError';
  }
}

const INFO_KEYS = new Set(['DOCUMENTATION', 'CURRENCIES', 'ACCOUNTS']);

function table(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** The public key of a seed, or a problem naming where the seed came from (never its value). */
function publicKeyOf(seed: string, where: string, problems: string[]): string | undefined {
  if (!isSeed(seed)) {
    problems.push(`${where} is not a valid secret seed (S…)`);
    return undefined;
  }
  return Keypair.fromSecret(seed).publicKey();
}

function secret(
  env: Record<string, string | undefined>,
  variable: string,
  fileValue: unknown,
  fileKey: string,
): { value: string; where: string } | undefined {
  const fromEnv = env[variable];
  if (fromEnv) return { value: fromEnv, where: variable };
  const fromFile = str(fileValue);
  return fromFile ? { value: fromFile, where: fileKey } : undefined;
}

/**
 * Derives the stellar.toml content from the bank's configs.
 * @throws StellarTomlError listing every problem (bad domain, passphrase mismatch, bad seed, …)
 */
export function buildStellarTomlSpec(sources: StellarTomlSources): StellarTomlSpec {
  const problems: string[] = [];
  const env = sources.env ?? {};
  const { domain } = sources;

  if (!isValidDomain(domain)) problems.push(`--domain ${JSON.stringify(domain)} is not a domain name`);
  else if (!sources.dev && hostMatches(domainHost(domain), DEV_HTTP_DOMAINS)) {
    problems.push(`${domain} is a development domain; pass --dev to generate a development stellar.toml`);
  }
  const base = (sources.publicUrl ?? `https://${domain}`).replace(/\/+$/, '');

  const spec: StellarTomlSpec = { version: STELLAR_TOML_VERSION, accounts: [], currencies: [] };
  if (sources.federation || sources.federationUrl) {
    spec.federationServer = sources.federationUrl ?? `${base}${PUBLIC_PATHS.federation}`;
  }
  if (sources.compliance || sources.authUrl) {
    spec.authServer = sources.authUrl ?? `${base}${PUBLIC_PATHS.auth}`;
  }

  // NETWORK_PASSPHRASE: every source that names one must agree.
  const passphrases = new Map<string, string>();
  if (sources.networkPassphrase) passphrases.set('--network-passphrase', sources.networkPassphrase);
  const compliancePassphrase = str(sources.compliance?.network_passphrase);
  if (compliancePassphrase) passphrases.set('compliance network_passphrase', compliancePassphrase);
  const bridgePassphrase = str(sources.bridge?.network_passphrase);
  if (bridgePassphrase) passphrases.set('bridge network_passphrase', bridgePassphrase);
  const distinct = new Set(passphrases.values());
  if (distinct.size > 1) {
    problems.push(
      `network passphrases disagree: ${[...passphrases].map(([k, v]) => `${k} = ${JSON.stringify(v)}`).join(', ')}`,
    );
  } else if (distinct.size === 1) {
    spec.networkPassphrase = [...distinct][0];
  }

  // SIGNING_KEY: the public half of the compliance signing seed.
  if (sources.compliance) {
    const keys = table(sources.compliance.keys);
    const seed = secret(env, 'COMPLIANCE_SIGNING_SEED', keys?.signing_seed, 'compliance keys.signing_seed');
    if (!seed)
      problems.push('no compliance signing seed: set COMPLIANCE_SIGNING_SEED or [keys] signing_seed');
    else spec.signingKey = publicKeyOf(seed.value, seed.where, problems);
  }

  // ACCOUNTS: the accounts this domain controls, as the bridge knows them.
  const accounts: string[] = [];
  const addAccount = (id: unknown, where: string) => {
    if (id === undefined || id === '') return;
    if (typeof id === 'string' && isAccountId(id)) accounts.push(id);
    else problems.push(`${where} is not a valid account id (G…)`);
  };
  if (sources.bridge) {
    const bridgeAccounts = table(sources.bridge.accounts) ?? {};
    addAccount(bridgeAccounts.issuing_account_id, 'bridge accounts.issuing_account_id');
    addAccount(bridgeAccounts.receiving_account_id, 'bridge accounts.receiving_account_id');
    const listener = table(sources.bridge.listener);
    if (Array.isArray(listener?.receiving_accounts)) {
      listener.receiving_accounts.forEach((id, i) =>
        addAccount(id, `bridge listener.receiving_accounts[${i}]`),
      );
    }
    for (const [variable, key] of [
      ['BRIDGE_BASE_SEED', 'base_seed'],
      ['BRIDGE_AUTHORIZING_SEED', 'authorizing_seed'],
    ] as const) {
      const seed = secret(env, variable, bridgeAccounts[key], `bridge accounts.${key}`);
      if (seed) {
        const id = publicKeyOf(seed.value, seed.where, problems);
        if (id) accounts.push(id);
      }
    }
  }

  const info = sources.info ?? {};
  for (const key of Object.keys(info)) {
    if (!INFO_KEYS.has(key))
      problems.push(`info file: unknown key ${key} (use DOCUMENTATION, CURRENCIES, ACCOUNTS)`);
  }
  if (info.ACCOUNTS !== undefined) {
    if (Array.isArray(info.ACCOUNTS)) info.ACCOUNTS.forEach((id, i) => addAccount(id, `info ACCOUNTS[${i}]`));
    else problems.push('info file: ACCOUNTS must be an array');
  }
  spec.accounts = [...new Set(accounts)];

  // [[CURRENCIES]]: the bridge's issued assets (XLM is not ours), with details from the info file.
  const details = Array.isArray(info.CURRENCIES) ? info.CURRENCIES.map(table) : [];
  if (info.CURRENCIES !== undefined && !Array.isArray(info.CURRENCIES)) {
    problems.push('info file: CURRENCIES must be an array of tables ([[CURRENCIES]])');
  }
  const used = new Set<number>();
  const assets = Array.isArray(sources.bridge?.assets) ? sources.bridge.assets : [];
  for (const raw of assets) {
    const asset = table(raw) ?? {};
    const code = str(asset.code);
    const issuer = str(asset.issuer);
    if (code === 'XLM' && !issuer) continue;
    const index = details.findIndex(
      (d) => d !== undefined && d.code === code && (d.issuer === undefined || d.issuer === issuer),
    );
    if (index >= 0) used.add(index);
    const {
      code: _code,
      issuer: _issuer,
      ...extra
    } = index >= 0 ? (details[index] as Record<string, unknown>) : {};
    spec.currencies.push({ code, issuer, ...extra });
  }
  details.forEach((d, i) => {
    if (!used.has(i)) {
      problems.push(
        `info file: CURRENCIES[${i}] (${String(d?.code)}) matches no [[assets]] entry of the bridge config`,
      );
    }
  });

  const documentation = { ...(table(info.DOCUMENTATION) ?? {}), ...(sources.documentation ?? {}) };
  if (info.DOCUMENTATION !== undefined && !table(info.DOCUMENTATION)) {
    problems.push('info file: DOCUMENTATION must be a table');
  }
  if (Object.keys(documentation).length > 0) spec.documentation = documentation;

  if (problems.length > 0) throw new StellarTomlError(problems);
  return spec;
}

/** Writes a spec as stellar.toml text: a header comment, then keys in SEP-1's usual order. */
export function renderStellarToml(spec: StellarTomlSpec, header = ''): string {
  const doc: Record<string, unknown> = { VERSION: spec.version };
  if (spec.networkPassphrase !== undefined) doc.NETWORK_PASSPHRASE = spec.networkPassphrase;
  if (spec.federationServer !== undefined) doc.FEDERATION_SERVER = spec.federationServer;
  if (spec.authServer !== undefined) doc.AUTH_SERVER = spec.authServer;
  if (spec.signingKey !== undefined) doc.SIGNING_KEY = spec.signingKey;
  if (spec.accounts.length > 0) doc.ACCOUNTS = spec.accounts;
  if (spec.documentation) doc.DOCUMENTATION = spec.documentation;
  if (spec.currencies.length > 0) doc.CURRENCIES = spec.currencies;
  const comment = header
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => `# ${line}\n`)
    .join('');
  return `${comment}${comment ? '\n' : ''}${TOML.stringify(doc as TOML.JsonMap)}`;
}

/** http is accepted only for development domains and only in dev mode. */
export function allowedHttpDomains(dev: boolean | undefined): readonly string[] {
  return dev ? DEV_HTTP_DOMAINS : [];
}
