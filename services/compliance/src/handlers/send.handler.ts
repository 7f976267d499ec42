// POST /send on the internal port. Parameters are validated in a fixed order
// and reported by their form keys (id, source, sender, destination, amount,
// asset_code, asset_issuer, send_max, send_asset_code, send_asset_issuer,
// path[n][…], forward_destination[…]).
import type { RequestHandler } from 'express';
import { InvalidParameterError, MissingParameterError } from '@anchor/support';
import {
  isAccountId,
  isAmount,
  isProtocolError,
  isStellarAddress,
  MESSAGES,
  parseAsset,
  parseForwardDestination,
  parsePathForm,
  type Asset,
} from '@anchor/protocol';
import type { SendRequest, SendService } from '../services/send.service.js';
import { formOf, type Form } from './form.js';

/** Longest request id (the auth_data.request_id column). */
export const MAX_REQUEST_ID_LENGTH = 255;

export function sendHandler(service: SendService): RequestHandler {
  return async (req, res) => {
    const request = parseSendRequest(formOf(req), req.body as Record<string, unknown> | undefined);
    res.status(200).json(await service.send(request));
  };
}

/** Validates the /send form; throws the first problem found, in a fixed order. */
export function parseSendRequest(form: Form, rawBody: Record<string, unknown> | undefined): SendRequest {
  const id = required(form, 'id');
  if (id.length > MAX_REQUEST_ID_LENGTH) {
    throw new InvalidParameterError('id', `id must be at most ${MAX_REQUEST_ID_LENGTH} characters.`);
  }
  const source = required(form, 'source');
  if (!isAccountId(source)) throw new InvalidParameterError('source', MESSAGES.accountId);
  const sender = required(form, 'sender');
  if (!isStellarAddress(sender)) throw new InvalidParameterError('sender', MESSAGES.stellarAddress);

  // Path keys with empty values mean native: read them from the raw body, where empties survive.
  const rawForm = rawStrings(rawBody);
  const forwardDestination = parseForwardDestination(rawForm);
  const destination = forwardDestination ? form.destination : required(form, 'destination');
  if (destination !== undefined && !isStellarAddress(destination)) {
    throw new InvalidParameterError('destination', MESSAGES.stellarAddress);
  }
  const amount = required(form, 'amount');
  if (!isAmount(amount)) throw new InvalidParameterError('amount', MESSAGES.amount);
  const asset = asAsset(form.asset_code, form.asset_issuer, 'asset_code', 'asset_issuer');

  let sendMax: string | undefined;
  let sendAsset: Asset | undefined;
  let path: Asset[] = [];
  if (form.send_max !== undefined) {
    sendMax = form.send_max;
    if (!isAmount(sendMax)) throw new InvalidParameterError('send_max', MESSAGES.amount);
    sendAsset = asAsset(form.send_asset_code, form.send_asset_issuer, 'send_asset_code', 'send_asset_issuer');
    let pathForm;
    try {
      pathForm = parsePathForm(rawForm);
    } catch (err) {
      if (isProtocolError(err)) throw new InvalidParameterError('path', err.message);
      throw err;
    }
    path = pathForm.map((p, n) =>
      asAsset(p.asset_code, p.asset_issuer, `path[${n}][asset_code]`, `path[${n}][asset_issuer]`),
    );
  }
  return {
    id,
    source,
    sender,
    destination,
    forwardDestination,
    amount,
    asset,
    sendMax,
    sendAsset,
    path,
    extraMemo: form.extra_memo ?? '',
  };
}

function required(form: Form, name: string): string {
  const value = form[name];
  if (value === undefined) throw new MissingParameterError(name);
  return value;
}

function asAsset(
  code: string | undefined,
  issuer: string | undefined,
  codeKey: string,
  issuerKey: string,
): Asset {
  try {
    return parseAsset(code, issuer);
  } catch (err) {
    if (!isProtocolError(err)) throw err;
    if (err.field === 'asset_issuer') throw new InvalidParameterError(issuerKey, MESSAGES.accountId);
    if (err.field === 'asset_code') throw new InvalidParameterError(codeKey, MESSAGES.assetCode);
    // exactly one of the pair is set: name the one that is missing
    throw new MissingParameterError(code ? issuerKey : codeKey);
  }
}

function rawStrings(body: Record<string, unknown> | undefined): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const [key, value] of Object.entries(body ?? {})) {
    const first = Array.isArray(value) ? value[0] : value;
    if (typeof first === 'string') out[key] = first;
  }
  return out;
}
