// The bridge's callbacks: POST /receive and POST /error. Both are signed with
// X-Payload-Mac over the raw body (reference §2.7.5), which is checked before
// anything is read: a missing or wrong MAC is 403 and nothing is recorded.
import type { Request, RequestHandler, Response } from 'express';
import { AppError, InvalidParameterError, verifyPayloadMac } from '@anchor/support';
import type { CreditingService } from '../services/crediting.service.js';
import { isAccountId, MESSAGES } from '@anchor/protocol';
import { StrKey } from '@stellar/stellar-sdk';
import { amountParam, assetParams } from '../services/validation.js';
import type { IncomingPaymentFields } from '../stores/payments.store.js';
import { optional, rawForm, required, type Form } from './form.js';

export class ForbiddenError extends AppError {
  constructor() {
    super(403, 'forbidden', 'Missing or invalid X-Payload-Mac.');
  }
}

/** The signed form: raw bytes captured by app.ts before any body parser ran. */
function signedForm(req: Request, macKey: string): Form {
  const captured = (req as Request & { rawBodyError?: unknown }).rawBodyError;
  if (captured) throw captured;
  const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
  const mac = req.get('x-payload-mac') ?? req.get('x_payload_mac');
  if (!verifyPayloadMac(macKey, raw, mac)) throw new ForbiddenError();
  if (raw.length > 0 && !req.is('application/x-www-form-urlencoded'))
    throw new AppError(400, 'invalid_body', 'Expected an application/x-www-form-urlencoded body.');
  return rawForm(raw);
}

/** The receive form in a fixed validation order (reported field is deterministic). */
export function parseReceiveForm(form: Form): IncomingPaymentFields {
  const payment_id = required(form, 'id');
  const amount = amountParam('amount', required(form, 'amount', 40));
  const asset = assetParams(optional(form, 'asset_code', 12), optional(form, 'asset_issuer', 56));
  const from = optional(form, 'from', 56);
  if (from !== '' && !isAccountId(from)) throw new InvalidParameterError('from', MESSAGES.accountId);
  const transactionId = optional(form, 'transaction_id', 64);
  if (transactionId !== '' && !/^[0-9a-f]{64}$/i.test(transactionId))
    throw new InvalidParameterError('transaction_id', 'Must be a 64-character hex transaction hash.');
  return {
    payment_id,
    from_account: from,
    route: muxedRoute(form) ?? optional(form, 'route', 64),
    amount,
    asset_code: asset.code,
    asset_issuer: asset.issuer,
    memo_type: optional(form, 'memo_type', 16),
    memo: optional(form, 'memo', 255),
    transaction_id: transactionId.toLowerCase(),
    data: optional(form, 'data', 64_000),
  };
}

const MAX_U64 = 18_446_744_073_709_551_615n;

/**
 * A payment to an M… address names its customer by the muxed id (the bridge's `to_muxed_id`,
 * with the address as `to_muxed`), as an id memo does in `route`; the muxed id wins over the memo
 * when both are present. Malformed fields are a 400 naming them.
 */
function muxedRoute(form: Form): string | undefined {
  const muxed = optional(form, 'to_muxed', 69);
  const id = optional(form, 'to_muxed_id', 20);
  if (muxed === '' && id === '') return undefined;
  if (!/^(0|[1-9][0-9]{0,19})$/.test(id) || BigInt(id) > MAX_U64)
    throw new InvalidParameterError(
      'to_muxed_id',
      'Must be the muxed id: a decimal unsigned 64-bit integer.',
    );
  if (
    !StrKey.isValidMed25519PublicKey(muxed) ||
    StrKey.decodeMed25519PublicKey(muxed).readBigUInt64BE(32) !== BigInt(id)
  )
    throw new InvalidParameterError('to_muxed', 'Must be the muxed (M…) address whose id is to_muxed_id.');
  return id;
}

export function receiveHandler(crediting: CreditingService, macKey: string): RequestHandler {
  return async (req: Request, res: Response) => {
    const payment = parseReceiveForm(signedForm(req, macKey));
    const result = await crediting.receive(payment);
    res.status(200).json({ status: result.outcome, customer: result.customer });
  };
}

const ERROR_FORM_KEYS = [
  'id',
  'from',
  'route',
  'amount',
  'asset_code',
  'asset_issuer',
  'memo_type',
  'memo',
  'transaction_id',
  'error',
  'reason',
  'status',
];

export function errorCallbackHandler(crediting: CreditingService, macKey: string): RequestHandler {
  return async (req: Request, res: Response) => {
    const form = signedForm(req, macKey);
    const payment_id = required(form, 'id');
    const fields: Record<string, string> = {};
    for (const key of ERROR_FORM_KEYS) if (form(key) !== '') fields[key] = form(key).slice(0, 2000);
    const first = await crediting.recordRejected({
      payment_id,
      from_account: form('from').slice(0, 64),
      route: form('route').slice(0, 64),
      amount: form('amount').slice(0, 64),
      asset_code: form('asset_code').slice(0, 64),
      asset_issuer: form('asset_issuer').slice(0, 64),
      transaction_id: form('transaction_id').slice(0, 64).toLowerCase(),
      reason: (form('error') || form('reason') || form('status') || 'no reason given').slice(0, 2000),
      fields: JSON.stringify(fields),
    });
    res.status(200).json({ status: first ? 'recorded' : 'already_recorded' });
  };
}
