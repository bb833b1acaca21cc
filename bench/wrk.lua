-- wrk script for `make bench` (bench/run.py writes the arguments).
--   wrk ... -s bench/wrk.lua URL -- <cookie> <csrf> <mode> [mode args]
-- modes:
--   get                  the URL as given
--   asof <path> <first>  <path>&as_of=<date>, a date never asked before on every
--                        request: <first> (YYYY-MM-DD) plus a day per request,
--                        threads interleaved so no two requests share a date
--   post <file>          POST a progress update to a different task each time;
--                        <file> has one "task_id version" line per task
-- done() prints one JSON line: requests, seconds, errors, p50/p95/p99 in ms.

local threads = {}
local counter = 0

function setup(thread)
  thread:set("tid", #threads)
  table.insert(threads, thread)
end

local function day(first, n)
  local y, m, d = first:match("(%d+)-(%d+)-(%d+)")
  local t = os.time({year = tonumber(y), month = tonumber(m), day = tonumber(d), hour = 12})
  return os.date("%Y-%m-%d", t + n * 86400)
end

function init(args)
  cookie, csrf, mode = args[1], args[2], args[3]
  nthreads = tonumber(os.getenv("WRK_THREADS") or "2")
  headers = {["Cookie"] = cookie}
  if mode == "asof" then
    base_path, first = args[4], args[5]
  elseif mode == "post" then
    tasks = {}
    local i = 0
    for line in io.lines(args[4]) do
      if i % nthreads == tid then
        local id, version = line:match("(%d+) (%d+)")
        table.insert(tasks, {id = id, version = version})
      end
      i = i + 1
    end
    headers["Content-Type"] = "application/x-www-form-urlencoded"
    headers["X-CSRFToken"] = csrf
  end
end

function request()
  counter = counter + 1
  if mode == "asof" then
    return wrk.format("GET", base_path .. "&as_of=" .. day(first, tid + (counter - 1) * nthreads), headers)
  elseif mode == "post" then
    local task = tasks[((counter - 1) % #tasks) + 1]
    local body = "status=in_progress&progress=50&note=Bench+update&version=" .. task.version
    -- The next post to this task (one round of the thread's tasks later, long after this one
    -- is answered) carries the version this one creates; a stale one would be a 409.
    task.version = tonumber(task.version) + 1
    return wrk.format("POST", "/tasks/" .. task.id .. "/updates/", headers, body)
  end
  return wrk.format("GET", nil, headers)
end

function done(summary, latency, requests)
  local e = summary.errors
  local errors = e.connect + e.read + e.write + e.status + e.timeout
  io.write(string.format(
    '\nBENCH_JSON {"requests": %d, "seconds": %.3f, "errors": %d, "p50_ms": %.1f, "p95_ms": %.1f, "p99_ms": %.1f}\n',
    summary.requests, summary.duration / 1e6, errors,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000))
end
