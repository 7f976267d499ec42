// Stellar RPC data → the bridge's payment records (Horizon's payment-record shape, so the listener
// classifies both backends alike). A received payment is a CAP-67 event of its operation
// (stellar-protocol core/cap-0067.md: `["transfer", from, to, asset]` or, from the issuer,
// `["mint", to, asset]`, data i128 amount or the map {amount, to_muxed_id}; asset = SEP-11 string);
// its kind and memo come from the transaction's envelope.
import {
  Address,
  FeeBumpTransaction,
  MuxedAccount,
  TransactionBuilder,
  nativeToScVal,
  scValToNative,
  xdr,
  type Transaction,
} from '@stellar/stellar-sdk';
import type { PaymentRecord } from '../services/listener.service.js';

/** A transaction as RPC's getTransaction / getTransactions return it (raw: base64 XDR). */
export interface RpcTransaction {
  txHash: string;
  ledger: number;
  createdAt: number;
  applicationOrder: number;
  envelopeXdr?: string;
}

/** A transfer-like event: its topics and data as base64 ScVal. */
export interface RpcEventBody {
  topic: string[];
  value: string;
}

const TOID_TX_SHIFT = 12n;

/** Horizon's operation id (TOID) of operation `opIndex` (from 0) of transaction `order` in `ledger`. */
export function operationId(ledger: number, order: number, opIndex: number): string {
  return ((BigInt(ledger) << 32n) | (BigInt(order) << TOID_TX_SHIFT) | BigInt(opIndex + 1)).toString();
}

/** The parts of an operation id: ledger, transaction application order, operation index from 0. */
export function operationParts(id: string): { ledger: number; order: number; opIndex: number } {
  const toid = BigInt(id);
  return {
    ledger: Number(toid >> 32n),
    order: Number((toid >> TOID_TX_SHIFT) & 0xfffffn),
    opIndex: Number(toid & 0xfffn) - 1,
  };
}

/** getEvents topic filters for events crediting `accountId`: transfers to it and mints to it. */
export function creditTopics(accountId: string): string[][] {
  const to = nativeToScVal(Address.fromString(accountId)).toXDR('base64');
  return [
    [sym('transfer'), '*', to, '*'],
    [sym('mint'), to, '*'],
  ];
}

const sym = (s: string) => xdr.ScVal.scvSymbol(s).toXDR('base64');

/** Decoded credit: who paid whom how much of what; undefined for any other event. */
export interface Credit {
  event: 'transfer' | 'mint';
  from?: string;
  to: string;
  amount: string;
  asset: string;
  /** A u64 `to_muxed_id` in the data map (the SAC's muxed destination, or a classic memo id). */
  toMuxedId?: string;
}

export function decodeCredit(event: RpcEventBody): Credit | undefined {
  const topics = event.topic.map((t) => xdr.ScVal.fromXDR(t, 'base64'));
  const name = topics[0]?.switch().name === 'scvSymbol' ? topics[0].sym().toString() : '';
  if (name !== 'transfer' && name !== 'mint') return undefined;
  const addresses = topics.slice(1, -1).map((t) => Address.fromScVal(t).toString());
  const asset = String(scValToNative(topics[topics.length - 1] as xdr.ScVal));
  const data = scValToNative(xdr.ScVal.fromXDR(event.value, 'base64')) as
    bigint | { amount: bigint; to_muxed_id?: unknown };
  const stroops = typeof data === 'bigint' ? data : data.amount;
  const muxedId = typeof data === 'bigint' ? undefined : data.to_muxed_id;
  const common = {
    amount: amountOf(stroops),
    asset,
    ...(typeof muxedId === 'bigint' ? { toMuxedId: muxedId.toString() } : {}),
  };
  return name === 'transfer'
    ? { event: name, from: addresses[0], to: addresses[1] as string, ...common }
    : { event: name, to: addresses[0] as string, ...common };
}

/** Stroops → Horizon's amount text ("12.3400000"). */
function amountOf(stroops: bigint): string {
  const negative = stroops < 0n;
  const abs = negative ? -stroops : stroops;
  return `${negative ? '-' : ''}${abs / 10_000_000n}.${(abs % 10_000_000n).toString().padStart(7, '0')}`;
}

const KINDS: Record<string, string> = {
  payment: 'payment',
  pathPaymentStrictReceive: 'path_payment_strict_receive',
  pathPaymentStrictSend: 'path_payment_strict_send',
  accountMerge: 'account_merge',
  createAccount: 'create_account',
  invokeHostFunction: 'invoke_host_function',
};

/** Horizon's `<name>_muxed` / `<name>_muxed_id` pair for an M… destination (id 0 omitted). */
function muxedPair(name: string, address: unknown): Record<string, string> {
  if (typeof address !== 'string' || !address.startsWith('M')) return {};
  const id = MuxedAccount.fromAddress(address, '0').id();
  return { [`${name}_muxed`]: address, ...(id !== '0' ? { [`${name}_muxed_id`]: id } : {}) };
}

/** The (inner) transaction of an envelope. */
export function envelopeTransaction(envelopeXdr: string, networkPassphrase: string): Transaction {
  const parsed = TransactionBuilder.fromXDR(envelopeXdr, networkPassphrase);
  return parsed instanceof FeeBumpTransaction ? parsed.innerTransaction : parsed;
}

/** The memo as Horizon renders it: hash/return memos base64, text as UTF-8, id as decimal. */
export function memoOf(tx: Transaction): { memo_type: string; memo?: string } {
  const { type, value } = tx.memo;
  if (type === 'none' || value === null || value === undefined) return { memo_type: 'none' };
  if (type === 'hash' || type === 'return')
    return { memo_type: type, memo: Buffer.from(value as Buffer).toString('base64') };
  return { memo_type: type, memo: Buffer.isBuffer(value) ? value.toString('utf8') : String(value) };
}

/**
 * The payment record of operation `opIndex` of `info` whose credit is `credit`: the fields the
 * listener and admin read from a Horizon payment record (joined with its transaction's memo).
 */
export function paymentRecord(
  info: RpcTransaction,
  tx: Transaction,
  opIndex: number,
  credit: Credit,
): PaymentRecord {
  const op = tx.operations[opIndex];
  const type = KINDS[op?.type ?? ''] ?? String(op?.type ?? 'unknown');
  const id = operationId(info.ledger, info.applicationOrder, opIndex);
  const [code, issuer] = credit.asset === 'native' ? [undefined, undefined] : credit.asset.split(':');
  const from = credit.from ?? issuer ?? '';
  const memo = memoOf(tx);
  const common = {
    id,
    paging_token: id,
    type,
    transaction_hash: info.txHash,
    transaction_successful: true,
    created_at: new Date(info.createdAt * 1000).toISOString(),
    source_account: (op?.source ?? tx.source).replace(/^M.*/, from),
    transaction_attr: memo,
  };
  const destination = (op as { destination?: unknown } | undefined)?.destination;
  if (type === 'account_merge')
    return {
      ...common,
      account: from,
      into: credit.to,
      ...muxedPair('into', destination),
      amount: credit.amount,
    };
  if (type === 'create_account')
    return { ...common, funder: from, account: credit.to, starting_balance: credit.amount };
  const asset = {
    asset_type: code === undefined ? 'native' : code.length <= 4 ? 'credit_alphanum4' : 'credit_alphanum12',
    ...(code === undefined ? {} : { asset_code: code, asset_issuer: issuer }),
  };
  if (type === 'invoke_host_function')
    // Horizon's SAC balance change (createSACBalanceChangeEntry): a mint has no `from`.
    return {
      ...common,
      asset_balance_changes: [
        {
          type: credit.event,
          ...(credit.event === 'transfer' ? { from } : {}),
          to: credit.to,
          amount: credit.amount,
          ...asset,
          ...(credit.toMuxedId !== undefined ? { destination_muxed_id: credit.toMuxedId } : {}),
        },
      ],
    };
  return {
    ...common,
    from,
    to: credit.to,
    ...muxedPair('to', destination),
    amount: credit.amount,
    ...asset,
  };
}
