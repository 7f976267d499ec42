// The express app every service starts from: request ids and a child logger per
// request, body size limits, Prometheus metrics, GET /health, and one error
// middleware that turns AppError into the legacy error JSON, a malformed request
// into a 4xx (request-errors.ts), and anything else into a generic 500 (the
// details go to the log under an error id, never to the client).
import { randomUUID } from 'node:crypto';
import express, {
  type ErrorRequestHandler,
  type Express,
  type Request,
  type RequestHandler,
  type Router,
} from 'express';
import client from 'prom-client';
import { AppError, INTERNAL_ERROR_BODY } from '../errors.js';
import type { Logger } from '../logger.js';
import { requestError, requestErrorReason } from './request-errors.js';

export interface ServiceAppOptions {
  service: string;
  logger: Logger;
  /** Largest accepted request body, in express/bytes notation. Default 100kb. */
  bodyLimit?: string;
  /** Indent JSON answers (the legacy bridge and compliance servers indent by 2). */
  jsonSpaces?: number;
  /** Answer every request with `Access-Control-Allow-Origin: *` (SEP-1/SEP-2 want it). */
  corsAllowAll?: boolean;
  /** Extra readiness checks for GET /health, e.g. a database ping. */
  healthChecks?: Record<string, () => Promise<unknown>>;
  /**
   * Readiness checks of what the service reaches over the network (e.g. Horizon):
   * when one fails and every `healthChecks` entry passes, GET /health answers 503
   * with status `degraded` rather than `failing`. GET /health/live ignores both.
   */
  dependencyChecks?: Record<string, () => Promise<unknown>>;
  /** Serve GET /metrics. Default true. */
  metrics?: boolean;
  /**
   * Paths whose documented body is JSON. Everywhere else the documented body is a
   * form, and a JSON body is 415 `unsupported_media_type`. Default none.
   */
  jsonPaths?: string[];
  /**
   * Proxies whose X-Forwarded-For is believed for `req.ip` (express `trust proxy`
   * values: addresses, CIDRs, `loopback`). Default none: `req.ip` is the peer.
   */
  trustedProxies?: string[];
}

/** Per-request context handlers read from `res.locals`. */
export interface RequestContext {
  requestId: string;
  log: Logger;
}

/**
 * The request's logger: a child of the service logger carrying the request id,
 * made on first use (most requests never log, and a child logger is not free).
 */
export function requestLog(res: { locals: Record<string, unknown> }): Logger {
  const locals = res.locals as { log?: Logger; rootLog: Logger; requestId: string };
  locals.log ??= locals.rootLog.child({ request_id: locals.requestId });
  return locals.log;
}

/**
 * Builds an express app with the shared plumbing around the routes that `mount`
 * adds. Nothing listens: pass the result to `startServer` or to supertest.
 */
export function createServiceApp(options: ServiceAppOptions, mount: (router: Router) => void): Express {
  const app = express();
  app.disable('x-powered-by');
  // API answers are not cached by clients; an ETag would only cost a hash per response.
  app.set('etag', false);
  app.set('trust proxy', trustProxySetting(options.trustedProxies));
  if (options.jsonSpaces) app.set('json spaces', options.jsonSpaces);

  const registry = new client.Registry();
  client.collectDefaultMetrics({ register: registry });
  const requests = new client.Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP requests by route and status',
    labelNames: ['method', 'route', 'status'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });

  app.locals.requestMetrics = requests;
  app.locals.metricsRegistry = registry;
  app.use(requestContext(options.logger, requests));
  if (options.corsAllowAll) app.use(corsAllowAll);
  const limit = options.bodyLimit ?? '100kb';
  app.use(express.urlencoded({ extended: false, limit, parameterLimit: 1000 }));
  app.use(refuseUndocumentedJson(new Set(options.jsonPaths ?? [])));
  app.use(express.json({ limit }));

  // Readiness: 200 `ok`, or 503 `failing` (a check of the service itself) or
  // `degraded` (only a dependency is unreachable). Liveness: the process answers.
  app.get('/health', async (_req, res) => {
    const own = await runChecks(options.healthChecks);
    const deps = await runChecks(options.dependencyChecks);
    const status = !own.passed ? 'failing' : !deps.passed ? 'degraded' : 'ok';
    res
      .status(status === 'ok' ? 200 : 503)
      .json({ status, service: options.service, checks: { ...own.checks, ...deps.checks } });
  });
  app.get('/health/live', (_req, res) => {
    res.json({ status: 'ok', service: options.service });
  });
  if (options.metrics !== false) {
    app.get('/metrics', async (_req, res) => {
      res.type(registry.contentType).send(await registry.metrics());
    });
  }

  const router = express.Router();
  mount(router);
  app.use(router);

  app.use((_req, _res, next) => next(new AppError(404, 'not_found', 'Not found.')));
  app.use(errorHandler);
  return app;
}

/** express `trust proxy` for a `trusted_proxies` list: none trusted when it is empty. */
export function trustProxySetting(trustedProxies: string[] | undefined): string[] | false {
  return trustedProxies && trustedProxies.length > 0 ? trustedProxies : false;
}

function refuseUndocumentedJson(jsonPaths: ReadonlySet<string>): RequestHandler {
  return (req, _res, next) => {
    if (!jsonPaths.has(req.path) && req.is(['json', '+json'])) {
      next(new AppError(415, 'unsupported_media_type', 'Send an application/x-www-form-urlencoded body.'));
      return;
    }
    next();
  };
}

async function runChecks(
  checks: Record<string, () => Promise<unknown>> = {},
): Promise<{ passed: boolean; checks: Record<string, string> }> {
  const results: Record<string, string> = {};
  let passed = true;
  for (const [name, check] of Object.entries(checks)) {
    try {
      await check();
      results[name] = 'ok';
    } catch {
      results[name] = 'failing';
      passed = false;
    }
  }
  return { passed, checks: results };
}

/**
 * The app's request histogram, for a hot path served outside express that
 * should still show up in /metrics.
 */
export function requestMetrics(app: Express): client.Histogram<string> {
  return app.locals.requestMetrics as client.Histogram<string>;
}

/** The registry behind the app's GET /metrics, for a service's own metrics. */
export function metricsRegistry(app: Express): client.Registry {
  return app.locals.metricsRegistry as client.Registry;
}

/** A counter served by the app's /metrics (a service's own events, e.g. failed deliveries). */
export function appCounter(
  app: Express,
  name: string,
  help: string,
  labelNames: string[] = [],
): client.Counter<string> {
  return new client.Counter({ name, help, labelNames, registers: [metricsRegistry(app)] });
}

/** A gauge served by the app's /metrics, its values set by `collect` at each scrape. */
export function appGauge(
  app: Express,
  name: string,
  help: string,
  labelNames: string[],
  collect: (gauge: client.Gauge<string>) => void,
): client.Gauge<string> {
  return new client.Gauge({
    name,
    help,
    labelNames,
    registers: [metricsRegistry(app)],
    collect() {
      collect(this);
    },
  });
}

function requestContext(logger: Logger, requests: client.Histogram<string>): RequestHandler {
  return (req, res, next) => {
    const incoming = req.get('x-request-id');
    const requestId = incoming && /^[\w.-]{1,128}$/.test(incoming) ? incoming : randomUUID();
    res.setHeader('X-Request-Id', requestId);
    res.locals.requestId = requestId;
    res.locals.rootLog = logger;
    const stop = requests.startTimer();
    res.on('finish', () => {
      const route = routeLabel(req);
      stop({ method: req.method, route, status: String(res.statusCode) });
      if (logger.isDebugEnabled()) {
        requestLog(res).debug('request', { method: req.method, path: req.path, status: res.statusCode });
      }
    });
    next();
  };
}

function routeLabel(req: Request): string {
  const path = (req.route as { path?: unknown } | undefined)?.path;
  return typeof path === 'string' ? req.baseUrl + path : 'unmatched';
}

const corsAllowAll: RequestHandler = (req, res, next) => {
  res.setHeader('Access-Control-Allow-Origin', '*');
  if (req.method === 'OPTIONS') {
    res.setHeader('Access-Control-Allow-Methods', 'GET, POST, OPTIONS');
    res.setHeader('Access-Control-Allow-Headers', req.get('access-control-request-headers') ?? '*');
    res.setHeader('Access-Control-Max-Age', '600');
    res.status(204).end();
    return;
  }
  next();
};

/** Serializes an AppError as the legacy `{code, message, more_info?, data?}` JSON. */
export function errorBody(err: AppError): Record<string, unknown> {
  return {
    code: err.code,
    message: err.message,
    ...(err.details.moreInfo ? { more_info: err.details.moreInfo } : {}),
    ...(err.details.data ? { data: err.details.data } : {}),
  };
}

const errorHandler: ErrorRequestHandler = (err: unknown, _req, res, next) => {
  if (res.headersSent) {
    next(err);
    return;
  }
  const log = res.locals.rootLog ? requestLog(res) : undefined;
  const malformed = requestError(err);
  if (malformed) {
    log?.warn('malformed request', { code: malformed.code, reason: requestErrorReason(err) });
    res.status(malformed.status).json(errorBody(malformed));
    return;
  }
  const appError = err instanceof AppError ? err : undefined;
  if (appError) {
    if (appError.status >= 500)
      log?.warn(appError.message, { code: appError.code, cause: describe(appError.cause) });
    res.status(appError.status).json(errorBody(appError));
    return;
  }
  const errorId = randomUUID();
  log?.error('unhandled error', { error_id: errorId, error: describe(err) });
  res.status(500).json({ ...INTERNAL_ERROR_BODY, data: { error_id: errorId } });
};

function describe(err: unknown): string | undefined {
  if (err === undefined) return undefined;
  if (err instanceof Error) return `${err.name}: ${err.message}${err.stack ? `\n${err.stack}` : ''}`;
  return String(err);
}
