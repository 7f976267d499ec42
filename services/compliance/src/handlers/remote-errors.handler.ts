// Errors on the external port as another bank sees them (issue 13 #10): when our
// own backend fails (a callback), the remote caller learns which step failed and
// nothing of why. The transport error, the status and whatever our backend wrote
// stay in our log: they describe our private network, not the request.
import type { ErrorRequestHandler } from 'express';
import { requestLog } from '@anchor/support';
import { CallbackFailedError } from '../errors.js';

export const hideBackendDetail: ErrorRequestHandler = (err, _req, res, next) => {
  if (err instanceof CallbackFailedError && err.details.moreInfo !== undefined) {
    requestLog(res).warn('a callback failed during a request from another bank', {
      callback: err.callback,
      reason: err.details.moreInfo,
    });
    next(new CallbackFailedError(err.callback));
    return;
  }
  next(err);
};
