/**
 * The one Lua script of the Redis store: `QuotaStore.sync` as one atomic step on one quota.
 * It ports the pure policy of `src/fleet/policy.ts` (`observe`, `takeSlots`) and the sliding
 * counts of `src/fleet/window-count.ts` line by line, so that a quota in Redis decides as a
 * quota in memory does; test/redis/differential.test.ts holds the two to that.
 *
 * KEYS[1]: the state hash; KEYS[2]: the counts hash (both under one hash tag).
 * ARGV: 1 seconds added to the server's TIME (0 but in tests), 2 horizon, 3 seconds an idle
 * quota is kept, 4-6 hold (on, whilePacing, maxHold), 7-16 limit (on, minRate, growth, probe,
 * decrease, cooldown, startGrowth, deepestCut, ceilingHold, confirmBand, confirmedHold),
 * 18 budget window ('' when off), 19 retries spent, 20 slots wanted, 21 the instant on the
 * server's clock after which no slots are handed out ('' for none), then 6 per run of
 * equal observations (how many, first, answer t|q|a|f (q: a throttle with status 429),
 * retry, retryAfter or '', waiting).
 * Every number travels as a string (Lua would truncate a fractional reply) and every
 * instant is the server's: the caller sends durations, and argument 21 on the server's
 * clock as read from its answers.
 * Reply: now, the 10 state fields, accepted, requests, retries, slot, slots, gap.
 */
export const SYNC_SCRIPT = `
local inf = 1/0
local function num(v) local x = tonumber(v) if x == nil or x ~= x then return nil end return x end
local function fmt(x) return string.format('%.17g', x) end
local A = ARGV
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000 + tonumber(A[1])
local horizon = tonumber(A[2])
local keep = tonumber(A[3])
local hold = A[4] == '1'
local whilePacing = A[5] == '1'
local maxHold = tonumber(A[6])
local limit = A[7] == '1'
local minRate, growth, probe = tonumber(A[8]), tonumber(A[9]), tonumber(A[10])
local decrease, cooldown = tonumber(A[11]), tonumber(A[12])
local startGrowth, deepestCut = tonumber(A[13]), tonumber(A[14])
local ceilingHold, confirmBand, confirmedHold = tonumber(A[15]), tonumber(A[16]), tonumber(A[17])
local window = tonumber(A[18])
local spent, take = tonumber(A[19]), tonumber(A[20])
if A[21] ~= '' and now > tonumber(A[21]) then take = 0 end

-- The state, validated: anything missing, malformed or out of range is a cold start.
local names = {'u', 'sp', 'k', 'r', 'th', 'cu', 'ac', 'lc', 'le', 'l'}
local cold = {u = -inf, sp = 0, k = 0, r = inf, th = inf, cu = inf, ac = 0, lc = -inf, le = -inf, l = -inf}
local raw = redis.call('HMGET', KEYS[1], unpack(names))
local s = {}
for i, n in ipairs(names) do s[n] = num(raw[i]) end
local function instant(x, ahead) return x ~= nil and x < inf and x <= now + ahead end
local valid = instant(s.u, 86401) and instant(s.lc, 1) and instant(s.le, 86401)
  and instant(s.l, 60) and s.sp ~= nil and s.sp >= 0 and s.sp < inf
  and s.k ~= nil and s.k >= 0 and s.k < inf and s.k == math.floor(s.k)
  and s.r ~= nil and s.r > 0 and s.th ~= nil and s.th > 0
  and s.cu ~= nil and (s.cu == inf or s.cu <= now + 86401) and (s.ac == 0 or s.ac == 1)
if not valid then s = cold end

-- Sliding counts in rings of buckets (window-count.ts), kept in one hash: per ring (prefix
-- a, q or r) its bucket width (w), newest bucket (n), total (t), and its buckets that are
-- not empty (the prefix and the bucket's index in the ring).
local sets, dels, added = {}, {}, false
local rings = {}
local function ring(p, span, size)
  local r = {p = p, width = span / size, size = size, c = {}, raw = {}, newest = -inf, total = 0, dirty = {}}
  rings[p] = r
  return r
end
local accepted = ring('a', 1, 20)
local requests = window and ring('q', window, 100) or nil
local retries = window and ring('r', window, 100) or nil
local flat = redis.call('HGETALL', KEYS[2])
for i = 1, #flat, 2 do
  local r = rings[string.sub(flat[i], 1, 1)]
  if r then r.raw[string.sub(flat[i], 2)] = flat[i + 1] end
end
for _, r in pairs(rings) do
  local raw = r.raw
  local ok = raw.w == fmt(r.width)
  r.newest, r.total = num(raw.n), num(raw.t)
  ok = ok and r.newest ~= nil and r.total ~= nil and r.newest < inf
    and (r.newest == -inf or r.newest == math.floor(r.newest))
  local sum = 0
  for f, v in pairs(raw) do
    if f ~= 'w' and f ~= 'n' and f ~= 't' then
      local j, c = tonumber(f), num(v)
      if j == nil or j ~= math.floor(j) or j < 0 or j >= r.size or c == nil or c <= 0
        or c == inf or c ~= math.floor(c) then ok = false
      elseif ok then r.c[j] = c sum = sum + c end
    end
  end
  if not (ok and sum == r.total) then
    r.newest, r.total, r.c = -inf, 0, {}
    for f in pairs(raw) do
      if f ~= 'w' and f ~= 'n' and f ~= 't' then dels[#dels + 1] = r.p .. f end
    end
  end
end
local function advance(r, at)
  local b = math.floor(at / r.width)
  if b <= r.newest then return end
  if b - r.newest >= r.size then
    for j in pairs(r.c) do r.dirty[j] = true end
    r.c, r.total = {}, 0
  else
    for i = r.newest + 1, b do
      local j = i % r.size
      local c = r.c[j]
      if c then r.total = r.total - c r.c[j] = nil r.dirty[j] = true end
    end
  end
  r.newest = b
end
local function add(r, at, n)
  advance(r, at)
  local j = r.newest % r.size
  r.c[j] = (r.c[j] or 0) + n
  r.total = r.total + n
  r.dirty[j] = true
  added = true
end
local function sum(r, at) if r == nil then return 0 end advance(r, at) return r.total end
local function save(r)
  if r == nil then return end
  for j in pairs(r.dirty) do
    if r.c[j] then sets[#sets + 1] = r.p .. j sets[#sets + 1] = fmt(r.c[j])
    else dels[#dels + 1] = r.p .. j end
  end
  for _, f in ipairs({{'w', r.width}, {'n', r.newest}, {'t', r.total}}) do
    sets[#sets + 1] = r.p .. f[1]
    sets[#sets + 1] = fmt(f[2])
  end
end

-- policy.ts: grow, throttle, observe.
local function grow()
  if s.r == inf then return end
  local ceiling = now < s.cu and s.th or inf
  local g = (ceiling == inf and s.ac == 1) and startGrowth or growth
  if s.r < ceiling then s.r = math.min(ceiling, s.r * g ^ (1 / s.r))
  else s.r = s.r + (probe * ceiling) / s.r end
end
local function throttle(admitted, quota)
  if s.r == inf then
    s.r = math.max(minRate, admitted) s.le = now + cooldown s.lc = now
    s.ac = admitted > 0 and 1 or 0
    return
  end
  if now - s.lc < cooldown then return end
  if admitted > 0 then
    local aim = math.max(admitted, s.r * deepestCut)
    local rate = math.max(minRate, math.min(s.r * decrease, aim))
    local threshold = math.max(rate, admitted)
    local confirmed = threshold >= s.th * confirmBand and threshold * confirmBand <= s.th
    s.cu = now + (confirmed and confirmedHold or ceilingHold)
    s.r = rate s.th = threshold s.lc = now s.ac = 1
    return
  end
  if quota then s.r = math.max(minRate, s.r * decrease) s.lc = now return end
  s.r = math.max(minRate, s.r / 2) s.lc = now s.ac = 0
end
local function observe(first, answer, retry, retryAfter, waiting)
  if hold and retry and retryAfter ~= nil then
    local span = math.min(retryAfter, maxHold)
    local pacing = s.r ~= inf and not whilePacing
    if now >= s.u or not first then s.k = s.k + 1 end
    if not pacing and now + span > s.u then s.u = now + span s.sp = span end
  elseif not retry and answer ~= 'f' and s.k ~= 0 then
    s.k = 0
  end
  if not limit or answer == 'f' then return end
  if answer == 't' or answer == 'q' then
    local blind = s.r == inf and (retryAfter ~= nil or answer == 'q')
    if blind and sum(accepted, now) == 0 then return end
    throttle(sum(accepted, now), answer == 'q')
    return
  end
  if now < s.le then
    local a = sum(accepted, now)
    if s.r < a then s.r = a end
    return
  end
  if waiting then grow() end
end

for i = 22, #A, 6 do
  local times = tonumber(A[i])
  local first, answer, retry = A[i + 1] == '1', A[i + 2], A[i + 3] == '1'
  local retryAfter = num(A[i + 4])
  local waiting = A[i + 5] == '1'
  if answer == 'a' and not retry and s.r == inf and now >= s.le then
    -- A run of accepted answers with no limit on only counts (observe changes nothing
    -- but the streak), so it is counted at once.
    if first and requests then add(requests, now, times) end
    if limit then add(accepted, now, times) end
    s.k = 0
  else
    for _ = 1, times do
      if first and requests then add(requests, now, 1) end
      if answer == 'a' and limit then add(accepted, now, 1) end
      observe(first, answer, retry, retryAfter, waiting)
    end
  end
end
if spent > 0 and retries then add(retries, now, spent) end

-- policy.ts: takeSlots.
local gap = s.r == inf and 0 or 1 / s.r
local due = math.max(s.u, s.l + gap)
local slot, count = due, 0
if due <= now + horizon and take > 0 then
  slot = math.max(due, now)
  count = gap == 0 and take or math.min(take, math.floor(horizon / gap) + 1)
  s.l = slot + (count - 1) * gap
end

local out = {fmt(now)}
local fields = {}
for _, n in ipairs(names) do
  out[#out + 1] = fmt(s[n])
  fields[#fields + 1] = n
  fields[#fields + 1] = fmt(s[n])
end
redis.call('HSET', KEYS[1], unpack(fields))
local held = s.u > now and s.u - now or 0
redis.call('PEXPIRE', KEYS[1], math.ceil((keep + held) * 1000))
if added then
  save(accepted) save(requests) save(retries)
  if #dels > 0 then redis.call('HDEL', KEYS[2], unpack(dels)) end
  redis.call('HSET', KEYS[2], unpack(sets))
  redis.call('PEXPIRE', KEYS[2], math.ceil(((window or 1) + 2) * 1000))
end
out[#out + 1] = fmt(sum(accepted, now))
out[#out + 1] = fmt(sum(requests, now))
out[#out + 1] = fmt(sum(retries, now))
out[#out + 1] = fmt(slot)
out[#out + 1] = fmt(count)
out[#out + 1] = fmt(gap)
return out
`;
