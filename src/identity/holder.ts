// Who holds a number when: operators give a number to someone new after a
// quarantine and record when (`hedge subscriber reassigned`). What hedge keeps
// of that, per number, is the latest reassignment and the latest one before
// it, so a reassignment recorded for a time a little ahead (the BSS's clock,
// up to a minute) takes effect only from that time on: until then the number
// is still the previous holder's. The holder epoch in force at a time keys the
// number's pseudonyms (policy/forms.ts), so each holder gets their own.

/** The reassignments recorded for one number, ms since the epoch. */
export interface HolderTimes {
  /** The latest reassignment recorded. */
  readonly latest: number;
  /** The latest reassignment recorded before `latest`; undefined when none was. */
  readonly before: number | undefined;
}

/**
 * The holder epoch in force at `t`: a time (the current holder got the
 * number then), undefined (the number's first holder: no reassignment at or
 * before `t`), or null when it cannot be told (two reassignments recorded
 * ahead of `t`): the caller then discloses no pseudonym rather than guess.
 */
export type HolderEpoch = number | undefined | null;

export function holderEpochAt(h: HolderTimes | undefined, t: number): HolderEpoch {
  if (h === undefined) return undefined;
  if (h.latest <= t) return h.latest;
  if (h.before === undefined) return undefined;
  return h.before <= t ? h.before : null;
}

/** The times after recording a reassignment at `at` (ms, whole): the latest stays the latest, an earlier one may become `before`. */
export function withReassignment(h: HolderTimes | undefined, at: number): HolderTimes {
  if (h === undefined) return { latest: at, before: undefined };
  if (at > h.latest) return { latest: at, before: h.latest };
  if (at < h.latest && (h.before === undefined || at > h.before)) return { latest: h.latest, before: at };
  return h;
}
