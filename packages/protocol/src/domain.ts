// DNS-name checks for the domain part of stellar addresses and stellar.toml hosts.
// Unlike Go's govalidator IsDNSName we accept an optional `:port`, because dev and
// test setups run several anchors on `localhost:8002`, `bank-a.test:8443`, …

/**
 * Longest DNS name in characters (RFC 1035, without the trailing dot).
 * @see https://github.com/stellar/stellar-protocol/blob/master/ecosystem/sep-0001.md
 */
export const MAX_DOMAIN_LENGTH = 253;

const LABEL = /^[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?$/i;
// A URL parser reads a host whose last label is a number (decimal, or 0x hex) as an IPv4
// address in any of its forms (`0x7f.1`, `0x7f000001`, `017700000001`), so such a host is
// never a DNS name: it is an IP literal in disguise.
const NUMERIC_LABEL = /^(?:[0-9]+|0x[0-9a-f]*)$/i;

/**
 * True when `domain` is a DNS name (RFC 1035 labels, no IP literal in any form, no
 * trailing dot),
 * optionally followed by `:port` (1–65535).
 *
 * @param domain e.g. `stellar.org`, `localhost:8002`
 * @see https://github.com/stellar/stellar-protocol/blob/master/ecosystem/sep-0002.md
 */
export function isValidDomain(domain: string): boolean {
  if (typeof domain !== 'string' || domain.length === 0) return false;
  const colon = domain.indexOf(':');
  const host = colon === -1 ? domain : domain.slice(0, colon);
  if (colon !== -1) {
    const port = domain.slice(colon + 1);
    if (!/^[0-9]{1,5}$/.test(port)) return false;
    const n = Number(port);
    if (n < 1 || n > 65535) return false;
  }
  if (host.length === 0 || host.length > MAX_DOMAIN_LENGTH) return false;
  const labels = host.split('.');
  if (NUMERIC_LABEL.test(labels[labels.length - 1] as string)) return false;
  return labels.every((label) => LABEL.test(label));
}

/**
 * The host part of a domain without its `:port`, lower-cased.
 * @see https://github.com/stellar/stellar-protocol/blob/master/ecosystem/sep-0001.md
 */
export function domainHost(domain: string): string {
  const colon = domain.indexOf(':');
  return (colon === -1 ? domain : domain.slice(0, colon)).toLowerCase();
}

/**
 * Hosts where plain http is acceptable by default: local development names only.
 * @see https://github.com/stellar/stellar-protocol/blob/master/ecosystem/sep-0001.md
 */
export const DEV_HTTP_DOMAINS: readonly string[] = ['localhost', '*.localhost', '*.test'];

/**
 * True when `host` matches one of `patterns` (`name` exactly or `*.suffix` for any
 * subdomain of suffix).
 * @see https://github.com/stellar/stellar-protocol/blob/master/ecosystem/sep-0001.md
 */
export function hostMatches(host: string, patterns: readonly string[]): boolean {
  const h = host.toLowerCase();
  return patterns.some((p) => {
    const pattern = p.toLowerCase();
    return pattern.startsWith('*.')
      ? h.endsWith(pattern.slice(1)) && h.length > pattern.length - 1
      : h === pattern;
  });
}
