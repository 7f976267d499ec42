// Path → handler. Nothing else.
import type { Router } from 'express';
import type { BridgeDeps } from './app.js';
import { builderHandler } from './handlers/builder.handler.js';
import {
  adminHandlers,
  authorizeHandler,
  createKeypairHandler,
  reprocessHandler,
} from './handlers/misc.handler.js';
import { paymentHandler } from './handlers/payment.handler.js';

export function mountRoutes(router: Router, deps: BridgeDeps): void {
  router.post('/create-keypair', createKeypairHandler);
  router.post('/builder', builderHandler(deps.submitter.network, deps.submitter.networkPassphrase));
  const payment = paymentHandler(deps.payments, deps.config.accounts.base_seed);
  router.post('/payment', payment);
  router.get('/payment', payment);
  if (deps.config.accounts.authorizing_seed) {
    router.post(
      '/authorize',
      authorizeHandler(deps.submitter, {
        authorizingSeed: deps.config.accounts.authorizing_seed,
        issuingAccountId: deps.config.accounts.issuing_account_id,
        assets: deps.config.assets,
      }),
    );
  }
  if (deps.admin) {
    router.post('/reprocess', reprocessHandler(deps.admin));
    const admin = adminHandlers(deps.admin);
    router.get('/admin/received-payments', admin.receivedPayments);
    router.get('/admin/received-payments/:id', admin.receivedPayment);
    router.get('/admin/sent-transactions', admin.sentTransactions);
    router.get('/admin/unsupported-operations', admin.unsupportedOperations);
    router.get('/admin/claimable-balances', admin.claimableBalances);
    router.post('/admin/claimable-balances/claim', admin.claimBalance);
    router.get('/admin/listener', admin.listener);
    router.get('/admin/deliveries', admin.deliveries);
    router.post('/admin/deliveries/retry', admin.retryDeliveries);
    router.post('/admin/deliveries/:id/retry', admin.retryDelivery);
  }
}
