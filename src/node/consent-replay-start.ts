// At start, a gateway with the memory consent store and an audit reads the
// subscribers' choices back from the audit (audit/consent-replay.ts) before
// its listeners open: a request served before that would send a partner the
// identity of a subscriber who withdrew from it. The store is created closed
// and answers nothing until then.
//
// When the audit store cannot be read (down, unreachable, a record that does
// not open with the audit key), or the replay takes longer than WAIT_MS (a
// store that hangs, a very long history), the gateway still starts — the
// proxy carries traffic — but fails closed: the store stays closed, so no
// partner receives anything about anyone (the consent stage treats a store
// that cannot answer as "no enrichment"), the subscriber page takes no choice,
// /readyz says `consentChoices` is not ready, and a failed replay is tried
// again every RETRY_MS until it succeeds. The error names what to fix.
import type { Logger } from '../shared/log.js';
import type { MemoryConsentStore } from '../identity/consent.js';
import type { AuditRuntime } from '../audit/setup.js';
import { replayConsentChoices } from '../audit/consent-replay.js';

const RETRY_MS = 5000;
/** How long the start waits for the replay before it opens its listeners with the store still closed. */
const WAIT_MS = 10_000;

export interface ConsentReplay {
  stop(): void;
}

export async function replayConsentAtStart(
  store: MemoryConsentStore,
  audit: AuditRuntime,
  log: Logger,
  o: { waitMs?: number | undefined; retryMs?: number | undefined } = {},
): Promise<ConsentReplay> {
  const retryMs = o.retryMs ?? RETRY_MS;
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  let failures = 0;
  const attempt = async (): Promise<void> => {
    try {
      const r = await replayConsentChoices(audit.store, audit.key, store, log);
      if (stopped) return;
      store.open();
      log.info('consent choices read back from the audit', { records: r.records, withdrawals: r.withdrawals, reassignedNumbers: r.reassignedNumbers, ms: r.ms });
    } catch (err) {
      if (stopped) return;
      if (failures++ === 0)
        log.error(
          'consent choices cannot be read back from the audit: no partner receives anything about any subscriber until they are (retried every few seconds). Fix the audit store (audit.store reachable, audit.keyFile the key it was written with; "hedge audit verify" for a record it cannot read), or keep choices in Redis (subscribers.store)',
          { store: audit.store.kind, code: (err as { code?: string })?.code ?? (err as Error)?.name },
        );
      timer = setTimeout(() => void attempt(), retryMs);
      timer.unref();
    }
  };
  let wait: NodeJS.Timeout | undefined;
  const waited = await Promise.race([
    attempt().then(() => true),
    new Promise<false>((resolve) => {
      wait = setTimeout(() => resolve(false), o.waitMs ?? WAIT_MS);
    }),
  ]);
  clearTimeout(wait);
  if (!waited && !store.ready)
    log.warn('consent choices are still being read back from the audit: starting with no partner receiving anything about any subscriber until they are', {
      store: audit.store.kind,
    });
  return {
    stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
    },
  };
}
