// Horizon's JSON resources (protocols/horizon in stellar/go), rendered from ledger entries and
// applied transactions. Field names, string-vs-number choices and _links follow Horizon so the
// SDK's response types and CallBuilder link-following work unchanged.
import { formatAmount } from './amount.js';
import { canonicalAsset, claimantsJson } from './claimable-balances.js';
import {
  AUTH_CLAWBACK_ENABLED,
  AUTH_IMMUTABLE,
  AUTH_REQUIRED,
  AUTH_REVOCABLE,
  TL_AUTHORIZED,
  TL_AUTHORIZED_TO_MAINTAIN_LIABILITIES,
  TL_CLAWBACK_ENABLED,
  minBalance,
  type AccountEntry,
} from './ledger-state.js';
import { liabilitiesOf } from './offer-appliers.js';
import { offerOperationFields } from './order-book-json.js';
import { assetFields, type EffectRecord } from './operation-appliers.js';
import type { AppliedOp } from './transaction-validator.js';
import { accountFields, muxedFields } from './muxed-fields.js';
import type { AccountRef, Asset, Memo, ParsedOp, ParsedTx, Preconditions } from './xdr-decode.js';

export function isoTime(unixSeconds: number | bigint): string {
  return new Date(Number(unixSeconds) * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

const link = (href: string, templated = false) => (templated ? { href, templated: true } : { href });

function signerType(key: string): string {
  if (key.startsWith('T')) return 'preauth_tx';
  if (key.startsWith('X')) return 'sha256_hash';
  return 'ed25519_public_key';
}

/** GET /accounts/:id — the AccountResponse the SDK's loadAccount builds from. */
export function accountJson(base: string, a: AccountEntry): Record<string, unknown> {
  const self = `${base}/accounts/${a.id}`;
  const balances: Record<string, unknown>[] = [];
  for (const tl of a.trustlines.values()) {
    balances.push({
      balance: formatAmount(tl.balance),
      limit: formatAmount(tl.limit),
      buying_liabilities: formatAmount(tl.buyingLiabilities ?? 0n),
      selling_liabilities: formatAmount(tl.sellingLiabilities ?? 0n),
      last_modified_ledger: tl.lastModifiedLedger,
      is_authorized: (tl.flags & TL_AUTHORIZED) !== 0,
      is_authorized_to_maintain_liabilities: (tl.flags & TL_AUTHORIZED_TO_MAINTAIN_LIABILITIES) !== 0,
      is_clawback_enabled: (tl.flags & TL_CLAWBACK_ENABLED) !== 0,
      asset_type: tl.type,
      asset_code: tl.code,
      asset_issuer: tl.issuer,
    });
  }
  const native = liabilitiesOf(a, { type: 'native' });
  balances.push({
    balance: formatAmount(a.balance),
    buying_liabilities: formatAmount(native.buying),
    selling_liabilities: formatAmount(native.selling),
    asset_type: 'native',
  });
  const data: Record<string, string> = {};
  for (const [k, v] of a.data) data[k] = v.value.toString('base64');
  const signers = a.signers.map((s) => ({ weight: s.weight, key: s.key, type: signerType(s.key) }));
  signers.push({ weight: a.masterWeight, key: a.id, type: 'ed25519_public_key' });
  return {
    _links: {
      self: link(self),
      transactions: link(`${self}/transactions{?cursor,limit,order}`, true),
      operations: link(`${self}/operations{?cursor,limit,order}`, true),
      payments: link(`${self}/payments{?cursor,limit,order}`, true),
      effects: link(`${self}/effects{?cursor,limit,order}`, true),
      offers: link(`${self}/offers{?cursor,limit,order}`, true),
      trades: link(`${self}/trades{?cursor,limit,order}`, true),
      data: link(`${self}/data/{key}`, true),
    },
    id: a.id,
    account_id: a.id,
    sequence: a.seqNum.toString(),
    // Horizon renders these only once core wrote AccountEntryExtensionV3 (resourceadapter/account_entry.go).
    ...(a.seqLedger !== 0 ? { sequence_ledger: a.seqLedger, sequence_time: String(a.seqTime) } : {}),
    subentry_count: a.numSubEntries,
    ...(a.inflationDest ? { inflation_destination: a.inflationDest } : {}),
    ...(a.homeDomain ? { home_domain: a.homeDomain } : {}),
    last_modified_ledger: a.lastModifiedLedger,
    last_modified_time: isoTime(a.lastModifiedTime),
    thresholds: {
      low_threshold: a.lowThreshold,
      med_threshold: a.medThreshold,
      high_threshold: a.highThreshold,
    },
    flags: {
      auth_required: (a.flags & AUTH_REQUIRED) !== 0,
      auth_revocable: (a.flags & AUTH_REVOCABLE) !== 0,
      auth_immutable: (a.flags & AUTH_IMMUTABLE) !== 0,
      auth_clawback_enabled: (a.flags & AUTH_CLAWBACK_ENABLED) !== 0,
    },
    balances,
    signers,
    data,
    num_sponsoring: a.numSponsoring ?? 0,
    num_sponsored: 0,
    paging_token: a.id,
    // Not a Horizon field; handy when reading raw JSON during development.
    minimum_balance: formatAmount(minBalance(a)),
  };
}

function memoFields(m: Memo): Record<string, unknown> {
  switch (m.type) {
    case 'none':
      return { memo_type: 'none' };
    case 'text':
      // Horizon stores the text scrubbed to UTF-8 with NUL bytes removed; memo_bytes keeps the raw
      // bytes (db2/history/transaction_batch_insert_builder.go memo, resourceadapter memoBytes).
      return {
        memo_type: 'text',
        memo: m.bytes.toString('utf8').replaceAll('\0', ''),
        memo_bytes: m.bytes.toString('base64'),
      };
    case 'id':
      return { memo_type: 'id', memo: m.value };
    default:
      return { memo_type: m.type, memo: m.bytes.toString('base64') };
  }
}

export interface TxJsonInput {
  base: string;
  tx: ParsedTx;
  ledger: number;
  closeTime: number;
  pagingToken: string;
  successful: boolean;
  feeCharged: bigint;
  resultXdr: string;
  resultMetaXdr: string;
  sourceSequence: bigint;
}

const EMPTY_CHANGES = 'AAAAAA==';

/** A transaction resource (also the body of a successful POST /transactions). */
/**
 * `preconditions` as Horizon renders them (resourceadapter/transaction.go, with the history row's
 * formatTimeBounds / formatLedgerBounds): every v2 precondition set yields the object; a zero
 * max_time, max_ledger, age or gap is left out; timestamps and sequence numbers are strings.
 * valid_after / valid_before are gone since Horizon 22.
 */
function preconditionsJson(c: Preconditions): Record<string, unknown> | undefined {
  const v2 = c.minSeqLedgerGap !== undefined;
  if (c.minTime === undefined && !v2) return undefined;
  return {
    ...(c.minTime !== undefined
      ? {
          timebounds: {
            min_time: c.minTime.toString(),
            ...(c.maxTime ? { max_time: c.maxTime.toString() } : {}),
          },
        }
      : {}),
    ...(c.minLedger !== undefined
      ? { ledgerbounds: { min_ledger: c.minLedger, ...(c.maxLedger ? { max_ledger: c.maxLedger } : {}) } }
      : {}),
    ...(c.minSeqNum !== undefined ? { min_account_sequence: c.minSeqNum.toString() } : {}),
    ...(c.minSeqAge ? { min_account_sequence_age: c.minSeqAge.toString() } : {}),
    ...(c.minSeqLedgerGap ? { min_account_sequence_ledger_gap: c.minSeqLedgerGap } : {}),
    ...(c.extraSigners.length ? { extra_signers: c.extraSigners } : {}),
  };
}

export function transactionJson(i: TxJsonInput): Record<string, unknown> {
  const { tx, base } = i;
  const hash = tx.envelopeHash;
  const self = `${base}/transactions/${hash}`;
  const sigs = (list: { signature: Buffer }[]) => list.map((s) => s.signature.toString('base64'));
  const preconditions = preconditionsJson(tx.cond);
  return {
    ...memoFields(tx.memo),
    _links: {
      self: link(self),
      account: link(`${base}/accounts/${tx.source.account}`),
      ledger: link(`${base}/ledgers/${i.ledger}`),
      operations: link(`${self}/operations{?cursor,limit,order}`, true),
      effects: link(`${self}/effects{?cursor,limit,order}`, true),
      precedes: link(`${base}/transactions?order=asc&cursor=${i.pagingToken}`),
      succeeds: link(`${base}/transactions?order=desc&cursor=${i.pagingToken}`),
      transaction: link(self),
    },
    id: hash,
    paging_token: i.pagingToken,
    successful: i.successful,
    hash,
    ledger: i.ledger,
    created_at: isoTime(i.closeTime),
    source_account: tx.source.account,
    ...muxedFields(tx.source, 'account'),
    source_account_sequence: tx.seqNum.toString(),
    // Without a fee bump the source pays, muxed form included (resourceadapter/transaction.go).
    ...accountFields(tx.feeBump ? tx.feeBump.feeSource : tx.source, 'fee_account'),
    fee_charged: i.feeCharged.toString(),
    max_fee: (tx.feeBump ? tx.feeBump.fee : tx.fee).toString(),
    operation_count: tx.operations.length,
    envelope_xdr: tx.envelopeXdr,
    result_xdr: i.resultXdr,
    result_meta_xdr: i.resultMetaXdr,
    fee_meta_xdr: EMPTY_CHANGES,
    signatures: sigs(tx.feeBump ? tx.feeBump.signatures : tx.signatures),
    ...(preconditions ? { preconditions } : {}),
    ...(tx.feeBump
      ? {
          fee_bump_transaction: { hash, signatures: sigs(tx.feeBump.signatures) },
          inner_transaction: {
            hash: tx.hash.toString('hex'),
            signatures: sigs(tx.signatures),
            max_fee: tx.fee.toString(),
          },
        }
      : {}),
  };
}

function assetJson(a: Asset): Record<string, string> {
  return assetFields(a);
}

const PAYMENT_TYPES = new Set([
  'create_account',
  'payment',
  'path_payment_strict_receive',
  'path_payment_strict_send',
  'account_merge',
]);

export function isPaymentType(type: string): boolean {
  return PAYMENT_TYPES.has(type);
}

const TL_FLAG_NAMES: [number, string][] = [
  [TL_AUTHORIZED, 'authorized'],
  [TL_AUTHORIZED_TO_MAINTAIN_LIABILITIES, 'authorized_to_maintain_liabilites'],
  [TL_CLAWBACK_ENABLED, 'clawback_enabled'],
];
const ACCOUNT_FLAG_NAMES: [number, string][] = [
  [AUTH_REQUIRED, 'auth_required'],
  [AUTH_REVOCABLE, 'auth_revocable'],
  [AUTH_IMMUTABLE, 'auth_immutable'],
  [AUTH_CLAWBACK_ENABLED, 'auth_clawback_enabled'],
];

function flagLists(
  flags: number | undefined,
  names: [number, string][],
  key: string,
): Record<string, unknown> {
  if (!flags) return {};
  const set = names.filter(([f]) => (flags & f) !== 0);
  return { [key]: set.map(([f]) => f), [`${key}_s`]: set.map(([, n]) => n) };
}

function opSpecific(op: ParsedOp, src: AccountRef, applied: AppliedOp): Record<string, unknown> {
  const source = src.account;
  switch (op.type) {
    case 'create_account':
      return {
        starting_balance: formatAmount(op.startingBalance),
        ...accountFields(src, 'funder'),
        account: op.destination,
      };
    case 'payment':
      return {
        ...assetJson(op.asset),
        ...accountFields(src, 'from'),
        to: op.destination.account,
        ...muxedFields(op.destination, 'to'),
        amount: formatAmount(op.amount),
      };
    case 'path_payment_strict_receive':
      return {
        ...assetJson(op.destAsset),
        ...accountFields(src, 'from'),
        to: op.destination.account,
        ...muxedFields(op.destination, 'to'),
        amount: formatAmount(op.destAmount),
        path: op.path.map(assetJson),
        source_amount: applied.details.source_amount ?? '0.0000000',
        source_max: formatAmount(op.sendMax),
        ...assetFields(op.sendAsset, 'source_'),
      };
    case 'path_payment_strict_send':
      return {
        ...assetJson(op.destAsset),
        ...accountFields(src, 'from'),
        to: op.destination.account,
        ...muxedFields(op.destination, 'to'),
        amount: applied.details.amount ?? '0.0000000',
        path: op.path.map(assetJson),
        source_amount: formatAmount(op.sendAmount),
        destination_min: formatAmount(op.destMin),
        ...assetFields(op.sendAsset, 'source_'),
      };
    case 'change_trust':
      return op.line && op.line.type !== 'native'
        ? {
            ...assetJson(op.line),
            limit: formatAmount(op.limit),
            trustee: op.line.issuer,
            ...accountFields(src, 'trustor'),
          }
        : {
            asset_type: 'liquidity_pool_shares',
            limit: formatAmount(op.limit),
            ...accountFields(src, 'trustor'),
          };
    case 'allow_trust':
      return {
        asset_type: op.assetCode.length <= 4 ? 'credit_alphanum4' : 'credit_alphanum12',
        asset_code: op.assetCode,
        asset_issuer: source,
        ...accountFields(src, 'trustee'),
        trustor: op.trustor,
        authorize: op.authorize === 1,
        authorize_to_maintain_liabilities: op.authorize === 2,
      };
    case 'set_trust_line_flags':
      return {
        ...assetJson(op.asset),
        trustor: op.trustor,
        ...flagLists(op.setFlags, TL_FLAG_NAMES, 'set_flags'),
        ...flagLists(op.clearFlags, TL_FLAG_NAMES, 'clear_flags'),
      };
    case 'set_options':
      return {
        ...(op.homeDomain !== undefined ? { home_domain: op.homeDomain } : {}),
        ...(op.inflationDest ? { inflation_dest: op.inflationDest } : {}),
        ...(op.masterWeight !== undefined ? { master_key_weight: op.masterWeight } : {}),
        ...(op.signer && op.signer.key ? { signer_key: op.signer.key, signer_weight: op.signer.weight } : {}),
        ...(op.lowThreshold !== undefined ? { low_threshold: op.lowThreshold } : {}),
        ...(op.medThreshold !== undefined ? { med_threshold: op.medThreshold } : {}),
        ...(op.highThreshold !== undefined ? { high_threshold: op.highThreshold } : {}),
        ...flagLists(op.setFlags, ACCOUNT_FLAG_NAMES, 'set_flags'),
        ...flagLists(op.clearFlags, ACCOUNT_FLAG_NAMES, 'clear_flags'),
      };
    case 'account_merge':
      return { ...accountFields(src, 'account'), ...accountFields(op.destination, 'into') };
    case 'manage_data':
      return { name: op.name, value: op.value ? op.value.toString('base64') : '' };
    case 'bump_sequence':
      return { bump_to: op.bumpTo.toString() };
    case 'manage_sell_offer':
    case 'manage_buy_offer':
    case 'create_passive_sell_offer':
      return offerOperationFields(op);
    case 'create_claimable_balance':
      return {
        asset: canonicalAsset(op.asset),
        amount: formatAmount(op.amount),
        claimants: claimantsJson(op.claimants),
      };
    case 'claim_claimable_balance':
      return { balance_id: op.balanceId, claimant: source };
    case 'clawback_claimable_balance':
      return { balance_id: op.balanceId };
    case 'invoke_host_function': {
      // Horizon's InvokeHostFunction resource (address and salt only for create_contract).
      const d = applied.details;
      return {
        function: d.function,
        parameters: d.parameters,
        address: d.address,
        salt: d.salt,
        asset_balance_changes: d.asset_balance_changes,
      };
    }
    default:
      return {};
  }
}

export interface OpJsonInput {
  base: string;
  op: ParsedOp;
  applied: AppliedOp;
  id: string;
  txHash: string;
  successful: boolean;
  closeTime: number;
  sourceRef: AccountRef;
}

export function operationJson(i: OpJsonInput): Record<string, unknown> {
  const self = `${i.base}/operations/${i.id}`;
  return {
    _links: {
      self: link(self),
      transaction: link(`${i.base}/transactions/${i.txHash}`),
      effects: link(`${self}/effects`),
      succeeds: link(`${i.base}/effects?order=desc&cursor=${i.id}`),
      precedes: link(`${i.base}/effects?order=asc&cursor=${i.id}`),
    },
    id: i.id,
    paging_token: i.id,
    transaction_successful: i.successful,
    source_account: i.applied.sourceAccount,
    ...muxedFields(i.sourceRef, 'source_account'),
    type: i.op.typeName,
    type_i: i.op.typeI,
    created_at: isoTime(i.closeTime),
    transaction_hash: i.txHash,
    ...opSpecific(i.op, i.sourceRef, i.applied),
  };
}

const EFFECT_TYPE_I: Record<string, number> = {
  account_created: 0,
  account_removed: 1,
  account_credited: 2,
  account_debited: 3,
  account_thresholds_updated: 4,
  account_home_domain_updated: 5,
  account_flags_updated: 6,
  account_inflation_destination_updated: 7,
  signer_created: 10,
  signer_removed: 11,
  signer_updated: 12,
  trustline_created: 20,
  trustline_removed: 21,
  trustline_updated: 22,
  trustline_authorized: 23,
  trustline_deauthorized: 24,
  trustline_authorized_to_maintain_liabilities: 25,
  trustline_flags_updated: 26,
  data_created: 40,
  data_removed: 41,
  data_updated: 42,
  sequence_bumped: 43,
  trade: 33,
  claimable_balance_created: 50,
  claimable_balance_claimant_created: 51,
  claimable_balance_claimed: 52,
  claimable_balance_sponsorship_created: 69,
  claimable_balance_sponsorship_removed: 71,
  claimable_balance_clawed_back: 80,
};

export function effectJson(
  base: string,
  opId: string,
  order: number,
  e: EffectRecord,
  closeTime: number,
  muxedRef?: AccountRef,
): Record<string, unknown> {
  const token = `${opId}-${order}`;
  return {
    _links: {
      operation: link(`${base}/operations/${opId}`),
      succeeds: link(`${base}/effects?order=desc&cursor=${token}`),
      precedes: link(`${base}/effects?order=asc&cursor=${token}`),
    },
    id: `${opId.padStart(19, '0')}-${String(order).padStart(10, '0')}`,
    paging_token: token,
    account: e.account,
    ...muxedFields(muxedRef, 'account'),
    type: e.type,
    type_i: EFFECT_TYPE_I[e.type] ?? 99,
    created_at: isoTime(closeTime),
    ...e.fields,
  };
}

export interface LedgerJsonInput {
  base: string;
  sequence: number;
  hash: string;
  prevHash: string;
  pagingToken: string;
  closeTime: number;
  successfulTxCount: number;
  failedTxCount: number;
  operationCount: number;
  txSetOperationCount: number;
  feePool: bigint;
  totalCoins: bigint;
  headerXdr: string;
  protocolVersion: number;
  maxTxSetSize: number;
}

export function ledgerJson(i: LedgerJsonInput): Record<string, unknown> {
  const self = `${i.base}/ledgers/${i.sequence}`;
  return {
    _links: {
      self: link(self),
      transactions: link(`${self}/transactions{?cursor,limit,order}`, true),
      operations: link(`${self}/operations{?cursor,limit,order}`, true),
      payments: link(`${self}/payments{?cursor,limit,order}`, true),
      effects: link(`${self}/effects{?cursor,limit,order}`, true),
    },
    id: i.hash,
    paging_token: i.pagingToken,
    hash: i.hash,
    ...(i.sequence > 1 ? { prev_hash: i.prevHash } : {}),
    sequence: i.sequence,
    successful_transaction_count: i.successfulTxCount,
    failed_transaction_count: i.failedTxCount,
    operation_count: i.operationCount,
    tx_set_operation_count: i.txSetOperationCount,
    closed_at: isoTime(i.closeTime),
    total_coins: formatAmount(i.totalCoins),
    fee_pool: formatAmount(i.feePool),
    base_fee_in_stroops: 100,
    base_reserve_in_stroops: 5_000_000,
    max_tx_set_size: i.maxTxSetSize,
    protocol_version: i.protocolVersion,
    header_xdr: i.headerXdr,
  };
}
