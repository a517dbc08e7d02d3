-- Shared by every bench script: every answer's status counted, and at the end one JSON line the
-- bench runner reads (it checks that the endpoint answered only what it should).

-- wrk runs response() in each thread's own Lua state, and done() in the main one: the threads
-- are kept here as setup() sees them, and done() reads their counts. A script with a setup() of
-- its own calls register(thread) in it.
local registered = {}
function register(thread)
  table.insert(registered, thread)
end
setup = register

statuses = {}
function response(status)
  statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
  local counts = {}
  for _, thread in ipairs(registered) do
    for status, count in pairs(thread:get("statuses")) do
      counts[status] = (counts[status] or 0) + count
    end
  end
  local answered = {}
  for status, count in pairs(counts) do
    table.insert(answered, string.format('"%d": %d', status, count))
  end
  local seconds = summary.duration / 1e6
  io.write(string.format(
    'WRK_JSON {"requests": %d, "seconds": %.3f, "rps": %.1f, "p50_ms": %.3f, "p90_ms": %.3f, ' ..
    '"p99_ms": %.3f, "non_2xx": %d, "socket_errors": %d, "statuses": {%s}}\n',
    summary.requests, seconds, summary.requests / seconds,
    latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000,
    summary.errors.status,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    table.concat(answered, ", ")))
end
