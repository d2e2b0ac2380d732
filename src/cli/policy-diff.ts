// hedge policy diff OLD NEW: the change in exposure between two configs, for
// change review. Exit 0: exposure does not widen. Exit 1: it widens. Exit 2:
// a file could not be read or does not validate.
import type { Command } from 'commander';
import { loadConfigFile, type LoadedConfig } from '../config/load.js';
import { ConfigError, HedgeError, formatIssue } from '../shared/errors.js';
import { compilePolicy } from '../policy/compile.js';
import { diffPolicies, formatDiff } from '../policy/diff.js';

export function registerPolicyDiff(policy: Command): void {
  policy
    .command('diff')
    .description('show the change in exposure from OLD to NEW; exit 1 when exposure widens')
    .argument('<old>', 'config in force (YAML)')
    .argument('<new>', 'proposed config (YAML)')
    .option('--json', 'print the diff as JSON')
    .action((oldFile: string, newFile: string, o: { json?: boolean }) => {
      const before = loadForReview(oldFile);
      const after = loadForReview(newFile);
      const d = diffPolicies(compilePolicy(before.config, oldFile, before.lineOf, { material: false }), compilePolicy(after.config, newFile, after.lineOf, { material: false }));
      const lintErrors = after.lints.filter((l) => l.severity === 'error');
      if (o.json) console.log(JSON.stringify({ ...d, newLintErrors: lintErrors.map(formatIssue) }, null, 2));
      else {
        for (const line of formatDiff(d)) console.log(line);
        if (lintErrors.length) {
          console.log(`\n${newFile} would not load: ${lintErrors.length} lint error(s)`);
          for (const l of lintErrors) console.log(`  ${formatIssue(l)}`);
        }
      }
      process.exitCode = d.summary.widens ? 1 : 0;
    });
}

/** Loads a config even when policy lints refuse it: reviewing a bad change is the point. */
function loadForReview(file: string): LoadedConfig {
  try {
    return loadConfigFile(file, { lints: 'report' });
  } catch (err) {
    if (err instanceof ConfigError) for (const i of err.issues) console.error(formatIssue(i));
    else if (err instanceof HedgeError) console.error(err.message);
    else throw err;
    console.error(`${file}: does not validate; no diff`);
    process.exit(2);
  }
}
