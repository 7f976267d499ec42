// Pure stellar.toml parsing: TOML text → validated, typed object.

import TOML from '@iarna/toml';
import { ProtocolError } from '../errors.js';
import { stellarTomlSchema, type StellarToml } from './schema.js';

/**
 * Largest stellar.toml we read, in bytes (SEP-1: 100 KB; Go and js-stellar-sdk use 100 × 1024).
 * @defaultValue 102400
 * @see https://github.com/stellar/stellar-protocol/blob/master/ecosystem/sep-0001.md
 */
export const STELLAR_TOML_MAX_SIZE = 100 * 1024;

/**
 * Where a domain publishes its stellar.toml.
 * @see https://github.com/stellar/stellar-protocol/blob/master/ecosystem/sep-0001.md
 */
export const STELLAR_TOML_WELL_KNOWN_PATH = '/.well-known/stellar.toml';

/**
 * Parses and validates stellar.toml text. Unknown keys are kept.
 *
 * @throws {ProtocolError} `toml_too_large` over {@link STELLAR_TOML_MAX_SIZE} bytes;
 *   `toml_invalid` for TOML syntax errors or a known key of the wrong shape (`field` is
 *   its path, e.g. `SIGNING_KEY` or `CURRENCIES.0.issuer`)
 * @see https://github.com/stellar/stellar-protocol/blob/master/ecosystem/sep-0001.md
 */
export function parseStellarToml(text: string): StellarToml {
  if (Buffer.byteLength(text, 'utf8') > STELLAR_TOML_MAX_SIZE) {
    throw new ProtocolError('toml_too_large', `stellar.toml exceeds ${STELLAR_TOML_MAX_SIZE} bytes`);
  }
  let raw: unknown;
  try {
    raw = TOML.parse(text);
  } catch (e) {
    throw new ProtocolError('toml_invalid', 'stellar.toml is not valid TOML', { cause: e });
  }
  const result = stellarTomlSchema.safeParse(raw);
  if (!result.success) {
    const issue = result.error.issues[0];
    const field = issue ? issue.path.map(String).join('.') : undefined;
    throw new ProtocolError(
      'toml_invalid',
      `stellar.toml ${field ?? 'document'}: ${issue?.message ?? 'invalid'}`,
      {
        field,
        cause: result.error,
      },
    );
  }
  return result.data;
}
