// Admin API for the canary and policy reloads:
//   GET  /canary          status: last run, result, findings, enrichment switch
//   POST /canary/run      run now against the policy in force; answers the result
//   POST /policy/reload   reload the policy file now (validate, lint, diff, canary, swap)
//   GET  /policy/reloads  the most recent reload attempts, newest first
import type { AdminRoute } from '../admin/server.js';
import { sendJson } from '../admin/http-util.js';
import { ErrorCodes } from '../errors.js';
import type { Canary } from './canary.js';
import type { PolicyReloader } from '../policy/reload.js';
import type { Pipeline } from '../pipeline/index.js';

export function canaryRoutes(canary: Canary | undefined, current: () => Pipeline): AdminRoute {
  return async (req, res, url) => {
    if (url.pathname === '/canary' && req.method === 'GET') {
      sendJson(res, 200, canary ? canary.status() : { enabled: false });
      return true;
    }
    if (url.pathname === '/canary/run' && req.method === 'POST') {
      if (!canary) {
        sendJson(res, 409, { error: { code: ErrorCodes.CANARY_DISABLED, message: 'the canary is disabled (canary.enabled: false)' } });
        return true;
      }
      const r = await canary.run(current(), 'manual');
      sendJson(res, 200, r);
      return true;
    }
    return false;
  };
}

export function reloadRoutes(reloader: PolicyReloader, onAdminReload?: () => void): AdminRoute {
  return async (req, res, url) => {
    if (url.pathname === '/policy/reload' && req.method === 'POST') {
      req.resume();
      onAdminReload?.();
      const r = await reloader.reload('admin');
      if (r.result === 'refused') sendJson(res, 422, { error: { code: ErrorCodes.POLICY_RELOAD_REFUSED, message: `${r.stage}: ${r.reason ?? 'refused'}` }, ...r });
      else sendJson(res, 200, r);
      return true;
    }
    if (url.pathname === '/policy/reloads' && req.method === 'GET') {
      sendJson(res, 200, { reloads: [...reloader.recent()].reverse() });
      return true;
    }
    return false;
  };
}
