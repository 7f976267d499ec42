// /create-keypair, /authorize, /reprocess and the admin endpoints (lists,
// deliveries by state and their retry).
import type { RequestHandler } from 'express';
import { Keypair, Memo, Operation } from '@stellar/stellar-sdk';
import { isAccountId, isAssetCode, MESSAGES, parseClaimableBalanceId } from '@anchor/protocol';
import { AppError, InvalidParameterError, MissingParameterError, NotFoundError } from '@anchor/support';
import type { AdminService } from '../services/admin.service.js';
import { DELIVERY_STATUSES, type DeliveryStatus } from '../stores/received-payment.store.js';
import { CLAIMABLE_STATUSES, type ClaimableStatus } from '../stores/claimable-balance.store.js';
import { successBody } from '../services/payment.service.js';
import type { TransactionSubmitter } from '../services/submitter.service.js';
import { formOf, pageOf, parseBool } from './form.js';

export const createKeypairHandler: RequestHandler = (_req, res) => {
  const kp = Keypair.random();
  res.json({ public_key: kp.publicKey(), private_key: kp.secret() });
};

export function authorizeHandler(
  submitter: TransactionSubmitter,
  options: {
    authorizingSeed: string;
    issuingAccountId?: string;
    assets: readonly { code: string; issuer?: string }[];
  },
): RequestHandler {
  return async (req, res) => {
    const form = formOf(req);
    if (form.account_id === undefined) throw new MissingParameterError('account_id');
    if (!isAccountId(form.account_id)) throw new InvalidParameterError('account_id', MESSAGES.accountId);
    if (form.asset_code === undefined) throw new MissingParameterError('asset_code');
    if (!isAssetCode(form.asset_code)) throw new InvalidParameterError('asset_code', MESSAGES.assetCode);
    if (!options.issuingAccountId) {
      throw new AppError(500, 'internal_server_error', 'Internal Server Error, please try again.');
    }
    const allowed = options.assets.some(
      (a) => a.code === form.asset_code && a.issuer === options.issuingAccountId,
    );
    if (!allowed) throw new InvalidParameterError('asset_code', 'Asset code not allowed.');
    const result = await submitter.submit({
      operation: Operation.allowTrust({
        trustor: form.account_id,
        assetCode: form.asset_code,
        authorize: true,
        source: options.issuingAccountId,
      }),
      kind: 'allow_trust',
      memo: Memo.none(),
      signer: Keypair.fromSecret(options.authorizingSeed),
    });
    res.json(successBody(result));
  };
}

export function reprocessHandler(admin: AdminService): RequestHandler {
  return async (req, res) => {
    const form = formOf(req);
    if (form.operation_id === undefined) throw new MissingParameterError('operation_id');
    const force = parseBool(form, 'force');
    const result = await admin.reprocess(form.operation_id, force);
    res.status(result.status).json(result.body);
  };
}

export function adminHandlers(admin: AdminService) {
  return {
    receivedPayments: (async (req, res) => {
      res.json(await admin.receivedPayments(pageOf(req)));
    }) as RequestHandler,
    receivedPayment: (async (req, res) => {
      res.json(await admin.receivedPayment(rowId(String(req.params.id))));
    }) as RequestHandler,
    claimableBalances: (async (req, res) => {
      const raw =
        typeof req.query.status === 'string' && req.query.status !== '' ? req.query.status : undefined;
      if (raw !== undefined && !(CLAIMABLE_STATUSES as readonly string[]).includes(raw))
        throw new InvalidParameterError('status', `Must be one of: ${CLAIMABLE_STATUSES.join(', ')}.`);
      res.json(await admin.claimableBalances(raw as ClaimableStatus | undefined, pageOf(req)));
    }) as RequestHandler,
    claimBalance: (async (req, res) => {
      const form = formOf(req);
      if (form.balance_id === undefined) throw new MissingParameterError('balance_id');
      const balanceId = parseClaimableBalanceId(form.balance_id);
      if (!balanceId)
        throw new InvalidParameterError(
          'balance_id',
          'Must be a claimable balance id (72 hex digits, or B…).',
        );
      res.json({ status: 'ok', claimable_balance: await admin.claimBalance(balanceId) });
    }) as RequestHandler,
    unsupportedOperations: (async (req, res) => {
      res.json(await admin.unsupportedOperations(pageOf(req)));
    }) as RequestHandler,
    sentTransactions: (async (req, res) => {
      res.json(await admin.sentTransactions(pageOf(req)));
    }) as RequestHandler,
    listener: ((_req, res) => {
      res.json(admin.listenerState());
    }) as RequestHandler,
    deliveries: (async (req, res) => {
      const raw = typeof req.query.status === 'string' ? req.query.status : 'dead';
      res.json(await admin.deliveries(deliveryStatus(raw, DELIVERY_STATUSES), pageOf(req)));
    }) as RequestHandler,
    retryDelivery: (async (req, res) => {
      res.json({ status: 'ok', delivery: await admin.retryDelivery(rowId(String(req.params.id))) });
    }) as RequestHandler,
    retryDeliveries: (async (req, res) => {
      const form = formOf(req);
      if (form.status === undefined) throw new MissingParameterError('status');
      const retryable = DELIVERY_STATUSES.filter((s) => s !== 'delivered');
      const status = deliveryStatus(form.status, retryable) as Exclude<DeliveryStatus, 'delivered'>;
      res.json({ status: 'ok', ...(await admin.retryDeliveries(status)) });
    }) as RequestHandler,
  };
}

function deliveryStatus(raw: string, allowed: readonly DeliveryStatus[]): DeliveryStatus {
  if (!(allowed as readonly string[]).includes(raw))
    throw new InvalidParameterError('status', `Must be one of: ${allowed.join(', ')}.`);
  return raw as DeliveryStatus;
}

/** A database row id from the path; anything else is simply not found. */
function rowId(raw: string): number {
  const id = Number.parseInt(raw, 10);
  if (!Number.isSafeInteger(id) || String(id) !== raw) throw new NotFoundError();
  return id;
}
