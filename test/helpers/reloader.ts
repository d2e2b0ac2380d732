// A PolicyReloader over a real config file and a real pipeline, in process
// (memory bindings, no canary): what the reload tests drive and inspect.
import { writeFileSync } from 'node:fs';
import { Registry } from 'prom-client';
import { PolicyReloader } from '../../src/node/reload.js';
import { buildPipeline, type Pipeline } from '../../src/pipeline/index.js';
import { Alerts } from '../../src/alerts/alerts.js';
import { MemoryBindingStore } from '../../src/identity/memory-store.js';
import { loadConfigFile } from '../../src/config/load.js';
import { compilePolicy } from '../../src/policy/compile.js';
import { silentLogger } from '../../src/shared/log.js';
import { writeConfig } from './hedge-process.js';

/** `prepare(file)` runs after the config is written and before it is loaded (a key file beside it). */
export function reloaderFor(yaml: string, prepare?: (file: string) => void) {
  const cfg = writeConfig(yaml);
  prepare?.(cfg.file);
  const loaded = loadConfigFile(cfg.file);
  const bindings = new MemoryBindingStore();
  const build = (policy: Pipeline['policy']) => buildPipeline({ policy, bindings, guardHits: () => {} });
  let current = build(compilePolicy(loaded.config, loaded.file, loaded.lineOf));
  const swaps: Pipeline[] = [];
  const registry = new Registry();
  const alerts = new Alerts({ log: silentLogger, registry });
  const reloader = new PolicyReloader({
    file: cfg.file,
    startedWith: loaded.config,
    current: () => current,
    build,
    swap: (next) => {
      swaps.push(next);
      current = next;
    },
    canary: undefined,
    alerts,
    registry,
    log: silentLogger,
  });
  return { reloader, swaps, alerts, registry, file: cfg.file, write: (text: string) => writeFileSync(cfg.file, text), current: () => current, cleanup: cfg.cleanup };
}
