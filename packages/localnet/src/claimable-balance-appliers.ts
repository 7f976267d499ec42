// create_claimable_balance, claim_claimable_balance and clawback_claimable_balance, with the
// checks and their order from stellar-core (CreateClaimableBalanceOpFrame.cpp,
// ClaimClaimableBalanceOpFrame.cpp, ClawbackClaimableBalanceOpFrame.cpp) and the effects
// stellar-horizon derives (internal/ingest/processors/effects_processor.go). The creator
// sponsors one base reserve per claimant until the balance is claimed or clawed back.
import { xdr } from '@stellar/stellar-sdk';
import { formatAmount } from './amount.js';
import {
  absolutize,
  balanceIdFor,
  canonicalAsset,
  predicateValid,
  predicateHolds,
  predicateJson,
  type ClaimableBalanceEntry,
} from './claimable-balances.js';
import {
  AUTH_CLAWBACK_ENABLED,
  TL_CLAWBACK_ENABLED,
  availableBalance,
  BASE_RESERVE,
} from './ledger-state.js';
import { assetFields, credit, debit, validAsset, type ApplyContext } from './operation-appliers.js';
import { opResult, opSuccess, type OpOutcome } from './result-xdr.js';
import type { ParsedOp } from './xdr-decode.js';

function balanceIdXdr(hex: string): xdr.ClaimableBalanceId {
  return xdr.ClaimableBalanceId.fromXDR(hex, 'hex');
}

function sponsorshipEffect(
  ctx: ApplyContext,
  type: string,
  account: string,
  fields: Record<string, unknown>,
): void {
  ctx.effects.push({ type, account, fields });
}

export function createClaimableBalance(
  op: ParsedOp & { type: 'create_claimable_balance' },
  sourceId: string,
  ctx: ApplyContext,
): OpOutcome {
  for (const c of op.claimants) ctx.participants.add(c.destination);
  const destinations = new Set(op.claimants.map((c) => c.destination));
  if (
    !validAsset(op.asset) ||
    op.amount <= 0n ||
    op.claimants.length === 0 ||
    destinations.size !== op.claimants.length ||
    !op.claimants.every((c) => predicateValid(c.predicate))
  ) {
    return opResult('createClaimableBalance', 'Malformed');
  }
  const src = ctx.txn.load(sourceId)!;
  const d = debit(ctx, src, op.asset, op.amount);
  if (d === 'SrcNoTrust') return opResult('createClaimableBalance', 'NoTrust');
  if (d === 'SrcNotAuthorized') return opResult('createClaimableBalance', 'NotAuthorized');
  if (d) return opResult('createClaimableBalance', 'Underfunded');
  // createEntryWithPossibleSponsorship: the creator pays one reserve per claimant.
  if (availableBalance(src) < BigInt(op.claimants.length) * BASE_RESERVE) {
    return opResult('createClaimableBalance', 'LowReserve');
  }
  src.numSponsoring += op.claimants.length;
  let clawbackEnabled = false;
  if (op.asset.type !== 'native') {
    clawbackEnabled =
      op.asset.issuer === sourceId
        ? (src.flags & AUTH_CLAWBACK_ENABLED) !== 0
        : ((src.trustlines.get(`${op.asset.code}:${op.asset.issuer}`)?.flags ?? 0) & TL_CLAWBACK_ENABLED) !==
          0;
  }
  const { txSource, seqNum, opIndex } = ctx.opOrigin;
  const entry: ClaimableBalanceEntry = {
    id: balanceIdFor(txSource, seqNum, opIndex),
    asset: op.asset,
    amount: op.amount,
    claimants: op.claimants.map((c) => ({
      destination: c.destination,
      predicate: absolutize(c.predicate, ctx.closeTime),
    })),
    sponsor: sourceId,
    clawbackEnabled,
    lastModifiedLedger: ctx.ledger,
    lastModifiedTime: ctx.closeTime,
  };
  ctx.txn.putBalance(entry);
  ctx.details.balance_id = entry.id;
  const flag = clawbackEnabled ? { claimable_balance_clawback_enabled_flag: true } : {};
  const common = { balance_id: entry.id, amount: formatAmount(op.amount), asset: canonicalAsset(op.asset) };
  ctx.effects.push({ type: 'claimable_balance_created', account: sourceId, fields: { ...common, ...flag } });
  // Horizon reports the claimants' predicates as submitted, not as core rewrote them.
  for (const c of op.claimants) {
    ctx.effects.push({
      type: 'claimable_balance_claimant_created',
      account: c.destination,
      fields: { ...common, predicate: predicateJson(c.predicate) },
    });
  }
  ctx.effects.push({
    type: 'account_debited',
    account: sourceId,
    fields: { amount: formatAmount(op.amount), ...assetFields(op.asset) },
  });
  sponsorshipEffect(ctx, 'claimable_balance_sponsorship_created', sourceId, {
    balance_id: entry.id,
    sponsor: sourceId,
  });
  return opSuccess('createClaimableBalance', balanceIdXdr(entry.id));
}

/** Removes the entry and gives its sponsor back the reserves. */
function release(ctx: ApplyContext, sourceId: string, entry: ClaimableBalanceEntry): void {
  ctx.txn.removeBalance(entry.id);
  const sponsor = ctx.txn.load(entry.sponsor);
  if (sponsor) sponsor.numSponsoring -= entry.claimants.length;
  ctx.participants.add(entry.sponsor);
  sponsorshipEffect(ctx, 'claimable_balance_sponsorship_removed', sourceId, {
    balance_id: entry.id,
    former_sponsor: entry.sponsor,
  });
}

export function claimClaimableBalance(
  op: ParsedOp & { type: 'claim_claimable_balance' },
  sourceId: string,
  ctx: ApplyContext,
): OpOutcome {
  ctx.details.balance_id = op.balanceId;
  const entry = ctx.txn.getBalance(op.balanceId);
  if (!entry) return opResult('claimClaimableBalance', 'DoesNotExist');
  const claimant = entry.claimants.find((c) => c.destination === sourceId);
  if (!claimant || !predicateHolds(claimant.predicate, ctx.closeTime)) {
    return opResult('claimClaimableBalance', 'CannotClaim');
  }
  const dest = ctx.txn.load(sourceId)!;
  const c = credit(ctx, dest, entry.asset, entry.amount);
  if (c) return opResult('claimClaimableBalance', c);
  const flag = entry.clawbackEnabled ? { claimable_balance_clawback_enabled_flag: true } : {};
  ctx.effects.push({
    type: 'claimable_balance_claimed',
    account: sourceId,
    fields: {
      amount: formatAmount(entry.amount),
      balance_id: entry.id,
      asset: canonicalAsset(entry.asset),
      ...flag,
    },
  });
  ctx.effects.push({
    type: 'account_credited',
    account: sourceId,
    fields: { amount: formatAmount(entry.amount), ...assetFields(entry.asset) },
  });
  release(ctx, sourceId, entry);
  return opSuccess('claimClaimableBalance');
}

export function clawbackClaimableBalance(
  op: ParsedOp & { type: 'clawback_claimable_balance' },
  sourceId: string,
  ctx: ApplyContext,
): OpOutcome {
  ctx.details.balance_id = op.balanceId;
  const entry = ctx.txn.getBalance(op.balanceId);
  if (!entry) return opResult('clawbackClaimableBalance', 'DoesNotExist');
  if (entry.asset.type === 'native' || entry.asset.issuer !== sourceId) {
    return opResult('clawbackClaimableBalance', 'NotIssuer');
  }
  if (!entry.clawbackEnabled) return opResult('clawbackClaimableBalance', 'NotClawbackEnabled');
  ctx.effects.push({
    type: 'claimable_balance_clawed_back',
    account: sourceId,
    fields: { balance_id: entry.id },
  });
  // Horizon reports the burned amount as credited to the issuer.
  ctx.effects.push({
    type: 'account_credited',
    account: sourceId,
    fields: { amount: formatAmount(entry.amount), ...assetFields(entry.asset) },
  });
  release(ctx, sourceId, entry);
  return opSuccess('clawbackClaimableBalance');
}
