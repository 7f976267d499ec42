// federation.cfg: the legacy keys unchanged (`port`, `[database] type/dsn`,
// `[queries] federation / reverse-federation`, `[tls]`), plus a few optional
// additions documented in the README: `host`, `log_format` and
// `[queries] forward`.
import { z } from 'zod';
import { loadConfig, logFormatSchema, portSchema, tlsSchema } from '@anchor/support';

export const federationConfigSchema = z.strictObject({
  port: portSchema,
  host: z.string().default('127.0.0.1'),
  log_format: logFormatSchema.default('text'),
  database: z.strictObject({
    type: z.enum(['mysql', 'postgres', 'sqlite3'], {
      error: (issue) => `Invalid db type: ${String(issue.input ?? '')} (use mysql, postgres or sqlite3)`,
    }),
    dsn: z.string().min(1, { error: 'is required' }),
  }),
  queries: z.strictObject({
    /** `?` placeholders: the name part, then the domain part. Columns id, memo_type?, memo?. */
    federation: z.string().min(1, { error: 'is required' }),
    /** `?` placeholder: the account id. Columns name, domain. */
    'reverse-federation': z.string().min(1).optional(),
    /** `:param` placeholders bound from the request's query string. Columns as `federation`. */
    forward: z.string().min(1).optional(),
  }),
  tls: tlsSchema.optional(),
});

export type FederationConfig = z.infer<typeof federationConfigSchema>;

/** Loads federation.cfg; `FEDERATION_DATABASE_DSN` overrides the DSN (it may hold a password). */
export function loadFederationConfig(file: string, env: NodeJS.ProcessEnv = process.env): FederationConfig {
  return loadConfig(file, federationConfigSchema, {
    env,
    envOverrides: { FEDERATION_DATABASE_DSN: 'database.dsn' },
  });
}
