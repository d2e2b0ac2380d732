// Admin API for policy reloads:
//   POST /policy/reload   reload the policy file now (validate, lint, diff, canary, swap)
//   GET  /policy/reloads  the most recent reload attempts, newest first
import { sendJson, type AdminRoute } from '../shared/http.js';
import { ErrorCodes } from '../shared/errors.js';
import type { PolicyReloader } from './reload.js';

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
