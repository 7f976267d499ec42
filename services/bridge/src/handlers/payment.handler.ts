// POST /payment: validates the form in a fixed order (the first bad parameter
// is reported, by its form key) and hands a PaymentRequest to PaymentService.
import type { RequestHandler } from 'express';
import { Keypair, Memo } from '@stellar/stellar-sdk';
import {
  type Asset,
  isAccountId,
  isAmount,
  isAssetCode,
  isProtocolError,
  isSeed,
  isStellarAddress,
  isStellarDestination,
  MESSAGES,
  parseForwardDestination,
  parsePathForm,
} from '@anchor/protocol';
import { InvalidParameterError, MissingParameterError } from '@anchor/support';
import type { PaymentRequest, PaymentService } from '../services/payment.service.js';
import { muxedBase } from '../services/muxed.js';
import { formOf, parseBool, type Form } from './form.js';

/** Validates an asset pair given as `<code key>` / `<issuer key>`. */
export function assetFrom(form: Form, codeKey: string, issuerKey: string): Asset {
  const code = form[codeKey];
  const issuer = form[issuerKey];
  if (code !== undefined && !isAssetCode(code)) throw new InvalidParameterError(codeKey, MESSAGES.assetCode);
  if (issuer !== undefined && !isAccountId(issuer))
    throw new InvalidParameterError(issuerKey, MESSAGES.accountId);
  if (code === undefined && issuer === undefined) return { type: 'native' };
  if (code === undefined) throw new MissingParameterError(codeKey);
  if (issuer === undefined) throw new MissingParameterError(issuerKey);
  return { type: 'credit', code, issuer };
}

/** Builds the memo from memo_type + memo (both or neither). */
export function memoFrom(form: Form): Memo | undefined {
  const type = form.memo_type;
  const value = form.memo;
  if (type === undefined && value === undefined) return undefined;
  if (type === undefined) throw new MissingParameterError('memo_type');
  if (value === undefined) throw new MissingParameterError('memo');
  switch (type) {
    case 'id':
      if (!/^[0-9]{1,20}$/.test(value) || BigInt(value) > 18_446_744_073_709_551_615n) {
        throw new InvalidParameterError('memo', 'Memo.id must be a number');
      }
      return Memo.id(value);
    case 'text':
      if (Buffer.byteLength(value, 'utf8') > 28) {
        throw new InvalidParameterError('memo', 'Memo.text must be at most 28 bytes long.');
      }
      return Memo.text(value);
    case 'hash':
      if (!/^[0-9a-fA-F]{64}$/.test(value)) {
        throw new InvalidParameterError('memo', 'Memo.hash must be 32 bytes and hex encoded.');
      }
      return Memo.hash(value.toLowerCase());
    default:
      throw new InvalidParameterError('memo_type', 'Memo type not supported');
  }
}

/** The validation order is the README's: source, sender, destination, amount, memo, asset, send_max, send asset, path. */
export function parsePaymentForm(form: Form, baseSeed: string | undefined): PaymentRequest {
  const sourceSeed = form.source ?? baseSeed;
  if (form.source !== undefined && !isSeed(form.source))
    throw new InvalidParameterError('source', MESSAGES.seed);
  if (sourceSeed === undefined) throw new MissingParameterError('source');
  if (form.sender !== undefined && !isStellarAddress(form.sender)) {
    throw new InvalidParameterError('sender', MESSAGES.stellarAddress);
  }
  // A muxed (M…) address is a destination too (CAP-27); a malformed one is refused here.
  if (
    form.destination !== undefined &&
    !isStellarDestination(form.destination) &&
    muxedBase(form.destination) === undefined
  ) {
    throw new InvalidParameterError('destination', MESSAGES.destination);
  }
  const forwardDestination = parseForwardDestination(form);
  if (form.destination === undefined && !forwardDestination) throw new MissingParameterError('destination');
  if (form.amount === undefined) throw new MissingParameterError('amount');
  if (!isAmount(form.amount)) throw new InvalidParameterError('amount', MESSAGES.amount);
  const memo = memoFrom(form);
  const asset = assetFrom(form, 'asset_code', 'asset_issuer');
  if (form.send_max !== undefined && !isAmount(form.send_max)) {
    throw new InvalidParameterError('send_max', MESSAGES.amount);
  }
  const sendAsset = assetFrom(form, 'send_asset_code', 'send_asset_issuer');
  let pathForm;
  try {
    pathForm = parsePathForm(form);
  } catch (err) {
    if (isProtocolError(err)) throw new InvalidParameterError('path', err.message);
    throw err;
  }
  // parsePathForm stops at the first absent asset_code; an empty code is native.
  const path = pathForm.map((p, n) => {
    const element: Form = {};
    if (p.asset_code !== '') element.code = p.asset_code;
    if (p.asset_issuer !== '') element.issuer = p.asset_issuer;
    try {
      return assetFrom(element, 'code', 'issuer');
    } catch (err) {
      const which =
        (err as { details?: { data?: { name?: string } } }).details?.data?.name === 'issuer'
          ? 'asset_issuer'
          : 'asset_code';
      throw new InvalidParameterError(`path[${n}][${which}]`, 'Invalid path asset.');
    }
  });
  const useCompliance = parseBool(form, 'use_compliance');
  return {
    id: form.id,
    source: Keypair.fromSecret(sourceSeed),
    sender: form.sender,
    destination: form.destination,
    forwardDestination,
    amount: form.amount,
    memo,
    asset,
    sendMax: form.send_max,
    sendAsset,
    path,
    pathForm,
    useCompliance,
    extraMemo: form.extra_memo,
    form,
  };
}

/** Express form parsing drops empty `path[n][asset_code]` keys; put them back for native path elements. */
function withEmptyPathKeys(body: Record<string, unknown>, form: Form): Form {
  const out = { ...form };
  for (const key of Object.keys(body)) {
    if (/^path\[\d+\]\[asset_(code|issuer)\]$/.test(key) && out[key] === undefined) out[key] = '';
  }
  return out;
}

export function paymentHandler(service: PaymentService, baseSeed: string | undefined): RequestHandler {
  return async (req, res) => {
    const form = withEmptyPathKeys((req.body ?? {}) as Record<string, unknown>, formOf(req));
    const request = parsePaymentForm(form, baseSeed);
    const result = await service.pay(request);
    res.status(result.status).json(result.body);
  };
}
