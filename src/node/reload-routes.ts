// Admin API for policy reloads:
//   POST /policy/reload   reload the policy file now (validate, lint, diff, canary, swap)
//   GET  /policy/reloads  the most recent reload attempts, newest first
import { sendJson, type AdminRoute } from '../shared/http.js';
import { ErrorCodes } from '../shared/errors.js';
import type { ReloadResult, ReloadTrigger } from './reload.js';

/** `reload`: this node's reloader, or with --workers the cluster's reload (the answer is the cluster's, whichever worker took the request). */
export function reloadRoutes(reload: (trigger: ReloadTrigger) => Promise<ReloadResult>, recent: () => readonly ReloadResult[]): AdminRoute {
  return async (req, res, url) => {
    if (url.pathname === '/policy/reload' && req.method === 'POST') {
      req.resume();
      const r = await reload('admin');
      if (r.result === 'refused') sendJson(res, 422, { error: { code: ErrorCodes.POLICY_RELOAD_REFUSED, message: `${r.stage}: ${r.reason ?? 'refused'}` }, ...r });
      else sendJson(res, 200, r);
      return true;
    }
    if (url.pathname === '/policy/reloads' && req.method === 'GET') {
      sendJson(res, 200, { reloads: [...recent()].reverse() });
      return true;
    }
    return false;
  };
}
