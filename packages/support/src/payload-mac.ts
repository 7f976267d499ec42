// The X-Payload-Mac header the bridge puts on callbacks: base64 HMAC-SHA256 of
// the exact body bytes, keyed by the raw 32 bytes of the `mac_key` seed, as the
// legacy bridge computed it, so existing bank backends keep verifying it.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { StrKey } from '@stellar/stellar-sdk';

/** Thrown when a mac_key is not a valid S… seed. */
export class InvalidMacKeyError extends Error {
  constructor() {
    super('invalid MAC key');
    this.name = 'InvalidMacKeyError';
  }
}

function keyBytes(macKey: string): Buffer {
  try {
    return StrKey.decodeEd25519SecretSeed(macKey);
  } catch {
    throw new InvalidMacKeyError();
  }
}

/** base64(HMAC-SHA256(raw seed bytes, body)). */
export function payloadMac(macKey: string, body: string | Buffer): string {
  return createHmac('sha256', keyBytes(macKey)).update(body).digest('base64');
}

/** Constant-time check of a received X-Payload-Mac header. */
export function verifyPayloadMac(macKey: string, body: string | Buffer, header: string | undefined): boolean {
  if (!header) return false;
  const expected = Buffer.from(payloadMac(macKey, body), 'base64');
  const given = Buffer.from(header, 'base64');
  return given.length === expected.length && timingSafeEqual(given, expected);
}
