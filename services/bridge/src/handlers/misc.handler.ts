// /create-keypair, /authorize, /reprocess and the admin endpoints.
import type { RequestHandler } from 'express';
import { Keypair, Memo, Operation } from '@stellar/stellar-sdk';
import { isAccountId, isAssetCode, MESSAGES } from '@anchor/protocol';
import { AppError, InvalidParameterError, MissingParameterError, NotFoundError } from '@anchor/support';
import type { AdminService } from '../services/admin.service.js';
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
      const id = Number.parseInt(String(req.params.id), 10);
      if (!Number.isSafeInteger(id) || String(id) !== req.params.id) throw new NotFoundError();
      res.json(await admin.receivedPayment(id));
    }) as RequestHandler,
    sentTransactions: (async (req, res) => {
      res.json(await admin.sentTransactions(pageOf(req)));
    }) as RequestHandler,
    listener: ((_req, res) => {
      res.json(admin.listenerState());
    }) as RequestHandler,
  };
}
