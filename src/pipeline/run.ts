// Runs the ordered stages over a Flow. Synchronous stages run without
// allocating promises; the first asynchronous verdict switches to an async tail.
// A throw never escapes: it becomes "no enrichment" or a refusal, per stage.
import type { Flow } from './flow.js';
import { CONTINUE, stop, type Stage, type Verdict } from './stage.js';
import { ErrorCodes } from '../shared/errors.js';

export interface RunHooks {
  /** Called when a stage throws or rejects; the error's message never contains values. */
  stageFailed(stage: string, err: unknown): void;
}

export function runPipeline(stages: readonly Stage[], flow: Flow, hooks: RunHooks): Verdict | Promise<Verdict> {
  for (let i = 0; i < stages.length; i++) {
    const stage = stages[i]!;
    let v: Verdict | Promise<Verdict>;
    try {
      v = stage.onRequest(flow);
    } catch (err) {
      const r = failed(stage, flow, err, hooks);
      if (r.kind === 'stop') return r;
      continue;
    }
    if (v instanceof Promise) return continueAsync(stages, i, v, flow, hooks);
    if (v.kind === 'stop') return v;
  }
  return CONTINUE;
}

async function continueAsync(stages: readonly Stage[], at: number, pending: Promise<Verdict>, flow: Flow, hooks: RunHooks): Promise<Verdict> {
  for (let i = at; i < stages.length; i++) {
    const stage = stages[i]!;
    try {
      const v = i === at ? await pending : await stage.onRequest(flow);
      if (v.kind === 'stop') return v;
    } catch (err) {
      const r = failed(stage, flow, err, hooks);
      if (r.kind === 'stop') return r;
    }
  }
  return CONTINUE;
}

function failed(stage: Stage, flow: Flow, err: unknown, hooks: RunHooks): Verdict {
  hooks.stageFailed(stage.name, err);
  flow.failClosed();
  if (stage.onError === 'refuse') return stop(500, ErrorCodes.STAGE_FAILED, `the gateway could not process this request safely (${stage.name})`);
  return CONTINUE;
}
