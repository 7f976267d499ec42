// compliance.cfg: the legacy Go keys unchanged (`external_port`, `internal_port`,
// `needs_auth`, `network_passphrase`, `log_format`, `[database]`, `[keys]`,
// `[callbacks]`, `[tls]`, `[tx_status_auth]`) plus a few optional additions
// documented in the README: `host`, `stellar_toml_cache_ttl_ms`,
// `stellar_toml_failure_ttl_ms`, `[auth_limits]` and `[http]` (with `allow_local_peers`).
// Secrets may come from the environment instead of the file.
import { z } from 'zod';
import {
  databaseSchema,
  httpClientSchema,
  loadConfig,
  logFormatSchema,
  portSchema,
  seedSchema,
  tlsSchema,
  urlSchema,
} from '@anchor/support';

/** A callback URL; the legacy files wrote `""` for "not configured". */
const callbackUrl = z
  .union([z.literal(''), urlSchema])
  .optional()
  .transform((v) => (v === '' ? undefined : v));

/**
 * `[http]` plus `allow_local_peers`: development only. Off, every peer fetched on a
 * remote caller's behalf (a sender's stellar.toml, a destination's federation and auth
 * servers) must be a public address on the default port, never `localhost`.
 */
const complianceHttpSchema = httpClientSchema.extend({ allow_local_peers: z.boolean().default(false) });

/** Limits of the public auth endpoint against harvesting and flooding. */
const authLimitsSchema = z.strictObject({
  /** Validly signed auth requests accepted per sender domain per minute; 0 = no limit. */
  requests_per_minute: z.number().int().min(0).default(60),
  /** Largest `attachment` text in an auth request, in bytes. */
  max_attachment_bytes: z
    .number()
    .int()
    .positive()
    .default(16 * 1024),
  /** Largest `transaction.note` in the attachment, in bytes. */
  max_note_bytes: z.number().int().positive().default(1024),
});

export const complianceConfigSchema = z.strictObject({
  /** Public port: the SEP-3 auth endpoint `POST /` and SEP-4 `GET /tx_status`. */
  external_port: portSchema,
  /** Private port: `/send`, `/receive`, `/allow_access`, `/remove_access`. */
  internal_port: portSchema,
  /** Listen address of both ports (new; default 127.0.0.1). */
  host: z.string().min(1).default('127.0.0.1'),
  /**
   * Listen address of the internal port only (new; default `host`): e.g. the
   * address or name of the container on the private network, so the internet-facing
   * side never reaches /send and /receive.
   */
  internal_host: z.string().min(1).optional(),
  /** Sent as `need_info` in our outgoing auth data: we want the receiver's KYC. */
  needs_auth: z.boolean().default(false),
  network_passphrase: z.string().min(1, { error: 'is required' }),
  log_format: logFormatSchema.default('text'),
  database: databaseSchema,
  keys: z.strictObject({
    /** Its G… must be SIGNING_KEY in our own stellar.toml. */
    signing_seed: seedSchema,
  }),
  callbacks: z
    .strictObject({
      sanctions: callbackUrl,
      ask_user: callbackUrl,
      fetch_info: callbackUrl,
      tx_status: callbackUrl,
    })
    .default({ sanctions: undefined, ask_user: undefined, fetch_info: undefined, tx_status: undefined }),
  tls: tlsSchema.optional(),
  tx_status_auth: z
    .strictObject({
      username: z.string().min(1, { error: 'is required' }),
      password: z.string().min(1, { error: 'is required' }),
    })
    .optional(),
  /** How long a fetched stellar.toml is reused (new; default 5 minutes). */
  stellar_toml_cache_ttl_ms: z.number().int().min(0).default(300_000),
  /** How long a failed stellar.toml fetch is remembered (new; default 10 s). */
  stellar_toml_failure_ttl_ms: z.number().int().min(0).default(10_000),
  auth_limits: authLimitsSchema.default({
    requests_per_minute: 60,
    max_attachment_bytes: 16 * 1024,
    max_note_bytes: 1024,
  }),
  http: complianceHttpSchema.default({
    timeout_ms: 10_000,
    host_map: {},
    allow_http: false,
    allow_local_peers: false,
  }),
});

export type ComplianceConfig = z.infer<typeof complianceConfigSchema>;

/** Environment variables that override keys of the file (secrets). */
export const COMPLIANCE_ENV_OVERRIDES = {
  COMPLIANCE_SIGNING_SEED: 'keys.signing_seed',
  COMPLIANCE_DATABASE_URL: 'database.url',
  COMPLIANCE_TX_STATUS_PASSWORD: 'tx_status_auth.password',
} as const;

/** Loads compliance.cfg with the env overrides; throws ConfigError listing every problem. */
export function loadComplianceConfig(file: string, env: NodeJS.ProcessEnv = process.env): ComplianceConfig {
  return loadConfig(file, complianceConfigSchema, { env, envOverrides: COMPLIANCE_ENV_OVERRIDES });
}
