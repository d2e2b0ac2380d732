// "Warned at expiry": a partner whose `until:` passes while the gateway runs
// stops receiving anything at that moment (the enrich stage checks the time);
// this logs it when it happens, so the change is visible without a reload.
import type { CompiledPolicy } from './compile.js';
import type { Logger } from '../shared/log.js';

const MAX_TIMER_MS = 2 ** 31 - 1;

/** Schedules one warning per partner with a future `until:`; returns a function that cancels them. */
export function scheduleExpiryWarnings(policy: CompiledPolicy, log: Logger, now = Date.now()): () => void {
  const timers: NodeJS.Timeout[] = [];
  for (const p of policy.partners) {
    if (p.until === undefined || p.until <= now || p.grants.length === 0) continue;
    const until = p.until;
    const arm = (from: number) => {
      const t = setTimeout(
        () => {
          if (Date.now() < until) return arm(Date.now()); // long waits are chained under the timer limit
          log.warn('partner grants expired (until: reached); it now receives nothing', { partner: p.id, until: new Date(until).toISOString() });
        },
        Math.min(until - from, MAX_TIMER_MS),
      );
      t.unref();
      timers.push(t);
    };
    arm(now);
  }
  return () => {
    for (const t of timers) clearTimeout(t);
  };
}
