// POST /subscribers/reassigned {msisdn, at?}: the operator tells hedge that a
// number changed hands at `at` (their BSS knows when; default now). From then
// on the subscriber page shows the holder only records from that time on, and
// choices made before it (the previous holder's withdrawals and objections)
// stop applying. The audit keeps every record: a regulator still sees all.
//
// The number travels in the body, never in the path, so no access log or
// proxy in front of the admin API writes it down. The operator action is
// recorded in the audit before it takes effect, because dropping the previous
// holder's withdrawals widens disclosure: if the audit cannot commit, nothing
// changes (503).
import type { ConsentStore } from '../identity/consent.js';
import type { AuditEvent } from '../audit/audit-log.js';
import { parseTime } from '../audit/time.js';
import { toE164 } from '../subscriber/normalize.js';
import { ErrorCodes, HedgeError } from '../shared/errors.js';
import { readJson, refuseBody, sendError, sendJson, type AdminRoute } from '../shared/http.js';
import { maskIdentifier } from '../shared/mask.js';
import type { Logger } from '../shared/log.js';

export interface ReassignDeps {
  consents: ConsentStore;
  recordEvent(e: AuditEvent): Promise<boolean>;
  /** operator.country: how a number without "+" is read. */
  country: string;
  /**
   * The consent store is this process's alone while other processes serve the
   * same traffic (`--workers N` with the memory store): a reassignment would
   * reach one worker, and the number's pseudonym would differ by worker, so
   * it is refused before anything is recorded.
   */
  perProcess?: boolean;
  log: Logger;
}

export const REASSIGN_PATH = '/subscribers/reassigned';

/** A reassignment may be recorded for a time this far ahead of the gateway's clock (the BSS's clock may run ahead), no further. */
const CLOCK_SKEW_MS = 60_000;

export function reassignRoute(d: ReassignDeps): AdminRoute {
  return async (req, res, url) => {
    if (url.pathname !== REASSIGN_PATH) return false;
    if (req.method !== 'POST') {
      sendError(res, 405, ErrorCodes.METHOD, 'use POST', { allow: 'POST' });
      return true;
    }
    let body: unknown;
    try {
      body = await readJson(req);
    } catch (err) {
      refuseBody(res, err, ErrorCodes.REASSIGNMENT_INVALID);
      return true;
    }
    if (d.perProcess) {
      sendError(
        res,
        409,
        ErrorCodes.REASSIGNMENT_NOT_SHARED,
        'with --workers and subscribers.store: memory a reassignment would reach only this worker (the others would go on with the previous holder); nothing was recorded. Use a Redis binding store or one worker',
      );
      return true;
    }
    let msisdn: string;
    let at: number;
    try {
      ({ msisdn, at } = parseReassignment(body, d.country));
    } catch (err) {
      if (!(err instanceof HedgeError)) throw err;
      sendError(res, 400, err.code === ErrorCodes.NUMBER_INVALID ? err.code : ErrorCodes.REASSIGNMENT_INVALID, err.message);
      return true;
    }
    const atIso = new Date(at).toISOString();
    const recorded = await d.recordEvent({ type: 'number-reassigned', subscriber: { msisdn, source: 'admin' }, detail: { at: atIso, channel: 'admin' } });
    if (!recorded) {
      d.log.warn('number reassignment not recorded in the audit; nothing changed', { code: ErrorCodes.AUDIT_UNAVAILABLE });
      sendError(res, 503, ErrorCodes.AUDIT_UNAVAILABLE, 'the audit could not record the reassignment, so nothing was changed; send it again');
      return true;
    }
    let since: number | undefined;
    try {
      await d.consents.reassigned(msisdn, at);
      since = await d.consents.holderSince(msisdn);
    } catch (err) {
      d.log.error('number reassignment recorded in the audit but not stored; send it again', { code: (err as { code?: string })?.code });
      sendError(res, 503, ErrorCodes.BINDING_STORE_UNAVAILABLE, 'the reassignment is in the audit but the subscriber store could not take it; send it again');
      return true;
    }
    d.log.info('number reassignment recorded', { source: 'admin' });
    sendJson(res, 200, { msisdn: maskIdentifier(msisdn), reassignedAt: atIso, holderSince: since === undefined ? atIso : new Date(since).toISOString() });
    return true;
  };
}

function parseReassignment(body: unknown, country: string): { msisdn: string; at: number } {
  const input = (body ?? {}) as Record<string, unknown>;
  if (typeof body !== 'object' || Array.isArray(body) || typeof input.msisdn !== 'string')
    throw new HedgeError(ErrorCodes.REASSIGNMENT_INVALID, 'expected a JSON object {"msisdn": "+…", "at": "<ISO 8601 time>"} (at defaults to now)');
  if (input.at !== undefined && typeof input.at !== 'string') throw new HedgeError(ErrorCodes.REASSIGNMENT_INVALID, 'at: an ISO 8601 time such as 2026-11-02T09:00Z');
  const now = Date.now();
  let at: number;
  try {
    at = input.at === undefined ? now : parseTime(input.at, 'at', now);
  } catch (err) {
    throw new HedgeError(ErrorCodes.REASSIGNMENT_INVALID, (err as Error).message);
  }
  if (at > now + CLOCK_SKEW_MS) throw new HedgeError(ErrorCodes.REASSIGNMENT_INVALID, 'at: the time the number changed hands cannot be in the future');
  if (at < Date.UTC(2000, 0, 1)) throw new HedgeError(ErrorCodes.REASSIGNMENT_INVALID, 'at: a time before 2000 is not a reassignment hedge could have seen');
  return { msisdn: toE164(input.msisdn, country), at };
}
