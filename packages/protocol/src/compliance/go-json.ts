// Byte-exact reproduction of Go's `encoding/json` string and map encoding, as used by
// the legacy compliance server to build the SEP-3 `attachment` and `data` strings.
// Receivers only hash/verify the strings they get, so this matters for producing the
// same bytes (and hashes, signatures) as the Go sender for the same input.

import { compareUtf8 } from '../form.js';

const HEX = '0123456789abcdef';

/**
 * Encodes `s` as a JSON string literal exactly as Go's `json.Marshal` (with its default
 * HTML escaping) does:
 * - `"` and `\` backslash-escaped; `\n`, `\r`, `\t` short forms;
 * - every other byte < 0x20 as `\u00XX` (lower-case hex). Go < 1.22 — the toolchain of
 *   the legacy servers — has no `\b`/`\f` short forms, so U+0008/U+000C become
 *   `\u0008`/`\u000c` (JSON.stringify would write `\b`/`\f`);
 * - `<`, `>`, `&` as `\u003c`, `\u003e`, `\u0026`; U+2028/U+2029 as `\u2028`/`\u2029`;
 * - lone surrogates (invalid UTF-8 for Go) as `\ufffd`; everything else verbatim.
 * @see https://pkg.go.dev/encoding/json#Marshal
 */
export function goJsonString(s: string): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdfff) {
      const next = s.charCodeAt(i + 1);
      if (c <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
        out += s[i]! + s[i + 1]!;
        i++;
      } else {
        out += '\\ufffd';
      }
    } else if (c === 0x22) out += '\\"';
    else if (c === 0x5c) out += '\\\\';
    else if (c === 0x0a) out += '\\n';
    else if (c === 0x0d) out += '\\r';
    else if (c === 0x09) out += '\\t';
    else if (c < 0x20 || c === 0x3c || c === 0x3e || c === 0x26 || c === 0x2028 || c === 0x2029) {
      out += '\\u' + HEX[(c >> 12) & 0xf] + HEX[(c >> 8) & 0xf] + HEX[(c >> 4) & 0xf] + HEX[c & 0xf];
    } else {
      out += s[i];
    }
  }
  return out + '"';
}

/**
 * Go encoding of a `map[string]string`: `null` for a nil map, keys sorted by their
 * UTF-8 bytes, compact.
 * @see https://pkg.go.dev/encoding/json#Marshal
 */
export function goJsonStringMap(map: Readonly<Record<string, string>> | null | undefined): string {
  if (map === null || map === undefined) return 'null';
  const keys = Object.keys(map).sort(compareUtf8);
  return `{${keys.map((k) => `${goJsonString(k)}:${goJsonString(map[k] as string)}`).join(',')}}`;
}
