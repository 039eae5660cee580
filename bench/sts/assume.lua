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

dofile("bench/lib/wrkjson.lua")

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
