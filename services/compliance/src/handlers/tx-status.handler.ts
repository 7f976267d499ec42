// GET /tx_status?id= on the external port (SEP-4), behind HTTP Basic auth.
import { timingSafeEqual, createHash } from 'node:crypto';
import type { RequestHandler } from 'express';
import { MissingParameterError } from '@anchor/support';
import { serializeTransactionStatusResponse } from '@anchor/protocol';
import { UnauthorizedError } from '../errors.js';
import type { TxStatusService } from '../services/tx-status.service.js';

/** Rejects requests without the configured HTTP Basic credentials (401). */
export function basicAuth(credentials: { username: string; password: string }): RequestHandler {
  const expected = digest(`${credentials.username}:${credentials.password}`);
  return (req, res, next) => {
    const header = req.get('authorization') ?? '';
    const match = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header);
    const given = match ? Buffer.from(match[1] as string, 'base64').toString('utf8') : '';
    if (!match || !timingSafeEqual(digest(given), expected)) {
      res.setHeader('WWW-Authenticate', 'Basic realm="tx_status"');
      next(new UnauthorizedError());
      return;
    }
    next();
  };
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

export function txStatusHandler(service: TxStatusService): RequestHandler {
  return async (req, res) => {
    const id = typeof req.query.id === 'string' ? req.query.id : '';
    if (id === '') throw new MissingParameterError('id');
    const status = await service.status(id);
    res.status(200).type('application/json').send(serializeTransactionStatusResponse(status));
  };
}
