// GET /federation (and /federation/): the public, high-traffic lookup. It is
// served by a plain node:http handler in front of express, because express's
// per-request machinery cost more than half of the lookup's CPU (see
// docs/benchmarks.md); everything else (health, metrics, preflight, 404) goes on
// to the express app. Answers carry CORS and no-store, errors included.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import type { Express } from 'express';
import { AppError, errorBody, INTERNAL_ERROR_BODY, requestMetrics, type Logger } from '@anchor/support';
import type { FederationService } from '../services/federation.service.js';

const ROUTE = '/federation';

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
    if (req.method !== 'GET' || (path !== ROUTE && path !== `${ROUTE}/`)) {
      app(req as never, res as never);
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

function send(req: IncomingMessage, res: ServerResponse, status: number, body: unknown): void {
  const json = JSON.stringify(body);
  const incomingId = req.headers['x-request-id'];
  res.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(json),
    'Access-Control-Allow-Origin': '*',
    'Cache-Control': 'no-store',
    'X-Request-Id':
      typeof incomingId === 'string' && /^[\w.-]{1,128}$/.test(incomingId) ? incomingId : randomUUID(),
  });
  res.end(json);
}
