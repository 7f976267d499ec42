// Stellar RPC's JSON-RPC 2.0 endpoint (POST /rpc on the Horizon port): reads the body, answers a
// single call or a batch, maps thrown RpcErrors to JSON-RPC errors and anything else to -32603
// without internals. Method names and parameter shapes are RPC 23's.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { getEvents } from './events.methods.js';
import {
  getFeeStats,
  getHealth,
  getLatestLedger,
  getLedgerEntries,
  getLedgers,
  getNetwork,
  getVersionInfo,
} from './network.methods.js';
import type { RpcContext } from './rpc-context.js';
import {
  INTERNAL_ERROR,
  INVALID_REQUEST,
  METHOD_NOT_FOUND,
  PARSE_ERROR,
  RpcError,
  paramsObject,
  type Params,
} from './rpc-params.js';
import {
  getTransaction,
  getTransactions,
  sendTransaction,
  simulateTransaction,
} from './transaction.methods.js';

export const RPC_PATH = '/rpc';
const MAX_BODY = 512 * 1024;

type Method = (ctx: RpcContext, params: Params) => unknown;

const METHODS: Record<string, Method> = {
  getHealth,
  getNetwork,
  getVersionInfo,
  getLatestLedger,
  getFeeStats,
  getLedgers,
  getLedgerEntries,
  getEvents,
  sendTransaction,
  getTransaction,
  getTransactions,
  simulateTransaction,
};

const HEADERS = {
  'Access-Control-Allow-Origin': '*',
  'Content-Type': 'application/json; charset=utf-8',
};

function reply(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { ...HEADERS, 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

function errorReply(id: unknown, code: number, message: string): unknown {
  return { jsonrpc: '2.0', id: id ?? null, error: { code, message } };
}

function call(ctx: RpcContext, msg: unknown): unknown {
  if (!msg || typeof msg !== 'object' || Array.isArray(msg))
    return errorReply(null, INVALID_REQUEST, 'invalid request message');
  const req = msg as Record<string, unknown>;
  const id = req.id;
  const idOk = id === undefined || id === null || typeof id === 'string' || typeof id === 'number';
  if (req.jsonrpc !== '2.0' || typeof req.method !== 'string' || !idOk)
    return errorReply(idOk ? id : null, INVALID_REQUEST, 'invalid request message');
  const method = Object.hasOwn(METHODS, req.method) ? METHODS[req.method] : undefined;
  if (!method) return errorReply(id, METHOD_NOT_FOUND, `no such method "${req.method}"`);
  try {
    return { jsonrpc: '2.0', id: id ?? null, result: method(ctx, paramsObject(req.params)) };
  } catch (e) {
    if (e instanceof RpcError) return errorReply(id, e.code, e.message);
    ctx.log.error('rpc method failed', {
      method: req.method,
      error: e instanceof Error ? e.stack : String(e),
    });
    return errorReply(id, INTERNAL_ERROR, 'internal error');
  }
}

function readBody(req: IncomingMessage): Promise<string | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size <= MAX_BODY) chunks.push(c);
    });
    req.on('end', () => resolve(size > MAX_BODY ? null : Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** Handles a request for RPC_PATH. */
export function createRpcHandler(ctx: RpcContext): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    if (req.method === 'OPTIONS') {
      res.writeHead(204, {
        'Access-Control-Allow-Origin': '*',
        'Access-Control-Allow-Headers': 'Content-Type, X-Client-Name, X-Client-Version',
        'Access-Control-Allow-Methods': 'POST, OPTIONS',
      });
      res.end();
      return;
    }
    if (req.method !== 'POST') {
      reply(res, 405, errorReply(null, INVALID_REQUEST, 'JSON-RPC requests must be POSTed'));
      return;
    }
    readBody(req).then(
      (body) => {
        if (body === null)
          return reply(
            res,
            413,
            errorReply(null, INVALID_REQUEST, `request body larger than ${MAX_BODY} bytes`),
          );
        let parsed: unknown;
        try {
          parsed = JSON.parse(body);
        } catch {
          return reply(res, 200, errorReply(null, PARSE_ERROR, 'invalid JSON request message'));
        }
        if (!Array.isArray(parsed)) return reply(res, 200, call(ctx, parsed));
        if (parsed.length === 0)
          return reply(res, 200, errorReply(null, INVALID_REQUEST, 'empty request batch'));
        reply(
          res,
          200,
          parsed.map((m) => call(ctx, m)),
        );
      },
      () => res.destroy(),
    );
  };
}
