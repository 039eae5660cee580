-- wrk script for the STS benchmark (bench/sts/run.ts): unsigned AssumeRoleWithWebIdentity POSTs,
-- as the AWS SDKs send them, cycling through the tokens in TOKENS_FILE (one JWT per line).
--
--   wrk -t2 -c16 -d10s --latency -s bench/sts/assume.lua URL -- TOKENS_FILE ROLE_ARN [SESSION_NAME]
--
-- Every response's status is checked in the `response` hook; `done` prints one line
-- `WRKJSON {...}` with the totals, the non-2xx count (per status) and latency percentiles in µs.

local function urlencode(s)
  return (s:gsub("[^%w%-%._~]", function(c) return string.format("%%%02X", string.byte(c)) end))
end

local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

-- Per-thread state (each wrk thread has its own Lua state); globals so `done` can read them.
prepared = {}
counter = 0
non2xx = 0
statuses = ""

local seen = {}

function init(args)
  local file, role, session = args[1], args[2], args[3] or "bench-session"
  assert(file and role, "usage: -- TOKENS_FILE ROLE_ARN [SESSION_NAME]")
  wrk.headers["Content-Type"] = "application/x-www-form-urlencoded; charset=utf-8"
  for line in io.lines(file) do
    if #line > 0 then
      local body = "Action=AssumeRoleWithWebIdentity&Version=2011-06-15"
        .. "&RoleArn=" .. urlencode(role)
        .. "&RoleSessionName=" .. urlencode(session)
        .. "&WebIdentityToken=" .. urlencode(line)
      prepared[#prepared + 1] = wrk.format("POST", nil, nil, body)
    end
  end
  assert(#prepared > 0, "no tokens in " .. file)
end

function request()
  counter = counter + 1
  return prepared[(counter % #prepared) + 1]
end

function response(status, headers, body)
  if status < 200 or status > 299 then
    non2xx = non2xx + 1
    local k = tostring(status)
    seen[k] = (seen[k] or 0) + 1
    local parts = {}
    for s, n in pairs(seen) do parts[#parts + 1] = string.format('"%s":%d', s, n) end
    statuses = table.concat(parts, ",")
  end
end

function done(summary, latency, requests)
  local bad = 0
  local byStatus = {}
  for _, t in ipairs(threads) do
    bad = bad + (t:get("non2xx") or 0)
    local s = t:get("statuses")
    if s and #s > 0 then byStatus[#byStatus + 1] = s end
  end
  local e = summary.errors
  io.write(string.format(
    'WRKJSON {"requests":%d,"duration_us":%d,"bytes":%d,"non2xx":%d,"non2xx_by_thread":[%s],'
      .. '"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},'
      .. '"latency_us":{"mean":%.1f,"stdev":%.1f,"max":%d,"p50":%d,"p90":%d,"p99":%d,"p999":%d}}\n',
    summary.requests, summary.duration, summary.bytes, bad, table.concat(byStatus, "},{") ~= "" and ("{" .. table.concat(byStatus, "},{") .. "}") or "",
    e.connect, e.read, e.write, e.status, e.timeout,
    latency.mean, latency.stdev, latency.max,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency:percentile(99.9)))
end
