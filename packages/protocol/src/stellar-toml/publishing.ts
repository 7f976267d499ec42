// Lint for a stellar.toml we are about to publish (used by the toml generator):
// stricter than what we accept from others, and it reports every problem at once.

import TOML from '@iarna/toml';
import { isAssetCode } from '../asset.js';
import { DEV_HTTP_DOMAINS, hostMatches } from '../domain.js';
import { isAccountId } from '../keys.js';
import { STELLAR_TOML_MAX_SIZE } from './parse.js';

/**
 * One problem found by {@link validateStellarTomlForPublishing}.
 * @see https://github.com/stellar/stellar-protocol/blob/master/ecosystem/sep-0001.md
 */
export interface StellarTomlProblem {
  /** Key path, e.g. `FEDERATION_SERVER` or `CURRENCIES[0].issuer`; `''` for the document. */
  field: string;
  message: string;
}

/**
 * Options of {@link validateStellarTomlForPublishing}.
 * @see https://github.com/stellar/stellar-protocol/blob/master/ecosystem/sep-0001.md
 */
export interface PublishingOptions {
  /**
   * Hosts whose URLs may use plain http (`name` or `*.suffix`). Pass `[]` to demand
   * https everywhere. @defaultValue {@link DEV_HTTP_DOMAINS}
   */
  allowHttpDomains?: readonly string[];
}

/**
 * Endpoint keys: SEP-1 wants them https and without a trailing slash.
 * @see https://github.com/stellar/stellar-protocol/blob/master/ecosystem/sep-0001.md
 */
export const STELLAR_TOML_ENDPOINT_KEYS = [
  'FEDERATION_SERVER',
  'AUTH_SERVER',
  'TRANSFER_SERVER',
  'TRANSFER_SERVER_SEP0024',
  'KYC_SERVER',
  'WEB_AUTH_ENDPOINT',
  'DIRECT_PAYMENT_SERVER',
  'HORIZON_URL',
] as const;

function checkUrl(
  problems: StellarTomlProblem[],
  field: string,
  value: unknown,
  allowHttpDomains: readonly string[],
  endpoint: boolean,
): void {
  if (typeof value !== 'string') {
    problems.push({ field, message: 'must be a string URL' });
    return;
  }
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    problems.push({ field, message: 'must be an absolute URL' });
    return;
  }
  if (url.protocol === 'http:') {
    if (!hostMatches(url.hostname, allowHttpDomains)) {
      problems.push({
        field,
        message: `must use https (http only for ${allowHttpDomains.join(', ') || 'no host'})`,
      });
    }
  } else if (url.protocol !== 'https:') {
    problems.push({ field, message: 'must use https' });
  }
  if (endpoint && value.endsWith('/')) problems.push({ field, message: 'must not end with a slash' });
}

/**
 * Checks a stellar.toml before publishing: size ≤ {@link STELLAR_TOML_MAX_SIZE}, valid
 * TOML, endpoint URLs https (http only for `allowHttpDomains`) without trailing slash,
 * `SIGNING_KEY` and `ACCOUNTS` valid `G…` keys, each `[[CURRENCIES]]` with a `code`
 * (1–12 alphanumeric) and a valid `issuer`, `DOCUMENTATION.ORG_URL`/`ORG_LOGO` https.
 *
 * @param text the TOML text as it will be served
 * @returns every problem found; empty when the document is fine
 * @see https://github.com/stellar/stellar-protocol/blob/master/ecosystem/sep-0001.md
 */
export function validateStellarTomlForPublishing(
  text: string,
  options: PublishingOptions = {},
): StellarTomlProblem[] {
  const allowHttpDomains = options.allowHttpDomains ?? DEV_HTTP_DOMAINS;
  const problems: StellarTomlProblem[] = [];
  const size = Buffer.byteLength(text, 'utf8');
  if (size > STELLAR_TOML_MAX_SIZE) {
    problems.push({ field: '', message: `is ${size} bytes; the limit is ${STELLAR_TOML_MAX_SIZE}` });
  }
  let doc: Record<string, unknown>;
  try {
    doc = TOML.parse(text) as Record<string, unknown>;
  } catch (e) {
    problems.push({ field: '', message: `is not valid TOML: ${(e as Error).message.split('\n')[0]}` });
    return problems;
  }

  for (const key of STELLAR_TOML_ENDPOINT_KEYS) {
    if (doc[key] !== undefined) checkUrl(problems, key, doc[key], allowHttpDomains, true);
  }
  if (
    doc.SIGNING_KEY !== undefined &&
    !(typeof doc.SIGNING_KEY === 'string' && isAccountId(doc.SIGNING_KEY))
  ) {
    problems.push({ field: 'SIGNING_KEY', message: 'must be a valid G… account id' });
  }
  if (doc.ACCOUNTS !== undefined) {
    if (!Array.isArray(doc.ACCOUNTS)) problems.push({ field: 'ACCOUNTS', message: 'must be an array' });
    else
      doc.ACCOUNTS.forEach((a: unknown, i) => {
        if (!(typeof a === 'string' && isAccountId(a))) {
          problems.push({ field: `ACCOUNTS[${i}]`, message: 'must be a valid G… account id' });
        }
      });
  }
  if (doc.CURRENCIES !== undefined) {
    if (!Array.isArray(doc.CURRENCIES)) {
      problems.push({ field: 'CURRENCIES', message: 'must be an array of tables ([[CURRENCIES]])' });
    } else {
      doc.CURRENCIES.forEach((c: unknown, i) => {
        const entry = (typeof c === 'object' && c !== null ? c : {}) as Record<string, unknown>;
        const { code, issuer } = entry;
        if (code === undefined) problems.push({ field: `CURRENCIES[${i}].code`, message: 'is required' });
        else if (!(typeof code === 'string' && isAssetCode(code))) {
          problems.push({ field: `CURRENCIES[${i}].code`, message: 'must be 1-12 alphanumeric characters' });
        }
        if (issuer === undefined) problems.push({ field: `CURRENCIES[${i}].issuer`, message: 'is required' });
        else if (!(typeof issuer === 'string' && isAccountId(issuer))) {
          problems.push({ field: `CURRENCIES[${i}].issuer`, message: 'must be a valid G… account id' });
        }
        if (entry.image !== undefined) {
          checkUrl(problems, `CURRENCIES[${i}].image`, entry.image, allowHttpDomains, false);
        }
      });
    }
  }
  const documentation = doc.DOCUMENTATION;
  if (documentation !== undefined) {
    if (typeof documentation !== 'object' || documentation === null || Array.isArray(documentation)) {
      problems.push({ field: 'DOCUMENTATION', message: 'must be a table' });
    } else {
      for (const key of ['ORG_URL', 'ORG_LOGO'] as const) {
        const value = (documentation as Record<string, unknown>)[key];
        if (value !== undefined) checkUrl(problems, `DOCUMENTATION.${key}`, value, allowHttpDomains, false);
      }
    }
  }
  return problems;
}
