// The hedge command. One file per subcommand; this one only wires them up.
import { Command } from 'commander';
import { registerStart } from './start.js';
import { VERSION } from '../shared/version.js';
import { ConfigError } from '../shared/errors.js';

const program = new Command();
program.name('hedge').description('Header-enrichment gateway for mobile operators').version(VERSION).showHelpAfterError();
registerStart(program);
// `hedge start` runs for months: it loads only itself, not the other
// subcommands' dependencies (the audit stores, RADIUS, the checker), which
// would stay resident for nothing (docs/operations.md, memory).
if (process.argv[2] !== 'start') {
  const [p, pd, pe, k, d, c, ch, sc, bl, bs, r, a, sr] = await Promise.all([
    import('./policy.js'),
    import('./policy-diff.js'),
    import('./policy-explain.js'),
    import('./keys.js'),
    import('./demo.js'),
    import('./config.js'),
    import('./check.js'),
    import('./scan.js'),
    import('./bindings-list.js'),
    import('./bindings-show.js'),
    import('./radius-send.js'),
    import('./audit.js'),
    import('./subscriber-reassigned.js'),
  ]);
  const policy = p.registerPolicy(program);
  pd.registerPolicyDiff(policy);
  pe.registerPolicyExplain(policy);
  k.registerKeys(program);
  d.registerDemo(program);
  c.registerConfig(program);
  ch.registerCheck(program);
  sc.registerScan(program);
  bs.registerBindingsShow(bl.registerBindings(program));
  r.registerRadius(program);
  a.registerAudit(program);
  sr.registerSubscriber(program);
}

program.parseAsync(process.argv).catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : String(err));
  // A config problem found after loading (a key file named by keys.file that cannot be read, at start) exits
  // as one found while loading does (`hedge policy validate` and src/cli/load-or-exit.ts): 1, with the count.
  if (err instanceof ConfigError) {
    console.error(`${err.issues.filter((i) => i.severity === 'error').length} error(s) in the config; not started`);
    process.exit(1);
  }
  process.exit(2);
});
