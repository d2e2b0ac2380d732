// GET /alerts on the admin API: the most recent alerts (kinds, messages and
// names only — alerts never carry identifier values).
import { sendJson, type AdminRoute } from '../shared/http.js';
import type { Alerts } from './alerts.js';

export function alertRoutes(alerts: Alerts): AdminRoute {
  return (req, res, url) => {
    if (req.method !== 'GET' || url.pathname !== '/alerts') return false;
    const recent = alerts.recent();
    sendJson(res, 200, { count: recent.length, alerts: [...recent].reverse() });
    return true;
  };
}
