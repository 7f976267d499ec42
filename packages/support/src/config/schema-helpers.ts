// Zod building blocks shared by the services' config schemas, with the error
// messages an operator should read at start-up.
import { z } from 'zod';
import { StrKey } from '@stellar/stellar-sdk';

/** A TCP port number. */
export const portSchema = z
  .number({ error: 'must be an integer' })
  .int({ error: 'must be an integer' })
  .min(0, { error: 'must be between 0 and 65535' })
  .max(65535, { error: 'must be between 0 and 65535' });

/** An absolute http(s) URL. */
export const urlSchema = z.string().refine(
  (value) => {
    try {
      const url = new URL(value);
      return url.protocol === 'http:' || url.protocol === 'https:';
    } catch {
      return false;
    }
  },
  { error: 'must be an absolute http(s) URL' },
);

export const seedSchema = z
  .string()
  .refine((v) => StrKey.isValidEd25519SecretSeed(v), { error: 'must be a secret seed starting with S' });
export const accountIdSchema = z
  .string()
  .refine((v) => StrKey.isValidEd25519PublicKey(v), { error: 'must be an account id starting with G' });

/** `[database]`: the dialect and where it lives (a URL, or a file path for sqlite3). */
export const databaseSchema = z.strictObject({
  type: z.enum(['mysql', 'postgres', 'sqlite3'], { error: 'must be one of mysql, postgres, sqlite3' }),
  url: z.string().min(1, { error: 'is required' }),
});

/** `[tls]` with the legacy hyphenated keys. */
export const tlsSchema = z.strictObject({
  'certificate-file': z.string().min(1),
  'private-key-file': z.string().min(1),
});

export const logFormatSchema = z.enum(['json', 'text'], { error: 'must be json or text' });

/** Outbound HTTP options shared by every service that calls other servers. */
export const httpClientSchema = z.strictObject({
  timeout_ms: z.number().int().positive().default(10_000),
  /** PEM file of extra CAs trusted besides the system ones (development CAs). */
  extra_ca_file: z.string().optional(),
  /** Development only: `bank-b.test = "127.0.0.1:8443"` style name → address map. */
  host_map: z.record(z.string(), z.string()).default({}),
  /** Development only: allow http:// stellar.toml / federation / auth URLs. */
  allow_http: z.boolean().default(false),
});
export type HttpClientConfig = z.infer<typeof httpClientSchema>;
