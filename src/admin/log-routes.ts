// Admin API for the log level, changed while running (no restart, no reload):
//   GET /log/level                 {level, initial}
//   PUT /log/level  {"level": "debug"}   → 200 {level, previous}
// SIGUSR2 does the same from a shell (toggles debug; src/cli/start.ts).
import type { AdminRoute } from './server.js';
import { readJson, refuseBody, sendError, sendJson } from '../shared/http.js';
import { ErrorCodes } from '../shared/errors.js';
import { isLevel, LEVELS, logLevelOf, type Logger } from '../shared/log.js';

export function logLevelRoutes(log: Logger): AdminRoute {
  return async (req, res, url) => {
    if (url.pathname !== '/log/level') return false;
    const level = logLevelOf(log);
    if (!level) {
      sendError(res, 409, ErrorCodes.LOG_LEVEL_INVALID, 'this process logs through a logger hedge did not create; its level is not adjustable here');
      return true;
    }
    if (req.method === 'GET') {
      sendJson(res, 200, { level: level.get(), initial: level.initial });
      return true;
    }
    if (req.method === 'PUT') {
      let body: unknown;
      try {
        body = await readJson(req, 1024);
      } catch (err) {
        refuseBody(res, err, ErrorCodes.LOG_LEVEL_INVALID);
        return true;
      }
      const want = (body as { level?: unknown } | undefined)?.level;
      if (!isLevel(want)) {
        sendError(res, 400, ErrorCodes.LOG_LEVEL_INVALID, `"level" must be one of ${LEVELS.join(', ')}`);
        return true;
      }
      const previous = level.get();
      level.set(want);
      log.warn('log level changed', { logLevel: want, previous, by: 'admin' });
      sendJson(res, 200, { level: want, previous });
      return true;
    }
    sendError(res, 405, ErrorCodes.METHOD, 'use GET or PUT', { allow: 'GET, PUT' });
    return true;
  };
}
