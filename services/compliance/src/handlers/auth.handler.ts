// POST / on the external port: the SEP-3 auth endpoint. The answer is the compact
// AuthResponse JSON (as the Go server wrote it), errors the indented legacy JSON;
// malformed requests get the Go validator's answers (auth-request.validation.ts).
import type { RequestHandler } from 'express';
import { requestLog } from '@anchor/support';
import { serializeAuthResponse } from '@anchor/protocol';
import type { AuthService } from '../services/auth.service.js';
import { validateAuthRequestAsGo } from './auth-request.validation.js';
import { formOf } from './form.js';

export function authHandler(service: AuthService): RequestHandler {
  return async (req, res) => {
    const form = formOf(req);
    const request = { data: form.data, sig: form.sig };
    validateAuthRequestAsGo(request);
    const { httpStatus, response } = await service.authorize(request, requestLog(res));
    res.status(httpStatus).type('application/json').send(serializeAuthResponse(response));
  };
}
