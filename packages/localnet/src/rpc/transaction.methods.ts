// Stellar RPC's transaction methods: sendTransaction (into the same queue Horizon's async
// submission uses), getTransaction, getTransactions (TOID cursor pagination) and
// simulateTransaction, which has nothing to simulate on a network without Soroban.
import { xdr } from '@stellar/stellar-sdk';
import { toid } from '../toid.js';
import { MalformedEnvelopeError, decodeEnvelope } from '../xdr-decode.js';
import type { RpcContext } from './rpc-context.js';
import { INVALID_PARAMS, RpcError, checkFormat, ledgerPage, string, type Params } from './rpc-params.js';
import { rendered, type RpcTx } from './rpc-ledger-store.js';

/** RPC's max- and default- limits. */
const LIMITS = { max: 200, default: 50 };

export function sendTransaction(ctx: RpcContext, p: Params): unknown {
  checkFormat(p);
  let tx;
  try {
    tx = decodeEnvelope(string(p, 'transaction'), ctx.closer.networkId);
  } catch (e) {
    if (!(e instanceof MalformedEnvelopeError)) ctx.log.warn('unexpected decode error', { error: String(e) });
    throw new RpcError(INVALID_PARAMS, 'invalid_xdr');
  }
  const latest = ctx.store.latest;
  const r = ctx.submit(tx);
  return {
    ...(r.status === 'ERROR' && r.outcome ? { errorResultXdr: r.outcome.result.toXDR('base64') } : {}),
    status: r.status,
    hash: tx.envelopeHash,
    latestLedger: latest.sequence,
    latestLedgerCloseTime: String(latest.closeTime),
  };
}

function details(t: RpcTx): Record<string, unknown> {
  const r = rendered(t);
  return {
    status: t.successful ? 'SUCCESS' : 'FAILED',
    txHash: t.hash,
    applicationOrder: t.applicationOrder,
    feeBump: t.feeBump,
    envelopeXdr: t.envelopeXdr,
    resultXdr: t.resultXdr,
    resultMetaXdr: r.resultMetaXdr,
    events: { transactionEventsXdr: r.transactionEventsXdr, contractEventsXdr: r.contractEventsXdr },
    ledger: t.ledger,
  };
}

export function getTransaction(ctx: RpcContext, p: Params): unknown {
  checkFormat(p);
  const hash = string(p, 'hash');
  if (hash.length !== 64) throw new RpcError(INVALID_PARAMS, `unexpected hash length (${hash.length})`);
  const bad = /[^0-9a-fA-F]/.exec(hash);
  if (bad) {
    const ch = bad[0];
    const u = ch.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0');
    throw new RpcError(INVALID_PARAMS, `incorrect hash: encoding/hex: invalid byte: U+${u} '${ch}'`);
  }
  const { latest, oldest } = ctx.store;
  const range = {
    latestLedger: latest.sequence,
    latestLedgerCloseTime: String(latest.closeTime),
    oldestLedger: oldest.sequence,
    oldestLedgerCloseTime: String(oldest.closeTime),
  };
  const t = ctx.store.transaction(hash.toLowerCase());
  if (!t) {
    return {
      ...range,
      status: 'NOT_FOUND',
      txHash: hash,
      applicationOrder: 0,
      feeBump: false,
      events: {},
      ledger: 0,
      createdAt: '0',
    };
  }
  return { ...range, ...details(t), createdAt: String(t.closeTime) };
}

export function getTransactions(ctx: RpcContext, p: Params): unknown {
  const { latest, oldest } = ctx.store;
  const page = ledgerPage(p, ctx.store, LIMITS);
  let startLedger = page.startLedger;
  let startOrder = 1;
  if (page.cursor !== '') {
    if (
      !/^-?\d+$/.test(page.cursor) ||
      BigInt(page.cursor) > (1n << 63n) - 1n ||
      BigInt(page.cursor) < -(1n << 63n)
    )
      throw new RpcError(INVALID_PARAMS, `strconv.ParseInt: parsing "${page.cursor}": invalid syntax`);
    const c = BigInt.asUintN(64, BigInt(page.cursor));
    startLedger = Number(c >> 32n);
    startOrder = Number((c >> 12n) & 0xfffffn) + 1;
  }
  const txs: unknown[] = [];
  let cursor = 0n;
  for (let seq = startLedger; seq <= latest.sequence; seq++) {
    const l = ctx.store.ledger(seq);
    if (!l) throw new RpcError(INVALID_PARAMS, `database does not contain metadata for ledger: ${seq}`);
    cursor = toid(seq, 0, 1);
    const from = seq === startLedger ? startOrder : 1;
    let done = false;
    for (const t of l.txs) {
      if (t.applicationOrder < from) continue;
      cursor = toid(seq, t.applicationOrder, 1);
      txs.push({ ...details(t), createdAt: t.closeTime });
      if (txs.length >= page.limit) {
        done = true;
        break;
      }
    }
    if (done) break;
  }
  return {
    transactions: txs,
    latestLedger: latest.sequence,
    latestLedgerCloseTimestamp: latest.closeTime,
    oldestLedger: oldest.sequence,
    oldestLedgerCloseTimestamp: oldest.closeTime,
    cursor: cursor.toString(),
  };
}

/**
 * RPC simulates only Soroban operations (invoke host function, extend / restore footprint) and
 * answers every classic transaction with an `error` result; localnet runs no Soroban, so it
 * gives that same answer for classic operations and a plain "no Soroban" error for the rest.
 */
export function simulateTransaction(ctx: RpcContext, p: Params): unknown {
  const latestLedger = ctx.store.latest.sequence;
  const fail = (error: string) => ({ error, latestLedger });
  const f = string(p, 'xdrFormat');
  if (f !== '' && f !== 'base64' && f !== 'json')
    return fail(`got '${f}': expected base64, json for optional 'xdrFormat'`);
  let env: xdr.TransactionEnvelope;
  try {
    env = xdr.TransactionEnvelope.fromXDR(string(p, 'transaction'), 'base64');
  } catch {
    return fail('Could not unmarshal transaction');
  }
  const tx =
    env.switch().name === 'envelopeTypeTxFeeBump'
      ? env.feeBump().tx().innerTx().v1().tx()
      : env.switch().name === 'envelopeTypeTxV0'
        ? env.v0().tx()
        : env.v1().tx();
  const ops = tx.operations();
  if (ops.length !== 1) return fail('Transaction contains more than one operation');
  if (tx.memo().switch().name !== 'memoNone')
    return fail('Transaction contains a memo. Soroban transactions do not support memos.');
  const arm = ops[0]!.body().switch().name;
  if (['invokeHostFunction', 'extendFootprintTtl', 'restoreFootprint'].includes(arm))
    return fail('localnet runs no Soroban: simulateTransaction is not available');
  return fail(
    `Transaction contains unsupported operation type: OperationType${arm[0]!.toUpperCase()}${arm.slice(1)}`,
  );
}
