// What an accounting request does to the bindings (RFC 2866 statuses):
//   Start            bind every address of the session → subscriber, replacing any holder at once
//   Interim-Update   refresh (or re-create) them, unless another session now holds one
//   a Start or Interim that cannot bind (no Acct-Session-Id, no or an unusable
//   Calling-Station-Id) still unbinds its addresses: whoever held them is not
//   who is behind them now, or may not be (a Stop lost on the way), and a
//   wrong identity is worse than none — unless its session already stopped
//   (below): then it is late, and the address's holder is someone since
//   Stop             remember the session ended, then remove every address of it, each only if it still belongs to this session
//   Accounting-On/Off  the NAS restarted: remove every binding (IPv4 and IPv6) of its events before this one
// Every event has a time (freshness.ts): a Start or Interim that is too old,
// dated in the future or (with requireEventTimestamp) undated is acknowledged
// and has no effect at all, and one does not replace a binding of a clearly
// later event — a captured Start replayed later binds nothing; nor does one
// dated before its NAS's latest Accounting-On/Off (a session that restart ended).
// A session is (NAS, Acct-Session-Id): the id is unique per NAS only (RFC 2866 §5.5),
// so another NAS's late Interim or Stop with a colliding id never touches a binding.
// `nas` is the NAS the packet names, under the client that sent it (nas-identity.ts):
// behind a RADIUS proxy, each NAS's sessions and Accounting-On/Off stay its own.
// A Start or Interim of a session that stopped in the last few minutes — or
// within maxEventAgeSeconds, when that is longer (a retransmission, or
// reordered after its Stop) — is acknowledged and binds nothing
// (stopped-sessions.ts); an Interim whose binding the store lost still
// re-creates it (a lost binding is not a stopped session).
// A session's addresses (dual stack): Framed-IP-Address, Framed-IPv6-Prefix,
// Delegated-IPv6-Prefix (bound at the length they carry) and
// Framed-IPv6-Address (bound at the NAS's ipv6PrefixLength, /64 by default:
// the phone picks its addresses inside its prefix). Each binding names the
// session's other keys (peers), so a Stop that repeats only some of them
// still ends all of them.
// Bindings expire after interimMultiplier × Acct-Interim-Interval without an update.
import type { BindingStore } from '../store.js';
import type { Subscriber } from '../../subscriber/subscriber.js';
import { isImei, isImsi, toE164, NumberError, type NumberFormat, type NumberRefusal } from '../../subscriber/normalize.js';
import { bindSession, nasRestartedAt, refreshBinding, removeByNas, removeSession, sessionEnded } from '../session-ops.js';
import { prefixKey } from '../../shared/binding-key.js';
import type { AccountingRequest } from './packet.js';
import { beforeRestart, eventTimeOf, supersedes, type FreshnessConfig, type StaleReason } from './freshness.js';
import type { SessionWrite } from '../store.js';
import { stoppedSessionMs } from '../stopped-sessions.js';

export type AccountingOutcome =
  | 'bound' // Start applied
  | 'refreshed' // Interim applied
  | 'not_current' // Interim/Stop for a session that no longer holds the address: ignored
  | 'stopped' // Start/Interim for a session that stopped a moment ago (late or retransmitted): ignored
  | 'removed' // Stop applied
  | 'not_bound' // Stop for an address with no binding
  | 'cleared' // Accounting-On/Off applied
  | 'stale' // Start/Interim too old, dated in the future, undated (requireEventTimestamp), or older than the binding there: ignored
  | 'invalid' // a required attribute is missing or unusable: acknowledged, nothing bound, the addresses' bindings removed
  | 'ignored'; // a status hedge does not act on (e.g. Failed, tunnel statuses)

export interface AccountingContext {
  store: BindingStore;
  country: string;
  interimMultiplier: number;
  /** Used when the NAS sends no Acct-Interim-Interval. */
  interimIntervalSeconds: number;
  mapAddress(ip: string): string;
  now(): number;
  freshness: FreshnessConfig;
}

export interface Applied {
  outcome: AccountingOutcome;
  /** Which attribute made the request invalid (a name, never a value). */
  missing?: string;
  /** Why the Calling-Station-Id was refused, when it was. */
  refusal?: NumberRefusal;
  cleared?: number;
  /** Why a Start or Interim was not applied, when outcome is 'stale'. */
  stale?: StaleReason;
}

/** A Start or Interim that cannot bind: its addresses are bound to no one (see the top of this file). */
async function unusable(store: BindingStore, keys: readonly string[], applied: Applied): Promise<Applied> {
  const removed = await Promise.all(keys.map((k) => store.remove(k)));
  return { ...applied, cleared: removed.filter(Boolean).length };
}

/** The binding keys of a session's addresses, IPv4 first, without repeats. */
export function sessionKeys(req: AccountingRequest, ctx: Pick<AccountingContext, 'mapAddress'>, ipv6PrefixLength = 64): string[] {
  const keys: string[] = [];
  if (req.framedIp) keys.push(ctx.mapAddress(req.framedIp));
  for (const a of req.v6) {
    const k = prefixKey(a.groups, a.attribute === 'Framed-IPv6-Address' ? ipv6PrefixLength : a.length);
    if (!keys.includes(k)) keys.push(k);
  }
  return keys;
}

const NO_ADDRESS = 'Framed-IP-Address or Framed-IPv6-Prefix';

/** `format`: how this NAS writes numbers without "+" (its numberFormat); `ipv6PrefixLength`: the length its Framed-IPv6-Address is bound at. */
export async function applyAccounting(
  req: AccountingRequest,
  nas: string,
  ctx: AccountingContext,
  format: NumberFormat = 'international',
  ipv6PrefixLength = 64,
): Promise<Applied> {
  const time = eventTimeOf(req, ctx.now(), ctx.freshness);
  if (time.stale) return { outcome: 'stale', stale: time.stale };
  switch (req.status) {
    case 'on':
    case 'off':
      return { outcome: 'cleared', cleared: await removeByNas(ctx.store, nas, time.at) };
    case 'stop': {
      const keys = sessionKeys(req, ctx, ipv6PrefixLength);
      if (keys.length === 0) return { outcome: 'invalid', missing: NO_ADDRESS };
      if (!req.sessionId) return { outcome: 'invalid', missing: 'Acct-Session-Id' };
      // Remembered as long as a late Start or Interim of it can still be accepted (maxEventAgeSeconds).
      const forMs = stoppedSessionMs(ctx.freshness.maxEventAgeSeconds, ctx.freshness.clockSkewSeconds);
      if ((await removeSession(ctx.store, keys, req.sessionId, nas, forMs)) > 0) return { outcome: 'removed' };
      for (const k of keys) if (await ctx.store.get(k)) return { outcome: 'not_current' };
      return { outcome: 'not_bound' };
    }
    case 'start':
    case 'interim': {
      const keys = sessionKeys(req, ctx, ipv6PrefixLength);
      if (keys.length === 0) return { outcome: 'invalid', missing: NO_ADDRESS };
      // A packet of a session that ended — stopped a moment ago, or dated before its NAS's restart
      // (Accounting-On/Off) — has no effect at all, whichever of its addresses it names (also those
      // a Stop did not, when hedge had no binding naming them): checked before an unusable one
      // unbinds (its late copy would unbind whoever holds the address since) and before a usable
      // one writes. The store checks a Stop again, atomically with each write, for the addresses
      // the Stop named (a Stop racing this packet on another node). Both read in one round trip.
      const [restarted, ended] = await Promise.all([nasRestartedAt(ctx.store, nas), req.sessionId ? sessionEnded(ctx.store, nas, req.sessionId) : false]);
      if (beforeRestart(time.at, restarted, ctx.freshness)) return { outcome: 'stale', stale: 'before_restart' };
      if (!req.sessionId) return unusable(ctx.store, keys, { outcome: 'invalid', missing: 'Acct-Session-Id' });
      if (ended) return { outcome: 'stopped' };
      if (!req.msisdn) return unusable(ctx.store, keys, { outcome: 'invalid', missing: 'Calling-Station-Id' });
      const subscriber = subscriberFrom(req, ctx.country, format);
      if (typeof subscriber === 'string') return unusable(ctx.store, keys, { outcome: 'invalid', missing: 'Calling-Station-Id', refusal: subscriber });
      const now = ctx.now();
      const interval = req.interimInterval ?? ctx.interimIntervalSeconds;
      const records = keys.map((ip) => ({
        ip,
        subscriber,
        sessionId: req.sessionId,
        nas,
        updatedAt: now,
        eventAt: time.at,
        heldSince: time.at, // an Interim's store keeps the session's own (BindingRecord.heldSince)
        expiresAt: now + Math.round(interval * ctx.interimMultiplier * 1000),
        peers: keys.length > 1 ? keys.filter((k) => k !== ip) : undefined,
      }));
      const upTo = supersedes(time.at, ctx.freshness);
      if (req.status === 'start') {
        const bound = await Promise.all(records.map((r) => bindSession(ctx.store, r, upTo)));
        return appliedOf(bound, 'bound') ?? { outcome: 'stopped' };
      }
      const refreshed = await Promise.all(records.map((r) => refreshBinding(ctx.store, r, upTo)));
      const done = appliedOf(refreshed, 'refreshed');
      if (done) return done;
      if (refreshed.includes('stopped')) return { outcome: 'stopped' };
      // A store without its own refresh cannot tell a stopped session from another's holding.
      return { outcome: (await sessionEnded(ctx.store, nas, req.sessionId)) ? 'stopped' : 'not_current' };
    }
    default:
      return { outcome: 'ignored' };
  }
}

/** Applied when any key was written; 'stale' when none was and one holds a newer event's binding. */
function appliedOf(writes: SessionWrite[], applied: 'bound' | 'refreshed'): Applied | undefined {
  if (writes.includes('written')) return { outcome: applied };
  if (writes.includes('newer')) return { outcome: 'stale', stale: 'older_than_binding' };
  return undefined;
}

/** The subscriber from the packet; unusable optional attributes are dropped, an unusable number is fatal. */
function subscriberFrom(req: AccountingRequest, country: string, format: NumberFormat): Subscriber | NumberRefusal {
  const msisdn = e164Of(req.msisdn!, country, format);
  if (msisdn.refusal) return msisdn.refusal;
  const s: Subscriber = { msisdn: msisdn.e164, source: 'radius' };
  if (req.imsi && isImsi(req.imsi)) s.imsi = req.imsi;
  if (req.imeisv) {
    const imei = req.imeisv.replace(/[\s-]/g, '');
    if (isImei(imei)) s.imei = imei;
  }
  if (req.ratType !== undefined) s.ratType = req.ratType;
  return s;
}

// Number normalisation (libphonenumber, full metadata) is the costliest step of
// a Start; the same subscribers come back with every session and Interim-Update,
// so results (refusals too) are memoised in a bounded map (oldest dropped first).
const E164_MEMO_MAX = 200_000;
type Normalised = { e164: string; refusal?: undefined } | { refusal: NumberRefusal };
const e164Memo = new Map<string, Normalised>();

function e164Of(raw: string, country: string, format: NumberFormat): Normalised {
  const key = `${country}:${format}:${raw}`;
  let v = e164Memo.get(key);
  if (v === undefined) {
    try {
      v = { e164: toE164(raw, country, format) };
    } catch (err) {
      v = { refusal: err instanceof NumberError ? err.reason : 'invalid' };
    }
    if (e164Memo.size >= E164_MEMO_MAX) e164Memo.delete(e164Memo.keys().next().value!);
    e164Memo.set(key, v);
  }
  return v;
}
