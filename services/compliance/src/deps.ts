// Builds the compliance services from a config, a database and a logger. Shared
// by main.ts and the tests so both run exactly the same wiring.
import type { Knex } from 'knex';
import { createHttpClient, createPublicClients, type Logger } from '@anchor/support';
import type { StellarTomlResolver } from '@anchor/protocol';
import { CallbacksClient } from './clients/callbacks.client.js';
import type { ComplianceConfig } from './config.js';
import { AccessService } from './services/access.service.js';
import { AuthService } from './services/auth.service.js';
import { ReceiveService } from './services/receive.service.js';
import { SendService } from './services/send.service.js';
import { TxStatusService } from './services/tx-status.service.js';
import { UnpaidService } from './services/unpaid.service.js';
import { KnexComplianceStore, type ComplianceStore } from './stores/compliance.store.js';

export interface ComplianceServices {
  logger: Logger;
  store: ComplianceStore;
  auth: AuthService;
  send: SendService;
  receive: ReceiveService;
  access: AccessService;
  txStatus: TxStatusService;
  unpaid: UnpaidService;
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
  // Other banks are reached through a client that refuses non-public peers (unless
  // allow_local_peers); our own backend's callbacks, usually on loopback, through another.
  const { http, tomlResolver, federation } = createPublicClients(config.http, {
    cacheTtlMs: config.stellar_toml_cache_ttl_ms,
    failureTtlMs: config.stellar_toml_failure_ttl_ms,
    publicPeersOnly: !config.http.allow_local_peers,
  });
  const backendHttp = createHttpClient({
    timeoutMs: config.http.timeout_ms,
    extraCaFile: config.http.extra_ca_file,
    hostMap: config.http.host_map,
  });
  const store = new KnexComplianceStore(db);
  const callbacks = new CallbacksClient(backendHttp, config.callbacks);
  const limits = config.auth_limits;
  return {
    logger,
    store,
    tomlResolver,
    auth: new AuthService({
      store,
      callbacks,
      tomlResolver,
      networkPassphrase: config.network_passphrase,
      limits: {
        requestsPerMinute: limits.requests_per_minute,
        maxAttachmentBytes: limits.max_attachment_bytes,
        maxNoteBytes: limits.max_note_bytes,
      },
    }),
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
    unpaid: new UnpaidService(store),
    txStatusAuth: config.tx_status_auth,
  };
}
