// GET /federation (and /federation/): the public, high-traffic lookup. It is
// served by a plain node:http handler in front of express, because express's
// per-request machinery cost more than half of the lookup's CPU (see
// docs/benchmarks.md); everything else (health, metrics, preflight, 404) goes on
// to the express app. Answers carry CORS and no-store, errors included. As the Go
// server (a GET-only chi route), any other method on the lookup path is a 405,
// and the JSON escapes `<`, `>`, `&` as Go's encoding/json did.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import type { Express } from 'express';
import { AppError, errorBody, INTERNAL_ERROR_BODY, requestMetrics, type Logger } from '@anchor/support';
import type { FederationService } from '../services/federation.service.js';

const ROUTE = '/federation';
const METHOD_NOT_ALLOWED = new AppError(405, 'method_not_allowed', 'Only GET is allowed here.');

/** What Go's encoding/json escapes and JSON.stringify does not (HTML characters, JS line separators). */
const GO_ESCAPED = /[<>&\u2028\u2029]/g;
const goEscape = (json: string) =>
  json.replace(GO_ESCAPED, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);

export function federationListener(
  service: FederationService,
  app: Express,
  logger: Logger,
): RequestListener {
  const histogram = requestMetrics(app);
  return (req, res) => {
    const url = req.url ?? '/';
    const queryStart = url.indexOf('?');
    const path = queryStart === -1 ? url : url.slice(0, queryStart);
    if ((path !== ROUTE && path !== `${ROUTE}/`) || req.method === 'OPTIONS') {
      app(req as never, res as never);
      return;
    }
    if (req.method !== 'GET') {
      send(req, res, 405, errorBody(METHOD_NOT_ALLOWED), { Allow: 'GET, OPTIONS' });
      return;
    }
    const stop = histogram.startTimer({ method: 'GET', route: ROUTE });
    const parameters = Object.fromEntries(
      new URLSearchParams(queryStart === -1 ? '' : url.slice(queryStart + 1)),
    );
    service
      .lookup({ type: parameters.type, q: parameters.q, parameters })
      .then(
        (body) => send(req, res, 200, body),
        (err: unknown) => {
          if (err instanceof AppError) return send(req, res, err.status, errorBody(err));
          const errorId = randomUUID();
          logger.error('unhandled error', {
            error_id: errorId,
            error: err instanceof Error ? err.stack : String(err),
          });
          return send(req, res, 500, { ...INTERNAL_ERROR_BODY, data: { error_id: errorId } });
        },
      )
      .finally(() => stop({ status: String(res.statusCode) }));
  };
}

function send(
  req: IncomingMessage,
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const json = goEscape(JSON.stringify(body));
  const incomingId = req.headers['x-request-id'];
  res.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(json),
    'Access-Control-Allow-Origin': '*',
    'Cache-Control': 'no-store',
    'X-Request-Id':
      typeof incomingId === 'string' && /^[\w.-]{1,128}$/.test(incomingId) ? incomingId : randomUUID(),
    ...headers,
  });
  res.end(json);
}
