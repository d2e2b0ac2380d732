// Liveness and readiness probes for load balancers and orchestrators, served
// on the admin listener WITHOUT the bearer token (they reveal only check names
// and short reasons — no identifier, no secret, no address):
//   GET /livez   200 while the process and its event loop answer (a blocked
//                loop answers nothing, which is the failure a prober sees)
//   GET /readyz  200 when every named check passes, else 503; the JSON body
//                names each check and why it fails. Draining (SIGTERM) turns
//                it 503 first, before any listener closes.
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { AdminRoute } from './server.js';
import { sendJson } from '../shared/http.js';

export interface CheckResult {
  ok: boolean;
  /** A short reason, for people: never an identifier, secret or address. */
  detail?: string | undefined;
}
export type ReadinessCheck = () => CheckResult | Promise<CheckResult>;

/** A check that does not answer within this is failed (a prober must not hang). */
const CHECK_TIMEOUT_MS = 1000;

export class Readiness {
  private readonly checks = new Map<string, ReadinessCheck>();
  private draining = false;
  private readonly loop = monitorEventLoopDelay({ resolution: 20 });

  constructor(private readonly startedAt = Date.now()) {
    this.loop.enable();
  }

  /** /livez: alive, with the worst event-loop delay since the previous probe. */
  liveness(): { status: 'alive'; uptimeSeconds: number; eventLoopDelayMaxMs: number } {
    const ms = this.loop.max / 1e6;
    this.loop.reset();
    return { status: 'alive', uptimeSeconds: Math.round((Date.now() - this.startedAt) / 1000), eventLoopDelayMaxMs: Number.isFinite(ms) ? Math.round(ms * 100) / 100 : 0 };
  }

  /** Stops the event-loop monitor (gateway stop). */
  close(): void {
    this.loop.disable();
  }

  /** Adds a named check; names are the keys of the /readyz body. */
  add(name: string, check: ReadinessCheck): void {
    this.checks.set(name, check);
  }

  /** From now on /readyz answers 503 (the gateway is stopping). */
  drain(): void {
    this.draining = true;
  }

  async evaluate(): Promise<{ ready: boolean; checks: Record<string, CheckResult> }> {
    const entries = await Promise.all(
      [...this.checks].map(async ([name, check]): Promise<[string, CheckResult]> => {
        let timer: NodeJS.Timeout | undefined;
        try {
          const timeout = new Promise<CheckResult>((resolve) => {
            timer = setTimeout(() => resolve({ ok: false, detail: `no answer within ${CHECK_TIMEOUT_MS} ms` }), CHECK_TIMEOUT_MS);
          });
          return [name, await Promise.race([Promise.resolve().then(check), timeout])];
        } catch (err) {
          return [name, { ok: false, detail: `check failed (${(err as Error).name})` }];
        } finally {
          clearTimeout(timer);
        }
      }),
    );
    const checks: Record<string, CheckResult> = { draining: this.draining ? { ok: false, detail: 'the gateway is stopping' } : { ok: true } };
    for (const [name, r] of entries) checks[name] = r;
    return { ready: Object.values(checks).every((c) => c.ok), checks };
  }
}

export function probeRoutes(readiness: Readiness): AdminRoute {
  return async (req, res, url) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return false;
    if (url.pathname === '/livez') {
      sendJson(res, 200, readiness.liveness());
      return true;
    }
    if (url.pathname === '/readyz') {
      const r = await readiness.evaluate();
      sendJson(res, r.ready ? 200 : 503, { status: r.ready ? 'ready' : 'not ready', checks: r.checks });
      return true;
    }
    return false;
  };
}
