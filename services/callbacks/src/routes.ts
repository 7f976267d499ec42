// Path → handler.
import type { Router } from 'express';
import { errorCallbackHandler, receiveHandler } from './handlers/bridge.handler.js';
import {
  askUserHandler,
  fetchInfoHandler,
  sanctionsHandler,
  txStatusHandler,
} from './handlers/compliance.handler.js';
import { consoleRouter } from './handlers/console.handler.js';
import type { AppDeps } from './app.js';

export function mountRoutes(router: Router, deps: AppDeps): void {
  // From the bridge (signed with X-Payload-Mac).
  router.post('/receive', receiveHandler(deps.crediting, deps.macKey));
  router.post('/error', errorCallbackHandler(deps.crediting, deps.macKey));
  // From the compliance server.
  router.post('/sanctions', sanctionsHandler(deps.sanctions));
  router.post('/ask_user', askUserHandler(deps.approvals));
  router.post('/fetch_info', fetchInfoHandler(deps.customers));
  router.get('/tx_status', txStatusHandler(deps.crediting));
  // For the bank's operators.
  router.use('/console', consoleRouter({ ...deps.console, operator: deps.operator }));
}
