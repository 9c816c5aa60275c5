-- Shared by every scenario: number the threads, and print the run's figures as one JSON line at the end
-- (wrk's own text shows no 95th percentile). Threads may count journeys in the globals `done_ok`/`failed`.
local threads = {}

function setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end

-- A script's own headers replace wrk's (-H); keep those (Accept-Encoding) under the script's.
function with_defaults(headers)
  for name, value in pairs(wrk.headers) do
    if headers[name] == nil then headers[name] = value end
  end
  return headers
end

function done(summary, latency, requests)
  local done_ok, failed = 0, 0
  for _, thread in ipairs(threads) do
    done_ok = done_ok + (thread:get("done_ok") or 0)
    failed = failed + (thread:get("failed") or 0)
  end
  local e = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests": %d, "duration_us": %d, "bytes": %d, "p50_us": %d, "p95_us": %d, "p99_us": %d, ' ..
    '"max_us": %d, "status_errors": %d, "connect_errors": %d, "read_errors": %d, "write_errors": %d, ' ..
    '"timeouts": %d, "journeys_done": %d, "journeys_failed": %d}\n',
    summary.requests, summary.duration, summary.bytes, latency:percentile(50), latency:percentile(95),
    latency:percentile(99), latency.max, e.status, e.connect, e.read, e.write, e.timeout, done_ok, failed))
end
