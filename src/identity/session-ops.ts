// Session operations over any BindingStore: the store's own (atomic) method
// when it has one, else a get-then-write fallback for simple in-process stores
// (their stopped sessions are remembered here, per store).
// A session is (NAS, Acct-Session-Id): the id is unique per NAS only (RFC 2866 §5.5).
import type { BindingRecord, BindingStore, SessionWrite } from './store.js';
import { StoppedSessions } from './stopped-sessions.js';
import { NasRestarts } from './nas-restarts.js';

const fallbackStopped = new WeakMap<BindingStore, StoppedSessions>();
function stoppedOf(store: BindingStore): StoppedSessions {
  let s = fallbackStopped.get(store);
  if (!s) fallbackStopped.set(store, (s = new StoppedSessions()));
  return s;
}

/** Whether a binding belongs to the session `sessionId` of `nas`. */
export function sameSession(b: BindingRecord, sessionId: string | undefined, nas: string | undefined): boolean {
  return b.sessionId === sessionId && b.nas === nas;
}

/** Whether a binding is held by a session other than this one (one without a session — static, admin — is nobody's). */
export function heldByAnother(b: BindingRecord, sessionId: string | undefined, nas: string | undefined): boolean {
  return b.sessionId !== undefined && !sameSession(b, sessionId, nas);
}

/**
 * Whether `cover`, a binding of a prefix holding `inner`'s key, outranks `inner`: it belongs to another
 * session, which was given the prefix (heldSince: its Start) after `inner`'s latest event. `inner` is
 * then a leftover (its Stop lost, or a late packet of its session) that the most-specific-first lookup
 * would otherwise keep identifying. The covering session's Interims do not move that time on: a longer
 * prefix the NAS gave someone after that Start stays theirs. No clock-skew margin here: a covering
 * prefix cannot be replaced by the longer write (it holds other addresses too), so between the two the
 * later event wins — at lookup and at write alike. Bindings without a session or event (static,
 * admin) outrank nothing and are outranked by nothing.
 */
export function outranks(cover: BindingRecord, inner: BindingRecord): boolean {
  const since = cover.heldSince ?? cover.eventAt;
  return inner.eventAt !== undefined && since !== undefined && since > inner.eventAt && inner.sessionId !== undefined && heldByAnother(cover, inner.sessionId, inner.nas);
}

/** An Interim's record as written over `cur`: the session's own binding keeps the time it was given the key (heldSince). */
export function keepingHeldSince(record: BindingRecord, cur: BindingRecord | undefined): BindingRecord {
  if (!cur || cur.heldSince === undefined || !sameSession(cur, record.sessionId, record.nas)) return record;
  return { ...record, heldSince: cur.heldSince };
}

/** Whether a binding comes from a later event than a write may supersede (see BindingStore.bind). */
export function newerThan(b: BindingRecord, supersedes: number | undefined): boolean {
  return supersedes !== undefined && b.eventAt !== undefined && b.eventAt > supersedes;
}

/** Start: bind unless the session stopped a moment ago or the binding there is newer. */
export async function bindSession(store: BindingStore, record: BindingRecord, supersedes?: number): Promise<SessionWrite> {
  if (store.bind) return store.bind(record, supersedes);
  if (record.nas !== undefined && record.sessionId !== undefined && stoppedOf(store).has(record.nas, record.sessionId)) return 'stopped';
  const cur = await store.get(record.ip);
  if (cur && newerThan(cur, supersedes)) return 'newer';
  await store.set(record);
  return 'written';
}

export async function refreshBinding(store: BindingStore, record: BindingRecord, supersedes?: number): Promise<SessionWrite> {
  if (store.refresh) return store.refresh(record, supersedes);
  if (record.nas !== undefined && record.sessionId !== undefined && stoppedOf(store).has(record.nas, record.sessionId)) return 'stopped';
  const cur = await store.get(record.ip);
  if (cur && heldByAnother(cur, record.sessionId, record.nas)) return 'held';
  if (cur && newerThan(cur, supersedes)) return 'newer';
  await store.set(keepingHeldSince(record, cur));
  return 'written';
}

export async function removeIfSession(store: BindingStore, ip: string, sessionId: string, nas: string): Promise<boolean> {
  if (store.removeIfSession) return store.removeIfSession(ip, sessionId, nas);
  const cur = await store.get(ip);
  if (!cur || !sameSession(cur, sessionId, nas)) return false;
  return store.remove(ip);
}

const fallbackRestarts = new WeakMap<BindingStore, NasRestarts>();
function restartsOf(store: BindingStore): NasRestarts {
  let r = fallbackRestarts.get(store);
  if (!r) fallbackRestarts.set(store, (r = new NasRestarts()));
  return r;
}

/**
 * Accounting-On/Off: remembers that the NAS restarted at `notAfter` — first,
 * so a late Interim racing it either writes before the removal (and is
 * removed) or finds the record — then removes its bindings of events up to then.
 */
export async function removeByNas(store: BindingStore, nas: string, notAfter: number): Promise<number> {
  if (store.nasRestarted) await store.nasRestarted(nas, notAfter);
  else restartsOf(store).add(nas, notAfter);
  if (store.removeByNas) return store.removeByNas(nas, notAfter);
  let n = 0;
  for (const b of await store.list()) if (b.nas === nas && eventOf(b) <= notAfter && (await store.remove(b.ip))) n++;
  return n;
}

/** When the NAS last restarted (Accounting-On/Off), if remembered. */
export async function nasRestartedAt(store: BindingStore, nas: string): Promise<number | undefined> {
  if (store.restartOf) return store.restartOf(nas);
  return restartsOf(store).of(nas);
}

/** When the event that wrote a binding happened, for Accounting-On/Off: eventAt, else when it was written. */
export function eventOf(b: BindingRecord): number {
  return b.eventAt ?? b.updatedAt ?? 0;
}

/** Whether this session stopped a moment ago (a Start or Interim of it then binds and unbinds nothing). */
export async function sessionEnded(store: BindingStore, nas: string, sessionId: string): Promise<boolean> {
  if (store.sessionEnded) return store.sessionEnded(nas, sessionId);
  return !store.endSession && stoppedOf(store).has(nas, sessionId);
}

/**
 * Stop of a session: remembers that it ended (for each of `keys` and each
 * peer its bindings name; for `forMs`, see stoppedSessionMs), then removes those keys, but only those this
 * session still holds (the late-Stop guard, per key). The record is written
 * first, so a late Start racing the Stop either binds before the removal (and
 * is removed) or finds the record. Returns how many were removed.
 */
export async function removeSession(store: BindingStore, keys: readonly string[], sessionId: string, nas: string, forMs?: number): Promise<number> {
  const all = new Set(keys);
  for (const k of keys) {
    const cur = await store.get(k);
    if (cur && sameSession(cur, sessionId, nas)) for (const p of cur.peers ?? []) all.add(p);
  }
  if (store.endSession) await store.endSession(nas, sessionId, [...all], forMs);
  else stoppedOf(store).add(nas, sessionId, forMs);
  const removed = await Promise.all([...all].map((k) => removeIfSession(store, k, sessionId, nas)));
  return removed.filter(Boolean).length;
}
