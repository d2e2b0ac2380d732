// Lua scripts for the Redis binding store: each read-compare-write runs
// atomically inside Redis, so two gateway nodes (or a late packet racing a new
// one) can never interleave. Binding value: JSON {s, sid?, nas?, exp?, at?, ev?, hs?, peers?}.
// Every script touches only keys with the binding's own hash tag — the binding
// `<prefix>b:{<key>}` and, for Start and Interim, the stopped-session record
// `<prefix>stop:{<key>}|<nas>|<sid>` — so it runs in one hash slot: unchanged
// on a single server, a Sentinel primary or Redis Cluster. Indexes in other
// slots are updated by the caller (redis-store.ts), each with a script of its
// own that touches only that index (INDEX_NAS).

// A session is (NAS, Acct-Session-Id): the id is unique per NAS only (RFC 2866 §5.5), so both are compared.

// `supersedes` (ARGV, '' for none): a binding whose event time `ev` is later is kept (a replayed or
// long-delayed Start or Interim must not take the address back from a newer event): compared here,
// in the same script as the write, so no other node's write can fall between.
const NEWER = `
local function newer(v, supersedes)
  if supersedes == '' or not v then return false end
  local ok, o = pcall(cjson.decode, v)
  return ok and type(o) == 'table' and tonumber(o.ev) ~= nil and tonumber(o.ev) > tonumber(supersedes)
end
`;

/** Start: write (replacing any holder) unless the session stopped a moment ago or the binding is newer. KEYS: binding, stopped record. ARGV: json, ttlMs|'0', supersedes|''. → 1 written, 2 stopped, 3 newer. */
export const BIND = `${NEWER}
if redis.call('EXISTS', KEYS[2]) == 1 then return 2 end
if newer(redis.call('GET', KEYS[1]), ARGV[3]) then return 3 end
if ARGV[2] == '0' then redis.call('SET', KEYS[1], ARGV[1]) else redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2]) end
return 1
`;

/**
 * Interim-Update: write unless another session holds the key, this one stopped a moment ago or the binding is newer; the
 * session's own binding keeps the time it was given the key (hs: BindingRecord.heldSince). KEYS: binding, stopped record.
 * ARGV: json, ttlMs|'0', sid, nas|'', supersedes|''. → 1 written, 0 held by another session, 2 stopped, 3 newer.
 */
export const REFRESH = `${NEWER}
if redis.call('EXISTS', KEYS[2]) == 1 then return 2 end
local old = redis.call('GET', KEYS[1])
local v = ARGV[1]
if old then
  local ok, o = pcall(cjson.decode, old)
  if ok and type(o) == 'table' and o.sid ~= nil and (o.sid ~= ARGV[3] or (o.nas or '') ~= ARGV[4]) then return 0 end
  if newer(old, ARGV[5]) then return 3 end
  if ok and type(o) == 'table' and o.sid ~= nil and tonumber(o.hs) ~= nil then
    local n = cjson.decode(v)
    n.hs = tonumber(o.hs)
    v = cjson.encode(n)
  end
end
if ARGV[2] == '0' then redis.call('SET', KEYS[1], v) else redis.call('SET', KEYS[1], v, 'PX', ARGV[2]) end
return 1
`;

/** Stop: remove only while the session still holds the key. KEYS: binding. ARGV: sid, nas. → the removed value, or nil. */
export const REMOVE_IF_SESSION = `
local old = redis.call('GET', KEYS[1])
if not old then return false end
local ok, o = pcall(cjson.decode, old)
if not ok or type(o) ~= 'table' or o.sid ~= ARGV[1] or (o.nas or '') ~= ARGV[2] then return false end
redis.call('DEL', KEYS[1])
return old
`;

/**
 * A binding another session's prefix took over (a Start's displaceInside, a lookup finding it outranked,
 * a write found outranked just after it was made): removed only if it is still the write the caller
 * decided on — same session, same event, written at the same time — so a Start or Interim written since
 * (even of the same session) stays; its session is then recorded as stopped at that key, as if its Stop
 * had named it, so a late Interim of it (dated by its arrival or not) re-creates nothing there.
 * KEYS: binding, that session's stop record beside it. ARGV: sid, nas|'', ev|'', at|'', ttlMs.
 * → 1 removed, 0 changed since (kept).
 */
export const REMOVE_IF_SAME_WRITE = `
local v = redis.call('GET', KEYS[1])
if not v then return 0 end
local ok, o = pcall(cjson.decode, v)
if not ok or type(o) ~= 'table' or o.sid ~= ARGV[1] or (o.nas or '') ~= ARGV[2] then return 0 end
if (tonumber(o.ev) or -1) ~= (tonumber(ARGV[3]) or -1) or (tonumber(o.at) or -1) ~= (tonumber(ARGV[4]) or -1) then return 0 end
redis.call('DEL', KEYS[1])
redis.call('SET', KEYS[2], '1', 'PX', ARGV[5])
return 1
`;

/** Accounting-On/Off: the NAS restarted at ARGV[1] (ms); the latest restart is kept (a replayed older one moves nothing back). KEYS: the NAS's restart record. ARGV: at, ttlMs. */
export const NAS_RESTARTED = `
local cur = tonumber(redis.call('GET', KEYS[1]) or '')
if cur ~= nil and cur >= tonumber(ARGV[1]) then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return 1
`;

/** Accounting-On/Off, per binding of the NAS's index: removed when its event (ev, else at) is not after notAfter. KEYS: binding. ARGV: nas, notAfter. → 1 removed, 0 newer (kept), -1 gone or another NAS's. */
export const REMOVE_IF_NAS = `
local v = redis.call('GET', KEYS[1])
if not v then return -1 end
local ok, o = pcall(cjson.decode, v)
if not ok or type(o) ~= 'table' or o.nas ~= ARGV[1] then return -1 end
if (tonumber(o.ev) or tonumber(o.at) or 0) > tonumber(ARGV[2]) then return 0 end
redis.call('DEL', KEYS[1])
return 1
`;

/**
 * The per-NAS index (a sorted set: binding key → when its binding expires, ms, or +inf): adds the
 * key, or moves its expiry later (a refused or shorter write never makes it leave early), then drops
 * every member whose binding has expired — a session whose Stop was lost leaves with the NAS's next
 * Start or Interim instead of staying until an Accounting-On — and lets the index itself expire with
 * its last member. O(log n) per call, plus each member once when it is dropped.
 * KEYS: the index. ARGV: binding key, expiry ms|'+inf', now ms.
 */
export const INDEX_NAS = `
local cur = redis.call('ZSCORE', KEYS[1], ARGV[1])
if not cur or ARGV[2] == '+inf' or (cur ~= 'inf' and tonumber(ARGV[2]) > tonumber(cur)) then
  redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1])
end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[3])
local last = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
if last[2] == nil then return 0 end
if last[2] == 'inf' then redis.call('PERSIST', KEYS[1]) else redis.call('PEXPIREAT', KEYS[1], last[2]) end
return 1
`;
