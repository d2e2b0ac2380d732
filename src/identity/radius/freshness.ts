// When an accounting event happened, and whether a Start or Interim-Update is
// fresh enough to bind. The request authenticator proves a packet came from
// the NAS, not when: a Start captured on the way and replayed minutes or days
// later (from a spoofed NAS source, past the 30 s retransmission window) would
// bind its subscriber to an address someone else now holds. So each event has
// a time — Event-Timestamp (RFC 2869 §5.3), else the receipt time minus
// Acct-Delay-Time (RFC 2866 §5.2), else the receipt time — and:
//   - a Start or Interim older than maxEventAgeSeconds, or dated further than
//     clockSkewSeconds into the future, is acknowledged (the NAS stops
//     retransmitting) and applied to nothing; so is one without an
//     Event-Timestamp under requireEventTimestamp;
//   - a Start or Interim does not replace a binding written by an event more
//     than clockSkewSeconds later (stores: `supersedes`; the tolerance keeps
//     two NASes' slightly different clocks from keeping a previous holder);
//   - a Stop is applied whatever its age (it only ever removes its own
//     session), and Accounting-On/Off removes only bindings of events before
//     its own time (a replayed one removes nothing newer);
//   - a Start or Interim dated more than clockSkewSeconds before its NAS's
//     latest Accounting-On/Off is of a session that restart ended: it binds
//     nothing (identity/nas-restarts.ts).
import type { AccountingRequest } from './packet.js';

export interface FreshnessConfig {
  maxEventAgeSeconds: number;
  clockSkewSeconds: number;
  requireEventTimestamp: boolean;
}

/** Why a Start or Interim was acknowledged and not applied (metric label hedge_radius_stale_total{reason}). */
export type StaleReason = 'too_old' | 'future' | 'no_event_timestamp' | 'older_than_binding' | 'before_restart';
export const STALE_REASONS: readonly StaleReason[] = ['too_old', 'future', 'no_event_timestamp', 'older_than_binding', 'before_restart'];

export type EventTime = { at: number; stale?: undefined } | { stale: StaleReason };

/**
 * The event's time (epoch ms, never after `receivedAt`), or why it must not
 * bind. Every status gets a time; only a Start or Interim is refused.
 */
export function eventTimeOf(req: AccountingRequest, receivedAt: number, cfg: FreshnessConfig): EventTime {
  const binds = req.status === 'start' || req.status === 'interim';
  let at: number;
  if (req.eventTimestamp !== undefined) at = req.eventTimestamp * 1000;
  else if (binds && cfg.requireEventTimestamp) return { stale: 'no_event_timestamp' };
  else at = receivedAt - (req.delaySeconds ?? 0) * 1000;
  if (!binds) return { at: Math.min(at, receivedAt) };
  if (at > receivedAt + cfg.clockSkewSeconds * 1000) return { stale: 'future' };
  if (receivedAt - at > cfg.maxEventAgeSeconds * 1000) return { stale: 'too_old' };
  return { at: Math.min(at, receivedAt) };
}

/** The latest event time of a current binding a write of an event at `at` may replace. */
export function supersedes(at: number, cfg: FreshnessConfig): number {
  return at + cfg.clockSkewSeconds * 1000;
}

/** Whether an event at `at` comes from before its NAS's restart at `restartedAt` (a session that restart ended), beyond the clock tolerance. */
export function beforeRestart(at: number, restartedAt: number | undefined, cfg: FreshnessConfig): boolean {
  return restartedAt !== undefined && supersedes(at, cfg) < restartedAt;
}
