// One applier per supported operation type. Each reads and writes accounts through the
// transaction's LedgerTxn and returns the real XDR result with Horizon's code; the effects it
// records feed /effects. Rules follow stellar-core (protocol 20+); the order book's operations
// and path payments live in offer-appliers.ts.
import { xdr, StrKey } from '@stellar/stellar-sdk';
import { INT64_MAX, formatAmount } from './amount.js';
import {
  claimClaimableBalance,
  clawbackClaimableBalance,
  createClaimableBalance,
} from './claimable-balance-appliers.js';
import {
  ACCOUNT_FLAGS_MASK,
  AUTH_CLAWBACK_ENABLED,
  AUTH_IMMUTABLE,
  AUTH_REQUIRED,
  AUTH_REVOCABLE,
  MAX_SIGNERS,
  TL_AUTHORIZED,
  TL_AUTHORIZED_TO_MAINTAIN_LIABILITIES,
  TL_CLAWBACK_ENABLED,
  availableBalance,
  minBalance,
  newAccount,
  trustlineKey,
  type AccountEntry,
  type LedgerTxn,
  type TrustLine,
} from './ledger-state.js';
import { manageOffer, pathPayment } from './offer-appliers.js';
import { eraseOffer, offerLiabilitiesOnSeller, sameAsset, type Claim } from './offer-exchange.js';
import { opNotSupported, opResult, opSuccess, type OpOutcome } from './result-xdr.js';
import type { Threshold } from './signature-checker.js';
import { invokeHostFunction, type SacContext } from './sac-transfer-appliers.js';
import type { AccountRef, Asset, ParsedOp } from './xdr-decode.js';

export interface EffectRecord {
  type: string;
  account: string;
  fields: Record<string, unknown>;
  /** The account as the operation spelled it (M…), when no envelope field says so (SAC transfers). */
  muxed?: AccountRef;
}

export interface ApplyContext {
  /** What stellar-core hashes into ids an operation creates (claimable balance ids). */
  opOrigin: { txSource: string; seqNum: bigint; opIndex: number };
  txn: LedgerTxn;
  ledger: number;
  closeTime: number;
  effects: EffectRecord[];
  /** Accounts this operation concerns (for /accounts/:id/operations and payments). */
  participants: Set<string>;
  /** Values only known once applied, rendered into the operation's JSON. */
  details: Record<string, unknown>;
  /** Offers crossed (for /trades) and the taker's offer left on the book, if any. */
  trade?: { claims: Claim[]; buyOfferId?: bigint };
  /** Present only with the dev-only SAC transfers (LocalnetOptions.devSacTransfers). */
  sac?: SacContext;
}

/** Threshold level an operation needs from its source account's signers. */
export function neededThreshold(op: ParsedOp): Threshold {
  switch (op.type) {
    case 'allow_trust':
    case 'set_trust_line_flags':
    case 'bump_sequence':
    case 'claim_claimable_balance':
      return 'low';
    case 'account_merge':
      return 'high';
    case 'set_options':
      return op.masterWeight !== undefined ||
        op.lowThreshold !== undefined ||
        op.medThreshold !== undefined ||
        op.highThreshold !== undefined ||
        op.signer !== undefined
        ? 'high'
        : 'med';
    default:
      return 'med';
  }
}

export function assetFields(asset: Asset, prefix = ''): Record<string, string> {
  if (asset.type === 'native') return { [`${prefix}asset_type`]: 'native' };
  return {
    [`${prefix}asset_type`]: asset.type,
    [`${prefix}asset_code`]: asset.code,
    [`${prefix}asset_issuer`]: asset.issuer,
  };
}

export function validAsset(a: Asset): boolean {
  if (a.type === 'native') return true;
  const max = a.type === 'credit_alphanum4' ? 4 : 12;
  const min = a.type === 'credit_alphanum4' ? 1 : 5;
  return a.code.length >= min && a.code.length <= max && /^[A-Za-z0-9]+$/.test(a.code);
}

function isAuthorized(tl: TrustLine): boolean {
  return (tl.flags & TL_AUTHORIZED) !== 0;
}

type CreditFailure = 'NoTrust' | 'NotAuthorized' | 'LineFull';
type DebitFailure = 'Underfunded' | 'SrcNoTrust' | 'SrcNotAuthorized';

/** Adds `amount` of `asset` to `dest` (an issuer receiving its own asset burns it). */
export function credit(
  ctx: ApplyContext,
  dest: AccountEntry,
  asset: Asset,
  amount: bigint,
): CreditFailure | null {
  if (asset.type === 'native') {
    if (dest.balance + amount > INT64_MAX - (dest.buyingLiabilities ?? 0n)) return 'LineFull';
    dest.balance += amount;
    return null;
  }
  if (dest.id === asset.issuer) return null;
  const tl = dest.trustlines.get(trustlineKey(asset.code, asset.issuer));
  if (!tl) return 'NoTrust';
  if (!isAuthorized(tl)) return 'NotAuthorized';
  if (tl.balance + amount > tl.limit - (tl.buyingLiabilities ?? 0n)) return 'LineFull';
  tl.balance += amount;
  tl.lastModifiedLedger = ctx.ledger;
  return null;
}

/** Removes `amount` of `asset` from `src` (an issuer sending its own asset mints it). */
export function debit(
  ctx: ApplyContext,
  src: AccountEntry,
  asset: Asset,
  amount: bigint,
): DebitFailure | null {
  if (asset.type === 'native') {
    if (availableBalance(src) < amount) return 'Underfunded';
    src.balance -= amount;
    return null;
  }
  if (src.id === asset.issuer) return null;
  const tl = src.trustlines.get(trustlineKey(asset.code, asset.issuer));
  if (!tl) return 'SrcNoTrust';
  if (!isAuthorized(tl)) return 'SrcNotAuthorized';
  if (tl.balance - (tl.sellingLiabilities ?? 0n) < amount) return 'Underfunded';
  tl.balance -= amount;
  tl.lastModifiedLedger = ctx.ledger;
  return null;
}

function moneyEffects(
  ctx: ApplyContext,
  from: string,
  to: string,
  asset: Asset,
  sent: bigint,
  received: bigint,
): void {
  ctx.effects.push({
    type: 'account_credited',
    account: to,
    fields: { amount: formatAmount(received), ...assetFields(asset) },
  });
  ctx.effects.push({
    type: 'account_debited',
    account: from,
    fields: { amount: formatAmount(sent), ...assetFields(asset) },
  });
}

function createAccount(
  op: ParsedOp & { type: 'create_account' },
  sourceId: string,
  ctx: ApplyContext,
): OpOutcome {
  ctx.participants.add(op.destination);
  if (op.startingBalance < 0n || op.destination === sourceId) return opResult('createAccount', 'Malformed');
  if (ctx.txn.get(op.destination)) return opResult('createAccount', 'AlreadyExist');
  if (op.startingBalance < minBalance({ numSubEntries: 0 })) return opResult('createAccount', 'LowReserve');
  const src = ctx.txn.load(sourceId)!;
  if (availableBalance(src) < op.startingBalance) return opResult('createAccount', 'Underfunded');
  src.balance -= op.startingBalance;
  // New accounts start at sequence number ledger << 32, as in stellar-core.
  ctx.txn.create(
    newAccount(op.destination, op.startingBalance, BigInt(ctx.ledger) << 32n, ctx.ledger, ctx.closeTime),
  );
  const amount = formatAmount(op.startingBalance);
  ctx.effects.push({
    type: 'account_created',
    account: op.destination,
    fields: { starting_balance: amount },
  });
  ctx.effects.push({ type: 'account_debited', account: sourceId, fields: { asset_type: 'native', amount } });
  ctx.effects.push({
    type: 'signer_created',
    account: op.destination,
    fields: { weight: 1, public_key: op.destination, key: '' },
  });
  return opSuccess('createAccount');
}

function payment(op: ParsedOp & { type: 'payment' }, sourceId: string, ctx: ApplyContext): OpOutcome {
  const destId = op.destination.account;
  ctx.participants.add(destId);
  if (op.amount <= 0n || !validAsset(op.asset)) return opResult('payment', 'Malformed');
  const dest = ctx.txn.load(destId);
  if (!dest) return opResult('payment', 'NoDestination');
  const c = credit(ctx, dest, op.asset, op.amount);
  if (c) return opResult('payment', c);
  const src = ctx.txn.load(sourceId)!;
  const d = debit(ctx, src, op.asset, op.amount);
  if (d) return opResult('payment', d);
  moneyEffects(ctx, sourceId, destId, op.asset, op.amount, op.amount);
  return opSuccess('payment');
}

export function xdrAsset(a: Asset): xdr.Asset {
  if (a.type === 'native') return xdr.Asset.assetTypeNative();
  const issuer = xdr.PublicKey.publicKeyTypeEd25519(StrKey.decodeEd25519PublicKey(a.issuer));
  if (a.type === 'credit_alphanum4') {
    const code = Buffer.alloc(4);
    code.write(a.code, 'latin1');
    return xdr.Asset.assetTypeCreditAlphanum4(new xdr.AlphaNum4({ assetCode: code, issuer }));
  }
  const code = Buffer.alloc(12);
  code.write(a.code, 'latin1');
  return xdr.Asset.assetTypeCreditAlphanum12(new xdr.AlphaNum12({ assetCode: code, issuer }));
}

function trustlineEffect(type: string, account: string, tl: TrustLine): EffectRecord {
  return {
    type,
    account,
    fields: {
      asset_type: tl.type,
      asset_code: tl.code,
      asset_issuer: tl.issuer,
      limit: formatAmount(tl.limit),
    },
  };
}

function changeTrust(
  op: ParsedOp & { type: 'change_trust' },
  sourceId: string,
  ctx: ApplyContext,
): OpOutcome {
  const line = op.line;
  if (line === null) return opNotSupported(); // liquidity pool shares: no pools here
  if (line.type === 'native' || !validAsset(line) || op.limit < 0n)
    return opResult('changeTrust', 'Malformed');
  ctx.participants.add(line.issuer);
  if (line.issuer === sourceId) return opResult('changeTrust', 'Malformed');
  const src = ctx.txn.load(sourceId)!;
  const key = trustlineKey(line.code, line.issuer);
  const existing = src.trustlines.get(key);
  if (op.limit === 0n) {
    if (!existing) return opResult('changeTrust', 'TrustLineMissing');
    if (existing.balance > 0n || (existing.buyingLiabilities ?? 0n) > 0n)
      return opResult('changeTrust', 'InvalidLimit');
    src.trustlines.delete(key);
    src.numSubEntries -= 1;
    ctx.effects.push(trustlineEffect('trustline_removed', sourceId, { ...existing, limit: 0n }));
    return opSuccess('changeTrust');
  }
  if (existing) {
    if (op.limit < existing.balance + (existing.buyingLiabilities ?? 0n))
      return opResult('changeTrust', 'InvalidLimit');
    existing.limit = op.limit;
    existing.lastModifiedLedger = ctx.ledger;
    ctx.effects.push(trustlineEffect('trustline_updated', sourceId, existing));
    return opSuccess('changeTrust');
  }
  const issuer = ctx.txn.get(line.issuer);
  if (!issuer) return opResult('changeTrust', 'NoIssuer');
  if (src.balance < minBalance(src, 1)) return opResult('changeTrust', 'LowReserve');
  let flags = (issuer.flags & AUTH_REQUIRED) === 0 ? TL_AUTHORIZED : 0;
  if ((issuer.flags & AUTH_CLAWBACK_ENABLED) !== 0) flags |= TL_CLAWBACK_ENABLED;
  const tl: TrustLine = {
    type: line.type,
    code: line.code,
    issuer: line.issuer,
    balance: 0n,
    limit: op.limit,
    flags,
    lastModifiedLedger: ctx.ledger,
  };
  src.trustlines.set(key, tl);
  src.numSubEntries += 1;
  ctx.effects.push(trustlineEffect('trustline_created', sourceId, tl));
  return opSuccess('changeTrust');
}

const TL_AUTH_FLAGS = TL_AUTHORIZED | TL_AUTHORIZED_TO_MAINTAIN_LIABILITIES;

/**
 * Horizon's addTrustLineFlagsEffect: a trustline_flags_updated effect naming only the flags the
 * operation set (true) or cleared (false). Horizon stores the maintain-liabilities flag under
 * `authorized_to_maintain_liabilites` while its resource reads `…_flag`, so that one never shows.
 */
function flagsEffect(
  ctx: ApplyContext,
  issuer: string,
  trustor: string,
  tl: TrustLine,
  set: number,
  clear: number,
) {
  const fields: Record<string, unknown> = {
    asset_type: tl.type,
    asset_code: tl.code,
    asset_issuer: tl.issuer,
    trustor,
  };
  for (const [flags, value] of [
    [set, true],
    [clear, false],
  ] as const) {
    if ((flags & TL_AUTHORIZED) !== 0) fields.authorized_flag = value;
    if ((flags & TL_CLAWBACK_ENABLED) !== 0) fields.clawback_enabled_flag = value;
  }
  ctx.effects.push({ type: 'trustline_flags_updated', account: issuer, fields });
}

/**
 * Sets a trustline's flags as TrustFlagsOpFrameBase::doApply does: a line that loses even the
 * authorization to maintain liabilities loses every offer of its owner buying or selling that
 * asset (removeOffersByAccountAndAsset), releasing their liabilities and subentries.
 */
function setLineFlags(ctx: ApplyContext, trustor: AccountEntry, tl: TrustLine, next: number): void {
  if ((tl.flags & TL_AUTH_FLAGS) !== 0 && (next & TL_AUTH_FLAGS) === 0) {
    const asset: Asset = { type: tl.type, code: tl.code, issuer: tl.issuer };
    for (const o of [...ctx.txn.allOffers()]) {
      if (o.seller !== trustor.id || !(sameAsset(o.selling, asset) || sameAsset(o.buying, asset))) continue;
      offerLiabilitiesOnSeller(trustor, o, -1n);
      eraseOffer(ctx.txn, trustor, o.id);
    }
  }
  tl.flags = next;
  tl.lastModifiedLedger = ctx.ledger;
  // For the CAP-67 set_authorized event, which carries the line's state after the operation.
  ctx.details.authorizedAfter = (next & TL_AUTHORIZED) !== 0;
}

function allowTrust(op: ParsedOp & { type: 'allow_trust' }, sourceId: string, ctx: ApplyContext): OpOutcome {
  ctx.participants.add(op.trustor);
  if (op.authorize > 2 || !/^[A-Za-z0-9]{1,12}$/.test(op.assetCode))
    return opResult('allowTrust', 'Malformed');
  if (op.trustor === sourceId) return opResult('allowTrust', 'SelfNotAllowed');
  // AllowTrustOpFrame::isAuthRevocationValid runs before the trustline is even loaded.
  const revocable = (ctx.txn.get(sourceId)!.flags & AUTH_REVOCABLE) !== 0;
  if (!revocable && op.authorize === 0) return opResult('allowTrust', 'CantRevoke');
  const trustor = ctx.txn.load(op.trustor);
  const tl = trustor?.trustlines.get(trustlineKey(op.assetCode, sourceId));
  if (!trustor || !tl) return opResult('allowTrust', 'NoTrustLine');
  if (!revocable && (tl.flags & TL_AUTHORIZED) !== 0 && op.authorize === 2)
    return opResult('allowTrust', 'CantRevoke');
  setLineFlags(ctx, trustor, tl, (tl.flags & ~TL_AUTH_FLAGS) | op.authorize);
  // Horizon's addAllowTrustEffects: the legacy effect, then trustline_flags_updated.
  const legacy = { trustor: op.trustor, asset_type: tl.type, asset_code: tl.code };
  const kind = [
    'trustline_deauthorized',
    'trustline_authorized',
    'trustline_authorized_to_maintain_liabilities',
  ];
  ctx.effects.push({ type: kind[op.authorize]!, account: sourceId, fields: legacy });
  if (op.authorize === 0) flagsEffect(ctx, sourceId, op.trustor, tl, 0, TL_AUTH_FLAGS);
  else flagsEffect(ctx, sourceId, op.trustor, tl, op.authorize, 0);
  return opSuccess('allowTrust');
}

function setTrustLineFlags(
  op: ParsedOp & { type: 'set_trust_line_flags' },
  sourceId: string,
  ctx: ApplyContext,
): OpOutcome {
  ctx.participants.add(op.trustor);
  const known = TL_AUTHORIZED | TL_AUTHORIZED_TO_MAINTAIN_LIABILITIES | TL_CLAWBACK_ENABLED;
  if (
    op.asset.type === 'native' ||
    op.asset.issuer !== sourceId ||
    op.trustor === sourceId ||
    (op.setFlags & op.clearFlags) !== 0 ||
    ((op.setFlags | op.clearFlags) & ~known) !== 0 ||
    (op.setFlags & TL_CLAWBACK_ENABLED) !== 0 ||
    (op.setFlags & TL_AUTH_FLAGS) === TL_AUTH_FLAGS
  ) {
    return opResult('setTrustLineFlags', 'Malformed');
  }
  const issuer = ctx.txn.get(sourceId)!;
  const trustor = ctx.txn.load(op.trustor);
  const tl = trustor?.trustlines.get(trustlineKey(op.asset.code, op.asset.issuer));
  if (!trustor || !tl) return opResult('setTrustLineFlags', 'NoTrustLine');
  const next = (tl.flags & ~op.clearFlags) | op.setFlags;
  const lostAuth =
    ((tl.flags & TL_AUTHORIZED) !== 0 && (next & TL_AUTHORIZED) === 0) ||
    ((tl.flags & TL_AUTHORIZED_TO_MAINTAIN_LIABILITIES) !== 0 && (next & TL_AUTH_FLAGS) === 0);
  if (lostAuth && (issuer.flags & AUTH_REVOCABLE) === 0) return opResult('setTrustLineFlags', 'CantRevoke');
  if ((next & TL_AUTH_FLAGS) === TL_AUTH_FLAGS) {
    return opResult('setTrustLineFlags', 'InvalidState');
  }
  setLineFlags(ctx, trustor, tl, next);
  flagsEffect(ctx, sourceId, op.trustor, tl, op.setFlags, op.clearFlags);
  return opSuccess('setTrustLineFlags');
}

/** AccountEntry.SignerSummary: the master key while its weight is above 0, then every signer. */
function signerSummary(a: AccountEntry): Map<string, number> {
  const m = new Map<string, number>();
  if (a.masterWeight > 0) m.set(a.id, a.masterWeight);
  for (const s of a.signers) m.set(s.key, s.weight);
  return m;
}

/**
 * Horizon's addSetOptionsEffects, in its order: home domain, thresholds (only those the operation
 * names; the resource renders an absent one as 0), flags (those set true, cleared false; the
 * resource only knows auth_required_flag, as it reads `auth_revokable_flag` where the processor
 * writes `auth_revocable_flag`), inflation destination, then the signer diff: removed/updated in
 * the sorted old keys, created in the sorted new keys.
 */
function setOptionsEffects(
  op: ParsedOp & { type: 'set_options' },
  sourceId: string,
  before: Map<string, number>,
  after: Map<string, number>,
  ctx: ApplyContext,
): void {
  const push = (type: string, fields: Record<string, unknown>) =>
    ctx.effects.push({ type, account: sourceId, fields });
  if (op.homeDomain !== undefined) push('account_home_domain_updated', { home_domain: op.homeDomain });
  if ([op.lowThreshold, op.medThreshold, op.highThreshold].some((t) => t !== undefined)) {
    push('account_thresholds_updated', {
      low_threshold: op.lowThreshold ?? 0,
      med_threshold: op.medThreshold ?? 0,
      high_threshold: op.highThreshold ?? 0,
    });
  }
  const named = (op.setFlags ?? 0) | (op.clearFlags ?? 0);
  if ((named & ACCOUNT_FLAGS_MASK) !== 0) {
    const fields: Record<string, unknown> = {};
    if ((op.setFlags ?? 0) & AUTH_REQUIRED) fields.auth_required_flag = true;
    if ((op.clearFlags ?? 0) & AUTH_REQUIRED) fields.auth_required_flag = false;
    push('account_flags_updated', fields);
  }
  if (op.inflationDest !== undefined) {
    push('account_inflation_destination_updated', { inflation_destination: op.inflationDest });
  }
  const sorted = (m: Map<string, number>) => [...m.keys()].sort();
  for (const key of sorted(before)) {
    const weight = after.get(key);
    if (weight === undefined) push('signer_removed', { weight: 0, public_key: key, key: '' });
    else if (weight !== before.get(key)) push('signer_updated', { weight, public_key: key, key: '' });
  }
  for (const key of sorted(after)) {
    if (!before.has(key)) push('signer_created', { weight: after.get(key), public_key: key, key: '' });
  }
}

function setOptions(op: ParsedOp & { type: 'set_options' }, sourceId: string, ctx: ApplyContext): OpOutcome {
  const src = ctx.txn.load(sourceId)!;
  const before = signerSummary(src);
  for (const t of [op.masterWeight, op.lowThreshold, op.medThreshold, op.highThreshold]) {
    if (t !== undefined && t > 255) return opResult('setOptions', 'ThresholdOutOfRange');
  }
  const setF = op.setFlags ?? 0;
  const clearF = op.clearFlags ?? 0;
  if ((setF & clearF) !== 0) return opResult('setOptions', 'BadFlags');
  if (((setF | clearF) & ~ACCOUNT_FLAGS_MASK) !== 0) return opResult('setOptions', 'UnknownFlag');
  if (op.homeDomain !== undefined && (op.homeDomain.length > 32 || !/^[\x20-\x7e]*$/.test(op.homeDomain))) {
    return opResult('setOptions', 'InvalidHomeDomain');
  }
  if (op.signer) {
    if (op.signer.key === null || op.signer.key === sourceId || op.signer.weight > 255) {
      return opResult('setOptions', 'BadSigner');
    }
  }
  if (op.inflationDest !== undefined) {
    if (!ctx.txn.get(op.inflationDest)) return opResult('setOptions', 'InvalidInflation');
    src.inflationDest = op.inflationDest;
  }
  if (setF || clearF) {
    if ((src.flags & AUTH_IMMUTABLE) !== 0) return opResult('setOptions', 'CantChange');
    const flags = (src.flags & ~clearF) | setF;
    if ((flags & AUTH_CLAWBACK_ENABLED) !== 0 && (flags & AUTH_REVOCABLE) === 0) {
      return opResult('setOptions', 'AuthRevocableRequired');
    }
    src.flags = flags;
  }
  if (op.homeDomain !== undefined) src.homeDomain = op.homeDomain;
  if (op.masterWeight !== undefined) src.masterWeight = op.masterWeight;
  if (op.lowThreshold !== undefined) src.lowThreshold = op.lowThreshold;
  if (op.medThreshold !== undefined) src.medThreshold = op.medThreshold;
  if (op.highThreshold !== undefined) src.highThreshold = op.highThreshold;
  if (op.signer && op.signer.key !== null) {
    const key = op.signer.key;
    ctx.participants.add(key.startsWith('G') ? key : sourceId);
    const idx = src.signers.findIndex((s) => s.key === key);
    if (op.signer.weight === 0) {
      if (idx >= 0) {
        src.signers.splice(idx, 1);
        src.numSubEntries -= 1;
      }
    } else if (idx >= 0) {
      src.signers[idx]!.weight = op.signer.weight;
    } else {
      if (src.signers.length >= MAX_SIGNERS) return opResult('setOptions', 'TooManySigners');
      if (src.balance < minBalance(src, 1)) return opResult('setOptions', 'LowReserve');
      src.signers.push({ key, weight: op.signer.weight });
      src.signers.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
      src.numSubEntries += 1;
    }
  }
  setOptionsEffects(op, sourceId, before, signerSummary(src), ctx);
  return opSuccess('setOptions');
}

function accountMerge(
  op: ParsedOp & { type: 'account_merge' },
  sourceId: string,
  ctx: ApplyContext,
): OpOutcome {
  const destId = op.destination.account;
  ctx.participants.add(destId);
  if (destId === sourceId) return opResult('accountMerge', 'Malformed');
  const dest = ctx.txn.load(destId);
  if (!dest) return opResult('accountMerge', 'NoAccount');
  const src = ctx.txn.load(sourceId)!;
  if ((src.flags & AUTH_IMMUTABLE) !== 0) return opResult('accountMerge', 'ImmutableSet');
  if (src.numSubEntries > src.signers.length) return opResult('accountMerge', 'HasSubEntries');
  if (src.numSponsoring > 0) return opResult('accountMerge', 'IsSponsor');
  // A merged account could be re-created with a lower sequence number: forbid it (CAP-0021).
  if (src.seqNum >= BigInt(ctx.ledger) << 32n) return opResult('accountMerge', 'SeqnumTooFar');
  if (dest.balance + src.balance > INT64_MAX) return opResult('accountMerge', 'DestFull');
  const amount = src.balance;
  dest.balance += amount;
  ctx.txn.remove(sourceId);
  ctx.details.merged_amount = formatAmount(amount);
  ctx.effects.push({
    type: 'account_debited',
    account: sourceId,
    fields: { asset_type: 'native', amount: formatAmount(amount) },
  });
  ctx.effects.push({
    type: 'account_credited',
    account: destId,
    fields: { asset_type: 'native', amount: formatAmount(amount) },
  });
  ctx.effects.push({ type: 'account_removed', account: sourceId, fields: {} });
  return opSuccess('accountMerge', xdr.Int64.fromString(amount.toString()));
}

function manageData(op: ParsedOp & { type: 'manage_data' }, sourceId: string, ctx: ApplyContext): OpOutcome {
  if (op.name.length < 1 || op.name.length > 64 || !/^[\x20-\x7e]+$/.test(op.name)) {
    return opResult('manageData', 'InvalidName');
  }
  if (op.value && op.value.length > 64) return opResult('manageData', 'InvalidName');
  const src = ctx.txn.load(sourceId)!;
  const existing = src.data.get(op.name);
  if (op.value === null) {
    if (!existing) return opResult('manageData', 'NameNotFound');
    src.data.delete(op.name);
    src.numSubEntries -= 1;
    ctx.effects.push({ type: 'data_removed', account: sourceId, fields: { name: op.name } });
    return opSuccess('manageData');
  }
  if (!existing) {
    if (src.balance < minBalance(src, 1)) return opResult('manageData', 'LowReserve');
    src.numSubEntries += 1;
  }
  src.data.set(op.name, { value: op.value, lastModifiedLedger: ctx.ledger });
  ctx.effects.push({
    type: existing ? 'data_updated' : 'data_created',
    account: sourceId,
    fields: { name: op.name, value: op.value.toString('base64') },
  });
  return opSuccess('manageData');
}

function bumpSequence(
  op: ParsedOp & { type: 'bump_sequence' },
  sourceId: string,
  ctx: ApplyContext,
): OpOutcome {
  if (op.bumpTo < 0n) return opResult('bumpSequence', 'BadSeq');
  const src = ctx.txn.load(sourceId)!;
  if (op.bumpTo > src.seqNum) {
    src.seqNum = op.bumpTo;
    src.seqLedger = ctx.ledger;
    src.seqTime = ctx.closeTime;
    ctx.effects.push({
      type: 'sequence_bumped',
      account: sourceId,
      fields: { new_seq: op.bumpTo.toString() },
    });
  }
  return opSuccess('bumpSequence');
}

/** Applies one operation whose source account exists and has authorized it. */
export function applyOperation(op: ParsedOp, sourceId: string, ctx: ApplyContext): OpOutcome {
  ctx.participants.add(sourceId);
  switch (op.type) {
    case 'create_account':
      return createAccount(op, sourceId, ctx);
    case 'payment':
      return payment(op, sourceId, ctx);
    case 'path_payment_strict_receive':
    case 'path_payment_strict_send':
      return pathPayment(op, sourceId, ctx);
    case 'change_trust':
      return changeTrust(op, sourceId, ctx);
    case 'allow_trust':
      return allowTrust(op, sourceId, ctx);
    case 'set_trust_line_flags':
      return setTrustLineFlags(op, sourceId, ctx);
    case 'set_options':
      return setOptions(op, sourceId, ctx);
    case 'account_merge':
      return accountMerge(op, sourceId, ctx);
    case 'manage_data':
      return manageData(op, sourceId, ctx);
    case 'bump_sequence':
      return bumpSequence(op, sourceId, ctx);
    case 'manage_sell_offer':
    case 'manage_buy_offer':
    case 'create_passive_sell_offer':
      return manageOffer(op, sourceId, ctx);
    case 'create_claimable_balance':
      return createClaimableBalance(op, sourceId, ctx);
    case 'claim_claimable_balance':
      return claimClaimableBalance(op, sourceId, ctx);
    case 'clawback_claimable_balance':
      return clawbackClaimableBalance(op, sourceId, ctx);
    case 'invoke_host_function':
      return ctx.sac ? invokeHostFunction(op, sourceId, ctx) : opNotSupported();
    default:
      return opNotSupported();
  }
}
