import { createPrivateKey, createPublicKey, sign, verify } from 'node:crypto';
import { StrKey } from '@stellar/stellar-sdk';
import { describe, expect, it } from 'vitest';
import {
  SIGNING_KEY,
  SIGNING_KEY_RAW_HEX,
  SIGNING_SEED,
  SIGNING_SEED_RAW_HEX,
  SOURCE,
} from '../testing/compliance-fixtures.js';
import { isBase64, signAuthData, verifyAuthSignature } from './signature.js';

// DER prefixes that wrap raw ed25519 keys for node:crypto (RFC 8410).
const SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');
const PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');
const nodePublicKey = createPublicKey({
  key: Buffer.concat([SPKI_PREFIX, Buffer.from(SIGNING_KEY_RAW_HEX, 'hex')]),
  format: 'der',
  type: 'spki',
});
const nodePrivateKey = createPrivateKey({
  key: Buffer.concat([PKCS8_PREFIX, Buffer.from(SIGNING_SEED_RAW_HEX, 'hex')]),
  format: 'der',
  type: 'pkcs8',
});

const DATA = '{"sender":"aldi*bankA.com","need_info":true,"tx":"AAAA","attachment":"{}"}';
// ed25519 is deterministic; this value was produced by node:crypto from the raw seed.
const DATA_SIG = 'Cf0GEFpgBhnzW3eJ2xr1rrmkoRYcjiqibiMCAWw1bEbV9OBfjPWwN5PnTV9A31L2bTMRLWUPAqXVW1TueTMFAw==';

describe('signAuthData / verifyAuthSignature', () => {
  it('signs the raw UTF-8 bytes of data: equal to the pinned node:crypto signature', () => {
    expect(signAuthData(SIGNING_SEED, DATA)).toBe(DATA_SIG);
  });

  it('produces signatures node:crypto verifies', () => {
    const data = '{"note":"über <&> \u2028"}';
    const sig = Buffer.from(signAuthData(SIGNING_SEED, data), 'base64');
    expect(sig).toHaveLength(64);
    expect(verify(null, Buffer.from(data, 'utf8'), nodePublicKey, sig)).toBe(true);
    expect(verify(null, Buffer.from(data + ' ', 'utf8'), nodePublicKey, sig)).toBe(false);
  });

  it('verifies signatures made by node:crypto', () => {
    const data = 'any data, no hashing, no network id';
    const sig = sign(null, Buffer.from(data, 'utf8'), nodePrivateKey).toString('base64');
    expect(verifyAuthSignature(SIGNING_KEY, data, sig)).toBe(true);
    expect(verifyAuthSignature(SIGNING_KEY, DATA, DATA_SIG)).toBe(true);
  });

  it('rejects the wrong key, changed data and malformed signatures without throwing', () => {
    expect(verifyAuthSignature(SOURCE, DATA, DATA_SIG)).toBe(false);
    expect(verifyAuthSignature(SIGNING_KEY, DATA + ' ', DATA_SIG)).toBe(false);
    const short = Buffer.from(DATA_SIG, 'base64').subarray(0, 63).toString('base64');
    expect(verifyAuthSignature(SIGNING_KEY, DATA, short)).toBe(false);
    const long = Buffer.concat([Buffer.from(DATA_SIG, 'base64'), Buffer.from([0])]).toString('base64');
    expect(verifyAuthSignature(SIGNING_KEY, DATA, long)).toBe(false);
    expect(verifyAuthSignature(SIGNING_KEY, DATA, 'bad sig')).toBe(false);
    expect(verifyAuthSignature('GBAD', DATA, DATA_SIG)).toBe(false);
  });

  it('fails (false) for a wrong key, a flipped data byte and a 63-byte sig', () => {
    const data = Buffer.from(DATA, 'utf8');
    const sig = Buffer.from(DATA_SIG, 'base64');
    // Wrong key: a valid account id that did not sign, twice (the second hit is cached).
    expect(verifyAuthSignature(SOURCE, DATA, DATA_SIG)).toBe(false);
    expect(verifyAuthSignature(SOURCE, DATA, DATA_SIG)).toBe(false);
    // One flipped bit in each byte position of data.
    for (let i = 0; i < data.length; i++) {
      const flipped = Buffer.from(data);
      flipped[i] = (flipped[i] as number) ^ 0x01;
      expect(verifyAuthSignature(SIGNING_KEY, flipped.toString('latin1'), DATA_SIG)).toBe(false);
    }
    // A flipped signature byte, and 63 bytes (whichever byte is dropped).
    const flippedSig = Buffer.from(sig);
    flippedSig[10] = (flippedSig[10] as number) ^ 0x80;
    expect(verifyAuthSignature(SIGNING_KEY, DATA, flippedSig.toString('base64'))).toBe(false);
    expect(verifyAuthSignature(SIGNING_KEY, DATA, sig.subarray(1).toString('base64'))).toBe(false);
    expect(verifyAuthSignature(SIGNING_KEY, DATA, sig.subarray(0, 63).toString('base64'))).toBe(false);
    // The cached key still verifies the genuine signature.
    expect(verifyAuthSignature(SIGNING_KEY, DATA, DATA_SIG)).toBe(true);
  });

  it('keeps verifying correctly past the key cache bound (1,000 account ids)', () => {
    const keys = Array.from({ length: 1005 }, (_, i) => {
      const seed = Buffer.alloc(32, 0);
      seed.writeUInt32BE(i + 1);
      return StrKey.encodeEd25519PublicKey(
        createPublicKey(
          createPrivateKey({ key: Buffer.concat([PKCS8_PREFIX, seed]), format: 'der', type: 'pkcs8' }),
        )
          .export({ format: 'der', type: 'spki' })
          .subarray(12),
      );
    });
    for (const key of keys) expect(verifyAuthSignature(key, DATA, DATA_SIG)).toBe(false);
    // SIGNING_KEY was evicted by now (or never cached): it is rebuilt and still verifies.
    expect(verifyAuthSignature(SIGNING_KEY, DATA, DATA_SIG)).toBe(true);
    expect(verifyAuthSignature(keys[0] as string, DATA, DATA_SIG)).toBe(false);
  });

  it('rejects an invalid seed', () => {
    expect(() => signAuthData('broken', DATA)).toThrow(expect.objectContaining({ code: 'invalid_seed' }));
  });
});

describe('isBase64', () => {
  it.each(['AAAA', 'AA==', 'AAA=', DATA_SIG])('accepts %s', (s) => expect(isBase64(s)).toBe(true));
  it.each(['', 'si/g=', '&^%', 'bad sig', 'AAA', 'A===', 'AA-_'])('rejects %j', (s) =>
    expect(isBase64(s)).toBe(false),
  );
});
