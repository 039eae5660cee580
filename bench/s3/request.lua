-- wrk script for the S3 benchmark (bench/s3/run.ts): one request, sent over and over, with the
-- headers in HEADERS_FILE ("Name: value" per line) — a SigV4-signed GetObject with a session
-- token. Replaying a signed request is what S3 allows within the 15-minute skew window.
--
--   wrk -t2 -c16 -d10s --latency -s bench/s3/request.lua URL -- HEADERS_FILE [METHOD]
--
-- Statuses and the `WRKJSON {...}` summary line come from bench/lib/wrkjson.lua.

dofile("bench/lib/wrkjson.lua")

function init(args)
  local file, method = args[1], args[2] or "GET"
  assert(file, "usage: -- HEADERS_FILE [METHOD]")
  local headers = {}
  for line in io.lines(file) do
    local name, value = line:match("^([^:]+):%s*(.*)$")
    -- wrk adds `Host` itself unless the table has that exact key; a second `host` line would
    -- make the server see two Host headers (and the signature a joined value).
    if name and name:lower() == "host" then headers["Host"] = value
    elseif name then headers[name] = value end
  end
  prepared[1] = wrk.format(method, nil, headers, nil)
end

function request()
  counter = counter + 1
  return prepared[1]
end
