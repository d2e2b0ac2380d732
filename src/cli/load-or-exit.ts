// Loading a config for a command: on failure print every issue (file:line key)
// and exit 1, so a broken file never starts a gateway.
import { loadConfigFile, type LoadedConfig } from '../config/load.js';
import { ConfigError, HedgeError, formatIssue } from '../shared/errors.js';

/**
 * `consequence`: what the failure means for this command ("not started"), said after the count.
 * `textFrom`: read the YAML from this file instead (a --workers worker: the primary's copy of the policy in force).
 */
export function loadOrExit(file: string, consequence?: string, textFrom?: string): LoadedConfig {
  try {
    return loadConfigFile(file, { textFrom });
  } catch (err) {
    if (err instanceof ConfigError) {
      for (const i of err.issues) console.error(formatIssue(i));
      console.error(`${file}: ${err.issues.filter((i) => i.severity === 'error').length} error(s)${consequence ? `; ${consequence}` : ''}`);
    } else if (err instanceof HedgeError) console.error(err.message);
    else throw err;
    process.exit(1);
  }
}
