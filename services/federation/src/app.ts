// The federation server's request handler: /federation (and /federation/) with
// CORS on every answer, errors included, as SEP-2 requires, in front of the
// shared express app that serves /health, /metrics, preflight and 404s.
import type { RequestListener } from 'node:http';
import { createServiceApp, type Logger } from '@anchor/support';
import { federationListener } from './handlers/federation.handler.js';
import type { FederationService } from './services/federation.service.js';

export interface FederationAppDeps {
  service: FederationService;
  logger: Logger;
}

export function createApp({ service, logger }: FederationAppDeps): RequestListener {
  const app = createServiceApp(
    {
      service: 'federation',
      logger,
      corsAllowAll: true,
      bodyLimit: '1kb',
      healthChecks: { database: () => service.ping() },
    },
    () => {},
  );
  return federationListener(service, app, logger);
}
