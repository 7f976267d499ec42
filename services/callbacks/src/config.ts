// callbacks.cfg: the reference bank backend's TOML file. Secrets (the MAC key
// shared with the bridge, the operator password, a database URL with a
// password) are better given in the environment: CALLBACKS_MAC_KEY,
// CALLBACKS_OPERATOR_PASSWORD, CALLBACKS_DATABASE_URL, CALLBACKS_SESSION_SECRET.
import { dirname, isAbsolute, resolve } from 'node:path';
import { z } from 'zod';
import {
  accountIdSchema,
  databaseSchema,
  loadConfig,
  logFormatSchema,
  portSchema,
  seedSchema,
  tlsSchema,
} from '@anchor/support';
import { isValidDomain } from '@anchor/protocol';

export const callbacksConfigSchema = z.strictObject({
  port: portSchema,
  host: z.string().default('127.0.0.1'),
  log_format: logFormatSchema.default('text'),
  database: databaseSchema,
  /** S… seed shared with the bridge; X-Payload-Mac is keyed by its raw 32 bytes. */
  mac_key: seedSchema,
  /** Password of the operator console. At least 12 characters. */
  operator_password: z.string().min(12, { error: 'must be at least 12 characters' }),
  /** Signs the console session cookie. Default: derived from operator_password. */
  session_secret: z.string().min(16, { error: 'must be at least 16 characters' }).optional(),
  /** Default account id given to new customers (federation answers point payments at it). */
  receiving_account_id: accountIdSchema,
  /** Our federation domain: the default domain of new customers. */
  domain: z.string().refine(isValidDomain, { error: 'must be a domain name such as bank-b.test' }),
  /** Seconds a compliance server is told to wait on a pending ask_user or sanctions answer. */
  pending_seconds: z.number().int().min(1).max(86_400).default(600),
  sanctions: z
    .strictObject({
      /** OFAC SDN-style CSV (sdn.csv layout or a header row with a name column). Relative to this file. */
      list_file: z.string().min(1).optional(),
      /** Optional OFAC alt.csv (aliases) for the same entries. Relative to this file. */
      alt_file: z.string().min(1).optional(),
      /** Similarity (0..1) from which a name is a fuzzy hit that an operator must review. */
      fuzzy_threshold: z.number().min(0.5).max(1).default(0.85),
    })
    .default({ fuzzy_threshold: 0.85 }),
  /**
   * Proxies (addresses or CIDRs, e.g. `172.16.0.0/12`, or `loopback`) whose
   * X-Forwarded-For is believed for the console's sign-in limiter. Default none,
   * not even loopback: otherwise anyone who reaches the port can forge it.
   */
  trusted_proxies: z.array(z.string().min(1)).default([]),
  /**
   * This bank's compliance INTERNAL base URL (`http://compliance-internal:8004`): the
   * console's "Unpaid authorizations" page reads its GET /unpaid_auth. Optional.
   */
  compliance_internal_url: z.url({ protocol: /^https?$/ }).optional(),
  tls: tlsSchema.optional(),
});

export type CallbacksConfig = z.infer<typeof callbacksConfigSchema>;

export const ENV_OVERRIDES = {
  CALLBACKS_MAC_KEY: 'mac_key',
  CALLBACKS_OPERATOR_PASSWORD: 'operator_password',
  CALLBACKS_DATABASE_URL: 'database.url',
  CALLBACKS_SESSION_SECRET: 'session_secret',
};

/** Loads callbacks.cfg; relative file paths in it are resolved against the file's directory. */
export function loadCallbacksConfig(file: string, env: NodeJS.ProcessEnv = process.env): CallbacksConfig {
  const config = loadConfig(file, callbacksConfigSchema, { env, envOverrides: ENV_OVERRIDES });
  const base = dirname(resolve(file));
  const at = (path: string | undefined) => (path && !isAbsolute(path) ? resolve(base, path) : path);
  return {
    ...config,
    sanctions: {
      ...config.sanctions,
      list_file: at(config.sanctions.list_file),
      alt_file: at(config.sanctions.alt_file),
    },
  };
}
