#!/usr/bin/env node
// The hedge command. One file per subcommand; this one only wires them up.
import { Command } from 'commander';
import { registerStart } from './start.js';
import { registerPolicy } from './policy.js';
import { registerPolicyDiff } from './policy-diff.js';
import { registerPolicyExplain } from './policy-explain.js';
import { registerKeys } from './keys.js';
import { registerDemo } from './demo.js';
import { registerConfig } from './config.js';
import { registerCheck } from './check.js';
import { registerScan } from './scan.js';
import { registerBindings } from './bindings-list.js';
import { registerBindingsShow } from './bindings-show.js';
import { registerRadius } from './radius-send.js';
import { registerAudit } from './audit.js';
import { VERSION } from '../version.js';

const program = new Command();
program.name('hedge').description('Header-enrichment gateway for mobile operators').version(VERSION).showHelpAfterError();
registerStart(program);
const policy = registerPolicy(program);
registerPolicyDiff(policy);
registerPolicyExplain(policy);
registerKeys(program);
registerDemo(program);
registerConfig(program);
registerCheck(program);
registerScan(program);
registerBindingsShow(registerBindings(program));
registerRadius(program);
registerAudit(program);

program.parseAsync(process.argv).catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : String(err));
  process.exit(2);
});
