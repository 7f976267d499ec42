// Envelope decoding: turns a base64 TransactionEnvelope (v0, v1 or fee bump) into a plain,
// fully-typed ParsedTx (G addresses, BigInt stroops) exactly once, so validation, application
// and rendering never touch XDR again. The v1 hash is taken over the envelope's own bytes
// instead of re-encoding the transaction.
import { createHash } from 'node:crypto';
import { StrKey, xdr } from '@stellar/stellar-sdk';

export type AssetType = 'native' | 'credit_alphanum4' | 'credit_alphanum12';
export type Asset =
  { type: 'native' } | { type: 'credit_alphanum4' | 'credit_alphanum12'; code: string; issuer: string };

/** An account reference, with its muxed (M…) form when the envelope used one. */
export interface AccountRef {
  account: string;
  muxed?: string;
  muxedId?: string;
}

export interface SignerSpec {
  key: string;
  weight: number;
}

export type OpBody =
  | { type: 'create_account'; destination: string; startingBalance: bigint }
  | { type: 'payment'; destination: AccountRef; asset: Asset; amount: bigint }
  | {
      type: 'path_payment_strict_receive';
      sendAsset: Asset;
      sendMax: bigint;
      destination: AccountRef;
      destAsset: Asset;
      destAmount: bigint;
      path: Asset[];
    }
  | {
      type: 'path_payment_strict_send';
      sendAsset: Asset;
      sendAmount: bigint;
      destination: AccountRef;
      destAsset: Asset;
      destMin: bigint;
      path: Asset[];
    }
  | { type: 'change_trust'; line: Asset | null; limit: bigint }
  | { type: 'allow_trust'; trustor: string; assetCode: string; authorize: number }
  | { type: 'set_trust_line_flags'; trustor: string; asset: Asset; setFlags: number; clearFlags: number }
  | {
      type: 'set_options';
      inflationDest?: string;
      clearFlags?: number;
      setFlags?: number;
      masterWeight?: number;
      lowThreshold?: number;
      medThreshold?: number;
      highThreshold?: number;
      homeDomain?: string;
      signer?: SignerSpec | { key: null; weight: number };
    }
  | { type: 'account_merge'; destination: AccountRef }
  | { type: 'manage_data'; name: string; value: Buffer | null }
  | { type: 'bump_sequence'; bumpTo: bigint }
  | {
      /** manage_sell_offer and create_passive_sell_offer (offerId 0, passive). */
      type: 'manage_sell_offer' | 'create_passive_sell_offer';
      selling: Asset;
      buying: Asset;
      amount: bigint;
      price: Price;
      offerId: bigint;
    }
  | {
      type: 'manage_buy_offer';
      selling: Asset;
      buying: Asset;
      buyAmount: bigint;
      price: Price;
      offerId: bigint;
    }
  | {
      type: 'create_claimable_balance';
      asset: Asset;
      amount: bigint;
      claimants: { destination: string; predicate: xdr.ClaimPredicate }[];
    }
  | { type: 'claim_claimable_balance'; balanceId: string }
  | { type: 'clawback_claimable_balance'; balanceId: string }
  /** Only applied with the dev-only SAC transfers (sac-transfer-appliers.ts); else op_not_supported. */
  | { type: 'invoke_host_function'; hostFunction: xdr.HostFunction }
  | { type: 'unsupported' };

/** A Price as n/d, both int32. */
export interface Price {
  n: number;
  d: number;
}

export type ParsedOp = OpBody & {
  /** Horizon's type name (snake_case of the XDR arm) and numeric type. */
  typeName: string;
  typeI: number;
  source?: AccountRef;
};

export type Memo =
  | { type: 'none' }
  | { type: 'text'; bytes: Buffer }
  | { type: 'id'; value: string }
  | { type: 'hash' | 'return'; bytes: Buffer };

export interface Preconditions {
  minTime?: bigint;
  maxTime?: bigint;
  minLedger?: number;
  maxLedger?: number;
  minSeqNum?: bigint;
  minSeqAge?: bigint;
  minSeqLedgerGap?: number;
  extraSigners: string[];
}

export interface DecoratedSig {
  hint: Buffer;
  signature: Buffer;
}

export interface InnerTx {
  hash: Buffer;
  source: AccountRef;
  fee: bigint;
  seqNum: bigint;
  memo: Memo;
  cond: Preconditions;
  operations: ParsedOp[];
  signatures: DecoratedSig[];
  /** `${signatureIndex}:${address}` → verified, kept across the submit-time and apply-time checks. */
  verified: Map<string, boolean>;
}

export interface ParsedTx extends InnerTx {
  /** Hash of the envelope as submitted (the outer hash for a fee bump). */
  envelopeHash: string;
  envelopeXdr: string;
  feeBump?: {
    hash: Buffer;
    feeSource: AccountRef;
    fee: bigint;
    signatures: DecoratedSig[];
    verified: Map<string, boolean>;
  };
}

export class MalformedEnvelopeError extends Error {}

const ENVELOPE_TYPE_TX = Buffer.from([0, 0, 0, 2]);
const ENVELOPE_TYPE_FEE_BUMP = Buffer.from([0, 0, 0, 5]);

/** Network ID: sha256 of the passphrase, prefixed to every signature payload. */
export function networkId(passphrase: string): Buffer {
  return createHash('sha256').update(passphrase).digest();
}

function sha256(...parts: Buffer[]): Buffer {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return h.digest();
}

function snake(name: string): string {
  return name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

const addressCache = new Map<string, string>();
/** G address of raw ed25519 bytes; cached because the same accounts recur in every ledger. */
export function gAddress(raw: Buffer): string {
  const k = raw.toString('latin1');
  let a = addressCache.get(k);
  if (a === undefined) {
    a = StrKey.encodeEd25519PublicKey(raw);
    if (addressCache.size > 50_000) addressCache.clear();
    addressCache.set(k, a);
  }
  return a;
}

function accountId(id: xdr.AccountId): string {
  return gAddress(id.ed25519());
}

function muxed(m: xdr.MuxedAccount): AccountRef {
  if (m.switch().name === 'keyTypeEd25519') return { account: gAddress(m.ed25519()) };
  const med = m.med25519();
  const raw = Buffer.concat([med.ed25519(), Buffer.from(med.id().toXDR())]);
  return {
    account: gAddress(med.ed25519()),
    muxed: StrKey.encodeMed25519PublicKey(raw),
    muxedId: med.id().toBigInt().toString(),
  };
}

function assetCode(buf: Buffer): string {
  const end = buf.indexOf(0);
  return buf.subarray(0, end < 0 ? buf.length : end).toString('latin1');
}

function asset(a: xdr.Asset): Asset {
  switch (a.switch().name) {
    case 'assetTypeNative':
      return { type: 'native' };
    case 'assetTypeCreditAlphanum4':
      return {
        type: 'credit_alphanum4',
        code: assetCode(a.alphaNum4().assetCode()),
        issuer: accountId(a.alphaNum4().issuer()),
      };
    case 'assetTypeCreditAlphanum12':
      return {
        type: 'credit_alphanum12',
        code: assetCode(a.alphaNum12().assetCode()),
        issuer: accountId(a.alphaNum12().issuer()),
      };
    default:
      throw new MalformedEnvelopeError('unknown asset type');
  }
}

function signerKeyString(k: xdr.SignerKey): string | null {
  switch (k.switch().name) {
    case 'signerKeyTypeEd25519':
      return gAddress(k.ed25519());
    case 'signerKeyTypePreAuthTx':
      return StrKey.encodePreAuthTx(k.preAuthTx());
    case 'signerKeyTypeHashX':
      return StrKey.encodeSha256Hash(k.hashX());
    default:
      return null;
  }
}

function int64(v: xdr.Int64 | xdr.Uint64): bigint {
  return v.toBigInt();
}

function decodeOp(op: xdr.Operation): ParsedOp {
  const body = op.body();
  const arm = body.switch();
  const base = {
    typeName: snake(arm.name),
    typeI: arm.value,
    ...(op.sourceAccount() ? { source: muxed(op.sourceAccount()!) } : {}),
  };
  switch (arm.name) {
    case 'createAccount': {
      const v = body.createAccountOp();
      return {
        ...base,
        type: 'create_account',
        destination: accountId(v.destination()),
        startingBalance: int64(v.startingBalance()),
      };
    }
    case 'payment': {
      const v = body.paymentOp();
      return {
        ...base,
        type: 'payment',
        destination: muxed(v.destination()),
        asset: asset(v.asset()),
        amount: int64(v.amount()),
      };
    }
    case 'pathPaymentStrictReceive': {
      const v = body.pathPaymentStrictReceiveOp();
      return {
        ...base,
        type: 'path_payment_strict_receive',
        sendAsset: asset(v.sendAsset()),
        sendMax: int64(v.sendMax()),
        destination: muxed(v.destination()),
        destAsset: asset(v.destAsset()),
        destAmount: int64(v.destAmount()),
        path: v.path().map(asset),
      };
    }
    case 'pathPaymentStrictSend': {
      const v = body.pathPaymentStrictSendOp();
      return {
        ...base,
        type: 'path_payment_strict_send',
        sendAsset: asset(v.sendAsset()),
        sendAmount: int64(v.sendAmount()),
        destination: muxed(v.destination()),
        destAsset: asset(v.destAsset()),
        destMin: int64(v.destMin()),
        path: v.path().map(asset),
      };
    }
    case 'changeTrust': {
      const v = body.changeTrustOp();
      const line = v.line();
      const isPool = line.switch().name === 'assetTypePoolShare';
      return {
        ...base,
        type: 'change_trust',
        line: isPool ? null : asset(line as unknown as xdr.Asset),
        limit: int64(v.limit()),
      };
    }
    case 'allowTrust': {
      const v = body.allowTrustOp();
      const a = v.asset();
      const code = a.switch().name === 'assetTypeCreditAlphanum4' ? a.assetCode4() : a.assetCode12();
      return {
        ...base,
        type: 'allow_trust',
        trustor: accountId(v.trustor()),
        assetCode: assetCode(code),
        authorize: v.authorize(),
      };
    }
    case 'setTrustLineFlags': {
      const v = body.setTrustLineFlagsOp();
      return {
        ...base,
        type: 'set_trust_line_flags',
        trustor: accountId(v.trustor()),
        asset: asset(v.asset()),
        setFlags: v.setFlags(),
        clearFlags: v.clearFlags(),
      };
    }
    case 'setOptions': {
      const v = body.setOptionsOp();
      const out: ParsedOp & { type: 'set_options' } = { ...base, type: 'set_options' };
      if (v.inflationDest()) out.inflationDest = accountId(v.inflationDest()!);
      if (v.clearFlags() !== null && v.clearFlags() !== undefined) out.clearFlags = v.clearFlags()!;
      if (v.setFlags() !== null && v.setFlags() !== undefined) out.setFlags = v.setFlags()!;
      if (v.masterWeight() !== null && v.masterWeight() !== undefined) out.masterWeight = v.masterWeight()!;
      if (v.lowThreshold() !== null && v.lowThreshold() !== undefined) out.lowThreshold = v.lowThreshold()!;
      if (v.medThreshold() !== null && v.medThreshold() !== undefined) out.medThreshold = v.medThreshold()!;
      if (v.highThreshold() !== null && v.highThreshold() !== undefined)
        out.highThreshold = v.highThreshold()!;
      const hd = v.homeDomain();
      if (hd !== null && hd !== undefined) out.homeDomain = Buffer.from(hd).toString('latin1');
      const s = v.signer();
      if (s) out.signer = { key: signerKeyString(s.key()), weight: s.weight() } as SignerSpec;
      return out;
    }
    case 'accountMerge':
      return { ...base, type: 'account_merge', destination: muxed(body.destination()) };
    case 'manageData': {
      const v = body.manageDataOp();
      const value = v.dataValue();
      return {
        ...base,
        type: 'manage_data',
        name: Buffer.from(v.dataName()).toString('latin1'),
        value: value === null || value === undefined ? null : Buffer.from(value),
      };
    }
    case 'bumpSequence':
      return { ...base, type: 'bump_sequence', bumpTo: int64(body.bumpSequenceOp().bumpTo()) };
    case 'manageSellOffer': {
      const v = body.manageSellOfferOp();
      return {
        ...base,
        type: 'manage_sell_offer',
        selling: asset(v.selling()),
        buying: asset(v.buying()),
        amount: int64(v.amount()),
        price: { n: v.price().n(), d: v.price().d() },
        offerId: int64(v.offerId()),
      };
    }
    case 'createPassiveSellOffer': {
      const v = body.createPassiveSellOfferOp();
      return {
        ...base,
        type: 'create_passive_sell_offer',
        selling: asset(v.selling()),
        buying: asset(v.buying()),
        amount: int64(v.amount()),
        price: { n: v.price().n(), d: v.price().d() },
        offerId: 0n,
      };
    }
    case 'manageBuyOffer': {
      const v = body.manageBuyOfferOp();
      return {
        ...base,
        type: 'manage_buy_offer',
        selling: asset(v.selling()),
        buying: asset(v.buying()),
        buyAmount: int64(v.buyAmount()),
        price: { n: v.price().n(), d: v.price().d() },
        offerId: int64(v.offerId()),
      };
    }
    case 'createClaimableBalance': {
      const v = body.createClaimableBalanceOp();
      return {
        ...base,
        type: 'create_claimable_balance',
        asset: asset(v.asset()),
        amount: int64(v.amount()),
        claimants: v.claimants().map((c) => ({
          destination: accountId(c.v0().destination()),
          predicate: c.v0().predicate(),
        })),
      };
    }
    case 'claimClaimableBalance':
      return {
        ...base,
        type: 'claim_claimable_balance',
        balanceId: body.claimClaimableBalanceOp().balanceId().toXDR('hex'),
      };
    case 'clawbackClaimableBalance':
      return {
        ...base,
        type: 'clawback_claimable_balance',
        balanceId: body.clawbackClaimableBalanceOp().balanceId().toXDR('hex'),
      };
    case 'invokeHostFunction':
      return {
        ...base,
        type: 'invoke_host_function',
        hostFunction: body.invokeHostFunctionOp().hostFunction(),
      };
    default:
      return { ...base, type: 'unsupported' };
  }
}

function decodeMemo(m: xdr.Memo): Memo {
  switch (m.switch().name) {
    case 'memoText':
      return { type: 'text', bytes: Buffer.from(m.text()) };
    case 'memoId':
      return { type: 'id', value: m.id().toBigInt().toString() };
    case 'memoHash':
      return { type: 'hash', bytes: Buffer.from(m.hash()) };
    case 'memoReturn':
      return { type: 'return', bytes: Buffer.from(m.retHash()) };
    default:
      return { type: 'none' };
  }
}

function timeBounds(tb: xdr.TimeBounds | null | undefined, into: Preconditions): void {
  if (!tb) return;
  into.minTime = int64(tb.minTime());
  into.maxTime = int64(tb.maxTime());
}

function decodeCond(cond: xdr.Preconditions): Preconditions {
  const out: Preconditions = { extraSigners: [] };
  switch (cond.switch().name) {
    case 'precondTime':
      timeBounds(cond.timeBounds(), out);
      break;
    case 'precondV2': {
      const v2 = cond.v2();
      timeBounds(v2.timeBounds(), out);
      const lb = v2.ledgerBounds();
      if (lb) {
        out.minLedger = lb.minLedger();
        out.maxLedger = lb.maxLedger();
      }
      if (v2.minSeqNum()) out.minSeqNum = int64(v2.minSeqNum()!);
      out.minSeqAge = int64(v2.minSeqAge());
      out.minSeqLedgerGap = v2.minSeqLedgerGap();
      for (const s of v2.extraSigners()) {
        const k = signerKeyString(s);
        if (k === null) throw new MalformedEnvelopeError('unsupported extra signer type');
        out.extraSigners.push(k);
      }
      break;
    }
  }
  return out;
}

function sigs(list: xdr.DecoratedSignature[]): DecoratedSig[] {
  return list.map((s) => ({ hint: Buffer.from(s.hint()), signature: Buffer.from(s.signature()) }));
}

/** Byte length of an XDR DecoratedSignature array (hint 4 + var-opaque signature). */
function sigsXdrLength(list: DecoratedSig[]): number {
  let n = 4;
  for (const s of list) n += 4 + 4 + ((s.signature.length + 3) & ~3);
  return n;
}

function decodeV1(env: xdr.TransactionV1Envelope, nid: Buffer, raw: Buffer | null, offset: number): InnerTx {
  const tx = env.tx();
  const signatures = sigs(env.signatures());
  let hash: Buffer;
  if (raw) {
    // The envelope is [type][Transaction][signatures]; hash the Transaction bytes in place.
    const txBytes = raw.subarray(offset, raw.length - sigsXdrLength(signatures));
    hash = sha256(nid, ENVELOPE_TYPE_TX, txBytes);
  } else {
    hash = sha256(nid, ENVELOPE_TYPE_TX, tx.toXDR());
  }
  return {
    hash,
    source: muxed(tx.sourceAccount()),
    fee: BigInt(tx.fee()),
    seqNum: int64(tx.seqNum()),
    memo: decodeMemo(tx.memo()),
    cond: decodeCond(tx.cond()),
    operations: tx.operations().map(decodeOp),
    signatures,
    verified: new Map(),
  };
}

function decodeV0(env: xdr.TransactionV0Envelope, nid: Buffer): InnerTx {
  const tx0 = env.tx();
  // A v0 envelope is signed as the equivalent v1 Transaction (CAP-15).
  const v1 = new xdr.Transaction({
    sourceAccount: xdr.MuxedAccount.keyTypeEd25519(tx0.sourceAccountEd25519()),
    fee: tx0.fee(),
    seqNum: tx0.seqNum(),
    cond: tx0.timeBounds()
      ? xdr.Preconditions.precondTime(tx0.timeBounds()!)
      : xdr.Preconditions.precondNone(),
    memo: tx0.memo(),
    operations: tx0.operations(),
    ext: new xdr.TransactionExt(0),
  });
  return decodeV1(new xdr.TransactionV1Envelope({ tx: v1, signatures: env.signatures() }), nid, null, 0);
}

/**
 * Decodes a base64 envelope for the given network. Throws MalformedEnvelopeError for anything
 * that is not a well-formed classic transaction envelope.
 */
export function decodeEnvelope(envelopeXdr: string, nid: Buffer): ParsedTx {
  const trimmed = envelopeXdr.trim();
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(trimmed) || trimmed.length % 4 !== 0) {
    throw new MalformedEnvelopeError('not base64');
  }
  const raw = Buffer.from(trimmed, 'base64');
  let env: xdr.TransactionEnvelope;
  try {
    env = xdr.TransactionEnvelope.fromXDR(raw);
  } catch (e) {
    throw new MalformedEnvelopeError(`undecodable envelope: ${(e as Error).message}`);
  }
  try {
    switch (env.switch().name) {
      case 'envelopeTypeTx': {
        const inner = decodeV1(env.v1(), nid, raw, 4);
        return { ...inner, envelopeHash: inner.hash.toString('hex'), envelopeXdr: trimmed };
      }
      case 'envelopeTypeTxV0': {
        const inner = decodeV0(env.v0(), nid);
        return { ...inner, envelopeHash: inner.hash.toString('hex'), envelopeXdr: trimmed };
      }
      case 'envelopeTypeTxFeeBump': {
        const fb = env.feeBump();
        const ftx = fb.tx();
        const innerEnv = ftx.innerTx();
        const inner = decodeV1(innerEnv.v1(), nid, null, 0);
        const hash = sha256(nid, ENVELOPE_TYPE_FEE_BUMP, ftx.toXDR());
        return {
          ...inner,
          envelopeHash: hash.toString('hex'),
          envelopeXdr: trimmed,
          feeBump: {
            hash,
            feeSource: muxed(ftx.feeSource()),
            fee: int64(ftx.fee()),
            signatures: sigs(fb.signatures()),
            verified: new Map(),
          },
        };
      }
      default:
        throw new MalformedEnvelopeError('unsupported envelope type');
    }
  } catch (e) {
    if (e instanceof MalformedEnvelopeError) throw e;
    throw new MalformedEnvelopeError(`malformed transaction: ${(e as Error).message}`);
  }
}
