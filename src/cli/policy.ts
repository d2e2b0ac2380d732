// hedge policy validate FILE: check a config without starting anything.
import type { Command } from 'commander';
import { ConfigError, formatIssue } from '../shared/errors.js';
import { compilePolicy } from '../policy/compile.js';
import { loadOrExit } from './load-or-exit.js';

export function registerPolicy(program: Command): Command {
  const policy = program.command('policy').description('validate, explain and compare policies');
  policy
    .command('validate')
    .description('validate a config file; exit 1 with file:line and key for every problem')
    .argument('<file>', 'config file (YAML)')
    .action((file: string) => {
      const loaded = loadOrExit(file);
      for (const w of loaded.warnings) console.error(formatIssue(w));
      let p;
      try {
        p = compilePolicy(loaded.config, file, loaded.lineOf); // also reads the key file and partner CA files
      } catch (err) {
        if (!(err instanceof ConfigError)) throw err;
        for (const i of err.issues) console.error(formatIssue(i));
        console.error(`${file}: ${err.issues.length} error(s)`);
        process.exit(1);
      }
      const grants = p.partners.reduce((n, x) => n + x.grants.length, 0);
      console.log(`${file}: valid — policy ${p.version}, ${p.partners.length} partner(s), ${grants} grant(s), ${loaded.config.subscribers.static.length} static binding(s)`);
    });
  return policy;
}
