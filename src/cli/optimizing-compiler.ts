// `hedge start` keeps V8's optimising compiler (TurboFan) off while it loads
// and starts — the config's parsing and validation, the policy's compilation,
// the start-up canary — and turns it on once the gateway listens.
//
// Why: V8 optimises whatever runs hot, and at start that is code that never
// runs again (zod's and yaml's parsers, module linking). Those compilations
// run on V8's worker threads, and glibc's allocator keeps much of their
// compiler memory once it is freed: an idle gateway measured 80–82 MB with
// them and 72–73 MB without, every start (docs/operations.md, "Resident
// memory"). The request path is optimised as before, as soon as traffic
// makes it hot: V8 reads the flag each time it decides whether to optimise.
//
// cli/main.ts holds it before it loads the rest of hedge; cli/start.ts
// releases it once the gateway listens. An operator who sets the optimising
// compiler (--opt, --turbofan, --no-… or --max-opt, on the command line or in
// NODE_OPTIONS) keeps V8's behaviour with their setting: hedge changes nothing.
import v8 from 'node:v8';

const chosenByOperator = [...process.execArgv, process.env.NODE_OPTIONS ?? ''].some((a) => /--(no-)?(opt|turbofan)\b|--max-opt/.test(a));

let held = false;

/** While the gateway starts: nothing is optimised. */
export function holdOptimizingCompiler(): void {
  if (chosenByOperator) return;
  held = true;
  v8.setFlagsFromString('--no-turbofan');
}

/** Once started: V8 optimises hot code again. */
export function releaseOptimizingCompiler(): void {
  if (!held) return;
  held = false;
  v8.setFlagsFromString('--turbofan');
}
