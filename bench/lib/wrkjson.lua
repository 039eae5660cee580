-- Shared by the wrk scripts of the benchmarks (dofile'd from each; wrk runs a script once per
-- thread, each in its own Lua state). Counts non-2xx responses by status in `response` and prints
-- one line `WRKJSON {...}` from `done` with the totals and latency percentiles in µs, which
-- bench/sts/procs.ts parses.

local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

-- Per-thread state (each wrk thread has its own Lua state); globals so `done` can read them.
prepared = {}
counter = 0
non2xx = 0
statuses = ""

seen = {}

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
