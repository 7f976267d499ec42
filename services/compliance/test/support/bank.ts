// One bank's compliance server for tests: both ports listening on loopback, its
// own fresh database (migrated), its web front with stellar.toml + federation on
// the dev domain `localhost:PORT`, and callbacks pointing at the shared
// CallbacksServer under `/<bank>/<callback>`.
import type { Knex } from 'knex';
import { Keypair } from '@stellar/stellar-sdk';
import {
  createKnex,
  createLogger,
  createSilentLogger,
  migrateLatest,
  startServer,
  validateConfig,
  type DatabaseConfig,
  type RunningServer,
} from '@anchor/support';
import { createExternalApp, createInternalApp } from '../../src/app.js';
import { complianceConfigSchema, type ComplianceConfig } from '../../src/config.js';
import { createComplianceServices, type ComplianceServices } from '../../src/deps.js';
import { MIGRATIONS_TABLE, migrations } from '../../src/migrations/index.js';
import { BankWebServer, type CallbacksServer } from './servers.js';

export const NETWORK_PASSPHRASE = 'Test SDF Network ; September 2015';

export type CallbackName = 'sanctions' | 'ask_user' | 'fetch_info' | 'tx_status';

export interface BankOptions {
  name: string;
  database: DatabaseConfig;
  callbacksServer: CallbacksServer;
  callbacks?: CallbackName[];
  needsAuth?: boolean;
  txStatusAuth?: { username: string; password: string };
  timeoutMs?: number;
  /** Replaces the test `[http]` section (default: timeoutMs, allow_http, allow_local_peers, localhost → 127.0.0.1). */
  http?: Record<string, unknown>;
  /** Serve the external port over HTTPS with this certificate (as `[tls]` does in main.ts). */
  externalTls?: { certificateFile: string; privateKeyFile: string };
  nonce?: () => string;
  /** More top-level config keys (e.g. `auth_limits`). */
  config?: Record<string, unknown>;
  /** Capture the bank's log (json lines) here instead of silencing it. */
  logStream?: NodeJS.WritableStream;
}

export interface Bank {
  name: string;
  keypair: Keypair;
  web: BankWebServer;
  domain: string;
  config: ComplianceConfig;
  services: ComplianceServices;
  external: RunningServer;
  internal: RunningServer;
  db: Knex;
  /** (Re)publishes the normal stellar.toml, optionally with other keys. */
  publishToml(overrides?: Record<string, string | undefined>): void;
  close(): Promise<void>;
}

export async function startBank(options: BankOptions): Promise<Bank> {
  const keypair = Keypair.random();
  const web = await new BankWebServer().start();
  const callbacks: Record<string, string> = {};
  for (const name of options.callbacks ?? [])
    callbacks[name] = options.callbacksServer.url(`/${options.name}/${name}`);
  const config = validateConfig(
    `${options.name}.cfg`,
    {
      external_port: 0,
      internal_port: 0,
      needs_auth: options.needsAuth ?? false,
      network_passphrase: NETWORK_PASSPHRASE,
      database: { type: options.database.type, url: options.database.url },
      keys: { signing_seed: keypair.secret() },
      callbacks,
      ...(options.txStatusAuth ? { tx_status_auth: options.txStatusAuth } : {}),
      http: options.http ?? {
        timeout_ms: options.timeoutMs ?? 5_000,
        allow_http: true,
        // The test banks are localhost:PORT domains: the development allowance.
        allow_local_peers: true,
        // localhost may resolve to ::1 first; our servers listen on 127.0.0.1.
        host_map: { localhost: '127.0.0.1' },
      },
      ...options.config,
    },
    complianceConfigSchema,
    { env: {} },
  );
  const db = createKnex(config.database);
  await migrateLatest(db, migrations, MIGRATIONS_TABLE);
  const logger = options.logStream
    ? createLogger({ service: `compliance-${options.name}`, format: 'json', stream: options.logStream })
    : process.env.COMPLIANCE_TEST_LOGS
      ? createLogger({ service: `compliance-${options.name}`, level: 'debug' })
      : createSilentLogger();
  const services = createComplianceServices(config, db, logger, { nonce: options.nonce });
  const external = await startServer(createExternalApp(services), { port: 0, tls: options.externalTls });
  const internal = await startServer(createInternalApp(services), { port: 0 });
  const domain = web.domain;
  const publishToml = (overrides: Record<string, string | undefined> = {}) => {
    const keys: Record<string, string | undefined> = {
      SIGNING_KEY: keypair.publicKey(),
      AUTH_SERVER: `http://localhost:${external.port}/`,
      FEDERATION_SERVER: `http://${domain}/federation`,
      ...overrides,
    };
    const lines = Object.entries(keys)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => `${k} = ${JSON.stringify(v)}`);
    web.toml = {
      kind: 'toml',
      text: `VERSION = "2.7.0"\nNETWORK_PASSPHRASE = "${NETWORK_PASSPHRASE}"\n${lines.join('\n')}\n`,
    };
    services.tomlResolver.clearCache();
  };
  publishToml();
  return {
    name: options.name,
    keypair,
    web,
    domain,
    config,
    services,
    external,
    internal,
    db,
    publishToml,
    async close() {
      await Promise.all([external.close(), internal.close(), web.close()]);
      await db.destroy();
    },
  };
}
