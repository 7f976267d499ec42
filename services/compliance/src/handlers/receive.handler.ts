// POST /receive on the internal port: memo → the auth data we authorized.
import type { RequestHandler } from 'express';
import { MissingParameterError } from '@anchor/support';
import type { ReceiveService } from '../services/receive.service.js';
import { formOf } from './form.js';

export function receiveHandler(service: ReceiveService): RequestHandler {
  return async (req, res) => {
    const { memo } = formOf(req);
    if (memo === undefined) throw new MissingParameterError('memo');
    res.status(200).json({ data: await service.receive(memo) });
  };
}
