// createApp(deps): the bridge's express app (no listen). The API key, when
// configured, is accepted as form field `apiKey` or `api_key`, query parameter
// `apiKey`/`api_key`, or header `X-API-Key`; a mismatch is 403 `Forbidden`.
import { timingSafeEqual } from 'node:crypto';
import type { Express, RequestHandler } from 'express';
import { createServiceApp, type Logger } from '@anchor/support';
import type { BridgeConfig } from './config.js';
import { mountRoutes } from './routes.js';
import type { AdminService } from './services/admin.service.js';
import type { PaymentService } from './services/payment.service.js';
import type { TransactionSubmitter } from './services/submitter.service.js';

export interface BridgeDeps {
  config: BridgeConfig;
  logger: Logger;
  submitter: TransactionSubmitter;
  payments: PaymentService;
  /** Present when a database is configured. */
  admin?: AdminService;
  healthChecks?: Record<string, () => Promise<unknown>>;
  /** Reachability of the network (Horizon): failing makes /health `degraded`. */
  dependencyChecks?: Record<string, () => Promise<unknown>>;
}

function same(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export function apiKeyMiddleware(apiKey: string): RequestHandler {
  return (req, res, next) => {
    if (req.path === '/health' || req.path === '/health/live' || req.path === '/metrics') return next();
    const body = (req.body ?? {}) as Record<string, unknown>;
    const candidates = [
      body.apiKey,
      body.api_key,
      req.query.apiKey,
      req.query.api_key,
      req.get('x-api-key'),
    ].filter((v): v is string => typeof v === 'string');
    if (candidates.some((c) => same(c, apiKey))) return next();
    res.status(403).type('text/plain').send('Forbidden\n');
  };
}

export function createApp(deps: BridgeDeps): Express {
  return createServiceApp(
    {
      service: 'bridge',
      logger: deps.logger,
      jsonSpaces: 2,
      // /builder is the one endpoint documented with a JSON body; the rest take forms.
      jsonPaths: ['/builder'],
      healthChecks: deps.healthChecks,
      dependencyChecks: deps.dependencyChecks,
    },
    (router) => {
      // Legacy: a trailing slash is ignored (except under /admin).
      router.use((req, _res, next) => {
        if (req.path.length > 1 && req.path.endsWith('/') && !req.path.startsWith('/admin')) {
          req.url = req.url.replace(/\/(\?|$)/, '$1');
        }
        next();
      });
      if (deps.config.api_key) router.use(apiKeyMiddleware(deps.config.api_key));
      mountRoutes(router, deps);
    },
  );
}
