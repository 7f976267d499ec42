// GET /unpaid_auth on the internal port: authorizations never followed by a payment.
import type { RequestHandler } from 'express';
import { UNPAID_AFTER_MS, type UnpaidService } from '../services/unpaid.service.js';

export function unpaidHandler(service: UnpaidService): RequestHandler {
  return async (_req, res) => {
    const { total, bySenderDomain } = await service.summary();
    res.json({
      older_than_seconds: UNPAID_AFTER_MS / 1000,
      total,
      sender_domains: bySenderDomain.map((d) => ({ sender_domain: d.senderDomain, unpaid: d.unpaid })),
    });
  };
}
