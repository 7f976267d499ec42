// Outbound requests whose target a stranger chooses (the sender domain of an auth
// request, the URLs in that domain's stellar.toml) must reach only the public
// internet, or compliance becomes a proxy into its own network and a port scanner.
// Two checks, both needed: the URL (an IP literal never goes through DNS; names like
// `localhost`; any port but the scheme's default) before the request, and every
// address a name resolves to, at connect time, so DNS answers cannot sneak past.
import type { LookupAddress, LookupOptions } from 'node:dns';
import { isIP, type LookupFunction } from 'node:net';

/** Code of the error a refused peer fails with (transport-like, as ECONNREFUSED). */
export const PEER_REFUSED_CODE = 'ERR_PEER_REFUSED';

/** A request to a non-public peer that was never sent. `message` says why (for logs only). */
export class PeerRefusedError extends Error {
  override readonly name = 'PeerRefusedError';
  readonly code = PEER_REFUSED_CODE;
}

// Address blocks that are not the public internet. IPv4-mapped, NAT64 and 6to4
// addresses are judged by the IPv4 address they carry (see embeddedIpv4).
const BLOCKED: readonly [string, string][] = [
  ['0.0.0.0/8', 'unspecified'],
  ['10.0.0.0/8', 'private'],
  ['100.64.0.0/10', 'carrier-grade NAT'],
  ['127.0.0.0/8', 'loopback'],
  ['169.254.0.0/16', 'link-local'], // cloud metadata at 169.254.169.254
  ['172.16.0.0/12', 'private'],
  ['192.0.0.0/24', 'reserved'], // IETF assignments; Oracle's metadata at 192.0.0.192
  ['192.0.2.0/24', 'documentation'],
  ['192.88.99.0/24', 'reserved'],
  ['192.168.0.0/16', 'private'],
  ['198.18.0.0/15', 'reserved'],
  ['198.51.100.0/24', 'documentation'],
  ['203.0.113.0/24', 'documentation'],
  ['224.0.0.0/4', 'multicast'],
  ['240.0.0.0/4', 'reserved'], // and 255.255.255.255
  ['::/128', 'unspecified'],
  ['::1/128', 'loopback'],
  ['::/8', 'reserved'], // IPv4-compatible and other legacy forms
  ['64:ff9b:1::/48', 'private'],
  ['100::/64', 'reserved'],
  ['2001::/23', 'reserved'], // Teredo, ORCHID and other protocol assignments
  ['2001:db8::/32', 'documentation'],
  ['fc00::/7', 'unique-local'], // AWS metadata at fd00:ec2::254
  ['fe80::/10', 'link-local'],
  ['fec0::/10', 'site-local'],
  ['ff00::/8', 'multicast'],
];

interface Block {
  bytes: Uint8Array;
  bits: number;
  label: string;
}

const BLOCKS: Block[] = BLOCKED.map(([cidr, label]) => {
  const [address, bits] = cidr.split('/') as [string, string];
  return { bytes: addressBytes(address) as Uint8Array, bits: Number(bits), label };
});

/**
 * Why `ip` is not a public internet address (`loopback`, `private`, `link-local`, …),
 * or undefined when it is one. Anything that does not parse as an address is refused.
 */
export function nonPublicAddressReason(ip: string): string | undefined {
  const bytes = addressBytes(ip);
  if (!bytes) return 'not an IP address';
  const v4 = bytes.length === 4 ? bytes : embeddedIpv4(bytes);
  if (v4 && v4 !== bytes) return nonPublicAddressReason(Array.from(v4).join('.'));
  return BLOCKS.find((b) => b.bytes.length === bytes.length && prefixMatches(bytes, b))?.label;
}

/**
 * Throws {@link PeerRefusedError} unless `url` names a public peer: not an IP literal
 * of a non-public address, not `localhost` or `*.localhost`, no port but the default.
 */
export function assertPublicPeerUrl(url: URL): void {
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (url.port !== '') throw new PeerRefusedError(`${url.host}: port ${url.port} is not the default port`);
  if (host === 'localhost' || host.endsWith('.localhost')) {
    throw new PeerRefusedError(`${host}: localhost is not a public peer`);
  }
  if (isIP(host) !== 0) {
    const reason = nonPublicAddressReason(host);
    if (reason) throw new PeerRefusedError(`${host}: ${reason} address`);
  }
}

/**
 * Wraps a lookup so a name resolving to any non-public address fails with
 * {@link PeerRefusedError} instead of connecting.
 */
export function publicOnlyLookup(inner: LookupFunction): LookupFunction {
  return (hostname, options, callback) => {
    const wantsAll = (options as LookupOptions).all === true;
    inner(hostname, { ...(options as LookupOptions), all: true }, (err, result) => {
      if (err) {
        callback(err, '', 0);
        return;
      }
      const addresses = result as unknown as LookupAddress[];
      for (const { address } of addresses) {
        const reason = nonPublicAddressReason(address);
        if (reason) {
          callback(new PeerRefusedError(`${hostname} resolves to ${reason} address ${address}`), '', 0);
          return;
        }
      }
      const first = addresses[0];
      if (wantsAll) (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, addresses);
      else if (first) callback(null, first.address, first.family);
      else callback(new PeerRefusedError(`${hostname} has no address`), '', 0);
    });
  };
}

function prefixMatches(bytes: Uint8Array, block: Block): boolean {
  const whole = Math.floor(block.bits / 8);
  for (let i = 0; i < whole; i++) if (bytes[i] !== block.bytes[i]) return false;
  const rest = block.bits % 8;
  if (rest === 0) return true;
  const mask = (0xff << (8 - rest)) & 0xff;
  return ((bytes[whole] as number) & mask) === ((block.bytes[whole] as number) & mask);
}

/** The IPv4 address inside an IPv4-mapped (::ffff:a.b.c.d), NAT64 (64:ff9b::/96) or 6to4 (2002::/16) one. */
function embeddedIpv4(b: Uint8Array): Uint8Array | undefined {
  const zeros = (from: number, to: number) => b.subarray(from, to).every((x) => x === 0);
  if (zeros(0, 10) && b[10] === 0xff && b[11] === 0xff) return b.subarray(12, 16);
  if (b[0] === 0x00 && b[1] === 0x64 && b[2] === 0xff && b[3] === 0x9b && zeros(4, 12)) return b.subarray(12);
  if (b[0] === 0x20 && b[1] === 0x02) return b.subarray(2, 6);
  return undefined;
}

/** 4 or 16 bytes of a canonical IPv4 or any IPv6 text form (zone id ignored), else undefined. */
function addressBytes(ip: string): Uint8Array | undefined {
  const text = ip.replace(/%.*$/, '');
  const kind = isIP(text);
  if (kind === 4) return Uint8Array.from(text.split('.').map(Number));
  if (kind !== 6) return undefined;
  let groups = text.toLowerCase();
  let tail: number[] = [];
  const dotted = /:(\d+\.\d+\.\d+\.\d+)$/.exec(groups);
  if (dotted) {
    tail = (dotted[1] as string).split('.').map(Number);
    groups = `${groups.slice(0, dotted.index)}:0:0`;
  }
  const [head, after] = groups.split('::') as [string, string | undefined];
  const left = head === '' ? [] : head.split(':');
  const right = after === undefined || after === '' ? [] : after.split(':');
  const words = [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right];
  const bytes = new Uint8Array(16);
  words.forEach((w, i) => {
    const n = parseInt(w, 16);
    bytes[2 * i] = n >> 8;
    bytes[2 * i + 1] = n & 0xff;
  });
  if (tail.length === 4) bytes.set(tail, 12);
  return bytes;
}
