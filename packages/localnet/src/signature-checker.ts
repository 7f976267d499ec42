// Weighs a transaction's signatures against an account's signers and thresholds, as
// stellar-core's SignatureChecker does: each signature counts for at most one signer, a signer
// counts once, and every signature must have been used by the end (tx_bad_auth_extra).
// Verification uses node's native ed25519 (the SDK's pure-JS verify is ~10× slower).
import { createHash, createPublicKey, verify, type KeyObject } from 'node:crypto';
import { StrKey } from '@stellar/stellar-sdk';
import type { DecoratedSig } from './xdr-decode.js';
import type { AccountEntry } from './ledger-state.js';

const SPKI_ED25519_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');
const keyCache = new Map<string, { raw: Buffer; key: KeyObject; hint: Buffer }>();

function publicKey(address: string): { raw: Buffer; key: KeyObject; hint: Buffer } {
  let k = keyCache.get(address);
  if (!k) {
    const raw = StrKey.decodeEd25519PublicKey(address);
    const key = createPublicKey({
      key: Buffer.concat([SPKI_ED25519_PREFIX, raw]),
      format: 'der',
      type: 'spki',
    });
    k = { raw, key, hint: raw.subarray(28) };
    if (keyCache.size > 100_000) keyCache.clear();
    keyCache.set(address, k);
  }
  return k;
}

/** Verifies an ed25519 signature by a G address over `data`. */
export function verifyEd25519(address: string, data: Buffer, signature: Buffer): boolean {
  if (signature.length !== 64) return false;
  try {
    return verify(null, data, publicKey(address).key, signature);
  } catch {
    return false;
  }
}

export type Threshold = 'low' | 'med' | 'high';

export class SignatureChecker {
  private readonly used: boolean[];
  /**
   * @param verified `${signatureIndex}:${address}` → verified?; pass the transaction's own map so
   *   a signature verified at submission is not verified again when the ledger closes.
   */
  constructor(
    private readonly hash: Buffer,
    private readonly signatures: DecoratedSig[],
    private readonly verified = new Map<string, boolean>(),
  ) {
    this.used = signatures.map(() => false);
  }

  private verifies(index: number, address: string): boolean {
    const cacheKey = `${index}:${address}`;
    let ok = this.verified.get(cacheKey);
    if (ok === undefined) {
      const sig = this.signatures[index]!;
      const { hint } = publicKey(address);
      ok = sig.hint.equals(hint) && verifyEd25519(address, this.hash, sig.signature);
      this.verified.set(cacheKey, ok);
    }
    return ok;
  }

  /** True when the signatures of the given signers (key → weight) reach `needed`. */
  checkSigners(signers: { key: string; weight: number }[], needed: number): boolean {
    let total = 0;
    const remaining = signers.filter((s) => s.weight > 0);
    // Pre-authorized transaction signers count without a signature.
    for (const s of remaining) {
      if (s.key.startsWith('T') && StrKey.decodePreAuthTx(s.key).equals(this.hash)) {
        total += Math.min(s.weight, 255);
        if (total >= needed && total > 0) return true;
      }
    }
    const pending = remaining.filter((s) => !s.key.startsWith('T'));
    for (let i = 0; i < this.signatures.length; i++) {
      const sig = this.signatures[i]!;
      for (let j = 0; j < pending.length; j++) {
        const s = pending[j]!;
        let match = false;
        if (s.key.startsWith('G')) {
          match = this.verifies(i, s.key);
        } else if (s.key.startsWith('X')) {
          const x = StrKey.decodeSha256Hash(s.key);
          match =
            sig.hint.equals(x.subarray(28)) && createHash('sha256').update(sig.signature).digest().equals(x);
        }
        if (match) {
          this.used[i] = true;
          total += Math.min(s.weight, 255);
          pending.splice(j, 1);
          if (total >= needed) return true;
          break;
        }
      }
    }
    return false;
  }

  /** Checks `account` against its own threshold level. */
  checkAccount(account: AccountEntry, level: Threshold): boolean {
    const needed =
      level === 'low' ? account.lowThreshold : level === 'med' ? account.medThreshold : account.highThreshold;
    const signers =
      account.masterWeight > 0
        ? [...account.signers, { key: account.id, weight: account.masterWeight }]
        : account.signers;
    return this.checkSigners(signers, needed);
  }

  /** For an account that does not exist (yet): only its master key with weight 1. */
  checkMasterOnly(address: string): boolean {
    return this.checkSigners([{ key: address, weight: 1 }], 0);
  }

  allUsed(): boolean {
    return this.used.every(Boolean);
  }
}
