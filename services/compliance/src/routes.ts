// Paths → handlers of both ports.
import type { Router } from 'express';
import { allowAccessHandler, removeAccessHandler } from './handlers/access.handler.js';
import { authHandler } from './handlers/auth.handler.js';
import { receiveHandler } from './handlers/receive.handler.js';
import { hideBackendDetail } from './handlers/remote-errors.handler.js';
import { sendHandler } from './handlers/send.handler.js';
import { basicAuth, txStatusHandler } from './handlers/tx-status.handler.js';
import { unpaidHandler } from './handlers/unpaid.handler.js';
import type { ComplianceServices } from './deps.js';

/** External port (other banks, through nginx): the auth endpoint and SEP-4 tx_status. */
export function mountExternalRoutes(router: Router, services: ComplianceServices): void {
  router.post('/', authHandler(services.auth));
  if (services.txStatusAuth) {
    router.get('/tx_status', basicAuth(services.txStatusAuth), txStatusHandler(services.txStatus));
  }
  router.use(hideBackendDetail);
}

/** Internal port (our own backend only): /send, /receive, /allow_access, /remove_access, /unpaid_auth. */
export function mountInternalRoutes(router: Router, services: ComplianceServices): void {
  router.post('/send', sendHandler(services.send));
  router.post('/receive', receiveHandler(services.receive));
  router.post('/allow_access', allowAccessHandler(services.access));
  router.post('/remove_access', removeAccessHandler(services.access));
  router.get('/unpaid_auth', unpaidHandler(services.unpaid));
}
