// The compliance server's callbacks (reference §3.10): sanctions, ask_user and
// fetch_info are form POSTs, tx_status a GET with ?id=.
import type { Request, RequestHandler, Response } from 'express';
import { InvalidParameterError, MissingParameterError } from '@anchor/support';
import type { ApprovalsService } from '../services/approvals.service.js';
import type { CreditingService } from '../services/crediting.service.js';
import type { CustomersService } from '../services/customers.service.js';
import type { SanctionsService } from '../services/sanctions.service.js';
import { isStellarAddress, MESSAGES } from '@anchor/protocol';
import { amountParam, assetParams } from '../services/validation.js';
import { bodyForm, complianceCallback, optional, required, senderInfoField, sendAnswer } from './form.js';

export function sanctionsHandler(sanctions: SanctionsService): RequestHandler {
  return complianceCallback(async (req: Request, res: Response) => {
    const { info } = senderInfoField(bodyForm(req));
    sendAnswer(res, await sanctions.screen(info));
  });
}

export function askUserHandler(approvals: ApprovalsService): RequestHandler {
  return complianceCallback(async (req: Request, res: Response) => {
    const form = bodyForm(req);
    const amountText = optional(form, 'amount', 40);
    const amount = amountText === '' ? '' : amountParam('amount', amountText);
    const asset = assetParams(optional(form, 'asset_code', 12), optional(form, 'asset_issuer', 56));
    const sender = senderInfoField(form);
    const note = optional(form, 'note', 2000);
    const route = required(form, 'route', 64);
    const senderAddress = optional(form, 'sender_address', 320);
    if (senderAddress !== '' && !isStellarAddress(senderAddress))
      throw new InvalidParameterError('sender_address', MESSAGES.stellarAddress);
    const answer = await approvals.askUser({
      route,
      senderAddress,
      senderJson: sender.json,
      senderInfo: sender.info,
      amount,
      asset,
      note,
    });
    sendAnswer(res, answer);
  });
}

export function fetchInfoHandler(customers: CustomersService): RequestHandler {
  return complianceCallback(async (req: Request, res: Response) => {
    const address = required(bodyForm(req), 'address', 320);
    res.status(200).json(await customers.fetchInfo(address));
  });
}

export function txStatusHandler(crediting: CreditingService): RequestHandler {
  return complianceCallback(async (req: Request, res: Response) => {
    const raw = req.query.id;
    const id = typeof raw === 'string' ? raw : Array.isArray(raw) && typeof raw[0] === 'string' ? raw[0] : '';
    if (id === '') throw new MissingParameterError('id');
    if (!/^[0-9a-f]{64}$/i.test(id))
      throw new InvalidParameterError('id', 'Must be a 64-character hex transaction hash.');
    res.status(200).json(await crediting.txStatus(id.toLowerCase()));
  });
}
