// POST /allow_access and /remove_access on the internal port.
import type { RequestHandler } from 'express';
import { InvalidParameterError, MissingParameterError } from '@anchor/support';
import { isAccountId, isValidDomain, MESSAGES } from '@anchor/protocol';
import type { AccessService } from '../services/access.service.js';
import { formOf } from './form.js';

export function allowAccessHandler(service: AccessService): RequestHandler {
  return async (req, res) => {
    const form = formOf(req);
    const name = required(form.name, 'name');
    const domain = validDomain(required(form.domain, 'domain'));
    const publicKey = required(form.public_key, 'public_key');
    if (!isAccountId(publicKey)) throw new InvalidParameterError('public_key', MESSAGES.accountId);
    await service.allow({ name, domain, publicKey, userId: form.user_id });
    res.status(200).end();
  };
}

export function removeAccessHandler(service: AccessService): RequestHandler {
  return async (req, res) => {
    const form = formOf(req);
    const domain = validDomain(required(form.domain, 'domain'));
    await service.remove(domain, form.user_id);
    res.status(200).end();
  };
}

function required(value: string | undefined, name: string): string {
  if (value === undefined) throw new MissingParameterError(name);
  return value;
}

function validDomain(domain: string): string {
  if (!isValidDomain(domain))
    throw new InvalidParameterError('domain', 'Domain must be a DNS name, e.g. bank.com');
  return domain;
}
