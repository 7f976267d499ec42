// Stellar RPC's getEvents over the CAP-67 events localnet's ledgers produce: filters by type,
// contract id and topic (with `*` and a trailing `**`), RPC's cursor (`<toid>-<event>`, after
// which the page starts), a scan of at most 10,000 ledgers per call, and RPC's validation texts.
import { StrKey, xdr } from '@stellar/stellar-sdk';
import { isoTime } from '../horizon-json.js';
import type { RpcContext } from './rpc-context.js';
import {
  INVALID_PARAMS,
  INVALID_REQUEST,
  RpcError,
  array,
  checkFormat,
  object,
  string,
  uint32,
  type Params,
} from './rpc-params.js';
import { eventId, eventKey, type RpcEvent } from './rpc-ledger-store.js';

const LEDGER_SCAN_LIMIT = 10_000;
const MAX_EVENTS_LIMIT = 10_000;
const DEFAULT_EVENTS_LIMIT = 100;
const MAX_FILTERS = 5;
const MAX_CONTRACT_IDS = 5;
const MAX_TOPICS = 5;
const MAX_TOPIC_SEGMENTS = 4;
const TX_MASK = 0xfffff;
const OP_MASK = 0xfff;

/** A topic segment: a wildcard or the base64 XDR of the ScVal it must equal. */
type Segment = '*' | '**' | { xdr: string };

interface Filter {
  types: Set<string>;
  contractIds: Set<string>;
  topics: Segment[][];
}

function parseCursor(s: string): bigint {
  const m = /^(-?\d+)-(\d+)$/.exec(s);
  if (!m || BigInt(m[2]!) > 0xffffffffn)
    throw new RpcError(INVALID_PARAMS, `invalid parameters: invalid event id ${s}`);
  return (BigInt.asUintN(64, BigInt(m[1]!)) << 32n) | BigInt(m[2]!);
}

/** The position after a cursor: its event index + 1, wrapping in 32 bits as RPC's uint32 does. */
function after(cursor: bigint): bigint {
  return (cursor & ~0xffffffffn) | ((cursor + 1n) & 0xffffffffn);
}

function parseSegment(v: unknown): Segment {
  if (typeof v !== 'string')
    throw new RpcError(INVALID_PARAMS, 'invalid parameters: topic segments must be strings');
  if (v === '*' || v === '**') return v;
  try {
    return { xdr: xdr.ScVal.fromXDR(v, 'base64').toXDR('base64') };
  } catch {
    throw new RpcError(INVALID_PARAMS, `invalid parameters: topic segment ${v} is not a base64 ScVal`);
  }
}

function parseFilter(raw: unknown, n: number): Filter {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw))
    throw new RpcError(INVALID_PARAMS, 'invalid parameters: filters must be objects');
  const f = raw as Params;
  const bad = (why: string) => new RpcError(INVALID_PARAMS, `filter ${n} invalid: ${why}`);
  const typeText = string(f, 'type');
  const types = new Set(typeText === '' ? [] : typeText.split(','));
  for (const t of types)
    if (t !== 'system' && t !== 'contract')
      throw bad("filter type invalid: if set, type must be either 'system' or 'contract'");
  const ids = array(f, 'contractIds');
  if (ids.length > MAX_CONTRACT_IDS) throw bad('maximum 5 contract IDs per filter');
  const topicsRaw = array(f, 'topics');
  if (topicsRaw.length > MAX_TOPICS) throw bad('maximum 5 topics per filter');
  ids.forEach((id, i) => {
    if (typeof id !== 'string' || !StrKey.isValidContract(id)) throw bad(`contract ID ${i + 1} invalid`);
  });
  const topics = topicsRaw.map((t, i) => {
    if (!Array.isArray(t))
      throw new RpcError(INVALID_PARAMS, 'invalid parameters: a topic filter must be an array');
    const segs = t.map(parseSegment);
    const why = topicProblem(segs);
    if (why) throw bad(`topic ${i + 1} invalid: ${why}`);
    return segs;
  });
  return { types, contractIds: new Set(ids as string[]), topics };
}

function topicProblem(segs: Segment[]): string | null {
  if (segs.length < 1) return 'topic must have at least 1 segment';
  const body = segs[segs.length - 1] === '**' ? segs.slice(0, -1) : segs;
  const misplaced = body.findIndex((s) => s === '**');
  if (misplaced >= 0)
    return `segment ${misplaced + 1} invalid: wildcard '**' is only allowed as the last segment`;
  if (body.length > MAX_TOPIC_SEGMENTS) return `topic cannot have more than ${MAX_TOPIC_SEGMENTS} segments`;
  return null;
}

function topicMatches(segs: Segment[], topic: string[]): boolean {
  const open = segs[segs.length - 1] === '**';
  const body = open ? segs.slice(0, -1) : segs;
  if (open ? topic.length < body.length : topic.length !== body.length) return false;
  return body.every((s, i) => s === '*' || (typeof s === 'object' && s.xdr === topic[i]));
}

function matches(f: Filter, e: RpcEvent, contractId: string): boolean {
  if (f.types.size && !f.types.has('contract')) return false;
  if (f.contractIds.size && !f.contractIds.has(contractId)) return false;
  return f.topics.length === 0 || f.topics.some((t) => topicMatches(t, e.topicXdr));
}

export function getEvents(ctx: RpcContext, p: Params): unknown {
  checkFormat(p);
  const startLedger = uint32(p, 'startLedger');
  const endLedgerParam = uint32(p, 'endLedger');
  const pagination = object(p, 'pagination');
  const cursorText = pagination ? string(pagination, 'cursor') : '';
  const limitParam = pagination ? uint32(pagination, 'limit') : 0;
  if (cursorText !== '') {
    if (startLedger !== 0 || endLedgerParam !== 0)
      throw new RpcError(INVALID_PARAMS, 'ledger ranges and cursor cannot both be set');
  } else if (startLedger <= 0) {
    throw new RpcError(INVALID_PARAMS, 'startLedger must be positive');
  }
  if (limitParam > MAX_EVENTS_LIMIT)
    throw new RpcError(INVALID_PARAMS, `limit must not exceed ${MAX_EVENTS_LIMIT}`);
  const filtersRaw = array(p, 'filters');
  if (filtersRaw.length > MAX_FILTERS) throw new RpcError(INVALID_PARAMS, 'maximum 5 filters per request');
  const filters = filtersRaw.map((f, i) => parseFilter(f, i + 1));

  const { latest, oldest } = ctx.store;
  const start = cursorText !== '' ? after(parseCursor(cursorText)) : eventKey(startLedger, 0, 0, 0);
  const startSeq = Number(start >> 64n);
  const limit = limitParam || DEFAULT_EVENTS_LIMIT;
  let endLedger = Math.min(startSeq + LEDGER_SCAN_LIMIT, latest.sequence + 1);
  if (endLedgerParam !== 0) endLedger = Math.min(endLedgerParam, endLedger);
  if (startSeq < oldest.sequence || startSeq > latest.sequence) {
    throw new RpcError(
      INVALID_REQUEST,
      `startLedger must be within the ledger range: ${oldest.sequence} - ${latest.sequence}`,
    );
  }

  const found: RpcEvent[] = [];
  const cids = new Map<Buffer, string>();
  const contractOf = (e: RpcEvent) => {
    let c = cids.get(e.contractId);
    if (!c) {
      c = StrKey.encodeContract(e.contractId);
      cids.set(e.contractId, c);
    }
    return c;
  };
  scan: for (let seq = startSeq; seq < endLedger; seq++) {
    const l = ctx.store.ledger(seq);
    if (!l) continue;
    for (const e of l.events) {
      if (e.key < start) continue;
      if (filters.length && !filters.some((f) => matches(f, e, contractOf(e)))) continue;
      found.push(e);
      if (found.length >= limit) break scan;
    }
  }
  const events = found.map((e) => ({
    type: 'contract',
    ledger: e.ledger,
    ledgerClosedAt: isoTime(e.closeTime),
    contractId: contractOf(e),
    id: e.id,
    operationIndex: e.opIndex,
    transactionIndex: e.txIndex,
    txHash: e.txHash,
    inSuccessfulContractCall: e.successful,
    topic: e.topicXdr,
    value: e.valueXdr,
  }));
  const cursor =
    found.length === limit
      ? found[found.length - 1]!.id
      : eventId(eventKey(endLedger - 1, TX_MASK, OP_MASK, 0xffffffff));
  return {
    events,
    cursor,
    latestLedger: latest.sequence,
    oldestLedger: oldest.sequence,
    latestLedgerCloseTime: String(latest.closeTime),
    oldestLedgerCloseTime: String(oldest.closeTime),
  };
}
