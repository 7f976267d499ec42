// Form encodings shared by bridge `/payment` and compliance `/send`: the bracketed
// keys of legacy-reference §1.6 and Go's `url.Values.Encode()` byte layout, which
// the bridge MAC and the SEP-3 auth request are computed over.

import { ProtocolError } from './errors.js';

/**
 * Most path elements a path payment may carry (`path[0]` … `path[4]`).
 * @see https://github.com/stellar/stellar-protocol/blob/master/ecosystem/sep-0003.md
 */
export const MAX_PATH_LENGTH = 5;

/**
 * One `path[n]` element as sent in the form; both empty means native.
 * @see https://github.com/stellar/stellar-protocol/blob/master/ecosystem/sep-0003.md
 */
export interface PathAssetForm {
  asset_code: string;
  asset_issuer: string;
}

/**
 * A forward-federation destination (`forward_destination[domain]` + `[fields][x]`).
 * @see https://github.com/stellar/stellar-protocol/blob/master/ecosystem/sep-0003.md
 */
export interface ForwardDestination {
  domain: string;
  fields: Record<string, string>;
}

/**
 * Flat form values; a key may repeat (array) as in Go `url.Values`.
 * @see https://github.com/stellar/stellar-protocol/blob/master/ecosystem/sep-0003.md
 */
export type FormValues = Record<string, string | readonly string[] | undefined>;

const FORWARD_FIELD = /^forward_destination\[fields\]\[([a-z_-]+)\]$/;

/**
 * Reads `path[n][asset_code]` / `path[n][asset_issuer]` from n = 0 upward, stopping at
 * the first index whose `asset_code` key is absent (native is sent as present-but-empty
 * keys, as in Go).
 *
 * @throws {ProtocolError} `invalid_form` (field `path`) when more than {@link MAX_PATH_LENGTH} are given
 * @see https://github.com/stellar/stellar-protocol/blob/master/ecosystem/sep-0003.md
 */
export function parsePathForm(form: Readonly<Record<string, string | undefined>>): PathAssetForm[] {
  const path: PathAssetForm[] = [];
  for (let n = 0; ; n++) {
    const code = form[`path[${n}][asset_code]`];
    if (code === undefined) break;
    if (n >= MAX_PATH_LENGTH) {
      throw new ProtocolError('invalid_form', `A path may have at most ${MAX_PATH_LENGTH} assets`, {
        field: 'path',
      });
    }
    path.push({ asset_code: code, asset_issuer: form[`path[${n}][asset_issuer]`] ?? '' });
  }
  return path;
}

/**
 * Encodes a path back into its bracketed keys.
 * @see https://github.com/stellar/stellar-protocol/blob/master/ecosystem/sep-0003.md
 */
export function encodePathForm(path: readonly PathAssetForm[]): Record<string, string> {
  const out: Record<string, string> = {};
  path.forEach((p, n) => {
    out[`path[${n}][asset_code]`] = p.asset_code;
    out[`path[${n}][asset_issuer]`] = p.asset_issuer;
  });
  return out;
}

/**
 * Reads a forward destination. Returns `undefined` unless the domain is non-empty and
 * at least one `forward_destination[fields][name]` (name `[a-z_-]+`) is present; other
 * field names are ignored, as in Go.
 * @see https://github.com/stellar/stellar-protocol/blob/master/ecosystem/sep-0002.md
 */
export function parseForwardDestination(
  form: Readonly<Record<string, string | undefined>>,
): ForwardDestination | undefined {
  const domain = form['forward_destination[domain]'] ?? '';
  const fields: Record<string, string> = {};
  for (const [key, value] of Object.entries(form)) {
    const m = FORWARD_FIELD.exec(key);
    if (m && value !== undefined) fields[m[1] as string] = value;
  }
  if (domain === '' || Object.keys(fields).length === 0) return undefined;
  return { domain, fields };
}

/**
 * Encodes a forward destination back into its bracketed keys.
 * @see https://github.com/stellar/stellar-protocol/blob/master/ecosystem/sep-0002.md
 */
export function encodeForwardDestination(dest: ForwardDestination): Record<string, string> {
  const out: Record<string, string> = { 'forward_destination[domain]': dest.domain };
  for (const [name, value] of Object.entries(dest.fields))
    out[`forward_destination[fields][${name}]`] = value;
  return out;
}

/**
 * Replaces lone UTF-16 surrogates by U+FFFD: that is what Go sees after UTF-8 decoding.
 * @see https://github.com/stellar/stellar-protocol/blob/master/ecosystem/sep-0003.md
 */
export function toWellFormed(s: string): string {
  return s.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD');
}

/**
 * Go `url.QueryEscape`: everything but `A-Za-z0-9-_.~` percent-encoded (upper-case hex),
 * space as `+`.
 * @see https://pkg.go.dev/net/url#QueryEscape
 */
export function goQueryEscape(s: string): string {
  return encodeURIComponent(toWellFormed(s))
    .replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
    .replace(/%20/g, '+');
}

/**
 * Compares strings by their UTF-8 bytes, as Go's `sort.Strings` does.
 * @see https://github.com/stellar/stellar-protocol/blob/master/ecosystem/sep-0003.md
 */
export function compareUtf8(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/**
 * Go `url.Values.Encode()`: keys sorted bytewise, `key=value` pairs joined by `&`,
 * repeated keys keep their value order, `undefined` values skipped. The bridge's
 * payload MAC and the SEP-3 auth request body are these exact bytes.
 *
 * @example encodeFormGoStyle({ sig: 'si/g=', data: '{"hello": "world"}' })
 *   // 'data=%7B%22hello%22%3A+%22world%22%7D&sig=si%2Fg%3D'
 * @see https://pkg.go.dev/net/url#Values.Encode
 */
export function encodeFormGoStyle(values: FormValues): string {
  const parts: string[] = [];
  for (const key of Object.keys(values).sort(compareUtf8)) {
    const v = values[key];
    if (v === undefined) continue;
    const list = typeof v === 'string' ? [v] : v;
    for (const item of list) parts.push(`${goQueryEscape(key)}=${goQueryEscape(item)}`);
  }
  return parts.join('&');
}
