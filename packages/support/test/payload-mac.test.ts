import { createHmac } from 'node:crypto';
import { StrKey } from '@stellar/stellar-sdk';
import { describe, expect, it } from 'vitest';
import { InvalidMacKeyError, payloadMac, verifyPayloadMac } from '../src/index.js';

// The mac_key used by the legacy bridge's own tests (L-13).
const MAC_KEY = 'SABLR5HOI2IUOYB27TR4TO7HWDJIGSRJTT4UUTXXZOFVVPGQKJ5ME43J';

describe('payloadMac', () => {
  it('is base64 HMAC-SHA256 keyed by the raw 32 seed bytes', () => {
    const body = 'amount=1&from=G&id=1';
    const raw = StrKey.decodeEd25519SecretSeed(MAC_KEY);
    expect(raw).toHaveLength(32);
    expect(payloadMac(MAC_KEY, body)).toBe(createHmac('sha256', raw).update(body).digest('base64'));
  });

  it('verifies the right header and refuses a wrong or missing one', () => {
    const body = 'a=1';
    expect(verifyPayloadMac(MAC_KEY, body, payloadMac(MAC_KEY, body))).toBe(true);
    expect(verifyPayloadMac(MAC_KEY, body, payloadMac(MAC_KEY, 'a=2'))).toBe(false);
    expect(verifyPayloadMac(MAC_KEY, body, undefined)).toBe(false);
    expect(verifyPayloadMac(MAC_KEY, body, 'garbage')).toBe(false);
  });

  it('rejects a key that is not a seed', () => {
    expect(() => payloadMac('broken', 'x')).toThrow(InvalidMacKeyError);
    expect(() => payloadMac('broken', 'x')).toThrow('invalid MAC key');
  });
});
