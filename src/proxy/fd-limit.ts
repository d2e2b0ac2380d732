// Checks at start that the process may open enough file descriptors for the
// connection caps it was given: every client connection is one descriptor and
// usually one more towards an origin. Linux reports the limit in
// /proc/self/limits; elsewhere the check is skipped.
import { readFileSync } from 'node:fs';

export interface FdCheck {
  soft: number | undefined;
  needed: number;
  /** A sentence for the operator when the limit is too low. */
  problem?: string;
}

export function openFileLimit(): number | undefined {
  try {
    const m = /^Max open files\s+(\d+|unlimited)\s+/m.exec(readFileSync('/proc/self/limits', 'utf8'));
    if (!m) return undefined;
    return m[1] === 'unlimited' ? Number.POSITIVE_INFINITY : Number(m[1]);
  } catch {
    return undefined;
  }
}

export function checkFileLimit(maxConnections: number, soft = openFileLimit()): FdCheck {
  // Client and origin side of each connection, plus listeners, stores, logs.
  const needed = maxConnections * 2 + 256;
  if (soft === undefined || soft >= needed) return { soft, needed };
  return {
    soft,
    needed,
    problem: `the open-file limit is ${soft} but proxy.limits.maxConnections ${maxConnections} needs about ${needed} descriptors: raise it (systemd: LimitNOFILE=${needed}; shell: ulimit -n ${needed}) or lower maxConnections. Until then new connections beyond what the limit allows fail at accept`,
  };
}
