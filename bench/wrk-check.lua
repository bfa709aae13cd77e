-- wrk script for scripts/bench.sh: sends one request over and over, counts answers that are
-- not 2xx or lack the expected text, and prints one machine-readable summary line.
--
-- Usage: wrk ... -s bench/wrk-check.lua URL -- METHOD EXPECT [BODY]
--   METHOD  GET or POST
--   EXPECT  text every good answer contains (e.g. a user's email on that page)
--   BODY    request body (form-encoded), for POST
-- Headers (cookie, Accept, Origin, Content-Type) come from wrk's -H options.

local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  method = args[1] or "GET"
  expect = args[2] or ""
  body = args[3]
  non2xx = 0
  unexpected = 0
  prepared = wrk.format(method, nil, nil, body)
end

function request()
  return prepared
end

function response(status, headers, response_body)
  if status < 200 or status > 299 then
    non2xx = non2xx + 1
  elseif expect ~= "" and not string.find(response_body, expect, 1, true) then
    unexpected = unexpected + 1
  end
end

function done(summary, latency, requests)
  local bad, odd = 0, 0
  for _, thread in ipairs(threads) do
    bad = bad + thread:get("non2xx")
    odd = odd + thread:get("unexpected")
  end
  local e = summary.errors
  io.write(string.format(
    "BENCH_RESULT requests=%d duration_us=%d p50_us=%d p90_us=%d p99_us=%d max_us=%d " ..
    "non2xx=%d unexpected=%d socket_errors=%d timeouts=%d\n",
    summary.requests, summary.duration,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max,
    bad, odd, e.connect + e.read + e.write, e.timeout))
end
