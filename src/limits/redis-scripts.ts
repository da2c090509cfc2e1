/**
 * Lua scripts for the Redis backend. Each runs atomically on the Redis server, so an
 * admission over several counters is one round trip and replicas can never interleave
 * inside it. Time comes from the server's TIME: one clock for every replica.
 *
 * Per charge the caller passes two keys (the counter, and an aux hash for weighted
 * windows) and four arguments: kind, cost, limit, param.
 *   r  sliding window of unit costs   ZSET member=id score=time          param=window ms
 *   w  sliding window of costs        ZSET as above + HASH id→cost, '#'=total
 *   c  period counter                 STRING integer                      param=expire-at ms (0: never)
 *   l  concurrency leases             ZSET member=id score=lease expiry   param=ttl ms, limit=max
 */
const PRELUDE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local id = ARGV[1]
local function int(x) return string.format('%d', x) end
local function trim_weighted(z, h, edge)
  while true do
    local old = redis.call('ZRANGEBYSCORE', z, '-inf', edge, 'LIMIT', 0, 500)
    if #old == 0 then return end
    local ws = redis.call('HMGET', h, unpack(old))
    local sum = 0
    for i = 1, #ws do sum = sum + (tonumber(ws[i]) or 0) end
    redis.call('HDEL', h, unpack(old))
    redis.call('ZREM', z, unpack(old))
    if sum ~= 0 then redis.call('HINCRBY', h, '#', int(-sum)) end
    if #old < 500 then return end
  end
end
local function extend(k, ttl)
  if redis.call('PTTL', k) < ttl then redis.call('PEXPIRE', k, ttl) end
end
`;

export const ADMIT_LUA = `${PRELUDE}
local n = #KEYS / 2
local out = {0}
for i = 1, n do
  local k, h = KEYS[2*i-1], KEYS[2*i]
  local b = 1 + (i-1)*4
  local kind, cost, limit, p = ARGV[b+1], tonumber(ARGV[b+2]), tonumber(ARGV[b+3]), tonumber(ARGV[b+4])
  local used, retry = nil, -1
  if kind == 'r' then
    redis.call('ZREMRANGEBYSCORE', k, '-inf', now - p)
    local u = redis.call('ZCARD', k)
    if u + cost > limit then
      used = u
      local e = redis.call('ZRANGE', k, u + cost - limit - 1, u + cost - limit - 1, 'WITHSCORES')
      retry = e[2] and (tonumber(e[2]) + p - now) or p
    end
  elseif kind == 'w' then
    trim_weighted(k, h, now - p)
    local u = tonumber(redis.call('HGET', h, '#') or '0')
    if u + cost > limit then
      used, retry = u, p
      local left, start, found = u, 0, false
      while not found do
        local batch = redis.call('ZRANGE', k, start, start + 99, 'WITHSCORES')
        if #batch == 0 then break end
        local members = {}
        for j = 1, #batch, 2 do members[#members + 1] = batch[j] end
        local ws = redis.call('HMGET', h, unpack(members))
        for j = 1, #members do
          left = left - (tonumber(ws[j]) or 0)
          if left + cost <= limit then retry = tonumber(batch[2*j]) + p - now; found = true; break end
        end
        start = start + 100
      end
    end
  elseif kind == 'c' then
    local u = tonumber(redis.call('GET', k) or '0')
    if u + cost > limit then used = u end
  else
    redis.call('ZREMRANGEBYSCORE', k, '-inf', now)
    local u = redis.call('ZCARD', k)
    if u >= limit then
      used = u
      local e = redis.call('ZRANGE', k, 0, 0, 'WITHSCORES')
      retry = e[2] and (tonumber(e[2]) - now) or 0
    end
  end
  if used ~= nil then
    out[#out + 1] = i - 1
    out[#out + 1] = used
    out[#out + 1] = retry
  end
end
if #out > 1 then return out end
for i = 1, n do
  local k, h = KEYS[2*i-1], KEYS[2*i]
  local b = 1 + (i-1)*4
  local kind, cost, p = ARGV[b+1], ARGV[b+2], tonumber(ARGV[b+4])
  if kind == 'r' then
    redis.call('ZADD', k, now, id)
    redis.call('PEXPIRE', k, p)
  elseif kind == 'w' then
    redis.call('ZADD', k, now, id)
    redis.call('HSET', h, id, cost)
    redis.call('HINCRBY', h, '#', cost)
    redis.call('PEXPIRE', k, p)
    redis.call('PEXPIRE', h, p)
  elseif kind == 'c' then
    redis.call('INCRBY', k, cost)
    if p > 0 then redis.call('PEXPIREAT', k, p) end
  else
    redis.call('ZADD', k, now + p, id)
    extend(k, p)
  end
end
return {1}
`;

/** KEYS: two per adjustment, then the lease keys. ARGV: id, count, then kind, delta, actual, param per adjustment. */
export const SETTLE_LUA = `${PRELUDE}
local n = tonumber(ARGV[2])
for i = 1, n do
  local k, h = KEYS[2*i-1], KEYS[2*i]
  local b = 2 + (i-1)*4
  local kind, delta, actual, p = ARGV[b+1], tonumber(ARGV[b+2]), tonumber(ARGV[b+3]), tonumber(ARGV[b+4])
  if kind == 'w' then
    trim_weighted(k, h, now - p)
    local w = redis.call('HGET', h, id)
    if w then
      local old = tonumber(w)
      local new = math.max(0, old + delta)
      redis.call('HSET', h, id, int(new))
      redis.call('HINCRBY', h, '#', int(new - old))
    elseif actual > 0 then
      -- The reservation already left the window: count the real usage from now.
      redis.call('ZADD', k, now, id)
      redis.call('HSET', h, id, int(actual))
      redis.call('HINCRBY', h, '#', int(actual))
      redis.call('PEXPIRE', k, p)
      redis.call('PEXPIRE', h, p)
    end
  else
    local v = tonumber(redis.call('GET', k) or '0')
    if v > 0 or delta > 0 then
      if redis.call('INCRBY', k, int(delta)) < 0 then redis.call('SET', k, '0', 'KEEPTTL') end
      if p > 0 then redis.call('PEXPIREAT', k, p) end
    end
  end
end
for j = 2*n + 1, #KEYS do redis.call('ZREM', KEYS[j], id) end
return 1
`;

/** KEYS: lease keys. ARGV: id, ttl ms. */
export const RENEW_LUA = `${PRELUDE}
local ttl = tonumber(ARGV[2])
for j = 1, #KEYS do
  if redis.call('ZSCORE', KEYS[j], id) then
    redis.call('ZADD', KEYS[j], now + ttl, id)
    extend(KEYS[j], ttl)
  end
end
return 1
`;
