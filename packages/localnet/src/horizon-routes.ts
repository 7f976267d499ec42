// The Horizon HTTP surface on raw node:http: HAL JSON resources and collections (cursor /
// order / limit over TOID paging tokens), SSE streaming of every collection, problem JSON for
// every error, synchronous and asynchronous submission, and friendbot. CORS on everything.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { StrKey } from '@stellar/stellar-sdk';
import { parseAmount } from './amount.js';
import type { Friendbot } from './friendbot.js';
import {
  pageOf,
  type HistoryStore,
  type Keyed,
  type OpRow,
  type PageQuery,
  type TxRow,
} from './history-store.js';
import { parseClaimableBalanceId as parseBalanceId } from '@anchor/protocol';
import { claimableBalanceJson, listBalances } from './claimable-balances.js';
import { accountJson, isoTime } from './horizon-json.js';
import { BASE_FEE } from './ledger-state.js';
import { PROTOCOL_VERSION, resultCodes, type ClosedLedger, type LedgerCloser } from './ledger-closer.js';
import type { Logger } from './logger.js';
import { txFailure, type TxOutcome } from './result-xdr.js';
import { orderBookRoute } from './order-book-routes.js';
import { SseStream, type SseOptions } from './sse.js';
import { rateLimitHeaders, type RateLimiter } from './rate-limiter.js';
import { toid } from './toid.js';
import { MalformedEnvelopeError, decodeEnvelope, type ParsedTx } from './xdr-decode.js';

export interface HorizonContext {
  closer: LedgerCloser;
  friendbot: Friendbot;
  networkPassphrase: string;
  /** How long POST /transactions waits for its ledger before answering 504. */
  submitTimeoutMs: number;
  /** Stream connection timeout and heartbeat. */
  sse: SseOptions;
  /** Horizon's per-client request rate limit, when configured. */
  rateLimiter?: RateLimiter;
  log: Logger;
}

const ERR = 'https://stellar.org/horizon-errors/';
const MAX_BODY = 256 * 1024;
const MAX_LIMIT = 200;
const INT64_MAX = (1n << 63n) - 1n;

class Problem extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    readonly title: string,
    readonly detail: string,
    readonly extras?: Record<string, unknown>,
  ) {
    super(detail);
  }
}

export function badRequest(field: string, reason: string): Problem {
  return new Problem(400, 'bad_request', 'Bad Request', 'The request you sent was invalid in some way.', {
    invalid_field: field,
    reason,
  });
}

/** Horizon's 410 for data older than its retained history (internal/render/problem/problem.go). */
function beforeHistory(): Problem {
  return new Problem(
    410,
    'before_history',
    'Data Requested Is Before Recorded History',
    "This horizon instance is configured to only track a portion of the stellar network's latest history. " +
      'This request is asking for results prior to the recorded history known to this horizon instance.',
  );
}

/**
 * Horizon's validateAndAdjustCursor (internal/actions/helpers.go): a cursor at or before the
 * elder ledger starts an ascending page at the oldest retained record, silently; a descending
 * one is 410 before_history.
 */
function adjustToHistory(p: ListParams, kind: CursorKind, h: HistoryStore): void {
  if (p.cursor === undefined) return;
  const elder = toid(h.elderLedger() ?? 1, 0, 0);
  const opCursor = kind === 'effect' ? p.cursor / 4096n : p.cursor;
  if (opCursor > elder) return;
  if (p.order === 'desc') throw beforeHistory();
  p.cursor = undefined;
}

/** Horizon's RateLimitExceeded (internal/render/problem/problem.go). */
function rateLimitExceeded(): Problem {
  return new Problem(
    429,
    'rate_limit_exceeded',
    'Rate Limit Exceeded',
    'The rate limit for the requesting IP address is over its alloted limit.  The allowed limit and requests ' +
      "left per time period are communicated to clients via the http response headers 'X-RateLimit-*' headers.",
  );
}

/** Horizon's sse.ErrRateLimited text, written raw in the mid-stream error event. */
const STREAM_RATE_LIMITED = 'Rate limit exceeded';

/** Horizon keys its limiter by the remote IP (internal/httpx/rate_limiter.go VaryByRemoteIP). */
function clientKey(req: IncomingMessage): string {
  return req.socket.remoteAddress ?? '';
}

/**
 * A stream's own charge, as sse.StreamHandler.ServeStream takes it: one token before the
 * preamble (limited → the plain 429 problem) and one each time a new ledger wakes it; true
 * means the token was granted.
 */
function streamCharge(ctx: HorizonContext, req: IncomingMessage): () => boolean {
  const limiter = ctx.rateLimiter;
  if (!limiter) return () => true;
  const key = clientKey(req);
  return () => !limiter.take(key).limited;
}

/** Opens a stream once its first token is granted. */
function openStream(
  ctx: HorizonContext,
  req: IncomingMessage,
  res: ServerResponse,
  limit: number,
): { stream: SseStream; charge: () => boolean } {
  const charge = streamCharge(ctx, req);
  if (!charge()) throw rateLimitExceeded();
  return { stream: new SseStream(res, limit, ctx.sse), charge };
}

export function notFound(): Problem {
  return new Problem(
    404,
    'not_found',
    'Resource Missing',
    'The resource at the url requested was not found.  This usually occurs for one of two reasons:  ' +
      'The url requested is not valid, or no data in our database could be found with the parameters provided.',
  );
}

const CORS = {
  'Access-Control-Allow-Origin': '*',
  'Access-Control-Allow-Headers':
    'Accept, Content-Type, Last-Event-ID, X-Client-Name, X-Client-Version, X-App-Name, X-App-Version',
  'Access-Control-Allow-Methods': 'GET, POST, OPTIONS',
};

function send(
  res: ServerResponse,
  status: number,
  body: string,
  contentType = 'application/hal+json; charset=utf-8',
): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  res.writeHead(status, { ...CORS, 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}

export function sendJson(res: ServerResponse, status: number, value: unknown): void {
  send(res, status, JSON.stringify(value));
}

function sendProblem(res: ServerResponse, p: Problem): void {
  const body = {
    type: ERR + p.type,
    title: p.title,
    status: p.status,
    detail: p.detail,
    ...(p.extras ? { extras: p.extras } : {}),
  };
  send(res, p.status, JSON.stringify(body), 'application/problem+json; charset=utf-8');
}

function recordText(r: Keyed): string {
  if (r.text === undefined) r.text = JSON.stringify(r.json);
  return r.text;
}

/**
 * A transaction as found by `hash`. Asked for by its inner hash, a fee bump is rendered under that
 * hash with the inner signatures, as Horizon's PopulateTransaction does when transactionHash is
 * not the row's own; fee_bump_transaction and inner_transaction stay as they are.
 */
function transactionText(row: TxRow, hash: string): string {
  if (hash === row.hash) return recordText(row);
  const j = row.json;
  const inner = j.inner_transaction as { signatures: string[] };
  const links = JSON.parse(
    JSON.stringify(j._links).replaceAll(`/transactions/${row.hash}`, `/transactions/${hash}`),
  );
  return JSON.stringify({ ...j, _links: links, id: hash, hash, signatures: inner.signatures });
}

type CursorKind = 'toid' | 'effect';

interface ListParams extends PageQuery {
  includeFailed: boolean;
  joinTransactions: boolean;
}

function parseCursor(raw: string, kind: CursorKind, closer: LedgerCloser): bigint | undefined {
  if (raw === '') return undefined;
  if (raw === 'now') {
    const now = toid(closer.head.sequence + 1, 0, 0) - 1n;
    return kind === 'effect' ? now * 4096n + 4095n : now;
  }
  let m = /^(\d{1,19})$/.exec(raw);
  if (m) {
    const v = BigInt(m[1]!);
    if (v > INT64_MAX) throw badRequest('cursor', 'cursor out of range');
    return kind === 'effect' ? v * 4096n + 4095n : v;
  }
  m = /^(\d{1,19})-(\d{1,10})$/.exec(raw);
  if (m && kind === 'effect') {
    const op = BigInt(m[1]!);
    const idx = BigInt(m[2]!);
    if (op > INT64_MAX || idx > 4095n) throw badRequest('cursor', 'cursor out of range');
    return op * 4096n + idx;
  }
  throw badRequest('cursor', 'cursor must be a paging token or "now"');
}

function parseList(
  q: URLSearchParams,
  kind: CursorKind,
  closer: LedgerCloser,
  lastEventId?: string,
): ListParams {
  const order = q.get('order') ?? '';
  if (order !== '' && order !== 'asc' && order !== 'desc')
    throw badRequest('order', 'order must be "asc" or "desc"');
  const limitRaw = q.get('limit') ?? '';
  let limit = 10;
  if (limitRaw !== '') {
    // Horizon's getLimit: strconv.ParseInt, then the range check, with its reasons.
    if (!/^[+-]?\d{1,19}$/.test(limitRaw)) throw badRequest('limit', 'unparseable value');
    const n = BigInt(limitRaw);
    if (n > INT64_MAX || n < -INT64_MAX - 1n) throw badRequest('limit', 'unparseable value');
    if (n <= 0n) throw badRequest('limit', 'invalid limit: non-positive value provided');
    if (n > BigInt(MAX_LIMIT))
      throw badRequest('limit', `invalid limit: value provided that is over limit max of ${MAX_LIMIT}`);
    limit = Number(n);
  }
  const inc = q.get('include_failed') ?? '';
  if (inc !== '' && inc !== 'true' && inc !== 'false')
    throw badRequest('include_failed', 'must be true or false');
  const join = q.get('join') ?? '';
  if (join !== '' && join !== 'transactions') throw badRequest('join', 'only "transactions" can be joined');
  const cursorRaw = lastEventId !== undefined && lastEventId !== '' ? lastEventId : (q.get('cursor') ?? '');
  const cursor = parseCursor(cursorRaw, kind, closer);
  return {
    cursor,
    order: order === 'desc' ? 'desc' : 'asc',
    limit,
    includeFailed: inc === 'true',
    joinTransactions: join === 'transactions',
  };
}

interface CollectionSpec {
  /** Path below the base URL, for HAL links. */
  path: string;
  kind: CursorKind;
  rows: (p: ListParams) => Keyed[];
  lo?: bigint;
  hi?: bigint;
}

function wantsStream(req: IncomingMessage): boolean {
  return (req.headers.accept ?? '').includes('text/event-stream');
}

function render(ctx: HorizonContext, r: Keyed, p: ListParams): string {
  if (p.joinTransactions && 'txHash' in r) {
    const tx = ctx.closer.history.transaction((r as OpRow).txHash);
    if (tx) return JSON.stringify({ ...r.json, transaction: tx.json });
  }
  return recordText(r);
}

/**
 * A page's links as hal.Page.PopulateLinks builds them: the request URL with every query parameter
 * kept, cursor/limit/order set, keys sorted (Go's url.Values.Encode). An empty page's next is its
 * self and its prev the reverse order from the same cursor.
 */
function pageLinks(
  ctx: HorizonContext,
  path: string,
  q: URLSearchParams,
  p: ListParams,
  records: Keyed[],
): Record<string, unknown> {
  const raw = q.get('cursor') ?? '';
  // getCursor resolves "now" to the paging token just after the latest ledger.
  const cursor = raw === 'now' ? String(toid(ctx.closer.head.sequence + 1, 0, 0) - 1n) : raw;
  const href = (c: string, order: string) => {
    const u = new URLSearchParams(q);
    u.set('cursor', c);
    u.set('limit', String(p.limit));
    u.set('order', order);
    u.sort();
    return { href: `${ctx.closer.baseUrl}${path}?${u.toString()}` };
  };
  const reverse = p.order === 'asc' ? 'desc' : 'asc';
  return {
    self: href(cursor, p.order),
    next: href(records.length ? records[records.length - 1]!.pagingToken : cursor, p.order),
    prev: href(records.length ? records[0]!.pagingToken : cursor, reverse),
  };
}

export function collection(
  ctx: HorizonContext,
  req: IncomingMessage,
  res: ServerResponse,
  q: URLSearchParams,
  spec: CollectionSpec,
): void {
  const streaming = wantsStream(req);
  const lastEventId = streaming ? (req.headers['last-event-id'] as string | undefined) : undefined;
  const p = parseList(q, spec.kind, ctx.closer, lastEventId);
  adjustToHistory(p, spec.kind, ctx.closer.history);
  if (!streaming) {
    const records = pageOf(spec.rows(p), p, spec.lo, spec.hi);
    const links = JSON.stringify(pageLinks(ctx, spec.path, q, p, records));
    const body = `{"_links":${links},"_embedded":{"records":[${records.map((r) => render(ctx, r, p)).join(',')}]}}`;
    send(res, 200, body);
    return;
  }
  streamCollection(ctx, req, res, p, spec);
}

function streamCollection(
  ctx: HorizonContext,
  req: IncomingMessage,
  res: ServerResponse,
  p: ListParams,
  spec: CollectionSpec,
): void {
  // Horizon's ServeStream closes after pq.Limit records: the explicit limit, else the page size 10.
  const { stream, charge } = openStream(ctx, req, res, p.limit);
  let cursor = p.cursor;
  // A descending stream first replays its page newest-first, then follows new records.
  if (p.order === 'desc') {
    const page = pageOf(spec.rows(p), p, spec.lo, spec.hi);
    for (const r of page) if (!stream.send(r.pagingToken, render(ctx, r, p))) return;
    const all = spec.rows(p);
    cursor = all.length ? all[all.length - 1]!.key : cursor;
  }
  const pump = () => {
    if (stream.done) return;
    for (;;) {
      const batch = Math.min(MAX_LIMIT, stream.remaining());
      const records = pageOf(spec.rows(p), { cursor, order: 'asc', limit: batch }, spec.lo, spec.hi);
      for (const r of records) {
        cursor = r.key;
        if (!stream.send(r.pagingToken, render(ctx, r, p))) return;
      }
      if (records.length < batch) return;
    }
  };
  const onLedger = () => (charge() ? pump() : stream.error(STREAM_RATE_LIMITED));
  ctx.closer.on('ledger', onLedger);
  stream.onClose(() => ctx.closer.off('ledger', onLedger));
  pump();
}

function optionalAccount(q: URLSearchParams, field: string): string | undefined {
  const raw = q.get(field);
  if (raw === null || raw === '') return undefined;
  if (!StrKey.isValidEd25519PublicKey(raw)) throw badRequest(field, 'invalid account ID');
  return raw;
}

/** GET /claimable_balances?claimant=&sponsor=&asset=&cursor=&order=&limit= */
function claimableBalances(ctx: HorizonContext, res: ServerResponse, q: URLSearchParams): void {
  const asset = q.get('asset') || undefined;
  if (asset && asset !== 'native') {
    const [code, issuer, extra] = asset.split(':');
    if (
      extra !== undefined ||
      !/^[A-Za-z0-9]{1,12}$/.test(code ?? '') ||
      !StrKey.isValidEd25519PublicKey(issuer ?? '')
    ) {
      throw badRequest(
        'asset',
        'Asset must be the string "native" or a string of the form "Code:IssuerAccountID"',
      );
    }
  }
  const rawCursor = q.get('cursor') || undefined;
  let cursor: { ledger: number; id: string } | undefined;
  if (rawCursor) {
    const m = /^(\d{1,10})-(.+)$/.exec(rawCursor);
    const id = m ? parseBalanceId(m[2]!) : null;
    if (!m || !id) {
      throw badRequest(
        'cursor',
        'The first part should be a number higher than 0 and the second part should be a valid claimable balance ID',
      );
    }
    cursor = { ledger: Number(m[1]), id };
  }
  const order = q.get('order') || 'asc';
  if (order !== 'asc' && order !== 'desc') throw badRequest('order', 'order must be "asc" or "desc"');
  const limitRaw = q.get('limit') || '10';
  const limit = /^\d{1,3}$/.test(limitRaw) ? Number(limitRaw) : 0;
  if (limit < 1 || limit > MAX_LIMIT) throw badRequest('limit', `limit must be between 1 and ${MAX_LIMIT}`);
  const filter = {
    claimant: optionalAccount(q, 'claimant'),
    sponsor: optionalAccount(q, 'sponsor'),
    asset,
    cursor,
    order: order as 'asc' | 'desc',
    limit,
  };
  const base = ctx.closer.baseUrl;
  const records = listBalances(ctx.closer.state.claimableBalances.values(), filter).map((b) =>
    claimableBalanceJson(base, b),
  );
  const params = (c: string, o: string) => {
    const p = new URLSearchParams();
    for (const k of ['asset', 'claimant', 'sponsor'] as const) if (filter[k]) p.set(k, filter[k]);
    p.set('cursor', c);
    p.set('limit', String(limit));
    p.set('order', o);
    return { href: `${base}/claimable_balances?${p.toString()}` };
  };
  const token = (i: number) => (records[i]?.paging_token as string | undefined) ?? '';
  sendJson(res, 200, {
    _links: {
      self: params(rawCursor ?? '', order),
      next: params(token(records.length - 1), order),
      prev: params(token(0), order === 'asc' ? 'desc' : 'asc'),
    },
    _embedded: { records },
  });
}

function accountId(raw: string): string {
  if (!StrKey.isValidEd25519PublicKey(raw)) throw badRequest('account_id', 'invalid account ID');
  return raw;
}

/** Horizon's isTransactionHash (internal/actions/validators.go): lowercase hex only. */
function txHash(raw: string): string {
  if (!/^[0-9a-f]{64}$/.test(raw)) {
    throw badRequest('tx_id', 'Transaction hash must be a hex-encoded, lowercase SHA-256 hash');
  }
  return raw;
}

function ledgerSeq(raw: string): number {
  if (!/^\d{1,10}$/.test(raw) || Number(raw) < 1 || Number(raw) > 0xffffffff) {
    throw badRequest('ledger_id', 'ledger sequence must be a positive integer');
  }
  return Number(raw);
}

function opId(raw: string): bigint {
  if (!/^\d{1,19}$/.test(raw) || BigInt(raw) > INT64_MAX)
    throw badRequest('op_id', 'operation ID must be an integer');
  return BigInt(raw);
}

/** Past this much discarded upload after a 413, the connection is cut rather than drained. */
const MAX_DRAIN = 16 * MAX_BODY;

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (c: Buffer) => {
      size += c.length;
      if (size <= MAX_BODY) {
        chunks.push(c);
        return;
      }
      // Answer 413 at once, but keep reading (and discarding) the rest of the upload: destroying
      // the request here would reset the socket before the client could read the answer.
      req.off('data', onData);
      let drained = size;
      req.on('data', (more: Buffer) => {
        drained += more.length;
        if (drained > MAX_DRAIN) req.destroy();
      });
      reject(
        new Problem(
          413,
          'request_entity_too_large',
          'Request Entity Too Large',
          `The request body is larger than ${MAX_BODY} bytes.`,
        ),
      );
    };
    req.on('data', onData);
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/**
 * The `tx` field of a submission. As in Horizon (`getString(r, "tx")`), a missing or empty field
 * is the empty envelope, which then fails to decode: 400 `transaction_malformed`, not `bad_request`.
 * Horizon's validateBodyType (internal/actions/submit_transaction.go) refuses any declared content
 * type but form bodies with 415 before reading the body.
 */
async function envelopeFrom(req: IncomingMessage): Promise<string> {
  const type = req.headers['content-type'];
  if (
    type !== undefined &&
    type !== '' &&
    !/^\s*(application\/x-www-form-urlencoded|multipart\/form-data)\s*(;|$)/i.test(type)
  ) {
    throw new Problem(
      415,
      'unsupported_media_type',
      'Unsupported Media Type',
      'The request has an unsupported content type. Presently, the only supported content type is ' +
        'application/x-www-form-urlencoded.',
    );
  }
  return new URLSearchParams(await readBody(req)).get('tx') ?? '';
}

function decode(ctx: HorizonContext, envelope: string): ParsedTx {
  try {
    return decodeEnvelope(envelope, ctx.closer.networkId);
  } catch (e) {
    if (!(e instanceof MalformedEnvelopeError)) ctx.log.warn('unexpected decode error', { error: String(e) });
    throw new Problem(
      400,
      'transaction_malformed',
      'Transaction Malformed',
      'Horizon could not decode the transaction envelope in this request. A transaction should be an XDR ' +
        'TransactionEnvelope struct encoded using base64.  The envelope read from this request is echoed in the ' +
        '`extras.envelope_xdr` field of this response for your convenience.',
      { envelope_xdr: envelope },
    );
  }
}

function failedProblem(
  envelopeXdr: string,
  resultXdr: string,
  codes: ReturnType<typeof resultCodes>,
): Problem {
  return new Problem(
    400,
    'transaction_failed',
    'Transaction Failed',
    'The transaction failed when submitted to the stellar network. The `extras.result_codes` field on this ' +
      'response contains further details.  Descriptions of each code can be found at: ' +
      'https://developers.stellar.org/docs/data/apis/horizon/api-reference/errors/result-codes/transactions',
    { envelope_xdr: envelopeXdr, result_xdr: resultXdr, result_codes: codes },
  );
}

function rejection(tx: ParsedTx, o: TxOutcome): Problem {
  return failedProblem(tx.envelopeXdr, o.result.toXDR('base64'), resultCodes(o));
}

async function submitSync(ctx: HorizonContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const tx = decode(ctx, await envelopeFrom(req));
  // Horizon's txsub (internal/txsub/system.go, Submit) answers a sequence number that cannot be
  // valid with its canned ErrBadSequence result (fee charged 0) before asking core at all.
  const min = tx.cond.minSeqNum;
  if (tx.seqNum < 0n || (min !== undefined && (min < 0n || min >= tx.seqNum))) {
    throw rejection(tx, txFailure(0n, 'txBadSeq'));
  }
  const result = await ctx.closer.submit(tx, ctx.submitTimeoutMs);
  if (result.kind === 'timeout') {
    // stellar/go services/horizon/internal/actions/submit_transaction.go: txsub.ErrTimeout.
    throw new Problem(
      504,
      'transaction_submission_timeout',
      'Transaction Submission Timeout',
      'Your transaction submission request has timed out. This does not necessarily mean the submission ' +
        'has failed. Before resubmitting, please use the transaction hash provided in `extras.hash` to poll ' +
        'the GET /transactions endpoint for sometime and check if it was included in a ledger.',
      { hash: tx.envelopeHash, envelope_xdr: tx.envelopeXdr },
    );
  }
  if (result.kind === 'rejected') throw rejection(tx, result.outcome);
  const row = result.row;
  if (row.successful) {
    send(res, 200, transactionText(row, tx.envelopeHash));
    return;
  }
  throw failedProblem(row.json.envelope_xdr as string, row.json.result_xdr as string, row.resultCodes!);
}

const ASYNC_STATUS: Record<string, number> = {
  PENDING: 201,
  DUPLICATE: 409,
  TRY_AGAIN_LATER: 503,
  ERROR: 400,
};

async function submitAsync(ctx: HorizonContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const tx = decode(ctx, await envelopeFrom(req));
  const r = ctx.closer.admit(tx);
  sendJson(res, ASYNC_STATUS[r.status]!, {
    ...(r.outcome ? { error_result_xdr: r.outcome.result.toXDR('base64') } : {}),
    tx_status: r.status,
    hash: tx.envelopeHash,
  });
}

async function friendbot(ctx: HorizonContext, res: ServerResponse, q: URLSearchParams): Promise<void> {
  const addr = q.get('addr') ?? '';
  if (!StrKey.isValidEd25519PublicKey(addr)) throw badRequest('addr', 'addr must be a G… account ID');
  let amount: bigint | undefined;
  const amountRaw = q.get('amount');
  if (amountRaw) {
    try {
      amount = parseAmount(amountRaw);
    } catch {
      throw badRequest('amount', 'invalid amount');
    }
  }
  const r = await ctx.friendbot.fund(addr, amount);
  if (r.kind === 'exists') {
    throw new Problem(400, 'bad_request', 'Bad Request', 'account already funded to starting balance');
  }
  if (r.kind === 'rejected')
    throw new Problem(500, 'server_error', 'Internal Server Error', 'friendbot funding failed');
  send(res, 200, recordText(r.row));
}

const ASSET_PAIR =
  'base_asset_type={base_asset_type}&base_asset_code={base_asset_code}&base_asset_issuer={base_asset_issuer}&' +
  'counter_asset_type={counter_asset_type}&counter_asset_code={counter_asset_code}&counter_asset_issuer={counter_asset_issuer}';

function rootDocument(ctx: HorizonContext): Record<string, unknown> {
  const base = ctx.closer.baseUrl;
  const head = ctx.closer.head;
  const first = ctx.closer.history.ledgers[0];
  const t = (p: string) => ({ href: `${base}${p}`, templated: true });
  return {
    // resourceadapter/root.go (PopulateRoot) with actions/root.go's URI templates, all of them,
    // also for the endpoints localnet does not serve (assets, liquidity pools, trade aggregations).
    _links: {
      account: t('/accounts/{account_id}'),
      accounts: t('/accounts{?signer,sponsor,asset,liquidity_pool,cursor,limit,order}'),
      account_transactions: t('/accounts/{account_id}/transactions{?cursor,limit,order}'),
      claimable_balances: t('/claimable_balances{?asset,sponsor,claimant,cursor,limit,order}'),
      assets: t('/assets{?asset_code,asset_issuer,cursor,limit,order}'),
      effects: t('/effects{?cursor,limit,order}'),
      fee_stats: { href: `${base}/fee_stats` },
      friendbot: t('/friendbot{?addr}'),
      ledger: t('/ledgers/{sequence}'),
      ledgers: t('/ledgers{?cursor,limit,order}'),
      liquidity_pools: t('/liquidity_pools{?reserves,account,cursor,limit,order}'),
      offer: t('/offers/{offer_id}'),
      offers: t('/offers{?selling,buying,seller,sponsor,cursor,limit,order}'),
      operation: t('/operations/{id}'),
      operations: t('/operations{?cursor,limit,order,include_failed}'),
      order_book: t(
        '/order_book{?selling_asset_type,selling_asset_code,selling_asset_issuer,buying_asset_type,' +
          'buying_asset_code,buying_asset_issuer,limit}',
      ),
      payments: t('/payments{?cursor,limit,order,include_failed}'),
      self: { href: `${base}/` },
      strict_receive_paths: t(
        '/paths/strict-receive{?source_assets,source_account,destination_account,destination_asset_type,' +
          'destination_asset_issuer,destination_asset_code,destination_amount}',
      ),
      strict_send_paths: t(
        '/paths/strict-send{?destination_account,destination_assets,source_asset_type,source_asset_issuer,' +
          'source_asset_code,source_amount}',
      ),
      trade_aggregations: t(`/trade_aggregations?${ASSET_PAIR}`),
      trades: t(`/trades?${ASSET_PAIR}`),
      transaction: t('/transactions/{hash}'),
      transactions: t('/transactions{?cursor,limit,order}'),
    },
    horizon_version: 'localnet-0.1.0',
    core_version: 'localnet-0.1.0 (in-process ledger, no stellar-core)',
    ingest_latest_ledger: head.sequence,
    history_latest_ledger: head.sequence,
    history_latest_ledger_closed_at: isoTime(head.closeTime),
    history_elder_ledger: first?.sequence ?? head.sequence,
    core_latest_ledger: head.sequence,
    network_passphrase: ctx.networkPassphrase,
    current_protocol_version: PROTOCOL_VERSION,
    supported_protocol_version: PROTOCOL_VERSION,
    core_supported_protocol_version: PROTOCOL_VERSION,
  };
}

function feeStats(ctx: HorizonContext): Record<string, unknown> {
  return ctx.closer.feeStats.horizonJson(ctx.closer.head.sequence, BASE_FEE);
}

function streamAccount(ctx: HorizonContext, req: IncomingMessage, res: ServerResponse, id: string): void {
  // Horizon's object streams stop after 10 distinct versions; the SDK then reconnects.
  const { stream, charge } = openStream(ctx, req, res, 10);
  const push = () => {
    const a = ctx.closer.state.get(id);
    if (a) stream.send(String(a.lastModifiedLedger), JSON.stringify(accountJson(ctx.closer.baseUrl, a)));
  };
  const onLedger = (l: ClosedLedger) => {
    if (!charge()) stream.error(STREAM_RATE_LIMITED);
    else if (l.touched.has(id)) push();
  };
  ctx.closer.on('ledger', onLedger);
  stream.onClose(() => ctx.closer.off('ledger', onLedger));
  push();
}

function ledgerRange(seq: number): { lo: bigint; hi: bigint } {
  return { lo: toid(seq, 0, 0), hi: toid(seq + 1, 0, 0) };
}

/**
 * The operations, payments or effects (`sub`) of one ledger's or transaction's id range, listed
 * under `path`; undefined for any other sub-collection. A ledger's operations hide failed ones
 * unless asked (`failedViewable`); a transaction's are all listed, failed or not.
 */
function rangeCollection(
  h: HistoryStore,
  path: string,
  sub: string | undefined,
  range: { lo: bigint; hi: bigint },
  failedViewable: boolean,
): CollectionSpec | undefined {
  if (sub === 'operations' || sub === 'payments') {
    const index = sub === 'operations' ? h.ops : h.payments;
    return {
      path: `${path}/${sub}`,
      kind: 'toid',
      rows: failedViewable ? (p) => index.view(p.includeFailed) : () => index.all,
      ...range,
    };
  }
  // Effect ids are an operation's toid times 4096 plus the effect's index.
  if (sub === 'effects')
    return {
      path: `${path}/effects`,
      kind: 'effect',
      rows: () => h.effects,
      lo: range.lo * 4096n,
      hi: range.hi * 4096n,
    };
  return undefined;
}

async function route(ctx: HorizonContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = req.url ?? '/';
  const qi = url.indexOf('?');
  const pathname = qi < 0 ? url : url.slice(0, qi);
  const q = new URLSearchParams(qi < 0 ? '' : url.slice(qi + 1));
  let seg: string[];
  try {
    seg = pathname.split('/').filter(Boolean).map(decodeURIComponent);
  } catch {
    throw notFound();
  }
  const method = req.method ?? 'GET';
  const h = ctx.closer.history;
  const [a, b, c, d] = seg;

  if (method === 'POST') {
    if (seg.length === 1 && a === 'transactions') return submitSync(ctx, req, res);
    if (seg.length === 1 && a === 'transactions_async') return submitAsync(ctx, req, res);
    if (seg.length === 1 && a === 'friendbot') return friendbot(ctx, res, q);
    throw seg.length === 1 && ['transactions', 'transactions_async', 'friendbot'].includes(a!)
      ? notFound()
      : new Problem(405, 'method_not_allowed', 'Method Not Allowed', 'This endpoint does not support POST.');
  }
  if (method !== 'GET' && method !== 'HEAD') {
    throw new Problem(
      405,
      'method_not_allowed',
      'Method Not Allowed',
      `This endpoint does not support ${method}.`,
    );
  }

  if (seg.length === 0) return sendJson(res, 200, rootDocument(ctx));
  if (seg.length === 1 && a === 'friendbot') return friendbot(ctx, res, q);
  if (seg.length === 1 && a === 'fee_stats') return sendJson(res, 200, feeStats(ctx));
  if (seg.length === 1 && a === 'health') {
    return sendJson(res, 200, { database_connected: true, core_up: true, core_synced: true });
  }

  if (orderBookRoute(ctx, req, res, q, seg)) return;
  switch (a) {
    case 'ledgers': {
      if (seg.length === 1)
        return collection(ctx, req, res, q, { path: '/ledgers', kind: 'toid', rows: () => h.ledgers });
      const seq = ledgerSeq(b!);
      const path = `/ledgers/${seq}`;
      const range = ledgerRange(seq);
      if (seq < (h.elderLedger() ?? 1)) throw beforeHistory();
      if (seg.length === 2) {
        const row = h.ledger(seq);
        if (!row) throw notFound();
        return send(res, 200, recordText(row));
      }
      if (seg.length === 3) {
        if (!h.ledger(seq)) throw notFound();
        if (c === 'transactions')
          return collection(ctx, req, res, q, {
            path: `${path}/transactions`,
            kind: 'toid',
            rows: (p) => h.txs.view(p.includeFailed),
            ...range,
          });
        const spec = rangeCollection(h, path, c, range, true);
        if (spec) return collection(ctx, req, res, q, spec);
      }
      break;
    }
    case 'transactions': {
      if (seg.length === 1)
        return collection(ctx, req, res, q, {
          path: '/transactions',
          kind: 'toid',
          rows: (p) => h.txs.view(p.includeFailed),
        });
      const hash = txHash(b!);
      const row = h.transaction(hash);
      if (!row) throw notFound();
      if (seg.length === 2) return send(res, 200, transactionText(row, hash));
      const range = { lo: row.key, hi: row.key + 4096n };
      const path = `/transactions/${hash}`;
      if (seg.length === 3) {
        const spec = rangeCollection(h, path, c, range, false);
        if (spec) return collection(ctx, req, res, q, spec);
      }
      break;
    }
    case 'operations': {
      if (seg.length === 1)
        return collection(ctx, req, res, q, {
          path: '/operations',
          kind: 'toid',
          rows: (p) => h.ops.view(p.includeFailed),
        });
      const id = opId(b!);
      if (id >> 32n < BigInt(h.elderLedger() ?? 1)) throw beforeHistory();
      const row = h.operation(id.toString());
      if (!row) throw notFound();
      if (seg.length === 2) {
        const p = parseList(q, 'toid', ctx.closer);
        return send(res, 200, render(ctx, row, p));
      }
      if (seg.length === 3 && c === 'effects') {
        return collection(ctx, req, res, q, {
          path: `/operations/${id}/effects`,
          kind: 'effect',
          rows: () => row.effects,
        });
      }
      break;
    }
    case 'payments':
      if (seg.length === 1)
        return collection(ctx, req, res, q, {
          path: '/payments',
          kind: 'toid',
          rows: (p) => h.payments.view(p.includeFailed),
        });
      break;
    case 'effects':
      if (seg.length === 1)
        return collection(ctx, req, res, q, { path: '/effects', kind: 'effect', rows: () => h.effects });
      break;
    case 'claimable_balances':
      if (seg.length === 1) return claimableBalances(ctx, res, q);
      if (seg.length === 2) {
        const id = parseBalanceId(b!);
        if (!id) throw badRequest('id', 'invalid claimable balance ID');
        const entry = ctx.closer.state.claimableBalances.get(id);
        if (!entry) throw notFound();
        return sendJson(res, 200, claimableBalanceJson(ctx.closer.baseUrl, entry));
      }
      break;
    case 'accounts': {
      if (seg.length < 2) break;
      const id = accountId(b!);
      const path = `/accounts/${id}`;
      if (seg.length === 2) {
        const acct = ctx.closer.state.get(id);
        // A stream too: Horizon's stream.Err before the preamble renders the plain 404 problem.
        if (!acct) throw notFound();
        if (wantsStream(req)) return streamAccount(ctx, req, res, id);
        return sendJson(res, 200, accountJson(ctx.closer.baseUrl, acct));
      }
      if (seg.length === 3 && ['transactions', 'operations', 'payments', 'effects'].includes(c!)) {
        // Horizon's ForAccount looks the account up in history_accounts first: one it has never
        // seen is 404, page or stream (db2/history/operation.go, transaction.go, effect.go).
        if (!h.hasAccount(id) && !ctx.closer.state.get(id)) throw notFound();
        if (c === 'transactions')
          return collection(ctx, req, res, q, {
            path: `${path}/transactions`,
            kind: 'toid',
            rows: (p) => h.accountTxs(id, p.includeFailed),
          });
        if (c === 'operations')
          return collection(ctx, req, res, q, {
            path: `${path}/operations`,
            kind: 'toid',
            rows: (p) => h.accountOps(id, p.includeFailed),
          });
        if (c === 'payments')
          return collection(ctx, req, res, q, {
            path: `${path}/payments`,
            kind: 'toid',
            rows: (p) => h.accountPayments(id, p.includeFailed),
          });
        if (c === 'effects')
          return collection(ctx, req, res, q, {
            path: `${path}/effects`,
            kind: 'effect',
            rows: () => h.accountEffects(id),
          });
      }
      if (seg.length === 4 && c === 'data') {
        const entry = ctx.closer.state.get(id)?.data.get(d!);
        if (!entry) throw notFound();
        return sendJson(res, 200, { value: entry.value.toString('base64') });
      }
      break;
    }
  }
  throw notFound();
}

/**
 * Horizon's rate-limit middleware (internal/httpx/router.go): every request but a stream takes
 * a token and gets the X-RateLimit-* headers; a limited one is 429 rate_limit_exceeded. Streams
 * charge themselves (streamCharge). Friendbot is exempt: on the real network it is its own
 * service, not behind Horizon's limiter. False: answered here.
 */
function admitRequest(ctx: HorizonContext, req: IncomingMessage, res: ServerResponse): boolean {
  if (!ctx.rateLimiter || wantsStream(req) || (req.url ?? '').startsWith('/friendbot')) return true;
  const r = ctx.rateLimiter.take(clientKey(req));
  for (const [name, value] of Object.entries(rateLimitHeaders(r))) res.setHeader(name, value);
  if (!r.limited) return true;
  sendProblem(res, rateLimitExceeded());
  return false;
}

/** The request listener for node:http. Never throws; every failure becomes problem JSON. */
export function createHorizonHandler(
  ctx: HorizonContext,
): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    if (req.method === 'OPTIONS') {
      res.writeHead(204, { ...CORS, 'Access-Control-Max-Age': '86400' });
      res.end();
      return;
    }
    if (!admitRequest(ctx, req, res)) return;
    route(ctx, req, res).catch((e: unknown) => {
      if (e instanceof Problem) {
        sendProblem(res, e);
        return;
      }
      ctx.log.error('unhandled error', { url: req.url, error: e instanceof Error ? e.stack : String(e) });
      sendProblem(
        res,
        new Problem(
          500,
          'server_error',
          'Internal Server Error',
          'An error occurred while processing this request.',
        ),
      );
    });
  };
}
