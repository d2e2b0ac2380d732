// Lua scripts for the Redis binding store: each read-compare-write runs
// atomically inside Redis, so two gateway nodes (or a late packet racing a new
// one) can never interleave. Binding value: JSON {s, sid?, nas?, exp?, at?}.
// Scripts touch keys derived from the prefix: standalone Redis or a Sentinel
// primary, not Redis Cluster.

/** Interim-Update: write unless another session holds the address. KEYS: binding, nas set. ARGV: json, ttlMs|'0', sid, ip. */
export const REFRESH = `
local old = redis.call('GET', KEYS[1])
if old then
  local o = cjson.decode(old)
  if o.sid ~= nil and o.sid ~= ARGV[3] then return 0 end
end
if ARGV[2] == '0' then redis.call('SET', KEYS[1], ARGV[1]) else redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2]) end
if KEYS[2] ~= KEYS[1] then redis.call('SADD', KEYS[2], ARGV[4]) end
return 1
`;

/** Stop: remove only while the session still holds the address. KEYS: binding. ARGV: sid, nas-set prefix, ip. */
export const REMOVE_IF_SESSION = `
local old = redis.call('GET', KEYS[1])
if not old then return 0 end
local o = cjson.decode(old)
if o.sid ~= ARGV[1] then return 0 end
redis.call('DEL', KEYS[1])
if type(o.nas) == 'string' then redis.call('SREM', ARGV[2] .. o.nas, ARGV[3]) end
return 1
`;

/** Accounting-On/Off: remove this NAS's bindings written at or before a time. KEYS: nas set. ARGV: binding prefix, nas, notAfter. */
export const REMOVE_BY_NAS = `
local ips = redis.call('SMEMBERS', KEYS[1])
local limit = tonumber(ARGV[3])
local n = 0
for _, ip in ipairs(ips) do
  local k = ARGV[1] .. ip
  local v = redis.call('GET', k)
  if v then
    local o = cjson.decode(v)
    if o.nas == ARGV[2] then
      if (tonumber(o.at) or 0) <= limit then
        redis.call('DEL', k)
        redis.call('SREM', KEYS[1], ip)
        n = n + 1
      end
    else
      redis.call('SREM', KEYS[1], ip)
    end
  else
    redis.call('SREM', KEYS[1], ip)
  end
end
return n
`;
