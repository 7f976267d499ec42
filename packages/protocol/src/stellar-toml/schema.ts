// zod schema of the stellar.toml keys this stack relies on. Known keys are checked
// (so the typed result is true at runtime); unknown keys pass through untouched
// because SEP-1 keeps growing and a wallet field we never read must not break us.

import { z } from 'zod';
import { isAccountId } from '../keys.js';

const accountId = z.string().refine(isAccountId, { message: 'must be a G… account id' });

const httpUrl = z.string().refine(
  (s) => {
    try {
      const u = new URL(s);
      return u.protocol === 'https:' || u.protocol === 'http:';
    } catch {
      return false;
    }
  },
  { message: 'must be an absolute http(s) URL' },
);

/**
 * One `[[CURRENCIES]]` entry (SEP-1); other keys pass through.
 * @see https://github.com/stellar/stellar-protocol/blob/master/ecosystem/sep-0001.md
 */
export const stellarTomlCurrencySchema = z.looseObject({
  code: z.string().optional(),
  issuer: accountId.optional(),
  code_template: z.string().optional(),
  status: z.string().optional(),
  display_decimals: z.number().int().optional(),
  name: z.string().optional(),
  desc: z.string().optional(),
  conditions: z.string().optional(),
  image: z.string().optional(),
  is_asset_anchored: z.boolean().optional(),
  anchor_asset_type: z.string().optional(),
  anchor_asset: z.string().optional(),
  redemption_instructions: z.string().optional(),
  regulated: z.boolean().optional(),
});

/**
 * The `[DOCUMENTATION]` table (SEP-1); other keys pass through.
 * @see https://github.com/stellar/stellar-protocol/blob/master/ecosystem/sep-0001.md
 */
export const stellarTomlDocumentationSchema = z.looseObject({
  ORG_NAME: z.string().optional(),
  ORG_DBA: z.string().optional(),
  ORG_URL: z.string().optional(),
  ORG_LOGO: z.string().optional(),
  ORG_DESCRIPTION: z.string().optional(),
  ORG_PHYSICAL_ADDRESS: z.string().optional(),
  ORG_PHONE_NUMBER: z.string().optional(),
  ORG_OFFICIAL_EMAIL: z.string().optional(),
  ORG_SUPPORT_EMAIL: z.string().optional(),
});

/**
 * Schema of a stellar.toml document: the keys used by federation (SEP-2), compliance
 * (SEP-3) and the bridge are typed and checked; everything else passes through.
 * @see https://github.com/stellar/stellar-protocol/blob/master/ecosystem/sep-0001.md
 */
export const stellarTomlSchema = z.looseObject({
  VERSION: z.string().optional(),
  NETWORK_PASSPHRASE: z.string().optional(),
  FEDERATION_SERVER: httpUrl.optional(),
  AUTH_SERVER: httpUrl.optional(),
  TRANSFER_SERVER: httpUrl.optional(),
  TRANSFER_SERVER_SEP0024: httpUrl.optional(),
  KYC_SERVER: httpUrl.optional(),
  WEB_AUTH_ENDPOINT: httpUrl.optional(),
  DIRECT_PAYMENT_SERVER: httpUrl.optional(),
  HORIZON_URL: httpUrl.optional(),
  SIGNING_KEY: accountId.optional(),
  URI_REQUEST_SIGNING_KEY: accountId.optional(),
  ACCOUNTS: z.array(accountId).optional(),
  CURRENCIES: z.array(stellarTomlCurrencySchema).optional(),
  DOCUMENTATION: stellarTomlDocumentationSchema.optional(),
});

/**
 * A validated stellar.toml.
 * @see https://github.com/stellar/stellar-protocol/blob/master/ecosystem/sep-0001.md
 */
export type StellarToml = z.infer<typeof stellarTomlSchema>;
/**
 * One validated `[[CURRENCIES]]` entry.
 * @see https://github.com/stellar/stellar-protocol/blob/master/ecosystem/sep-0001.md
 */
export type StellarTomlCurrency = z.infer<typeof stellarTomlCurrencySchema>;
/**
 * The validated `[DOCUMENTATION]` table.
 * @see https://github.com/stellar/stellar-protocol/blob/master/ecosystem/sep-0001.md
 */
export type StellarTomlDocumentation = z.infer<typeof stellarTomlDocumentationSchema>;
