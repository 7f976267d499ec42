// The two express apps of the compliance server. Nothing listens here: main.ts
// (or a test) passes them to startServer.
import type { Express } from 'express';
import { Gauge } from 'prom-client';
import { createServiceApp, metricsRegistry, type ServiceAppOptions } from '@anchor/support';
import type { ComplianceServices } from './deps.js';
import { mountExternalRoutes, mountInternalRoutes } from './routes.js';

/** Largest request body either port accepts (an auth request is a few KiB). */
export const BODY_LIMIT = '100kb';

/** The public port: `POST /` (SEP-3 auth) and `GET /tx_status` (SEP-4). */
export function createExternalApp(deps: ComplianceServices): Express {
  return complianceApp(deps, { corsAllowAll: true, metrics: false }, (router) =>
    mountExternalRoutes(router, deps),
  );
}

/** The private port: `/send`, `/receive`, `/allow_access`, `/remove_access`, `/unpaid_auth`, `/metrics`. */
export function createInternalApp(deps: ComplianceServices): Express {
  const app = complianceApp(deps, {}, (router) => mountInternalRoutes(router, deps));
  new Gauge({
    name: 'compliance_auth_unpaid',
    help: 'Auth requests answered ok over an hour ago that no payment followed',
    registers: [metricsRegistry(app)],
    async collect() {
      try {
        this.set((await deps.unpaid.summary()).total);
      } catch {
        // Database down: /health says so; the scrape keeps the other metrics.
      }
    },
  });
  return app;
}

/**
 * What both ports share: legacy error JSON indented by 2, the body limit, the database
 * health check, and `<`, `>`, `&` written as `\u003c`, `\u003e`, `\u0026` as Go's
 * encoding/json did (express's `json escape`): error texts echo request values, so
 * this keeps those answers byte-identical to Go's.
 */
function complianceApp(
  deps: ComplianceServices,
  options: Pick<ServiceAppOptions, 'corsAllowAll' | 'metrics'>,
  mount: Parameters<typeof createServiceApp>[1],
): Express {
  const app = createServiceApp(
    {
      service: 'compliance',
      logger: deps.logger,
      jsonSpaces: 2,
      bodyLimit: BODY_LIMIT,
      healthChecks: { database: () => deps.store.ping() },
      ...options,
    },
    mount,
  );
  app.set('json escape', true);
  return app;
}
