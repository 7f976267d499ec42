// The two express apps of the compliance server. Nothing listens here: main.ts
// (or a test) passes them to startServer.
import type { Express } from 'express';
import { createServiceApp } from '@anchor/support';
import type { ComplianceServices } from './deps.js';
import { mountExternalRoutes, mountInternalRoutes } from './routes.js';

/** Largest request body either port accepts (an auth request is a few KiB). */
export const BODY_LIMIT = '100kb';

/** The public port: `POST /` (SEP-3 auth) and `GET /tx_status` (SEP-4). */
export function createExternalApp(deps: ComplianceServices): Express {
  return goEscaped(
    createServiceApp(
      {
        service: 'compliance',
        logger: deps.logger,
        jsonSpaces: 2,
        bodyLimit: BODY_LIMIT,
        corsAllowAll: true,
        metrics: false,
        healthChecks: { database: () => deps.store.ping() },
      },
      (router) => mountExternalRoutes(router, deps),
    ),
  );
}

/** The private port: `/send`, `/receive`, `/allow_access`, `/remove_access`, `/metrics`. */
export function createInternalApp(deps: ComplianceServices): Express {
  return goEscaped(
    createServiceApp(
      {
        service: 'compliance',
        logger: deps.logger,
        jsonSpaces: 2,
        bodyLimit: BODY_LIMIT,
        healthChecks: { database: () => deps.store.ping() },
      },
      (router) => mountInternalRoutes(router, deps),
    ),
  );
}

/**
 * Go's encoding/json wrote `<`, `>` and `&` inside strings as `\u003c`, `\u003e`,
 * `\u0026`; express does the same for res.json with this setting. Error texts echo
 * the request's values, so this keeps those answers byte-identical to Go's.
 */
function goEscaped(app: Express): Express {
  app.set('json escape', true);
  return app;
}
