// Checks on a config that depend on how it is started: `hedge start --workers N`
// is a flag, not a key, so these run once the flag is read (cli/start.ts), with
// the same output as every other config error: file, line, key.
import type { Config } from './schema.js';
import type { KeyPath } from './key-path.js';
import type { ConfigIssue } from '../shared/errors.js';

export function workersIssues(config: Config, file: string, lineOf: (p: KeyPath) => number, workers: number): ConfigIssue[] {
  if (workers <= 1 || !config.transparency || config.subscribers.store !== 'memory') return [];
  // Consent choices live beside the bindings (identity/create-consent-store.ts): with the memory store, in the
  // process that took them. A withdrawal made on the page through one worker would not reach the others, which
  // would go on disclosing: refused rather than fail open.
  const storeLine = lineOf(['subscribers', 'store']);
  return [
    {
      file,
      line: lineOf(['transparency']),
      column: 1,
      key: 'transparency',
      severity: 'error',
      message:
        `the subscriber page takes consent choices, and with --workers ${workers} and subscribers.store: memory` +
        `${storeLine > 0 ? ` (line ${storeLine})` : ' (the default)'} each choice is kept only by the worker process that took it: ` +
        'a withdrawal would not apply in the other workers. Use a Redis binding store (subscribers.store: redis://…), which every worker shares, or start one worker',
    },
  ];
}
