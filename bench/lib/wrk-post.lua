-- wrk script: POST one body with fixed headers, and print the results as one JSON line.
-- usage: [WRK_TURN_MARKER=M] wrk ... -s wrk-post.lua URL -- BODY_FILE ["Name: value" ...]
-- Without WRK_TURN_MARKER the request is built once and sent as is every time. With it, M
-- in the body is replaced on every request by a counter of the same length, so each request
-- carries one new piece of text (a new agent turn). It is read from the environment because
-- wrk decides whether requests are dynamic before init() sees the arguments.

local marker = os.getenv("WRK_TURN_MARKER")
local prefix, suffix, width
local n = 0

if marker and marker ~= "" then
  function request()
    n = n + 1
    return wrk.format(nil, nil, nil, prefix .. string.format("%0" .. width .. "d", n) .. suffix)
  end
end

function init(args)
  local f = assert(io.open(args[1], "rb"))
  wrk.body = f:read("*a")
  f:close()
  wrk.method = "POST"
  for i = 2, #args do
    local name, value = string.match(args[i], "^([^:]+):%s*(.*)$")
    if name then wrk.headers[name] = value end
  end
  if marker and marker ~= "" then
    local s, e = string.find(wrk.body, marker, 1, true)
    assert(s, "turn marker not found in the body")
    prefix, suffix, width = string.sub(wrk.body, 1, s - 1), string.sub(wrk.body, e + 1), e - s + 1
  end
end

-- No response() callback: wrk would hand every response to Lua and slow itself down;
-- summary.errors.status already counts answers that are not 2xx/3xx.

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRK_RESULT {"requests":%d,"duration_us":%d,"bytes":%d,"connect_errors":%d,"read_errors":%d,' ..
    '"write_errors":%d,"status_errors":%d,"timeouts":%d,"p50_us":%d,"p90_us":%d,"p99_us":%d,"mean_us":%.1f,"max_us":%d}\n',
    summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.mean, latency.max))
end
