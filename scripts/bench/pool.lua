-- wrk script for `make bench`: sends each request of a pool once.
-- BENCH_POOL names a Lua file returning {{method, path, headers, body}, ...}
-- (written by the bench driver); the first BENCH_COUNT are measured, the
-- rest are spares. BENCH_THREADS is wrk's -t. Thread k sends requests k+1,
-- k+1+T, ... and stops after its share of the measured ones; the requests
-- its other connections send before the stop takes effect come from the
-- spares, so a single-use request (signed, once-only) is never sent twice.

local threads = {}
local next_id = 0

function setup(thread)
  thread:set("tid", next_id)
  next_id = next_id + 1
  table.insert(threads, thread)
end

function init(args)
  pool = dofile(os.getenv("BENCH_POOL"))
  nthreads = tonumber(os.getenv("BENCH_THREADS"))
  cursor = tid + 1
  local count = tonumber(os.getenv("BENCH_COUNT"))
  quota = 0
  for i = tid + 1, count, nthreads do quota = quota + 1 end
  received = 0
end

function request()
  local r = pool[cursor]
  if r == nil then
    -- Only if the spares run out (they should not): repeat the last one.
    r = pool[#pool]
  end
  cursor = cursor + nthreads
  return wrk.format(r.method, r.path, r.headers, r.body)
end

function response(status, headers, body)
  received = received + 1
  if received >= quota then
    wrk.thread:stop()
  end
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCH_RESULT {"requests":%d,"duration_us":%d,"p50_us":%d,"p95_us":%d,"p99_us":%d,"mean_us":%.1f,"max_us":%d,' ..
    '"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d}}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(95), latency:percentile(99),
    latency.mean, latency.max, e.connect, e.read, e.write, e.status, e.timeout))
end
