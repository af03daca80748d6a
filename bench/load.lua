-- wrk script of the Tsunagu benchmark (driven by bench/run.py; see bench/README.md).
--
--   wrk ... -s bench/load.lua http://127.0.0.1:PORT/healthz -- MODE [REQUESTS_FILE]
--
-- MODE
--   plain   wrk's own static request to the URL (the hello-world floor); 200 expected.
--   cycle   requests from REQUESTS_FILE, taken in turn and reused; 200 expected.
--   once    requests from REQUESTS_FILE, each sent exactly once (one prepared draft per
--           submission); a 302 whose Location contains "/done/" is the only success.
--
-- REQUESTS_FILE has one request per line, tab-separated: METHOD, PATH, COOKIE, BODY.
-- Each wrk thread takes every n-th line (n = number of threads), so no two threads ever
-- send the same line. done() prints one line "BENCH_JSON {...}" that run.py parses:
-- latencies in microseconds, "bad" = unexpected responses, "exhausted" = requests
-- sent after a thread ran out of lines in "once" mode (the run is then invalid).

local threads = {}
local counter = 0

function setup(thread)
  thread:set("thread_index", counter)
  counter = counter + 1
  table.insert(threads, thread)
end

local function split(line)
  local fields = {}
  for field in (line .. "\t"):gmatch("([^\t]*)\t") do
    table.insert(fields, field)
  end
  return fields
end

local function load_requests(path, index, nthreads)
  local out = {}
  local n = 0
  for line in io.lines(path) do
    if n % nthreads == index then
      local f = split(line)
      local headers = { ["Cookie"] = f[3] }
      local body = nil
      if f[1] == "POST" then
        headers["Content-Type"] = "application/x-www-form-urlencoded"
        body = f[4]
      end
      table.insert(out, wrk.format(f[1], f[2], headers, body))
    end
    n = n + 1
  end
  return out
end

local function response_ok(status, headers, body)
  if status ~= 200 then
    bad = bad + 1
  end
end

local function response_done(status, headers, body)
  local location = headers["Location"] or headers["location"] or ""
  if status ~= 302 or not location:find("/done/", 1, true) then
    bad = bad + 1
  end
end

function init(args)
  bad = 0
  exhausted = 0
  local mode = args[1] or "plain"
  if mode == "plain" then
    return
  end
  local nthreads = tonumber(args[3] or "1")
  local requests = load_requests(args[2], thread_index, nthreads)
  if #requests == 0 then
    error("no requests for thread " .. thread_index .. " in " .. args[2])
  end
  local i = 0
  if mode == "cycle" then
    request = function()
      i = i % #requests + 1
      return requests[i]
    end
    response = response_ok
  else
    local fallback = wrk.format("GET", "/healthz")
    request = function()
      i = i + 1
      if i > #requests then
        exhausted = exhausted + 1
        return fallback
      end
      return requests[i]
    end
    response = response_done
  end
end

function done(summary, latency, requests)
  local total_bad, total_exhausted = 0, 0
  for _, thread in ipairs(threads) do
    total_bad = total_bad + (thread:get("bad") or 0)
    total_exhausted = total_exhausted + (thread:get("exhausted") or 0)
  end
  local e = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests": %d, "duration_us": %d, "bytes": %d, "connect_errors": %d, '
      .. '"read_errors": %d, "write_errors": %d, "status_errors": %d, "timeouts": %d, '
      .. '"bad": %d, "exhausted": %d, "mean_us": %.1f, "p50_us": %d, "p95_us": %d, '
      .. '"p99_us": %d, "max_us": %d}\n',
    summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write,
    e.status, e.timeout, total_bad, total_exhausted, latency.mean,
    latency:percentile(50), latency:percentile(95), latency:percentile(99), latency.max
  ))
end
