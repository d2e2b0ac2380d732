// Admin API for the canary:
//   GET  /canary          status: last run, result, findings, enrichment switch
//   POST /canary/run      run now against the policy in force; answers the result
import { sendError, sendJson, type AdminRoute } from '../shared/http.js';
import { ErrorCodes } from '../shared/errors.js';
import type { Canary } from './canary.js';
import type { Pipeline } from '../pipeline/index.js';

export function canaryRoutes(canary: Canary | undefined, current: () => Pipeline): AdminRoute {
  return async (req, res, url) => {
    if (url.pathname === '/canary' && req.method === 'GET') {
      sendJson(res, 200, canary ? canary.status() : { enabled: false });
      return true;
    }
    if (url.pathname === '/canary/run' && req.method === 'POST') {
      if (!canary) {
        sendError(res, 409, ErrorCodes.CANARY_DISABLED, 'the canary is disabled (canary.enabled: false)');
        return true;
      }
      const r = await canary.run(current(), 'manual');
      sendJson(res, 200, r);
      return true;
    }
    return false;
  };
}
