// GET /federation: reads type and q (and, for forward, every other parameter)
// from the query string and answers the lookup, never cacheable.
import type { RequestHandler } from 'express';
import type { FederationService } from '../services/federation.service.js';

export function federationHandler(service: FederationService): RequestHandler {
  return async (req, res) => {
    res.setHeader('Cache-Control', 'no-store');
    const parameters = Object.fromEntries(
      Object.entries(req.query).filter((entry): entry is [string, string] => typeof entry[1] === 'string'),
    );
    const body = await service.lookup({ type: parameters.type, q: parameters.q, parameters });
    res.json(body);
  };
}
