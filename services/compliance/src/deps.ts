// Builds the compliance services from a config, a database and a logger. Shared
// by main.ts and the tests so both run exactly the same wiring.
import type { Knex } from 'knex';
import { createPublicClients, type Logger } from '@anchor/support';
import type { StellarTomlResolver } from '@anchor/protocol';
import { CallbacksClient } from './clients/callbacks.client.js';
import type { ComplianceConfig } from './config.js';
import { AccessService } from './services/access.service.js';
import { AuthService } from './services/auth.service.js';
import { ReceiveService } from './services/receive.service.js';
import { SendService } from './services/send.service.js';
import { TxStatusService } from './services/tx-status.service.js';
import { KnexComplianceStore, type ComplianceStore } from './stores/compliance.store.js';

export interface ComplianceServices {
  logger: Logger;
  store: ComplianceStore;
  auth: AuthService;
  send: SendService;
  receive: ReceiveService;
  access: AccessService;
  txStatus: TxStatusService;
  txStatusAuth?: { username: string; password: string };
  tomlResolver: StellarTomlResolver;
}

export interface ComplianceDepsOptions {
  /** Nonce source for /send (tests pin it). */
  nonce?: () => string;
}

export function createComplianceServices(
  config: ComplianceConfig,
  db: Knex,
  logger: Logger,
  options: ComplianceDepsOptions = {},
): ComplianceServices {
  const { http, tomlResolver, federation } = createPublicClients(config.http, {
    cacheTtlMs: config.stellar_toml_cache_ttl_ms,
  });
  const store = new KnexComplianceStore(db);
  const callbacks = new CallbacksClient(http, config.callbacks);
  return {
    logger,
    store,
    tomlResolver,
    auth: new AuthService({ store, callbacks, tomlResolver, networkPassphrase: config.network_passphrase }),
    send: new SendService({
      store,
      callbacks,
      http,
      tomlResolver,
      federation,
      signingSeed: config.keys.signing_seed,
      networkPassphrase: config.network_passphrase,
      needsAuth: config.needs_auth,
      allowHttp: config.http.allow_http,
      nonce: options.nonce,
    }),
    receive: new ReceiveService(store),
    access: new AccessService(store),
    txStatus: new TxStatusService(callbacks),
    txStatusAuth: config.tx_status_auth,
  };
}
