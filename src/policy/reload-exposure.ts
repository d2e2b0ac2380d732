// The exposure summary a reload logs and reports: the one place the reload
// asks "what does this change disclose to whom", built on policy/diff.ts.
import type { CompiledPolicy } from './compile.js';
import { diffPolicies, formatDiff, type ExposureChange } from './diff.js';

export interface ExposureSummary {
  widens: boolean;
  text: string;
  /** One line per change ("+ host  attribute: kind (before → after)"). */
  lines: string[];
  changes: ExposureChange[];
}

export function exposureSummary(before: CompiledPolicy, after: CompiledPolicy, now = Date.now()): ExposureSummary {
  const d = diffPolicies(before, after, now);
  return { widens: d.summary.widens, text: d.summary.text, lines: formatDiff(d), changes: d.changes };
}
