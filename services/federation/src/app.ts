// The federation server's express app: /federation (and /federation/), with
// CORS on every answer, errors included, as SEP-2 requires.
import type { Express } from 'express';
import { createServiceApp, type Logger } from '@anchor/support';
import { federationHandler } from './handlers/federation.handler.js';
import type { FederationService } from './services/federation.service.js';

export interface FederationAppDeps {
  service: FederationService;
  logger: Logger;
}

export function createApp({ service, logger }: FederationAppDeps): Express {
  return createServiceApp(
    {
      service: 'federation',
      logger,
      corsAllowAll: true,
      bodyLimit: '1kb',
      healthChecks: { database: () => service.ping() },
    },
    (router) => {
      // express routing is not strict, so this also answers /federation/.
      router.get('/federation', federationHandler(service));
    },
  );
}
