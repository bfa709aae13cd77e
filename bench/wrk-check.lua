-- wrk script for scripts/bench.sh: sends one request over and over, counts answers that are
-- not 2xx or lack the expected text, and prints one machine-readable summary line.
--
-- Usage: wrk ... -s bench/wrk-check.lua URL -- METHOD EXPECT [BODY] [TERMS]
--   METHOD  GET or POST
--   EXPECT  text every good answer contains (e.g. a user's email on that page)
--   BODY    request body (form-encoded), for POST
--   TERMS   a file of URL-encoded search terms, one per line: each request then puts the next
--           term in place of __TERM__ in the URL and the body (each wrk thread starts at its
--           own place in the list), so no two requests close in time search for the same text
-- Headers (cookie, Accept, Origin, Content-Type) come from wrk's -H options.

local threads = {}

function setup(thread)
  table.insert(threads, thread)
  thread:set("thread_number", #threads)
end

function init(args)
  method = args[1] or "GET"
  expect = args[2] or ""
  body = args[3]
  non2xx = 0
  unexpected = 0
  prepared = wrk.format(method, nil, nil, body)
  if args[4] and args[4] ~= "" then
    terms = {}
    for line in io.lines(args[4]) do
      if line ~= "" then table.insert(terms, line) end
    end
    -- Threads start far apart in the list (at multiples of the golden ratio of its length).
    next_term = math.floor((thread_number - 1) * #terms * 0.618) % #terms + 1
  end
end

function request()
  if not terms then
    return prepared
  end
  local term = terms[next_term]
  next_term = next_term % #terms + 1
  local put = function() return term end
  local path = wrk.path:gsub("__TERM__", put)
  return wrk.format(method, path, nil, body and (body:gsub("__TERM__", put)))
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
