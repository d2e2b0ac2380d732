// Checks at start that the process may open enough file descriptors for the
// connection caps it was given: every client connection is one descriptor and
// usually one more towards an origin. Linux reports the limit in
// /proc/self/limits; elsewhere the check is skipped.
import { readFileSync } from 'node:fs';

export interface FdCheck {
  soft: number | undefined;
  /** The connection cap to apply (0: none). */
  maxConnections: number;
  needed: number;
  /** A sentence for the operator when the limit is too low. */
  problem?: string;
}

/** Descriptors kept free for everything that is not a client connection: origin pools, listeners, stores, logs, the subscriber's page (transparency.limits.maxConnections). */
const RESERVE = 1024;

export function openFileLimit(): number | undefined {
  try {
    const m = /^Max open files\s+(\d+|unlimited)\s+/m.exec(readFileSync('/proc/self/limits', 'utf8'));
    if (!m) return undefined;
    return m[1] === 'unlimited' ? Number.POSITIVE_INFINITY : Number(m[1]);
  } catch {
    return undefined;
  }
}

/**
 * The connection cap in force. "auto" takes what the open-file limit leaves
 * after a reserve for origin pools, listeners and stores, so the cap is always
 * reached before the process runs out of descriptors; an explicit cap above
 * that is kept, with a problem to report.
 */
export function checkFileLimit(configured: number | 'auto', soft = openFileLimit()): FdCheck {
  if (configured === 'auto') {
    if (soft === undefined || !Number.isFinite(soft)) return { soft, maxConnections: 0, needed: 0 };
    return { soft, maxConnections: Math.max(256, soft - RESERVE), needed: soft };
  }
  const needed = configured + RESERVE;
  if (configured === 0 || soft === undefined || soft >= needed) return { soft, maxConnections: configured, needed };
  return {
    soft,
    maxConnections: configured,
    needed,
    problem: `the open-file limit is ${soft} but proxy.limits.maxConnections ${configured} needs about ${needed} descriptors: raise it (systemd: LimitNOFILE=${needed}; shell: ulimit -n ${needed}) or lower maxConnections (or set it to "auto"). Until then connections beyond what the limit allows fail at accept`,
  };
}
