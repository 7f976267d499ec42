// Muxed accounts (CAP-27, SEP-23): an M… address is a G account plus a 64-bit id that tells the
// receiver which of its customers a payment is for.
import { StrKey } from '@stellar/stellar-sdk';

/** The M… address of account `g` with muxed id `id` (decimal). */
export function muxedAddress(g: string, id: string): string {
  const raw = Buffer.alloc(40);
  StrKey.decodeEd25519PublicKey(g).copy(raw, 0);
  raw.writeBigUInt64BE(BigInt(id), 32);
  return StrKey.encodeMed25519PublicKey(raw);
}

/** The G account of a well-formed M… address; undefined for anything else. */
export function muxedBase(address: string): string | undefined {
  if (!StrKey.isValidMed25519PublicKey(address)) return undefined;
  return StrKey.encodeEd25519PublicKey(StrKey.decodeMed25519PublicKey(address).subarray(0, 32));
}
