// Transaction-level rules: validity (time and ledger bounds, fee, sequence number, signatures
// weighed against thresholds, fee balance) and application (fee and sequence charged first;
// operations applied in a LedgerTxn that is discarded when any one fails). Validity is checked
// against the state at the moment the transaction is applied, as stellar-core re-checks it.
import { xdr } from '@stellar/stellar-sdk';
import {
  BASE_FEE,
  LedgerTxn,
  availableBalance,
  type AccountEntry,
  type AccountReader,
  type LedgerState,
} from './ledger-state.js';
import {
  applyOperation,
  neededThreshold,
  type ApplyContext,
  type EffectRecord,
} from './operation-appliers.js';
import {
  feeBumpOutcome,
  opBadAuth,
  opNoSourceAccount,
  opNotSupported,
  opSuccess,
  txFailure,
  txSuccessOrFailed,
  type OpOutcome,
  type TxOutcome,
} from './result-xdr.js';
import { declaredFee } from './fee-stats.js';
import { SignatureChecker } from './signature-checker.js';
import type { InnerTx, ParsedTx } from './xdr-decode.js';
import type { SacContext } from './sac-transfer-appliers.js';

export const MAX_OPS_PER_TX = 100;

export interface LedgerContext {
  ledger: number;
  closeTime: number;
  /** The ledger's base fee per operation; above BASE_FEE when the transaction set was surge priced. */
  baseFee?: bigint;
  /** Set only with the dev-only SAC transfers: invoke_host_function is then applied, not refused. */
  sac?: SacContext;
}

/**
 * The fee a transaction pays: the ledger's base fee per operation (+1 for the fee bump wrapper),
 * never more than it offered (a surge-priced set charges its lowest included rate).
 */
export function chargedFee(tx: ParsedTx, baseFee: bigint = BASE_FEE): bigint {
  const fee = baseFee * BigInt(tx.operations.length + (tx.feeBump ? 1 : 0));
  if (baseFee === BASE_FEE) return fee;
  const offered = tx.feeBump ? tx.feeBump.fee : tx.fee;
  return offered < fee ? offered : fee;
}

const OP_ARMS: Record<string, string> = {
  create_account: 'createAccount',
  payment: 'payment',
  path_payment_strict_receive: 'pathPaymentStrictReceive',
  path_payment_strict_send: 'pathPaymentStrictSend',
  change_trust: 'changeTrust',
  allow_trust: 'allowTrust',
  set_trust_line_flags: 'setTrustLineFlags',
  set_options: 'setOptions',
  account_merge: 'accountMerge',
  manage_data: 'manageData',
  bump_sequence: 'bumpSequence',
  manage_sell_offer: 'manageSellOffer',
  manage_buy_offer: 'manageBuyOffer',
  create_passive_sell_offer: 'createPassiveSellOffer',
  create_claimable_balance: 'createClaimableBalance',
  claim_claimable_balance: 'claimClaimableBalance',
  clawback_claimable_balance: 'clawbackClaimableBalance',
};

/** Success arms that carry a value need one even as a check-time placeholder. */
function placeholderSuccess(arm: string): OpOutcome {
  if (arm === 'invokeHostFunction') return opSuccess(arm, Buffer.alloc(32));
  if (arm !== 'createClaimableBalance') return opSuccess(arm);
  return opSuccess(arm, xdr.ClaimableBalanceId.claimableBalanceIdTypeV0(Buffer.alloc(32)));
}

/**
 * stellar-core's isTooEarlyForAccount: the min-seq age and gap are measured from the ledger and
 * close time at which the source's sequence number last changed, which are 0 for an account whose
 * sequence number never changed (no AccountEntryExtensionV3), so those always pass.
 */
function tooEarlyForAccount(c: InnerTx['cond'], source: AccountEntry, lc: LedgerContext): boolean {
  const age = c.minSeqAge ?? 0n;
  const now = BigInt(lc.closeTime);
  if (age > now || now - age < BigInt(source.seqTime)) return true;
  const gap = c.minSeqLedgerGap ?? 0;
  return gap > lc.ledger || lc.ledger - gap < source.seqLedger;
}

/**
 * `fee` is the fee a rejection reports; `feeToPay` the balance the source must have available on
 * top of its reserve (null for a fee bump's inner transaction, whose fee is not its own).
 */
function checkInner(
  tx: InnerTx,
  state: AccountReader,
  lc: LedgerContext,
  fee: bigint,
  feeToPay: bigint | null,
): TxOutcome | null {
  const n = tx.operations.length;
  if (n === 0) return txFailure(fee, 'txMissingOperation');
  if (n > MAX_OPS_PER_TX) return txFailure(fee, 'txMalformed');
  const c = tx.cond;
  const now = BigInt(lc.closeTime);
  if (c.minTime !== undefined && c.minTime > now) return txFailure(fee, 'txTooEarly');
  if (c.maxTime !== undefined && c.maxTime !== 0n && c.maxTime < now) return txFailure(fee, 'txTooLate');
  if (c.minLedger !== undefined && c.minLedger > lc.ledger) return txFailure(fee, 'txTooEarly');
  if (c.maxLedger !== undefined && c.maxLedger !== 0 && c.maxLedger <= lc.ledger)
    return txFailure(fee, 'txTooLate');
  if (feeToPay !== null && tx.fee < BASE_FEE * BigInt(n)) return txFailure(fee, 'txInsufficientFee');
  const source = state.get(tx.source.account);
  if (!source) return txFailure(fee, 'txNoAccount');
  const seqOk =
    c.minSeqNum !== undefined
      ? source.seqNum >= c.minSeqNum && tx.seqNum > source.seqNum
      : tx.seqNum === source.seqNum + 1n;
  if (!seqOk || tx.seqNum >= BigInt(lc.ledger + 1) << 32n) return txFailure(fee, 'txBadSeq');
  if (tooEarlyForAccount(c, source, lc)) return txFailure(fee, 'txBadMinSeqAgeOrGap');
  const checker = new SignatureChecker(tx.hash, tx.signatures, tx.verified);
  if (!checker.checkAccount(source, 'low')) return txFailure(fee, 'txBadAuth');
  for (const extra of c.extraSigners) {
    if (!checker.checkSigners([{ key: extra, weight: 1 }], 1)) return txFailure(fee, 'txBadAuth');
  }
  if (feeToPay !== null && availableBalance(source) < feeToPay)
    return txFailure(fee, 'txInsufficientBalance');
  const opResults: OpOutcome[] = [];
  let opsOk = true;
  for (const op of tx.operations) {
    const opSource = state.get(op.source?.account ?? tx.source.account);
    let r: OpOutcome;
    if (!opSource) r = opNoSourceAccount();
    else if (!checker.checkAccount(opSource, neededThreshold(op))) r = opBadAuth();
    else if (OP_ARMS[op.type] || (op.type === 'invoke_host_function' && lc.sac)) {
      opResults.push(placeholderSuccess(OP_ARMS[op.type] ?? 'invokeHostFunction'));
      continue;
    } else r = opNotSupported();
    opsOk = false;
    opResults.push(r);
  }
  if (!opsOk) return txSuccessOrFailed(fee, opResults, false);
  if (!checker.allUsed()) return txFailure(fee, 'txBadAuthExtra');
  return null;
}

/**
 * Checks whether `tx` could be applied now. Returns null when valid, or the rejection outcome
 * (tx_bad_seq, tx_bad_auth, …) which, as in stellar-core, charges nothing. At submission the
 * payer must afford the full declared fee (core's getFullFee); when the ledger closes core has
 * already taken the charged fee, so that is what the balance must cover then.
 */
export function checkValid(
  tx: ParsedTx,
  state: AccountReader,
  lc: LedgerContext,
  phase: 'submit' | 'close' = 'submit',
): TxOutcome | null {
  const fee = chargedFee(tx);
  const feeToPay = phase === 'submit' ? declaredFee(tx) : chargedFee(tx, lc.baseFee);
  if (!tx.feeBump) return checkInner(tx, state, lc, fee, feeToPay);
  const fb = tx.feeBump;
  if (fb.fee < fee) return txFailure(fee, 'txInsufficientFee');
  // core's FeeBumpTransactionFrame::commonValidPreSeqNum: the fee bump's rate, fee / (ops + 1),
  // may not be below the inner transaction's, fee / ops; the result reports the fee needed.
  const innerOps = BigInt(Math.max(1, tx.operations.length));
  const outerOps = BigInt(tx.operations.length + 1);
  if (fb.fee * innerOps < tx.fee * outerOps) {
    return txFailure((tx.fee * outerOps + innerOps - 1n) / innerOps, 'txInsufficientFee');
  }
  const feeSource = state.get(fb.feeSource.account);
  if (!feeSource) return txFailure(fee, 'txNoAccount');
  const checker = new SignatureChecker(fb.hash, fb.signatures, fb.verified);
  if (!checker.checkAccount(feeSource, 'low')) return txFailure(fee, 'txBadAuth');
  if (!checker.allUsed()) return txFailure(fee, 'txBadAuthExtra');
  if (availableBalance(feeSource) < feeToPay) return txFailure(fee, 'txInsufficientBalance');
  const inner = checkInner(tx, state, lc, fee, null);
  return inner ? feeBumpOutcome(fee, tx.hash, inner) : null;
}

export interface AppliedOp {
  outcome: OpOutcome;
  sourceAccount: string;
  effects: EffectRecord[];
  participants: Set<string>;
  details: Record<string, unknown>;
  trade?: ApplyContext['trade'];
}

export interface AppliedTx {
  outcome: TxOutcome;
  ops: AppliedOp[];
  /** Sequence number of the source account before this transaction. */
  sourceSequence: bigint;
  participants: Set<string>;
}

/**
 * Applies a transaction that checkValid accepted against the same state: charges the fee,
 * consumes the sequence number, then applies every operation or none.
 */
export function applyTransaction(tx: ParsedTx, state: LedgerState, lc: LedgerContext): AppliedTx {
  const fee = chargedFee(tx, lc.baseFee);
  const feeTxn = new LedgerTxn(state);
  const payer = feeTxn.load(tx.feeBump ? tx.feeBump.feeSource.account : tx.source.account)!;
  payer.balance -= fee < payer.balance ? fee : payer.balance;
  const source = feeTxn.load(tx.source.account)!;
  const sourceSequence = source.seqNum;
  source.seqNum = tx.seqNum;
  source.seqLedger = lc.ledger;
  source.seqTime = lc.closeTime;
  feeTxn.commit(lc.ledger, lc.closeTime);

  const participants = new Set<string>([tx.source.account]);
  if (tx.feeBump) participants.add(tx.feeBump.feeSource.account);
  const opsTxn = new LedgerTxn(state);
  const ops: AppliedOp[] = [];
  let ok = true;
  for (const [opIndex, op] of tx.operations.entries()) {
    const sourceAccount = op.source?.account ?? tx.source.account;
    const ctx: ApplyContext = {
      opOrigin: { txSource: tx.source.account, seqNum: tx.seqNum, opIndex },
      txn: opsTxn,
      ledger: lc.ledger,
      closeTime: lc.closeTime,
      effects: [] as EffectRecord[],
      participants: new Set<string>(),
      details: {} as Record<string, unknown>,
      ...(lc.sac ? { sac: lc.sac } : {}),
    };
    // Like stellar-core, every operation is applied and reported even after one has failed;
    // an earlier operation may have merged this one's source away.
    const outcome = opsTxn.get(sourceAccount) ? applyOperation(op, sourceAccount, ctx) : opNoSourceAccount();
    if (outcome.code !== 'op_success') ok = false;
    for (const p of ctx.participants) participants.add(p);
    ctx.participants.add(sourceAccount);
    ops.push({
      outcome,
      sourceAccount,
      effects: ctx.effects,
      participants: ctx.participants,
      details: ctx.details,
      trade: ctx.trade,
    });
  }
  if (ok) opsTxn.commit(lc.ledger, lc.closeTime);
  else {
    for (const o of ops) {
      o.effects.length = 0;
      // A failed transaction emits no events, so Horizon shows no balance changes.
      if (o.details.asset_balance_changes) o.details.asset_balance_changes = null;
    }
  }
  const innerOutcome = txSuccessOrFailed(
    fee,
    ops.map((o) => o.outcome),
    ok,
  );
  const outcome = tx.feeBump ? feeBumpOutcome(fee, tx.hash, innerOutcome) : innerOutcome;
  return { outcome, ops, sourceSequence, participants };
}
