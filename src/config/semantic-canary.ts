// Cross-key checks for the canary sentinel. Kept apart from semantic.ts so
// each capability owns its checks.
import { bindingKey, keyHolds } from '../shared/binding-key.js';
import type { Config } from './schema.js';
import type { KeyPath } from './key-path.js';
import { normalizeSubscriber } from '../subscriber/normalize.js';
import { HedgeError } from '../shared/errors.js';

export interface CanaryIssue {
  path: KeyPath;
  message: string;
  severity: 'error' | 'warning';
}

export function canaryIssues(config: Config): CanaryIssue[] {
  const out: CanaryIssue[] = [];
  const c = config.canary;
  if (!c.enabled) {
    out.push({
      path: ['canary', 'enabled'],
      message: 'the canary is off: policy reloads are not tested before they take traffic and leaks are not watched for',
      severity: 'warning',
    });
    return out;
  }
  if (!(c.source.startsWith('127.') || c.source === '::1'))
    out.push({ path: ['canary', 'source'], message: 'the canary source must be a loopback address (127.0.0.0/8 or ::1) no subscriber can use', severity: 'error' });
  if (config.subscribers.static.some((b) => keyHolds(bindingKey(b.ip) ?? b.ip, c.source)))
    out.push({ path: ['canary', 'source'], message: 'this address is also (inside) a static subscriber binding; pick an address only the canary uses', severity: 'error' });
  try {
    normalizeSubscriber(c.subscriber, config.operator.country, 'canary');
  } catch (err) {
    if (!(err instanceof HedgeError)) throw err;
    const field = /^(\w+)/.exec(err.message)?.[1] ?? 'msisdn';
    out.push({ path: ['canary', 'subscriber', field], message: err.message, severity: 'error' });
  }
  return out;
}
