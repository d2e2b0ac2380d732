// A --workers reload while no worker serves. Every worker can die for one
// cause — a key file it reads at start made unreadable or invalid: each
// replacement fails to start and the slots wait longer and longer (up to
// 30 s). A reload was then refused ("no worker is serving": the workers
// prepare it), so an operator who fixed the file and sent SIGHUP got no
// cluster back — and with a new key file (the old one lost), never: each
// replacement refuses key material no reload applied. The primary now runs the
// checks a worker's preparation runs before its canary (checkCandidate in
// node/reload.ts, the same code): the text validates, compiles with the files
// it names, and its exposure diff against the policy in force. A change that
// widens disclosure is refused even so: its audit event must be committed, and
// its canary run, before it takes traffic, and only a serving worker can do
// either. Anything else is put in force for the replacements, which then run
// their canary at start as every worker does.
import { parseConfig } from '../config/load.js';
import type { Config } from '../config/schema.js';
import { compilePolicy } from '../policy/compile.js';
import type { Logger } from '../shared/log.js';
import type { PolicyInForce } from '../cluster/config-snapshot.js';
import { checkCandidate, type PreparedReload } from './reload.js';

export interface AloneCheck {
  outcome: PreparedReload['outcome'];
  /** The key material digest a replacement worker must read (with outcome.to: the policy in force once applied). */
  fingerprint: string | undefined;
}

/**
 * Checks `text` in the primary against the policy in force (`inForceText`, as the cluster's last reload or start
 * left it, and `inForce`: its version and key digest as the workers read them). Nothing is started.
 */
export function checkReloadWithoutWorkers(
  text: string,
  o: { file: string; startedWith: Config; inForceText: string; inForce: PolicyInForce | undefined; log: Logger },
): AloneCheck {
  // The policy in force, compiled for the exposure diff only (its key files may be the broken ones): the partners and
  // stripped headers as the workers serve them, with the version and key digest the workers reported.
  let old;
  try {
    const loaded = parseConfig(o.inForceText, o.file);
    old = compilePolicy(loaded.config, loaded.file, loaded.lineOf, { material: false });
  } catch (err) {
    const reason = `no worker is serving, and the policy in force cannot be compared with (${(err as Error).message.split('\n')[0]}); fix the files it names, or restart`;
    return { outcome: { result: 'refused', to: undefined, stage: 'cluster', reason }, fingerprint: undefined };
  }
  const checked = checkCandidate(text, {
    file: o.file,
    startedWith: o.startedWith,
    old: { ...old, ...(o.inForce && { version: o.inForce.version, materialFingerprint: o.inForce.fingerprint }) },
    log: o.log,
  });
  if ('done' in checked) return { outcome: checked.done.outcome, fingerprint: checked.done.fingerprint };
  const { next, fingerprint, exposure, issues, restartNeeded } = checked;
  if (exposure.widens)
    return {
      outcome: {
        result: 'refused',
        to: next.version,
        stage: 'cluster',
        reason:
          'no worker is serving, and the change widens disclosure: its audit event and canary run need a serving worker; reload the policy in force (or a change that does not widen) to bring the workers back, then this one',
        exposure,
        restartNeeded,
      },
      fingerprint: undefined,
    };
  return { outcome: { result: 'applied', to: next.version, exposure, issues, restartNeeded }, fingerprint };
}
