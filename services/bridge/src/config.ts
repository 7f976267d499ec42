// bridge.cfg: the legacy keys (port, horizon, network_passphrase, compliance,
// api_key, mac_key, log_format, develop, [[assets]], [database], [accounts],
// [callbacks]) plus the additions documented in the README: host, [http],
// [submitter] (channel accounts, batching, time bounds) and [listener]
// (receiving accounts, cursor-reset policy, delivery retry backoff, locks,
// failure log budget), and `min_amount` per asset.
// Secrets also come from the environment (BRIDGE_* variables).
import { z } from 'zod';
import { isAmount } from '@anchor/protocol';
import {
  accountIdSchema,
  httpClientSchema,
  loadConfig,
  logFormatSchema,
  portSchema,
  seedSchema,
  urlSchema,
  validateConfig,
} from '@anchor/support';

const assetSchema = z
  .strictObject({
    code: z.string(),
    issuer: z.string().optional(),
    /** Received payments of this asset below this amount are recorded, not delivered. */
    min_amount: z
      .string()
      .refine(isAmount, { error: 'min_amount must be a positive amount with at most 7 decimals' })
      .optional(),
  })
  .superRefine((asset, ctx) => {
    if (!/^[a-zA-Z0-9]{1,12}$/.test(asset.code)) {
      ctx.addIssue({ code: 'custom', message: `Invalid asset code: ${asset.code}` });
      return;
    }
    if (asset.code === 'XLM' && !asset.issuer) return;
    if (!asset.issuer) {
      ctx.addIssue({ code: 'custom', message: `Issuer param is required for ${asset.code}` });
    } else if (!accountIdSchema.safeParse(asset.issuer).success) {
      ctx.addIssue({ code: 'custom', message: `Issuing account is invalid for ${asset.code}` });
    }
  });

/** A list given as a TOML array or, from the environment, as one comma-separated string. */
const seedListSchema = z.preprocess(
  (v) =>
    typeof v === 'string'
      ? v
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean)
      : v,
  z.array(seedSchema),
);

const databaseSchema = z
  .strictObject({
    type: z.enum(['', 'mysql', 'postgres', 'sqlite3'], {
      error: 'Invalid database.type param (use mysql, postgres or sqlite3)',
    }),
    url: z.string().default(''),
  })
  .superRefine((db, ctx) => {
    if (db.type !== '' && db.url === '')
      ctx.addIssue({ code: 'custom', path: ['url'], message: 'is required' });
    if (db.type === 'mysql' || db.type === 'postgres') {
      try {
        new URL(db.url);
      } catch {
        ctx.addIssue({ code: 'custom', path: ['url'], message: 'Cannot parse database.url param' });
      }
    }
  });

export const bridgeConfigSchema = z.strictObject({
  port: portSchema,
  host: z.string().default('127.0.0.1'),
  /** Legacy: the Horizon URL. Required unless `[network] backend = "rpc"`. */
  horizon: urlSchema.optional(),
  network: z
    .strictObject({
      /** Which API the bridge talks to: Horizon, or Stellar RPC (no Horizon needed). */
      backend: z.enum(['horizon', 'rpc']).default('horizon'),
      /** Stellar RPC endpoint (localnet: `<url>/rpc`); required with backend = "rpc". */
      rpc_url: urlSchema.optional(),
      /** Horizon URL; with backend = "rpc" used only to backfill history older than RPC's window. */
      horizon_url: urlSchema.optional(),
      /** RPC polling interval for transaction outcomes and incoming payments. */
      poll_interval_ms: z.number().int().min(10).default(1_000),
      /** How long an RPC submission waits for its ledger before its outcome counts as unknown. */
      submit_timeout_ms: z.number().int().min(100).default(30_000),
    })
    .optional(),
  network_passphrase: z.string().min(1, { error: 'network_passphrase param is required' }),
  compliance: urlSchema.optional(),
  api_key: z.string().min(15, { error: 'api-key have to be at least 15 chars long' }).optional(),
  mac_key: seedSchema.optional(),
  log_format: logFormatSchema.default('text'),
  develop: z.boolean().optional(),
  assets: z.array(assetSchema).default([]),
  database: databaseSchema.optional(),
  accounts: z
    .strictObject({
      base_seed: seedSchema.optional(),
      authorizing_seed: seedSchema.optional(),
      issuing_account_id: accountIdSchema.optional(),
      receiving_account_id: accountIdSchema.optional(),
    })
    .default({}),
  callbacks: z.strictObject({ receive: urlSchema.optional(), error: urlSchema.optional() }).default({}),
  http: httpClientSchema.default({ timeout_ms: 10_000, host_map: {}, allow_http: false }),
  submitter: z
    .strictObject({
      /** Channel account seeds (prefer BRIDGE_CHANNEL_SEEDS). Empty: the paying account is the tx source. */
      channel_seeds: seedListSchema.default([]),
      /** Put several queued payments into one multi-operation transaction. */
      batching: z.boolean().default(false),
      /** Most operations per batched transaction (Stellar allows 100). */
      batch_max_operations: z.number().int().min(1).max(100).default(100),
      /** Every transaction's time bounds: valid from now for this many seconds. */
      transaction_timeout_seconds: z.number().int().min(5).default(60),
      /** Resync-and-retry bound for tx_bad_seq. */
      bad_seq_retries: z.number().int().min(0).default(3),
      /** Fee per operation in stroops. */
      base_fee: z.number().int().min(100).default(100),
      /**
       * A payment `id` claim (database row) not renewed for this long is stale: its holder
       * died before recording a transaction, and another request may take the id over.
       */
      claim_stale_ms: z.number().int().min(500).default(30_000),
    })
    .default({
      channel_seeds: [],
      batching: false,
      batch_max_operations: 100,
      transaction_timeout_seconds: 60,
      bad_seq_retries: 3,
      base_fee: 100,
      claim_stale_ms: 30_000,
    }),
  listener: z
    .strictObject({
      /** More receiving accounts (accounts.receiving_account_id is added to these). */
      receiving_accounts: z.array(accountIdSchema).default([]),
      /** What to do when the stored cursor is ahead of the network (network reset). */
      cursor_reset: z.enum(['now', 'oldest', 'halt']).default('now'),
      /** What to do when the stored cursor is older than Horizon's history_elder_ledger. */
      history_gap: z.enum(['halt', 'continue']).default('halt'),
      /** Delivery retry backoff (exponential, capped, retried forever). */
      retry_min_ms: z.number().int().min(1).default(1_000),
      retry_max_ms: z.number().int().min(1).default(300_000),
      /** Parallel callback deliveries. */
      delivery_concurrency: z.number().int().min(1).max(64).default(8),
      /** Reconnect the stream when nothing arrived for this long. */
      silence_timeout_ms: z.number().int().min(100).default(60_000),
      /** Stream reconnect backoff bounds. */
      reconnect_min_ms: z.number().int().min(1).default(500),
      reconnect_max_ms: z.number().int().min(1).default(30_000),
      /** How often a replica without the lock tries to take it. */
      lock_retry_ms: z.number().int().min(10).default(5_000),
      /** Receive-callback timeout. */
      callback_timeout_ms: z.number().int().min(1).default(60_000),
      /** Delivery failure log lines per minute; the rest are counted (metrics) and summarised. */
      failure_log_per_minute: z.number().int().min(1).default(10),
      /** Claimable balances for a receiving account: `report` (admin) or `claim` (then deliver). */
      claimable_balances: z.enum(['report', 'claim']).default('report'),
      /** How often the lock holder looks for claimable balances. */
      claimable_poll_ms: z.number().int().min(100).default(60_000),
      /** Follow every receiving account over one network-wide Horizon stream (README). */
      one_stream: z.boolean().default(false),
    })
    .default({
      receiving_accounts: [],
      cursor_reset: 'now',
      history_gap: 'halt',
      retry_min_ms: 1_000,
      retry_max_ms: 300_000,
      delivery_concurrency: 8,
      silence_timeout_ms: 60_000,
      reconnect_min_ms: 500,
      reconnect_max_ms: 30_000,
      lock_retry_ms: 5_000,
      callback_timeout_ms: 60_000,
      failure_log_per_minute: 10,
      claimable_balances: 'report',
      claimable_poll_ms: 60_000,
      one_stream: false,
    }),
});

export const bridgeConfigSchemaChecked = bridgeConfigSchema.superRefine((c, ctx) => {
  const backend = c.network?.backend ?? 'horizon';
  if (backend === 'rpc' && !c.network?.rpc_url)
    ctx.addIssue({
      code: 'custom',
      path: ['network', 'rpc_url'],
      message: 'is required with backend = "rpc"',
    });
  if (backend === 'horizon' && !c.horizon && !c.network?.horizon_url)
    ctx.addIssue({
      code: 'custom',
      path: ['horizon'],
      message: 'Invalid input: expected string, received undefined',
    });
});

export type BridgeConfig = z.infer<typeof bridgeConfigSchema>;

export const BRIDGE_ENV_OVERRIDES = {
  BRIDGE_BASE_SEED: 'accounts.base_seed',
  BRIDGE_AUTHORIZING_SEED: 'accounts.authorizing_seed',
  BRIDGE_MAC_KEY: 'mac_key',
  BRIDGE_API_KEY: 'api_key',
  BRIDGE_CHANNEL_SEEDS: 'submitter.channel_seeds',
  BRIDGE_DATABASE_URL: 'database.url',
} as const;

/** Loads bridge.cfg with the BRIDGE_* environment overrides. */
export function loadBridgeConfig(file: string, env: NodeJS.ProcessEnv = process.env): BridgeConfig {
  return loadConfig(file, bridgeConfigSchemaChecked, { env, envOverrides: BRIDGE_ENV_OVERRIDES });
}

/** Validates an already-parsed object (tests). */
export function parseBridgeConfig(raw: Record<string, unknown>, env: NodeJS.ProcessEnv = {}): BridgeConfig {
  return validateConfig('bridge.cfg', raw, bridgeConfigSchemaChecked, {
    env,
    envOverrides: BRIDGE_ENV_OVERRIDES,
  });
}

/** The receiving accounts the listener watches (legacy key first, no duplicates). */
export function receivingAccounts(config: BridgeConfig): string[] {
  const all = [
    ...(config.accounts.receiving_account_id ? [config.accounts.receiving_account_id] : []),
    ...config.listener.receiving_accounts,
  ];
  return [...new Set(all)];
}

/** The database config when one is configured (`type = ""` means none, as the legacy file allowed). */
export function databaseOf(
  config: BridgeConfig,
): { type: 'mysql' | 'postgres' | 'sqlite3'; url: string } | undefined {
  const db = config.database;
  if (!db || db.type === '') return undefined;
  return { type: db.type, url: db.url };
}

export type NetworkSettings =
  | { backend: 'horizon'; horizonUrl: string }
  | { backend: 'rpc'; rpcUrl: string; horizonUrl?: string; pollIntervalMs: number; submitTimeoutMs: number };

/** The network the bridge talks to (`[network]`, else the legacy `horizon` key). */
export function networkOf(config: BridgeConfig): NetworkSettings {
  const horizonUrl = config.network?.horizon_url ?? config.horizon;
  if (config.network?.backend === 'rpc')
    return {
      backend: 'rpc',
      rpcUrl: config.network.rpc_url as string,
      horizonUrl,
      pollIntervalMs: config.network.poll_interval_ms,
      submitTimeoutMs: config.network.submit_timeout_ms,
    };
  return { backend: 'horizon', horizonUrl: horizonUrl as string };
}
